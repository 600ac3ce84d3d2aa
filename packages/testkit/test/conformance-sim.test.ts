import { describe, expect, it } from 'vitest';
import type { BrokerConformanceOptions } from '../src/conformance/index.js';
import { describeBrokerConformance, planBrokerConformance, replayFixture } from '../src/conformance/index.js';
import { simulatedBroker } from './conformance-helpers.js';

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
