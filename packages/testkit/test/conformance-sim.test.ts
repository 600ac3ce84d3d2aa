import type { OhlcvRow } from '@bt/sim-broker';
import { barsFromRows, SimulatedBroker } from '@bt/sim-broker';
import { describe, expect, it } from 'vitest';
import type { BrokerConformanceOptions } from '../src/conformance/index.js';
import { describeBrokerConformance, planBrokerConformance, replayFixture } from '../src/conformance/index.js';

/** 40 one-minute bars around `base`, every one well formed (low <= open, close <= high). */
function rows(base: number): OhlcvRow[] {
  return Array.from({ length: 40 }, (_, i) => {
    const open = base + base * 0.01 * Math.sin(i / 5);
    const close = open + base * 0.001;
    return { time: i * 60_000, open, high: close + base * 0.002, low: open - base * 0.002, close, volume: 100 };
  });
}

function simulatedBroker(allowShort: boolean): SimulatedBroker {
  return new SimulatedBroker({
    data: [barsFromRows('BTC/USDT', '1m', rows(30_000)), barsFromRows('ETH/USDT', '1m', rows(2_000))],
    account: { currency: 'USDT', balances: { USDT: 100_000 }, allowShort },
    markets: [{ symbol: 'BTC/USDT', amountStep: 0.001, priceStep: 0.01, minAmount: 0.001 }],
    fees: { maker: 0.0005, taker: 0.001 },
  });
}

const facts = { symbol: 'BTC/USDT', amount: 0.01, unaffordableAmount: 1000, offPrecisionAmount: 0.0105 } as const;

const spot: BrokerConformanceOptions = { name: 'SimulatedBroker', create: () => replayFixture(simulatedBroker(false)), ...facts };
const shorting: BrokerConformanceOptions = {
  name: 'SimulatedBroker (allowShort)',
  create: () => replayFixture(simulatedBroker(true)),
  ...facts,
};

describeBrokerConformance(spot);
describeBrokerConformance(shorting);

describe('the conformance plans of SimulatedBroker', () => {
  // SimulatedBroker takes every order type, so there is none to see refused.
  const undeclared = ['rejects.undeclared-type', 'needs an order type it does not declare'];

  it('runs every case but shorting and an undeclared order type on a spot account', () => {
    expect(planBrokerConformance(simulatedBroker(false).capabilities, spot).skipped.map((c) => [c.id, c.skip])).toEqual([
      undeclared,
      ['positions.short-after-sell', 'needs capability shorting'],
    ]);
  });

  it('runs every case but an undeclared order type with allowShort', () => {
    expect(planBrokerConformance(simulatedBroker(true).capabilities, shorting).skipped.map((c) => [c.id, c.skip])).toEqual([undeclared]);
  });
});
