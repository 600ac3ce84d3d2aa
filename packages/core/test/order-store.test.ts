import { describe, expect, it } from 'vitest';
import type { Broker } from '../src/broker.js';
import { BtError } from '../src/errors.js';
import { createMemoryLogger, silentLogger } from '../src/logger.js';
import { ManualClock } from '../src/manual-clock.js';
import { MemoryOrderStore } from '../src/memory-order-store.js';
import { OrderGateway } from '../src/order-gateway.js';
import type { OrderIntent, OrderStore } from '../src/order-store.js';
import { submitOutcome } from '../src/order-store.js';
import type { Fill, Order, OrderAck, OrderRequest } from '../src/orders.js';

function fill(over: Partial<Fill> = {}): Fill {
  return {
    id: 't1',
    orderId: 'V1',
    clientOrderId: 'bt-0-1',
    symbol: 'X',
    side: 'buy',
    amount: 1,
    price: 10,
    fee: 0,
    feeCurrency: 'USD',
    maker: false,
    timestamp: 0,
    ...over,
  };
}

const intent = (symbol: string): OrderIntent => ({
  symbol,
  strategyId: 's',
  order: { side: 'buy', type: 'market', amount: 1 },
  source: 'strategy',
  reason: undefined,
  at: 0,
});

describe('submitOutcome', () => {
  it('is unknown for what may have reached the venue, rejected for business errors', () => {
    expect(submitOutcome(new BtError('NETWORK', 'ETIMEDOUT'))).toBe('unknown');
    expect(submitOutcome(new BtError('EXCHANGE', '502', { retryable: true }))).toBe('unknown');
    // An adapter that gave up retrying still does not know where the order is.
    expect(submitOutcome(new BtError('NETWORK', 'outcome unknown after 3 tries', { retryable: false }))).toBe('unknown');
    expect(submitOutcome(new BtError('RATE_LIMIT', '429', { retryable: false }))).toBe('unknown');
    expect(submitOutcome(new BtError('INTERNAL', 'parse', { details: { outcomeUnknown: true } }))).toBe('unknown');
    expect(submitOutcome(new Error('socket hang up'))).toBe('unknown');
    expect(submitOutcome(new BtError('INSUFFICIENT_FUNDS', 'no USD'))).toBe('rejected');
    expect(submitOutcome(new BtError('INVALID_ORDER', 'below min notional'))).toBe('rejected');
    expect(submitOutcome(new BtError('AUTHENTICATION', 'bad key'))).toBe('rejected');
  });
});

describe('MemoryOrderStore', () => {
  it('gives `<runId>-<symbol index>-<seq>` ids, and calls `recorded` with the request before returning it', () => {
    const store = new MemoryOrderStore('run', ['X', 'Y']);
    const seen: string[] = [];
    const request = store.recordIntent(intent('Y'), (r) => seen.push(r.clientOrderId as string));
    expect(request).toEqual({ side: 'buy', type: 'market', amount: 1, symbol: 'Y', clientOrderId: 'run-1-1', tag: 's' });
    expect(seen).toEqual(['run-1-1']);
    expect(store.recordIntent(intent('Z')).clientOrderId).toBe('run-x-1');
    expect(store.request('run-1-1')).toBe(request);
  });

  it('records a fill once: a second report of it (same client order, venue order and trade id) is a duplicate', () => {
    const store = new MemoryOrderStore('bt', ['X']);
    const request = store.recordIntent(intent('X'));
    expect(store.recordFill(fill())).toBe(request);
    expect(store.recordFill({ ...fill() })).toBe('duplicate');
    expect(store.recordFill(fill({ id: 't2' }))).toBe(request);
    // The same trade id under another venue order id is another fill.
    expect(store.recordFill(fill({ orderId: 'V9' }))).toBe(request);
    expect(store.recordFill(fill({ clientOrderId: 'bt-0-7' }))).toBeUndefined();
    expect(store.recordFill(fill({ clientOrderId: undefined }))).toBeUndefined();
  });

  it('keeps no fill identities when told not to (replay pacing)', () => {
    const store = new MemoryOrderStore('bt', ['X'], { rememberFills: false });
    const request = store.recordIntent(intent('X'));
    expect(store.recordFill(fill())).toBe(request);
    expect(store.recordFill(fill())).toBe(request);
  });

  it('keeps the error of a `recorded` callback that threw, and throws it', () => {
    const store = new MemoryOrderStore('bt', ['X']);
    expect(() =>
      store.recordIntent(intent('X'), () => {
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(store.entry('bt-0-1')?.error).toBe('not sent: disk full');
  });
});

/** A store that logs every call, in order, over the in-memory one. */
function spyStore(calls: string[], inner: OrderStore = new MemoryOrderStore('bt', ['X'])): OrderStore {
  return {
    recordIntent: (i, recorded) => {
      calls.push('intent');
      return inner.recordIntent(i, recorded);
    },
    recordAck: (request, ack) => {
      calls.push(`ack ${ack.accepted}`);
      inner.recordAck(request, ack);
    },
    recordFailure: (request, error, outcome) => {
      calls.push(`failure ${outcome}`);
      inner.recordFailure(request, error, outcome);
    },
    recordOrder: (order) => calls.push(`order ${order.status}`),
    markAbsent: (id) => calls.push(`absent ${id}`),
    recordFill: (f) => inner.recordFill(f),
    request: (id) => inner.request(id),
    entry: (id) => inner.entry(id),
    entries: () => inner.entries(),
  };
}

function broker(calls: string[], answer: (request: OrderRequest) => Promise<OrderAck>, found?: Order): Broker {
  return {
    id: 'b',
    capabilities: { fetchByClientOrderId: true },
    submitOrder: (request: OrderRequest) => {
      calls.push(`send ${request.clientOrderId}`);
      return answer(request);
    },
    fetchOrder: async () => found,
  } as unknown as Broker;
}

describe('OrderGateway over an order store', () => {
  it('records the intent (and runs `recorded`) before sending, then the answer', async () => {
    const calls: string[] = [];
    const accept = async (r: OrderRequest): Promise<OrderAck> => ({
      accepted: true,
      orderId: 'V',
      status: 'open',
      clientOrderId: r.clientOrderId,
    });
    const gateway = new OrderGateway(broker(calls, accept), new ManualClock(5), silentLogger, spyStore(calls));
    await gateway.submit('X', 's', { side: 'buy', type: 'market', amount: 1 }, 'trade-manager', 'stop-loss', (r) =>
      calls.push(`recorded ${r.clientOrderId}`),
    );
    expect(calls).toEqual(['intent', 'recorded bt-0-1', 'send bt-0-1', 'ack true']);
    expect(gateway.entry('bt-0-1')).toMatchObject({ source: 'trade-manager', reason: 'stop-loss', submittedAt: 5 });
  });

  it('records a submission that threw with its outcome, and rethrows it', async () => {
    const calls: string[] = [];
    const errors = [new BtError('NETWORK', 'ETIMEDOUT'), new BtError('INVALID_ORDER', 'bad')];
    const gateway = new OrderGateway(
      broker(calls, async () => Promise.reject(errors.shift())),
      new ManualClock(0),
      silentLogger,
      spyStore(calls),
    );
    await expect(gateway.submit('X', 's', { side: 'buy', type: 'market', amount: 1 })).rejects.toThrow('ETIMEDOUT');
    await expect(gateway.submit('X', 's', { side: 'buy', type: 'market', amount: 1 })).rejects.toThrow('bad');
    expect(calls.filter((c) => c.startsWith('failure'))).toEqual(['failure unknown', 'failure rejected']);
    expect(gateway.journal().map((e) => e.error)).toEqual(['ETIMEDOUT', 'bad']);
  });

  it('sends nothing when the store cannot record the intent; an order it refuses as invalid is answered as a rejection', async () => {
    const calls: string[] = [];
    const inner = new MemoryOrderStore('bt', ['X']);
    const errors = [new BtError('INTERNAL', 'disk I/O error'), new BtError('INVALID_ORDER', 'amount must be positive')];
    const store: OrderStore = {
      ...spyStore(calls, inner),
      recordIntent: () => {
        throw errors.shift();
      },
    };
    const gateway = new OrderGateway(
      broker(calls, async () => ({ accepted: true, status: 'open' })),
      new ManualClock(0),
      silentLogger,
      store,
    );
    await expect(gateway.submit('X', 's', { side: 'buy', type: 'market', amount: 1 })).rejects.toThrow('disk I/O error');
    expect(await gateway.submit('X', 's', { side: 'buy', type: 'market', amount: 0 })).toEqual({
      accepted: false,
      status: 'rejected',
      reason: 'amount must be positive',
    });
    expect(calls).toEqual([]);
  });

  it('returns the venue answer even when the store fails to record it, and logs the failure', async () => {
    const calls: string[] = [];
    const logger = createMemoryLogger();
    const store: OrderStore = {
      ...spyStore(calls),
      recordAck: () => {
        throw new Error('SQLITE_FULL');
      },
    };
    const ack: OrderAck = { accepted: true, orderId: 'V', status: 'open', clientOrderId: 'bt-0-1' };
    const gateway = new OrderGateway(
      broker(calls, async () => ack),
      new ManualClock(0),
      logger,
      store,
    );
    expect(await gateway.submit('X', 's', { side: 'buy', type: 'market', amount: 1 })).toBe(ack);
    expect(logger.records.find((r) => r.level === 'error')?.message).toContain('SQLITE_FULL');
  });

  it('looks an order up by client order id and records what the venue says: the order, or its absence', async () => {
    const calls: string[] = [];
    const order = { id: 'V', clientOrderId: 'bt-0-1', status: 'open' } as Order;
    const found = new OrderGateway(
      broker(calls, async () => ({ accepted: true, status: 'open' }), order),
      new ManualClock(0),
      silentLogger,
      spyStore(calls),
    );
    expect(await found.lookUp('X', 'bt-0-1')).toBe(order);
    const absent = new OrderGateway(
      broker(calls, async () => ({ accepted: true, status: 'open' })),
      new ManualClock(0),
      silentLogger,
      spyStore(calls),
    );
    expect(await absent.lookUp('X', 'bt-0-2')).toBeUndefined();
    expect(calls).toEqual(['order open', 'absent bt-0-2']);
    const blind = {
      ...broker(calls, async () => ({ accepted: true, status: 'open' })),
      capabilities: { fetchByClientOrderId: false },
    } as unknown as Broker;
    await expect(new OrderGateway(blind, new ManualClock(0), silentLogger, spyStore(calls)).lookUp('X', 'bt-0-3')).rejects.toMatchObject({
      code: 'NOT_SUPPORTED',
    });
  });
});
