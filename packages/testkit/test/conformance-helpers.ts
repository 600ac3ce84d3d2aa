import type { Bar, BrokerCapabilities, ReplayBroker } from '@bt/core';
import type { ConformanceCapabilities } from '../src/conformance/index.js';
import { MemoryReplayBroker, makeBars } from '../src/index.js';

export const SYMBOL = 'BTCUSD';

/** The bars of the fixture: two symbols, 40 one-minute bars each. */
export function fixtureBars(): Record<string, Bar[]> {
  return { [SYMBOL]: makeBars(SYMBOL, 0, 40), ETHUSD: makeBars('ETHUSD', 0, 40, { price: (i) => 50 + i }) };
}

/**
 * A ReplayBroker that forwards to a MemoryReplayBroker, with other capabilities and any method
 * replaced: a stand-in for an adapter that declares less, or has a bug.
 */
export function wrapMemoryBroker(
  capabilities: BrokerCapabilities & ConformanceCapabilities,
  overrides: (inner: MemoryReplayBroker) => Partial<ReplayBroker> = () => ({}),
): ReplayBroker {
  const inner = new MemoryReplayBroker({ bars: fixtureBars() });
  const base: ReplayBroker = {
    id: 'wrapped-memory',
    capabilities,
    connect: () => inner.connect(),
    close: () => inner.close(),
    getMarkets: () => inner.getMarkets(),
    getBars: (symbol, timeframe, limit) => inner.getBars(symbol, timeframe, limit),
    getLatestPrice: (symbol) => inner.getLatestPrice(symbol),
    getBalances: () => inner.getBalances(),
    getPositions: (symbol) => inner.getPositions(symbol),
    getOpenOrders: (symbol) => inner.getOpenOrders(symbol),
    submitOrder: (request) => inner.submitOrder(request),
    cancelOrder: (ref) => inner.cancelOrder(ref),
    fetchOrder: (ref) => inner.fetchOrder(ref),
    subscribe: (listener) => inner.subscribe(listener),
    advanceTime: (symbol) => inner.advanceTime(symbol),
    currentTime: () => inner.currentTime(),
    getResults: () => inner.getResults(),
  };
  return { ...base, ...overrides(inner) };
}
