import type { OHLCV } from 'ccxt';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Ccxt } from './ccxt.js';
import { loadCcxt, proClient } from './ccxt.js';
import type { FixtureBar, Harness } from './helpers.js';
import { MINUTE, startHarness } from './helpers.js';

// Kline streams on the emulator's clock: raw and combined streams, the SUBSCRIBE protocol,
// ccxt.pro's watchOHLCV, and dropped connections.
let ccxt: Ccxt;
let h: Harness;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  ccxt = await loadCcxt();
});

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await h.close();
});

function bar(i: number): FixtureBar {
  return h.bars[i] as FixtureBar;
}

interface KlineEvent {
  e: string;
  s: string;
  k: { t: number; T: number; i: string; o: string; h: string; l: string; c: string; v: string; x: boolean };
}

/** A WebSocket client that queues what it receives. */
interface Client {
  readonly socket: WebSocket;
  next(): Promise<unknown>;
  send(message: unknown): void;
  closed: Promise<number>;
}

async function connect(path: string): Promise<Client> {
  const socket = new WebSocket(`${h.emulator.url.replace('http', 'ws')}${path}`);
  sockets.push(socket);
  const queue: unknown[] = [];
  const waiting: ((m: unknown) => void)[] = [];
  socket.on('message', (data) => {
    const message: unknown = JSON.parse(data.toString());
    const waiter = waiting.shift();
    if (waiter !== undefined) waiter(message);
    else queue.push(message);
  });
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    closed,
    next: () => (queue.length > 0 ? Promise.resolve(queue.shift()) : new Promise((resolve) => waiting.push(resolve))),
    send: (message) => socket.send(JSON.stringify(message)),
  };
}

function expectKline(event: unknown, b: FixtureBar, closed: boolean): void {
  const k = (event as KlineEvent).k;
  expect((event as KlineEvent).e).toBe('kline');
  expect(k.t).toBe(b.time);
  expect(k.T).toBe(b.time + MINUTE - 1);
  expect(k.x).toBe(closed);
  const want = closed ? [b.open, b.high, b.low, b.close, b.volume] : [b.open, b.open, b.open, b.open, 0];
  expect([k.o, k.h, k.l, k.c, k.v].map(Number)).toEqual(want);
}

describe('raw and combined streams', () => {
  it('sends the forming kline on subscription, then x: true when the bar closes', async () => {
    const client = await connect('/ws/btcusdt@kline_1m');
    expectKline(await client.next(), bar(100), false);
    await h.advance(MINUTE);
    expectKline(await client.next(), bar(100), true);
    expectKline(await client.next(), bar(101), false);
    // Two bars close in one sync (the clock jumps without waking the emulator): each is sent once, in order.
    h.clock.set(h.emulator.now() + 2 * MINUTE);
    h.emulator.control.sync();
    expectKline(await client.next(), bar(101), true);
    expectKline(await client.next(), bar(102), true);
    expectKline(await client.next(), bar(103), false);
  });

  it('wraps combined streams and closes 5m klines on the 5-minute grid', async () => {
    const client = await connect('/stream?streams=btcusdt@kline_1m/btcusdt@kline_5m');
    const first = (await client.next()) as { stream: string; data: KlineEvent };
    expect(first.stream).toBe('btcusdt@kline_1m');
    const second = (await client.next()) as { stream: string; data: KlineEvent };
    expect(second.stream).toBe('btcusdt@kline_5m');
    expect(second.data.k).toMatchObject({ t: bar(100).time, i: '5m', x: false });

    await h.advance(5 * MINUTE); // bars 100..104 close: the 5m kline opening at bar 100 ends
    const fiveMinute: KlineEvent[] = [];
    while (fiveMinute.length < 2) {
      const message = (await client.next()) as { stream: string; data: KlineEvent };
      if (message.stream !== 'btcusdt@kline_5m') continue;
      // Until it ends, each closing 1m bar updates the forming 5m kline.
      if (fiveMinute.length === 0 && !message.data.k.x) {
        expect(message.data.k.t).toBe(bar(100).time);
        continue;
      }
      fiveMinute.push(message.data);
    }
    const bucket = [100, 101, 102, 103, 104].map(bar);
    expect(fiveMinute[0]?.k).toMatchObject({ t: bar(100).time, T: bar(100).time + 5 * MINUTE - 1, x: true });
    expect(Number(fiveMinute[0]?.k.h)).toBe(Math.max(...bucket.map((b) => b.high)));
    expect(Number(fiveMinute[0]?.k.c)).toBe(bar(104).close);
    expect(fiveMinute[1]?.k).toMatchObject({ t: bar(105).time, x: false });
  });

  it('speaks the SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS protocol', async () => {
    const client = await connect('/ws');
    client.send({ method: 'SUBSCRIBE', params: ['btcusdt@kline_1m'], id: 1 });
    expect(await client.next()).toEqual({ result: null, id: 1 });
    expectKline(await client.next(), bar(100), false);
    client.send({ method: 'LIST_SUBSCRIPTIONS', id: 2 });
    expect(await client.next()).toEqual({ result: ['btcusdt@kline_1m'], id: 2 });
    client.send({ method: 'SUBSCRIBE', params: ['btcusdt@depth'], id: 3 });
    expect(await client.next()).toMatchObject({ error: { code: 2 }, id: 3 });
    client.send({ method: 'UNSUBSCRIBE', params: ['btcusdt@kline_1m'], id: 4 });
    expect(await client.next()).toEqual({ result: null, id: 4 });
    await h.advance(MINUTE);
    client.send({ method: 'LIST_SUBSCRIPTIONS', id: 5 });
    // Nothing was pushed after the unsubscribe: the next message is the answer.
    expect(await client.next()).toEqual({ result: [], id: 5 });
  });
});

describe('ccxt.pro', () => {
  it('watchOHLCV receives the closing kline with the bar as written', async () => {
    const pro = await proClient(ccxt, h.emulator);
    try {
      await pro.loadMarkets();
      const first = await pro.watchOHLCV('BTC/USDT', '1m');
      expect(first.at(-1)).toEqual([bar(100).time, bar(100).open, bar(100).open, bar(100).open, bar(100).open, 0]);
      const seen: OHLCV[] = [];
      const closedBar = [bar(100).time, bar(100).open, bar(100).high, bar(100).low, bar(100).close, bar(100).volume];
      const watching = (async () => {
        while (!seen.some((c) => c[0] === closedBar[0] && c[5] === closedBar[5])) seen.push(...(await pro.watchOHLCV('BTC/USDT', '1m')));
      })();
      await h.advance(MINUTE);
      await watching;
      expect(seen).toContainEqual(closedBar);
    } finally {
      await pro.close();
    }
  });

  it('rejects the pending watch when connections are dropped, and reconnects on the next watch', async () => {
    const pro = await proClient(ccxt, h.emulator);
    try {
      await pro.loadMarkets();
      await pro.watchOHLCV('BTC/USDT', '1m');
      const pending = pro.watchOHLCV('BTC/USDT', '1m');
      expect(h.emulator.control.dropWebSockets()).toBe(1);
      await expect(pending).rejects.toBeInstanceOf(ccxt.NetworkError);
      const again = await pro.watchOHLCV('BTC/USDT', '1m');
      expect(again.at(-1)?.[0]).toBe(bar(100).time);
      expect(h.emulator.control.faults().injected.dropWebSockets).toBe(1);
    } finally {
      await pro.close();
    }
  });
});

describe('dropWebSockets fault', () => {
  it('terminates the connection that would receive the next push', async () => {
    const client = await connect('/ws/btcusdt@kline_1m');
    expectKline(await client.next(), bar(100), false);
    h.emulator.control.setFaults({ dropWebSockets: { count: 1 } });
    await h.advance(MINUTE);
    expect(await client.closed).toBe(1006);
    expect(h.emulator.control.faults().injected.dropWebSockets).toBe(1);
    const fresh = await connect('/ws/btcusdt@kline_1m');
    expectKline(await fresh.next(), bar(101), false);
  });
});
