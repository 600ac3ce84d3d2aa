import type { Bar, BrokerCapabilities, ReplayBroker } from '@bt/core';
import type { ConformanceCapabilities } from '../src/conformance/index.js';
import { MemoryReplayBroker, makeBars } from '../src/index.js';
import type { OhlcvRow } from '@bt/sim-broker';
import { barsFromRows, SimulatedBroker } from '@bt/sim-broker';

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

/** 40 one-minute bars around `base`, every one well formed (low <= open, close <= high). */
function rows(base: number): OhlcvRow[] {
  return Array.from({ length: 40 }, (_, i) => {
    const open = base + base * 0.01 * Math.sin(i / 5);
    const close = open + base * 0.001;
    return { time: i * 60_000, open, high: close + base * 0.002, low: open - base * 0.002, close, volume: 100 };
  });
}

/** A SimulatedBroker over BTC/USDT and ETH/USDT with 100,000 USDT. */
export function simulatedBroker(allowShort: boolean): SimulatedBroker {
  return new SimulatedBroker({
    data: [barsFromRows('BTC/USDT', '1m', rows(30_000)), barsFromRows('ETH/USDT', '1m', rows(2_000))],
    account: { currency: 'USDT', balances: { USDT: 100_000 }, allowShort },
    markets: [{ symbol: 'BTC/USDT', amountStep: 0.001, priceStep: 0.01, minAmount: 0.001 }],
    fees: { maker: 0.0005, taker: 0.001 },
  });
}
