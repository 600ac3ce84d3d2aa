import { describe, expect, it } from 'vitest';
import type { Broker } from '../src/broker.js';
import { ManualClock } from '../src/manual-clock.js';
import { silentLogger } from '../src/logger.js';
import { MemoryOrderStore } from '../src/memory-order-store.js';
import { OrderGateway } from '../src/order-gateway.js';
import type { Fill, OrderRequest, Position } from '../src/orders.js';
import { evaluateExit, TradeManager } from '../src/trade-manager.js';

function fill(side: 'buy' | 'sell', amount: number, price: number, timestamp = 0, symbol = 'X'): Fill {
  return { id: `f${timestamp}`, orderId: 'o', symbol, side, amount, price, fee: 0, feeCurrency: 'USD', maker: false, timestamp };
}

function long(symbol = 'X', size = 1): Position {
  return { symbol, side: 'long', size, entryPrice: 100, realizedPnl: 0, unrealizedPnl: 0, markPrice: 100 };
}

function setup() {
  const sent: OrderRequest[] = [];
  const broker = {
    submitOrder: async (request: OrderRequest) => {
      sent.push(request);
      return { accepted: true, orderId: String(sent.length), clientOrderId: request.clientOrderId, status: 'open' as const };
    },
  } as unknown as Broker;
  const gateway = new OrderGateway(broker, new ManualClock(0), silentLogger, new MemoryOrderStore('bt', ['X', 'Y']));
  return { sent, gateway, manager: new TradeManager(gateway, silentLogger) };
}

describe('evaluateExit', () => {
  const trade = { symbol: 'X', strategyId: 's', side: 'long' as const, size: 1, entryPrice: 100, openedAt: 0, bestPrice: 110 };
  it('fires the stop-loss when price falls the stop fraction below entry', () => {
    expect(evaluateExit(trade, { stopLoss: 0.05 }, 95, 0)).toBe('stop-loss');
    expect(evaluateExit(trade, { stopLoss: 0.05 }, 95.01, 0)).toBeUndefined();
  });
  it('fires take-profit at the target', () => {
    expect(evaluateExit(trade, { takeProfit: 0.1 }, 110, 0)).toBe('take-profit');
    expect(evaluateExit(trade, { takeProfit: 0.1 }, 109.99, 0)).toBeUndefined();
  });
  it('fires the trailing stop on a retreat from the best price', () => {
    // best 110, 10 % trail -> 99
    expect(evaluateExit(trade, { trailingStop: 0.1 }, 99, 0)).toBe('trailing-stop');
    expect(evaluateExit(trade, { trailingStop: 0.1 }, 99.5, 0)).toBeUndefined();
  });
  it('fires on maximum holding time', () => {
    expect(evaluateExit(trade, { maxHoldingMs: 60_000 }, 100, 60_000)).toBe('max-holding-time');
    expect(evaluateExit(trade, { maxHoldingMs: 60_000 }, 100, 59_999)).toBeUndefined();
  });
  it('mirrors the rules for shorts', () => {
    const short = { ...trade, side: 'short' as const, bestPrice: 90 };
    expect(evaluateExit(short, { stopLoss: 0.05 }, 105, 0)).toBe('stop-loss');
    expect(evaluateExit(short, { takeProfit: 0.1 }, 90, 0)).toBe('take-profit');
    expect(evaluateExit(short, { trailingStop: 0.1 }, 99, 0)).toBe('trailing-stop');
  });
  it('checks the stop before the take-profit', () => {
    expect(evaluateExit({ ...trade, entryPrice: 100 }, { stopLoss: 0.01, takeProfit: -1 }, 90, 0)).toBe('stop-loss');
  });
});

describe('TradeManager', () => {
  it('opens a managed trade on an entry fill and sends one reduce-only market exit tagged with its strategy', async () => {
    const { manager, sent } = setup();
    manager.recordFill(fill('buy', 2, 100, 1000), 'sma', { stopLoss: 0.02 });
    expect(manager.trades()).toMatchObject([{ symbol: 'X', strategyId: 'sma', side: 'long', size: 2, entryPrice: 100 }]);
    await manager.manage([long('X', 2)], async () => 97.9, 2000);
    await manager.manage([long('X', 2)], async () => 97, 3000);
    expect(sent).toEqual([{ symbol: 'X', side: 'sell', type: 'market', amount: 2, reduceOnly: true, clientOrderId: 'bt-0-1', tag: 'sma' }]);
  });

  it('averages entries, reduces on opposite fills and forgets a closed trade', () => {
    const { manager } = setup();
    manager.recordFill(fill('buy', 1, 100), 's', { takeProfit: 0.1 });
    manager.recordFill(fill('buy', 1, 110), 's', { takeProfit: 0.1 });
    expect(manager.trades()[0]).toMatchObject({ size: 2, entryPrice: 105 });
    manager.recordFill(fill('sell', 0.5, 120), 's', { takeProfit: 0.1 });
    expect(manager.trades()[0]).toMatchObject({ size: 1.5, entryPrice: 105 });
    manager.recordFill(fill('sell', 1.5, 120), 's', { takeProfit: 0.1 });
    expect(manager.trades()).toEqual([]);
  });

  it('keeps no trade for a strategy without rules', () => {
    const { manager } = setup();
    manager.recordFill(fill('buy', 1, 100), 's', undefined);
    manager.recordFill(fill('buy', 1, 100), 't', {});
    expect(manager.trades()).toEqual([]);
  });

  it('drops a trade whose symbol is flat at the venue, and tracks the best price for the trailing stop', async () => {
    const { manager, sent } = setup();
    manager.recordFill(fill('buy', 1, 100), 's', { trailingStop: 0.05 });
    manager.recordFill(fill('buy', 1, 50, 0, 'Y'), 's', { trailingStop: 0.05 });
    const prices: Record<string, number> = { X: 120, Y: 50 };
    await manager.manage([long('X')], async (symbol) => prices[symbol] as number, 0);
    expect(manager.trades().map((t) => [t.symbol, t.bestPrice])).toEqual([['X', 120]]);
    prices.X = 114; // 5 % below 120
    await manager.manage([long('X')], async (symbol) => prices[symbol] as number, 0);
    expect(sent.map((r) => [r.symbol, r.side, r.amount])).toEqual([['X', 'sell', 1]]);
  });

  it('frees a trade for another exit when its exit order is rejected by the venue', async () => {
    const { manager, sent } = setup();
    manager.recordFill(fill('buy', 1, 100), 's', { stopLoss: 0.01 });
    await manager.manage([long()], async () => 90, 0);
    await manager.manage([long()], async () => 90, 0);
    expect(sent).toHaveLength(1);
    const exit = manager.trades()[0]?.exitOrder;
    manager.recordOrderUpdate({ clientOrderId: exit, status: 'rejected' } as never);
    await manager.manage([long()], async () => 90, 0);
    expect(sent).toHaveLength(2);
  });
});
