import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Harness } from './helpers.js';
import { controlJson, MINUTE, signedFetch, startHarness } from './helpers.js';

// A venue restart whose ids start again at 1, and limit orders that fill in several parts.
let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

const params = (p: Record<string, string | number>) => ({ symbol: 'BTCUSDT', timestamp: Date.now(), ...p });

interface Trade {
  id: number;
  orderId: number;
  qty: string;
  time: number;
}

async function trades(harnessed: Harness, p: Record<string, string | number> = {}): Promise<Trade[]> {
  return (await signedFetch(harnessed.emulator, 'GET', '/api/v3/myTrades', params(p))).body as Trade[];
}

async function marketBuy(harnessed: Harness, id: string): Promise<number> {
  const reply = await signedFetch(
    harnessed.emulator,
    'POST',
    '/api/v3/order',
    params({ side: 'BUY', type: 'MARKET', quantity: '0.01', newClientOrderId: id }),
  );
  expect(reply.status).toBe(200);
  return (reply.body as { orderId: number }).orderId;
}

describe('a venue restart', () => {
  it('with resetIds: order and trade ids start again at 1; balances, open orders and past trades are kept', async () => {
    const harnessed = await startHarness();
    h = harnessed;
    const { emulator } = harnessed;
    expect(await marketBuy(harnessed, 'before-1')).toBe(1);
    expect(await marketBuy(harnessed, 'before-2')).toBe(2);
    const resting = await signedFetch(
      emulator,
      'POST',
      '/api/v3/order',
      params({ side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '30000', newClientOrderId: 'resting' }),
    );
    await harnessed.advance(MINUTE);
    expect((await trades(harnessed)).map((t) => [t.id, t.orderId])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    const balances = emulator.balances();
    const socket = new WebSocket(`${emulator.wsUrl}/btcusdt@kline_1m`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const closed = new Promise((resolve) => socket.once('close', resolve));

    expect(emulator.restart({ resetIds: true })).toEqual({ restarts: 1, droppedWebSockets: 1, nextOrderId: 1, nextTradeId: 1 });
    await closed;
    expect(emulator.balances()).toEqual(balances);
    expect((await trades(harnessed)).map((t) => t.id)).toEqual([1, 2]);
    const open = (await signedFetch(emulator, 'GET', '/api/v3/openOrders', params({}))).body as { clientOrderId: string }[];
    expect(open.map((o) => o.clientOrderId)).toEqual(['resting']);
    expect((resting.body as { orderId: number }).orderId).toBe(3);

    // New ids repeat old ones; a lookup by id gives the newest order with it.
    expect(await marketBuy(harnessed, 'after-1')).toBe(1);
    await harnessed.advance(MINUTE);
    const all = await trades(harnessed);
    expect(all.map((t) => [t.id, t.orderId])).toEqual([
      [1, 1],
      [2, 2],
      [1, 1],
    ]);
    expect((await signedFetch(emulator, 'GET', '/api/v3/order', params({ orderId: 1 }))).body).toMatchObject({ clientOrderId: 'after-1' });
    expect((await trades(harnessed, { orderId: 1 })).length).toBe(1);
    expect(emulator.fills().map((f) => f.clientOrderId)).toEqual(['before-1', 'before-2', 'after-1']);
    expect(emulator.trades().map((t) => [t.id, t.orderId, t.clientOrderId])).toEqual([
      ['1', '1', 'before-1'],
      ['2', '2', 'before-2'],
      ['1', '1', 'after-1'],
    ]);
    expect(emulator.trades().map((t) => t.timestamp)).toEqual(all.map((t) => t.time));
  });

  it('over HTTP: POST /__control/restart, ids kept unless resetIds', async () => {
    const harnessed = await startHarness();
    h = harnessed;
    const { emulator } = harnessed;
    await marketBuy(harnessed, 'a');
    await harnessed.advance(MINUTE);
    expect((await controlJson(emulator, '/__control/restart', { method: 'POST' })).body).toEqual({
      restarts: 1,
      droppedWebSockets: 0,
      nextOrderId: 2,
      nextTradeId: 2,
    });
    expect(await marketBuy(harnessed, 'b')).toBe(2);
    const reset = await controlJson(emulator, '/__control/restart', { method: 'POST', body: '{"resetIds":true}' });
    expect(reset.body).toMatchObject({ restarts: 2, nextOrderId: 1, nextTradeId: 1 });
    expect(await marketBuy(harnessed, 'c')).toBe(1);
    expect((await controlJson(emulator, '/__control/restart', { method: 'POST', body: '{"resetIds":"yes"}' })).status).toBe(400);
    expect((await controlJson(emulator, '/__control/restart', { method: 'POST', body: 'restart' })).status).toBe(400);
  });
});

describe('the partialFills fault', () => {
  it('fills a limit order in parts of at most maxAmount per bar, one trade per part, until it is done', async () => {
    const harnessed = await startHarness({ faults: { partialFills: { maxAmount: 0.004 } } });
    h = harnessed;
    const { emulator } = harnessed;
    // A buy limit above the market: executable in every bar.
    const placed = await signedFetch(
      emulator,
      'POST',
      '/api/v3/order',
      params({ side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price: '50000', newClientOrderId: 'parts' }),
    );
    expect(placed.body).toMatchObject({ status: 'NEW' });
    const query = async () =>
      (await signedFetch(emulator, 'GET', '/api/v3/order', params({ origClientOrderId: 'parts' }))).body as {
        status: string;
        executedQty: string;
      };
    const seen: [string, string][] = [];
    for (let bar = 0; bar < 4; bar++) {
      await harnessed.advance(MINUTE);
      const { status, executedQty } = await query();
      seen.push([status, executedQty]);
    }
    expect(seen).toEqual([
      ['PARTIALLY_FILLED', '0.00400000'],
      ['PARTIALLY_FILLED', '0.00800000'],
      ['FILLED', '0.01000000'],
      ['FILLED', '0.01000000'],
    ]);
    expect((await trades(harnessed)).map((t) => [t.id, t.qty])).toEqual([
      [1, '0.00400000'],
      [2, '0.00400000'],
      [3, '0.00200000'],
    ]);
    expect(emulator.control.faults().injected.partialFills).toBe(3);
  });

  it('caps only the market it names and only `count` bars; refuses a bad maxAmount', async () => {
    const harnessed = await startHarness();
    h = harnessed;
    const { emulator } = harnessed;
    emulator.control.setFaults({ partialFills: { maxAmount: 0.001, symbol: 'ETH/USDT' } });
    await marketBuy(harnessed, 'whole');
    await harnessed.advance(MINUTE);
    expect(emulator.fills().map((f) => f.amount)).toEqual([0.01]);

    emulator.control.setFaults({ partialFills: { maxAmount: 0.006, count: 1 } });
    await marketBuy(harnessed, 'two-parts');
    await harnessed.advance(MINUTE);
    await harnessed.advance(MINUTE);
    expect(emulator.fills().map((f) => f.amount)).toEqual([0.01, 0.006, 0.004]);
    expect(emulator.control.faults().armed).toEqual({});
    expect(() => emulator.control.setFaults({ partialFills: { maxAmount: 0 } })).toThrow(
      /faults.partialFills.maxAmount: expected a number > 0/,
    );
  });
});
