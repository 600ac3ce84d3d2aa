import { createHmac } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { isBtError, ManualClock } from '@bt/core';
import { afterEach, describe, expect, it } from 'vitest';
import { SpeedClock } from '../src/clock/speed-clock.js';
import { startEmulator, symbolFromFileName } from '../src/index.js';
import type { FixtureBar, Harness } from './helpers.js';
import { API_KEY, controlJson, MINUTE, makeBars, SECRET, signedFetch, startHarness, T0, writeFixture } from './helpers.js';

// The wire protocol without ccxt: signatures, parameters, klines windows, orders, data and clock.
let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function harness(...args: Parameters<typeof startHarness>): Promise<Harness> {
  h = await startHarness(...args);
  return h;
}

async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.json() };
}

describe('signed requests', () => {
  it('accepts a signature over the query string or over the form body', async () => {
    const { emulator } = await harness();
    const inQuery = await signedFetch(emulator, 'GET', '/api/v3/account', { timestamp: Date.now() });
    expect(inQuery.status).toBe(200);
    expect(inQuery.body).toMatchObject({
      accountType: 'SPOT',
      balances: expect.arrayContaining([{ asset: 'USDT', free: '10000.00000000', locked: '0.00000000' }]),
    });
    const inBody = await signedFetch(emulator, 'POST', '/api/v3/order/test', {
      symbol: 'BTCUSDT',
      side: 'BUY',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.01',
      price: '30000',
      timestamp: Date.now(),
    });
    expect(inBody).toMatchObject({ status: 200, body: {} });
  });

  it('signs the query string followed by the body when parameters are split between them', async () => {
    const { emulator } = await harness();
    const query = 'symbol=BTCUSDT&side=BUY&type=LIMIT';
    const body = `timeInForce=GTC&quantity=0.01&price=30000&timestamp=${Date.now()}`;
    const signature = createHmac('sha256', SECRET)
      .update(query + body)
      .digest('hex');
    const response = await fetch(`${emulator.url}/api/v3/order?${query}`, {
      method: 'POST',
      headers: { 'X-MBX-APIKEY': API_KEY, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `${body}&signature=${signature}`,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ symbol: 'BTCUSDT', status: 'NEW', type: 'LIMIT', price: '30000.00000000' });
  });

  it("refuses bad keys, signatures and timestamps with Binance's codes", async () => {
    const { emulator } = await harness();
    const now = Date.now();
    const cases: [Parameters<typeof signedFetch>, number, number][] = [
      [[emulator, 'GET', '/api/v3/account', { timestamp: now }, { apiKey: null }], 401, -2014],
      [[emulator, 'GET', '/api/v3/account', { timestamp: now }, { apiKey: 'unknown' }], 401, -2015],
      [[emulator, 'GET', '/api/v3/account', { timestamp: now }, { secret: 'wrong' }], 400, -1022],
      [[emulator, 'GET', '/api/v3/account', { recvWindow: 5000 }], 400, -1102],
      [[emulator, 'GET', '/api/v3/account', { timestamp: now + 60_000 }], 400, -1021],
      [[emulator, 'GET', '/api/v3/account', { timestamp: now - 20_000, recvWindow: 10_000 }], 400, -1021],
      [[emulator, 'GET', '/api/v3/account', { timestamp: now, recvWindow: 70_000 }], 400, -1131],
    ];
    for (const [args, status, code] of cases) {
      const reply = await signedFetch(...args);
      expect({ status: reply.status, code: (reply.body as { code: number }).code }).toEqual({ status, code });
    }
    const unsigned = await getJson(`${emulator.url}/api/v3/account?timestamp=${now}`);
    expect(unsigned.status).toBe(401);
  });

  it('also accepts timestamps on the simulated clock', async () => {
    const { emulator } = await harness();
    const reply = await signedFetch(emulator, 'GET', '/api/v3/openOrders', { timestamp: emulator.now() });
    expect(reply).toMatchObject({ status: 200, body: [] });
  });
});

describe('market data', () => {
  it('selects klines by startTime, endTime and limit, never past now', async () => {
    const { emulator, bars } = await harness();
    const klines = async (params: string): Promise<unknown[][]> =>
      (await getJson(`${emulator.restUrl}/klines?symbol=BTCUSDT&interval=1m&${params}`)).body as unknown[][];
    const openTimes = (rows: unknown[][]): unknown[] => rows.map((r) => r[0]);
    expect(openTimes(await klines(`startTime=${T0 + 10 * MINUTE}&limit=3`))).toEqual([10, 11, 12].map((i) => T0 + i * MINUTE));
    expect(openTimes(await klines(`endTime=${T0 + 10 * MINUTE}&limit=2`))).toEqual([9, 10].map((i) => T0 + i * MINUTE));
    const future = await klines(`startTime=${T0 + 98 * MINUTE}&endTime=${T0 + 200 * MINUTE}`);
    expect(openTimes(future)).toEqual([98, 99, 100].map((i) => T0 + i * MINUTE));
    const row = future[0] as unknown[];
    const b = bars[98] as FixtureBar;
    expect(row.slice(0, 7)).toEqual([
      b.time,
      b.open.toFixed(8),
      b.high.toFixed(8),
      b.low.toFixed(8),
      b.close.toFixed(8),
      b.volume.toFixed(8),
      b.time + MINUTE - 1,
    ]);
    expect((await klines('')).length).toBe(101);
  });

  it('answers bad parameters with -1102, -1120 and -1121', async () => {
    const { emulator } = await harness();
    expect((await getJson(`${emulator.restUrl}/klines?interval=1m`)).body).toMatchObject({ code: -1102 });
    expect((await getJson(`${emulator.restUrl}/klines?symbol=BTCUSDT&interval=7m`)).body).toMatchObject({ code: -1120 });
    expect(await getJson(`${emulator.restUrl}/klines?symbol=ETHUSDT&interval=1m`)).toEqual({
      status: 400,
      body: { code: -1121, msg: 'Invalid symbol.' },
    });
    const missing = await fetch(`${emulator.restUrl}/depth?symbol=BTCUSDT`);
    expect(missing.status).toBe(404);
  });

  it('serves ping, time, tickers by symbol and for all symbols', async () => {
    const { emulator, bars } = await harness();
    expect((await getJson(`${emulator.restUrl}/ping`)).body).toEqual({});
    expect((await getJson(`${emulator.restUrl}/time`)).body).toEqual({ serverTime: emulator.now() });
    const price = (bars[100] as FixtureBar).open.toFixed(8);
    expect((await getJson(`${emulator.restUrl}/ticker/price?symbol=BTCUSDT`)).body).toEqual({ symbol: 'BTCUSDT', price });
    expect((await getJson(`${emulator.restUrl}/ticker/price`)).body).toEqual([{ symbol: 'BTCUSDT', price }]);
    const symbols = encodeURIComponent('["BTCUSDT"]');
    expect((await getJson(`${emulator.restUrl}/ticker/bookTicker?symbols=${symbols}`)).body).toMatchObject([
      { bidPrice: price, askPrice: price },
    ]);
  });
});

describe('orders', () => {
  const order = (params: Record<string, string | number>) => ({ symbol: 'BTCUSDT', timestamp: Date.now(), ...params });

  it('checks the parameters each order type needs', async () => {
    const { emulator } = await harness();
    const post = async (params: Record<string, string | number>): Promise<unknown> =>
      (await signedFetch(emulator, 'POST', '/api/v3/order', order(params))).body;
    expect(await post({ side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '30000' })).toMatchObject({ code: -1102 });
    expect(await post({ side: 'BUY', type: 'MARKET', quantity: '0.01', price: '30000' })).toMatchObject({ code: -1106 });
    expect(await post({ side: 'BUY', type: 'LIMIT_MAKER', quantity: '0.01', price: '30000' })).toMatchObject({ code: -1116 });
    expect(await post({ side: 'HOLD', type: 'MARKET', quantity: '0.01' })).toMatchObject({ code: -1117 });
    expect(await post({ side: 'BUY', type: 'LIMIT', timeInForce: 'FOK', quantity: '0.01', price: '30000' })).toMatchObject({ code: -1115 });
    expect(await post({ side: 'BUY', type: 'STOP_LOSS', quantity: '0.01' })).toMatchObject({ code: -1102 });
    expect(await post({ side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.000001', price: '30000' })).toEqual({
      code: -1013,
      msg: 'Filter failure: LOT_SIZE',
    });
    expect(await post({ side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.0001', price: '30000' })).toEqual({
      code: -1013,
      msg: 'Filter failure: NOTIONAL',
    });
  });

  it('turns a MARKET quoteOrderQty into a quantity at the latest price, rounded down to the step', async () => {
    const { emulator, bars } = await harness();
    const reply = await signedFetch(
      emulator,
      'POST',
      '/api/v3/order',
      order({ side: 'BUY', type: 'MARKET', quoteOrderQty: '100', newOrderRespType: 'RESULT' }),
    );
    const last = (bars[100] as FixtureBar).open;
    const expected = Math.floor((100 / last) * 1e5) / 1e5;
    expect(reply.body).toMatchObject({ origQty: expected.toFixed(8), origQuoteOrderQty: '100.00000000', status: 'NEW' });
  });

  it('answers ACK replies, expires an IOC limit that its bar does not reach, and cancels all open orders', async () => {
    const harnessed = await harness();
    const { emulator } = harnessed;
    const ack = await signedFetch(
      emulator,
      'POST',
      '/api/v3/order',
      order({
        side: 'BUY',
        type: 'LIMIT',
        timeInForce: 'IOC',
        quantity: '0.01',
        price: '30000',
        newOrderRespType: 'ACK',
        newClientOrderId: 'ioc-1',
      }),
    );
    expect(Object.keys(ack.body as object).sort()).toEqual(['clientOrderId', 'orderId', 'orderListId', 'symbol', 'transactTime']);
    await harnessed.advance(MINUTE);
    const ioc = await signedFetch(emulator, 'GET', '/api/v3/order', order({ origClientOrderId: 'ioc-1' }));
    expect(ioc.body).toMatchObject({ status: 'EXPIRED', executedQty: '0.00000000' });

    for (const price of ['30000', '31000']) {
      await signedFetch(
        emulator,
        'POST',
        '/api/v3/order',
        order({ side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: '0.01', price }),
      );
    }
    const canceled = await signedFetch(emulator, 'DELETE', '/api/v3/openOrders', order({}));
    expect((canceled.body as { status: string }[]).map((o) => o.status)).toEqual(['CANCELED', 'CANCELED']);
    expect((await signedFetch(emulator, 'DELETE', '/api/v3/openOrders', order({}))).body).toMatchObject({ code: -2011 });
  });

  it('trades a starting base balance', async () => {
    const harnessed = await harness({ balances: { USDT: 100, BTC: 0.5 } });
    const { emulator, bars } = harnessed;
    const wallet = () => emulator.balances().filter((b) => b.currency === 'BTC' || b.currency === 'USDT');
    expect(wallet()).toEqual([
      { currency: 'BTC', free: 0.5, used: 0, total: 0.5 },
      { currency: 'USDT', free: 100, used: 0, total: 100 },
    ]);
    const sell = await signedFetch(emulator, 'POST', '/api/v3/order', order({ side: 'SELL', type: 'MARKET', quantity: '0.5' }));
    expect(sell.status).toBe(200);
    expect(wallet().find((b) => b.currency === 'BTC')).toMatchObject({ free: 0, used: 0.5 });
    await harnessed.advance(MINUTE);
    const proceeds = 0.5 * (bars[100] as FixtureBar).open * (1 - 0.001);
    const [btc, usdt] = wallet();
    expect(btc?.total).toBeCloseTo(0, 12);
    expect(usdt?.total).toBeCloseTo(100 + proceeds, 6);
    expect(emulator.fills()).toHaveLength(1);
  });

  it('closes the market when its data ends', async () => {
    const harnessed = await harness({}, T0 + 299 * MINUTE + 1);
    const { emulator } = harnessed;
    await harnessed.advance(MINUTE);
    const info = (await getJson(`${emulator.restUrl}/exchangeInfo?symbol=BTCUSDT`)).body as { symbols: { status: string }[] };
    expect(info.symbols[0]?.status).toBe('BREAK');
    const reply = await signedFetch(emulator, 'POST', '/api/v3/order', order({ side: 'BUY', type: 'MARKET', quantity: '0.01' }));
    expect(reply.body).toEqual({ code: -1013, msg: 'Market is closed.' });
  });
});

describe('data, clock and options', () => {
  it('reads symbols from file names', () => {
    expect(symbolFromFileName('binanceus-BTCUSDT-1m-2023-03-01_21.csv')).toBe('BTC/USDT');
    expect(symbolFromFileName('binanceus-BTCUSDC-1m-2023-03-01_21.csv')).toBe('BTC/USDC');
    expect(symbolFromFileName('kraken-BTCUSD-1m.csv')).toBe('BTC/USD');
    expect(symbolFromFileName('ETH-BTC.csv')).toBe('ETH/BTC');
    expect(symbolFromFileName('BTC_USDT_1h.csv')).toBe('BTC/USDT');
    expect(symbolFromFileName('prices.csv')).toBeUndefined();
  });

  it('loads a data directory and runs simulated time `speed` times as fast as the wall clock', async () => {
    const { dir } = await writeFixture(makeBars(30), 'binance-ETHUSDT-1m.csv');
    const wall = new ManualClock(1_000_000);
    const emulator = await startEmulator({ data: dir, speed: 60, startTime: T0 + 5 * MINUTE, wallClock: wall, keys: [], balances: {} });
    try {
      expect(emulator.symbols).toEqual(['ETH/USDT']);
      expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await wall.advance(1_000); // one wall second = one simulated minute
      expect(emulator.now()).toBe(T0 + 6 * MINUTE);
      const rows = (await getJson(`${emulator.restUrl}/klines?symbol=ETHUSDT&interval=1m`)).body as unknown[][];
      expect(rows.map((r) => r[0])).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => T0 + i * MINUTE));
    } finally {
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('SpeedClock sleeps 1/speed of the base clock', async () => {
    const base = new ManualClock(0);
    const clock = new SpeedClock(T0, 10, base);
    let woke = false;
    void clock.sleep(10_000).then(() => {
      woke = true;
    });
    await base.advance(999);
    expect(woke).toBe(false);
    await base.advance(1);
    expect(woke).toBe(true);
    expect(clock.now()).toBe(T0 + 10_000);
  });

  it('refuses bad options with a CONFIG error naming the field', async () => {
    const { dir, file } = await writeFixture(makeBars(5));
    const base = { data: [{ symbol: 'BTC/USDT', file }], keys: [], balances: {} };
    try {
      const attempts = [
        startEmulator({ ...base, clock: new ManualClock(T0), speed: 2 }),
        startEmulator({ ...base, port: 70_000 }),
        startEmulator({ ...base, data: [{ symbol: 'BTCUSDT', file }] }),
        startEmulator({ ...base, data: [...base.data, { symbol: 'BTC/USDT', file }] }),
        startEmulator({ ...base, keys: [{ apiKey: '', secret: 'x' }] }),
      ];
      const errors = await Promise.all(
        attempts.map((p) =>
          p.then(
            () => undefined,
            (e: unknown) => e,
          ),
        ),
      );
      expect(errors.map((e) => isBtError(e, 'CONFIG'))).toEqual([true, true, true, true, true]);
      expect(errors.map((e) => (e as Error).message.split(':')[0])).toEqual([
        'clock',
        'port',
        'data[0].symbol',
        'data[1]',
        'keys[0].apiKey',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('replays a real market file (fixtures/market)', async () => {
    const file = fileURLToPath(new URL('../../../fixtures/market/binanceus-BTCUSDT-1m-2023-03-01_21.csv', import.meta.url));
    const clock = new ManualClock(Date.UTC(2023, 2, 1, 12));
    const emulator = await startEmulator({ data: [{ symbol: 'BTC/USDT', file }], clock, keys: [], balances: {} });
    try {
      const rows = (await getJson(`${emulator.restUrl}/klines?symbol=BTCUSDT&interval=1h&limit=3`)).body as unknown[][];
      expect(rows.map((r) => r[0])).toEqual([10, 11, 12].map((hour) => Date.UTC(2023, 2, 1, hour)));
      const market = (await getJson(`${emulator.restUrl}/exchangeInfo`)).body as {
        symbols: { filters: { filterType: string; tickSize?: string }[] }[];
      };
      expect(market.symbols[0]?.filters[0]).toMatchObject({ filterType: 'PRICE_FILTER', tickSize: '0.01000000' });
    } finally {
      await emulator.close();
    }
  });

  it('reports its state on the control endpoint', async () => {
    const { emulator } = await harness();
    expect((await controlJson(emulator, '/__control/state')).body).toMatchObject({
      now: emulator.now(),
      symbols: ['BTC/USDT'],
      openOrders: 0,
      fills: 0,
    });
  });
});
