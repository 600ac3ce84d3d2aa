import type { binance } from 'ccxt';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Ccxt } from './ccxt.js';
import { loadCcxt, restClient } from './ccxt.js';
import type { Harness } from './helpers.js';
import { controlFetch, MINUTE, startHarness } from './helpers.js';

// Each fault, armed from code or over HTTP, as unmodified ccxt observes it.
let ccxt: Ccxt;
let h: Harness;
let exchange: binance;
const SYMBOL = 'BTC/USDT';

beforeAll(async () => {
  ccxt = await loadCcxt();
});

beforeEach(async () => {
  h = await startHarness();
  exchange = restClient(ccxt, h.emulator);
  await exchange.loadMarkets();
});

afterEach(async () => {
  await h.close();
});

describe('HTTP faults', () => {
  it('answers 5xx on the next N matching requests: ExchangeNotAvailable, then recovery', async () => {
    h.emulator.control.setFaults({ serverError: { count: 2, path: '/api/v3/ticker/24hr' } });
    await expect(exchange.fetchTime()).resolves.toBeTypeOf('number'); // another path: untouched
    await expect(exchange.fetchTicker(SYMBOL)).rejects.toBeInstanceOf(ccxt.ExchangeNotAvailable);
    await expect(exchange.fetchTicker(SYMBOL)).rejects.toBeInstanceOf(ccxt.ExchangeNotAvailable);
    await expect(exchange.fetchTicker(SYMBOL)).resolves.toMatchObject({ symbol: SYMBOL });
    const state = h.emulator.control.faults();
    expect(state.injected.serverError).toBe(2);
    expect(state.armed.serverError).toBeUndefined();
    expect(state.log.map((e) => e.target)).toEqual(['GET /api/v3/ticker/24hr', 'GET /api/v3/ticker/24hr']);
  });

  it('can execute the request before answering 5xx (status unknown to the client)', async () => {
    h.emulator.control.setFaults({ serverError: { count: 1, status: 502, method: 'POST', path: '/api/v3/order', execute: true } });
    const create = exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 30_000, { clientOrderId: 'unknown-1' });
    await expect(create).rejects.toBeInstanceOf(ccxt.ExchangeNotAvailable);
    const order = await exchange.fetchOrder('', SYMBOL, { clientOrderId: 'unknown-1' });
    expect(order.status).toBe('open');
  });

  it("answers 429 with Binance's -1003 and Retry-After; ccxt raises DDoSProtection", async () => {
    h.emulator.control.setFaults({ rateLimit: { count: 2, retryAfterSeconds: 7 } });
    const error = await exchange.fetchTime().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.DDoSProtection);
    expect(error).toBeInstanceOf(ccxt.NetworkError);
    const raw = await fetch(`${h.emulator.restUrl}/time`);
    expect(raw.status).toBe(429);
    expect(raw.headers.get('retry-after')).toBe('7');
    expect(await raw.json()).toMatchObject({ code: -1003 });
    await expect(exchange.fetchTime()).resolves.toBeTypeOf('number');
    expect(h.emulator.control.faults().injected.rateLimit).toBe(2);
  });

  it('adds latency: a slow answer makes ccxt time out', async () => {
    exchange.timeout = 150;
    h.emulator.control.setFaults({ latency: { ms: 1_000, count: 1, path: '/api/v3/time' } });
    await expect(exchange.fetchTime()).rejects.toBeInstanceOf(ccxt.RequestTimeout);
    await expect(exchange.fetchTime()).resolves.toBeTypeOf('number');
    expect(h.emulator.control.faults().injected.latency).toBe(1);
  });

  it('holds the response of an executed order until ccxt gives up: the duplicate-order trap', async () => {
    exchange.timeout = 300;
    h.emulator.control.setFaults({ timeout: { count: 1, method: 'POST', path: '/api/v3/order' } });
    const first = exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 30_000, { clientOrderId: 'trap-1' });
    await expect(first).rejects.toBeInstanceOf(ccxt.RequestTimeout);
    // The order was executed although the client never heard back.
    const placed = await exchange.fetchOrder('', SYMBOL, { clientOrderId: 'trap-1' });
    expect(placed).toMatchObject({ status: 'open', clientOrderId: 'trap-1', amount: 0.01 });
    // Retrying with the same client order id is refused, so no second order exists.
    const retry = exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 30_000, { clientOrderId: 'trap-1' });
    await expect(retry).rejects.toBeInstanceOf(ccxt.InvalidOrder);
    expect(await exchange.fetchOpenOrders(SYMBOL)).toHaveLength(1);
    expect(h.emulator.control.faults().injected.timeout).toBe(1);
  });

  it('drops the socket after executing: ccxt sees a NetworkError, the market order still fills', async () => {
    h.emulator.control.setFaults({ timeout: { count: 1, mode: 'drop', method: 'POST', path: '/api/v3/order' } });
    const create = exchange.createOrder(SYMBOL, 'market', 'buy', 0.01, undefined, { clientOrderId: 'drop-1' });
    const error = await create.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ccxt.NetworkError);
    expect(error).not.toBeInstanceOf(ccxt.RequestTimeout);
    await h.advance(MINUTE);
    expect(await exchange.fetchOrder('', SYMBOL, { clientOrderId: 'drop-1' })).toMatchObject({ status: 'closed', filled: 0.01 });
  });
});

describe('order rejections', () => {
  it('rejects the next N orders with the configured Binance error', async () => {
    h.emulator.control.setFaults({ rejectOrders: { count: 1 } });
    await expect(exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 30_000)).rejects.toBeInstanceOf(ccxt.InvalidOrder);

    h.emulator.control.setFaults({
      rejectOrders: { count: 1, code: -2010, msg: 'Account has insufficient balance for requested action.' },
    });
    await expect(exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 30_000)).rejects.toBeInstanceOf(ccxt.InsufficientFunds);

    h.emulator.control.setFaults({
      rejectOrders: { count: 1, code: -1015, msg: 'Too many new orders; current limit is 100 orders per 10 SECOND.' },
    });
    await expect(exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 30_000)).rejects.toBeInstanceOf(ccxt.RateLimitExceeded);

    await expect(exchange.createOrder(SYMBOL, 'limit', 'buy', 0.01, 30_000)).resolves.toMatchObject({ status: 'open' });
    expect(h.emulator.control.faults().injected.rejectOrders).toBe(3);
    expect(await exchange.fetchOpenOrders(SYMBOL)).toHaveLength(1);
  });
});

describe('control endpoint', () => {
  it('arms faults from JSON, reports counters, refuses bad configs and clears', async () => {
    const post = await controlFetch(h.emulator, '/__control/faults', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ serverError: { count: 1, status: 500 } }),
    });
    expect(post.status).toBe(200);
    expect(await post.json()).toMatchObject({ armed: { serverError: { count: 1, status: 500 } } });
    await expect(exchange.fetchTime()).rejects.toBeInstanceOf(ccxt.ExchangeNotAvailable);
    const state = (await (await controlFetch(h.emulator, '/__control/faults')).json()) as { injected: Record<string, number> };
    expect(state.injected.serverError).toBe(1);

    const bad = await controlFetch(h.emulator, '/__control/faults', {
      method: 'POST',
      body: JSON.stringify({ serverError: { count: 0 } }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: expect.stringContaining('faults.serverError.count') });

    h.emulator.control.setFaults({ latency: { ms: 5 } });
    const cleared = await controlFetch(h.emulator, '/__control/faults', { method: 'DELETE' });
    expect(await cleared.json()).toMatchObject({ armed: {} });
  });
});
