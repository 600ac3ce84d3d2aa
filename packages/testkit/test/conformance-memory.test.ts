import { describe, expect, it } from 'vitest';
import type { BrokerConformanceOptions } from '../src/conformance/index.js';
import { MemoryReplayBroker, makeBars } from '../src/index.js';
import { describeBrokerConformance, planBrokerConformance, replayFixture } from '../src/conformance/index.js';

const SYMBOL = 'BTCUSD';

/** Two symbols, 40 one-minute bars each: more than the suite's warm-up and waits use. */
function memoryBroker(): MemoryReplayBroker {
  return new MemoryReplayBroker({
    bars: { [SYMBOL]: makeBars(SYMBOL, 0, 40), ETHUSD: makeBars('ETHUSD', 0, 40, { price: (i) => 50 + i }) },
  });
}

const options: BrokerConformanceOptions = {
  name: 'MemoryReplayBroker',
  create: () => replayFixture(memoryBroker()),
  symbol: SYMBOL,
  amount: 1,
  unaffordableAmount: 1e12,
};

describeBrokerConformance(options);

describe('the conformance plan of MemoryReplayBroker', () => {
  it('skips what its capabilities do not declare: limits, IOC, reduce-only, funds checks, client-id dedup, precision', () => {
    const plan = planBrokerConformance(memoryBroker().capabilities, options);
    expect(plan.skipped.map((c) => [c.id, c.skip])).toEqual([
      ['orders.open-limit', 'needs order type limit'],
      ['orders.cancel', 'needs order type limit'],
      ['rejects.off-precision', 'needs fixture offPrecisionAmount'],
      ['rejects.insufficient-funds', 'needs capability fundsCheck'],
      ['orders.client-id-idempotent', 'needs capability uniqueClientOrderIds'],
      ['orders.reduce-only', 'needs capability reduceOnly'],
      ['orders.ioc', 'needs order type limit, capability ioc'],
    ]);
    expect(plan.run.map((c) => c.id)).toContain('positions.short-after-sell');
  });
});
