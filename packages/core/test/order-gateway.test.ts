import { describe, expect, it } from 'vitest';
import type { Broker } from '../src/broker.js';
import { silentLogger } from '../src/logger.js';
import { ManualClock } from '../src/manual-clock.js';
import { MemoryOrderStore } from '../src/memory-order-store.js';
import { OrderGateway } from '../src/order-gateway.js';
import type { OrderAck, OrderRequest } from '../src/orders.js';

/** A broker whose answers are scripted per client order id (default: a plain acceptance). */
function scripted(answers: Record<string, (request: OrderRequest) => OrderAck | Error>) {
  const sent: OrderRequest[] = [];
  const broker = {
    submitOrder: async (request: OrderRequest): Promise<OrderAck> => {
      sent.push(request);
      const answer = answers[request.clientOrderId as string]?.(request) ?? {
        accepted: true,
        orderId: `X:${sent.length}`,
        status: 'open',
        clientOrderId: request.clientOrderId,
      };
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as Broker;
  return { sent, broker };
}

describe('OrderGateway journal', () => {
  it('records every order with its request, time and answer, whatever the answer', async () => {
    const odd: OrderAck = { accepted: true, orderId: 'venue-9', status: 'open', clientOrderId: 'bt-0-3', reason: 'queued' };
    const { sent, broker } = scripted({
      'bt-0-2': () => ({ accepted: false, status: 'rejected', reason: 'insufficient USD', clientOrderId: 'bt-0-2' }),
      'bt-0-3': () => odd,
      'bt-1-1': () => new Error('connection reset'),
    });
    const clock = new ManualClock(1_000);
    const gateway = new OrderGateway(broker, clock, silentLogger, new MemoryOrderStore('bt', ['X', 'Y']));
    const plain = await gateway.submit('X', 's1', { side: 'buy', type: 'market', amount: 1 });
    clock.set(2_000);
    await gateway.submit('X', 's1', { side: 'sell', type: 'limit', amount: 2, price: 9.5 });
    await gateway.submit('X', 's2', { side: 'sell', type: 'market', amount: 1, reduceOnly: true }, 'trade-manager', 'stop-loss');
    await expect(gateway.submit('Y', 's1', { side: 'buy', type: 'market', amount: 3 })).rejects.toThrow('connection reset');
    const other = await gateway.submit('Z', 's3', { side: 'buy', type: 'market', amount: 1 });

    expect(gateway.journal()).toStrictEqual([
      {
        clientOrderId: 'bt-0-1',
        symbol: 'X',
        strategyId: 's1',
        source: 'strategy',
        reason: undefined,
        request: sent[0],
        submittedAt: 1_000,
        ack: plain,
        error: undefined,
      },
      {
        clientOrderId: 'bt-0-2',
        symbol: 'X',
        strategyId: 's1',
        source: 'strategy',
        reason: undefined,
        request: sent[1],
        submittedAt: 2_000,
        ack: { accepted: false, status: 'rejected', reason: 'insufficient USD', clientOrderId: 'bt-0-2' },
        error: undefined,
      },
      {
        clientOrderId: 'bt-0-3',
        symbol: 'X',
        strategyId: 's2',
        source: 'trade-manager',
        reason: 'stop-loss',
        request: sent[2],
        submittedAt: 2_000,
        ack: odd,
        error: undefined,
      },
      {
        clientOrderId: 'bt-1-1',
        symbol: 'Y',
        strategyId: 's1',
        source: 'strategy',
        reason: undefined,
        request: sent[3],
        submittedAt: 2_000,
        ack: undefined,
        error: 'connection reset',
      },
      {
        clientOrderId: 'bt-x-1',
        symbol: 'Z',
        strategyId: 's3',
        source: 'strategy',
        reason: undefined,
        request: sent[4],
        submittedAt: 2_000,
        ack: other,
        error: undefined,
      },
    ]);
    // Requests carry the symbol, the client order id and the strategy id (as the tag), in the sent key order.
    expect(Object.keys(sent[1] as OrderRequest)).toEqual(['side', 'type', 'amount', 'price', 'symbol', 'clientOrderId', 'tag']);
    expect(Object.keys(sent[2] as OrderRequest)).toEqual(['side', 'type', 'amount', 'reduceOnly', 'symbol', 'clientOrderId', 'tag']);
    expect(gateway.request('bt-0-3')).toBe(sent[2]);
    expect(gateway.request('bt-x-1')).toBe(sent[4]);
    expect(gateway.request('bt-0-9')).toBeUndefined();
    expect(gateway.request('elsewhere')).toBeUndefined();
    expect(gateway.entry('bt-0-3')).toStrictEqual(gateway.journal()[2]);
    expect(gateway.entry(undefined)).toBeUndefined();
  });

  it('gives the orders of different unconfigured symbols distinct client ids, journaled last in sending order', async () => {
    const { sent, broker } = scripted({});
    const gateway = new OrderGateway(broker, new ManualClock(0), silentLogger, new MemoryOrderStore('bt', ['X']));
    await gateway.submit('Z', 's', { side: 'buy', type: 'market', amount: 1 });
    await gateway.submit('W', 's', { side: 'buy', type: 'market', amount: 1 });
    await gateway.submit('X', 's', { side: 'buy', type: 'market', amount: 1 });
    expect(sent.map((r) => r.clientOrderId)).toEqual(['bt-x-1', 'bt-x-2', 'bt-0-1']);
    expect(gateway.journal().map((e) => [e.clientOrderId, e.symbol])).toEqual([
      ['bt-0-1', 'X'],
      ['bt-x-1', 'Z'],
      ['bt-x-2', 'W'],
    ]);
    expect(gateway.request('bt-x-2')?.symbol).toBe('W');
  });
});
