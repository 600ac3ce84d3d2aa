import { describe, expect, it } from 'vitest';
import type { Broker } from '../src/broker.js';
import { silentLogger } from '../src/logger.js';
import { ManualClock } from '../src/manual-clock.js';
import { MemoryOrderStore } from '../src/memory-order-store.js';
import { OrderGateway } from '../src/order-gateway.js';
import type { Fill, Order, OrderAck, OrderRequest, Position } from '../src/orders.js';
import { TradeManager } from '../src/trade-manager.js';
import type { ExitInFlight, StoredTrade, TradeStateStore } from '../src/trade-store.js';

function fill(side: 'buy' | 'sell', amount: number, price: number): Fill {
  return {
    id: `f-${side}-${amount}`,
    orderId: 'o',
    symbol: 'X',
    side,
    amount,
    price,
    fee: 0,
    feeCurrency: 'USD',
    maker: false,
    timestamp: 1_000,
  };
}

const LONG: Position = { symbol: 'X', side: 'long', size: 2, entryPrice: 100, realizedPnl: 0, unrealizedPnl: 0, markPrice: 100 };

/** A trade store in memory that logs its calls. */
class LoggingTradeStore implements TradeStateStore {
  readonly trades = new Map<string, StoredTrade>();
  readonly calls: string[] = [];

  saveTrade(trade: StoredTrade): void {
    this.calls.push(`save ${trade.size} ${trade.exit.kind}`);
    this.trades.set(`${trade.symbol}/${trade.strategyId}`, trade);
  }
  setTradeExit(symbol: string, strategyId: string, exit: ExitInFlight): void {
    this.calls.push(`exit ${exit.kind}`);
    const key = `${symbol}/${strategyId}`;
    this.trades.set(key, { ...(this.trades.get(key) as StoredTrade), exit });
  }
  removeTrade(symbol: string, strategyId: string): void {
    this.calls.push('remove');
    this.trades.delete(`${symbol}/${strategyId}`);
  }
  loadTrades(): StoredTrade[] {
    return [...this.trades.values()];
  }
}

function setup(options: { answer?: (request: OrderRequest) => OrderAck; found?: (clientOrderId: string) => Order | undefined } = {}) {
  const store = new LoggingTradeStore();
  const sent: { request: OrderRequest; stored: ExitInFlight | undefined }[] = [];
  const lookups: string[] = [];
  const broker = {
    id: 'b',
    capabilities: { fetchByClientOrderId: true },
    submitOrder: async (request: OrderRequest): Promise<OrderAck> => {
      // What the store held when the order left.
      sent.push({ request, stored: store.trades.get('X/s')?.exit });
      return (
        options.answer?.(request) ?? { accepted: true, orderId: `V${sent.length}`, status: 'open', clientOrderId: request.clientOrderId }
      );
    },
    fetchOrder: async (ref: { clientOrderId: string }) => {
      lookups.push(ref.clientOrderId);
      return options.found?.(ref.clientOrderId);
    },
  } as unknown as Broker;
  const gateway = new OrderGateway(broker, new ManualClock(0), silentLogger, new MemoryOrderStore('bt', ['X']));
  const manager = new TradeManager(gateway, silentLogger, { store, backoff: { initialMs: 1000, maxMs: 4000 } });
  return { store, sent, lookups, gateway, manager };
}

describe("the trade manager's state in a store", () => {
  it('is saved per position: opened, resized, the exit submitting (stored before it is sent), then working, then removed', async () => {
    const { store, sent, manager } = setup();
    manager.recordFill(fill('buy', 1, 100), 's', { stopLoss: 0.05 });
    manager.recordFill(fill('buy', 1, 100), 's', { stopLoss: 0.05 });
    await manager.manage([LONG], () => 90, 2_000);
    const exit = sent[0]?.request.clientOrderId as string;
    expect(sent[0]?.stored).toEqual({ kind: 'submitting', clientOrderId: exit, reason: 'stop-loss', attempts: 1, nextAttemptAt: 3_000 });
    expect(store.trades.get('X/s')?.exit).toEqual({ kind: 'working', clientOrderId: exit });
    manager.recordFill(fill('sell', 2, 90), 's', { stopLoss: 0.05 });
    expect(store.calls).toEqual(['save 1 none', 'save 2 none', 'save 2 submitting', 'exit working', 'remove']);
    expect(store.trades.size).toBe(0);
  });

  it('saves the best price of a trailing stop as it moves', async () => {
    const { store, manager } = setup();
    manager.recordFill(fill('buy', 2, 100), 's', { trailingStop: 0.1 });
    await manager.manage([LONG], () => 105, 0);
    await manager.manage([LONG], () => 104, 0);
    expect(store.trades.get('X/s')?.bestPrice).toBe(105);
    expect(store.calls).toEqual(['save 2 none', 'save 2 none']);
  });

  it('restores trades; a submitting exit is looked up at its next attempt time, and sent again once proven absent', async () => {
    const { store, sent, lookups, manager } = setup();
    const exit: ExitInFlight = { kind: 'submitting', clientOrderId: 'old-7', reason: 'take-profit', attempts: 2, nextAttemptAt: 5_000 };
    store.trades.set('X/s', {
      symbol: 'X',
      strategyId: 's',
      side: 'long',
      size: 2,
      entryPrice: 100,
      openedAt: 0,
      bestPrice: 100,
      exits: { takeProfit: 0.1 },
      exit,
    });
    expect(manager.restore()).toEqual([expect.objectContaining({ symbol: 'X', strategyId: 's', size: 2, exit, exitOrder: 'old-7' })]);
    await manager.manage([LONG], () => 100, 4_999);
    expect([lookups, sent]).toEqual([[], []]);
    await manager.manage([LONG], () => 100, 5_000);
    expect(lookups).toEqual(['old-7']);
    // Sent again although the price no longer calls for it: an exit once called for is carried through.
    expect(sent.map((s) => [s.request.side, s.request.amount, s.stored])).toEqual([
      ['sell', 2, { kind: 'submitting', clientOrderId: 'bt-0-1', reason: 'take-profit', attempts: 3, nextAttemptAt: 5_000 + 4_000 }],
    ]);
    expect(manager.trades()[0]?.exit).toEqual({ kind: 'working', clientOrderId: 'bt-0-1' });
  });

  it('restores a working exit, found open at the venue at the first pass: nothing is sent', async () => {
    const order = { id: 'V', clientOrderId: 'old-3', status: 'open' } as Order;
    const { store, sent, lookups, manager } = setup({ found: (id) => (id === 'old-3' ? order : undefined) });
    store.trades.set('X/s', {
      symbol: 'X',
      strategyId: 's',
      side: 'long',
      size: 2,
      entryPrice: 100,
      openedAt: 0,
      bestPrice: 100,
      exits: { stopLoss: 0.05 },
      exit: { kind: 'working', clientOrderId: 'old-3' },
    });
    manager.restore();
    await manager.manage([LONG], () => 80, 0);
    await manager.manage([LONG], () => 80, 1_000);
    expect(lookups).toEqual(['old-3']);
    expect(sent).toEqual([]);
  });

  it('refuses to restore without a store, or over trades already watched', () => {
    const { manager } = setup();
    manager.recordFill(fill('buy', 1, 100), 's', { stopLoss: 0.05 });
    expect(() => manager.restore()).toThrow(/already watched/);
    const bare = new TradeManager(setup().gateway, silentLogger);
    expect(() => bare.restore()).toThrow(/no store/);
  });

  it('sends again an exit the venue ended while its submission still awaited the answer', async () => {
    let manager: TradeManager | undefined;
    const { sent } = (() => {
      const s = setup({
        answer: (request) => {
          if (sent.length === 1) manager?.recordOrderUpdate({ clientOrderId: request.clientOrderId, status: 'canceled' } as Order);
          return { accepted: true, orderId: 'V', status: 'open', clientOrderId: request.clientOrderId };
        },
      });
      manager = s.manager;
      return s;
    })();
    manager?.recordFill(fill('buy', 2, 100), 's', { stopLoss: 0.05 });
    await manager?.manage([LONG], () => 90, 0);
    expect(manager?.trades()[0]?.exit.kind).toBe('submitting');
    await manager?.manage([LONG], () => 90, 1_000);
    expect(sent).toHaveLength(2);
    expect(manager?.trades()[0]?.exit).toEqual({ kind: 'working', clientOrderId: 'bt-0-2' });
  });
});
