import { afterEach, describe, expect, it } from 'vitest';
import type { ClientOrderIdRule } from '../src/index.js';
import type { Harness } from './helpers.js';
import { MINUTE, signedFetch, startHarness } from './helpers.js';

// Binance refuses a client order id only while an OPEN order has it (-2010 "Duplicate order sent.");
// the emulator does the same by default, and can be stricter.
let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

const params = (p: Record<string, string | number>) => ({ symbol: 'BTCUSDT', timestamp: Date.now(), ...p });

async function harness(clientOrderIds?: ClientOrderIdRule): Promise<Harness> {
  h = await startHarness(clientOrderIds === undefined ? {} : { clientOrderIds });
  return h;
}

async function place(harnessed: Harness, p: Record<string, string | number>): Promise<{ status: number; body: Record<string, unknown> }> {
  const reply = await signedFetch(harnessed.emulator, 'POST', '/api/v3/order', params(p));
  return { status: reply.status, body: reply.body as Record<string, unknown> };
}

const marketBuy = (id: string) => ({ side: 'BUY', type: 'MARKET', quantity: '0.01', newClientOrderId: id });
const restingBuy = (id: string) => ({
  side: 'BUY',
  type: 'LIMIT',
  timeInForce: 'GTC',
  quantity: '0.01',
  price: '30000',
  newClientOrderId: id,
});
const DUPLICATE = { code: -2010, msg: 'Duplicate order sent.' };

describe("client order ids, by default Binance's rule (open-only)", () => {
  it('refuses an id while its order is open, and takes it again once that order is canceled', async () => {
    const harnessed = await harness();
    expect((await place(harnessed, restingBuy('rest-1'))).status).toBe(200);
    expect(await place(harnessed, restingBuy('rest-1'))).toEqual({ status: 400, body: DUPLICATE });
    // Also with another order type and side: the id is what counts.
    expect((await place(harnessed, marketBuy('rest-1'))).body).toEqual(DUPLICATE);
    const canceled = await signedFetch(harnessed.emulator, 'DELETE', '/api/v3/order', params({ origClientOrderId: 'rest-1' }));
    expect(canceled.body).toMatchObject({ status: 'CANCELED' });
    expect((await place(harnessed, restingBuy('rest-1'))).status).toBe(200);
    expect(harnessed.emulator.orders()).toHaveLength(2);
  });

  it('accepts a filled market order’s id again, fills it a second time, and answers a query with the newest order', async () => {
    const harnessed = await harness();
    const first = await place(harnessed, marketBuy('again-1'));
    await harnessed.advance(MINUTE);
    const firstQuery = await signedFetch(harnessed.emulator, 'GET', '/api/v3/order', params({ origClientOrderId: 'again-1' }));
    expect(firstQuery.body).toMatchObject({ orderId: first.body.orderId, status: 'FILLED' });

    // The resend trap: the id is free again, so a re-sent market order is a second order.
    const second = await place(harnessed, marketBuy('again-1'));
    expect(second.status).toBe(200);
    expect(second.body.orderId).not.toBe(first.body.orderId);
    await harnessed.advance(MINUTE);
    const query = await signedFetch(harnessed.emulator, 'GET', '/api/v3/order', params({ origClientOrderId: 'again-1' }));
    expect(query.body).toMatchObject({ orderId: second.body.orderId, clientOrderId: 'again-1', status: 'FILLED' });
    const trades = (await signedFetch(harnessed.emulator, 'GET', '/api/v3/myTrades', params({}))).body as { orderId: number }[];
    expect(trades.map((t) => t.orderId)).toEqual([first.body.orderId, second.body.orderId]);
    expect(harnessed.emulator.fills()).toHaveLength(2);
  });
});

describe("client order ids under the stricter rule ('unique')", () => {
  it('refuses an id any order ever had, open or final', async () => {
    const harnessed = await harness('unique');
    expect((await place(harnessed, marketBuy('once-1'))).status).toBe(200);
    await harnessed.advance(MINUTE);
    expect(harnessed.emulator.fills()).toHaveLength(1);
    expect(await place(harnessed, marketBuy('once-1'))).toEqual({ status: 400, body: DUPLICATE });
    expect(harnessed.emulator.orders()).toHaveLength(1);
  });

  it('is refused as an option when it is neither rule', async () => {
    await expect(startHarness({ clientOrderIds: 'never' as ClientOrderIdRule })).rejects.toThrow(
      /clientOrderIds: expected "open-only" or "unique", got "never"/,
    );
  });
});
