import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@bt/core';
import type { RunningEmulator } from '@bt/exchange-emulator';
import { startEmulator } from '@bt/exchange-emulator';
import type { MarketSpec } from '@bt/sim-broker';
import type { RestBinanceBroker, RestBinanceBrokerOptions } from '../src/index.js';
import { createRestBinanceBroker } from '../src/index.js';

export const MINUTE = 60_000;
/** Open time of the first bar: 2024-01-01T00:00:00Z. */
export const T0 = Date.UTC(2024, 0, 1);
/** The venue starts 30 s into bar 100: bars 0..99 have closed, bar 100 is forming. */
export const START = T0 + 100 * MINUTE + 30_000;
export const API_KEY = 'example-key';
export const SECRET = 'example-secret';
export const SYMBOL = 'BTC/USDT';

/** The fixture market's rules, as the emulator states them in `exchangeInfo`. */
const BTC_USDT: MarketSpec = { symbol: SYMBOL, priceStep: 0.01, amountStep: 0.0001, minAmount: 0.0001, minNotional: 5 };

/** A CSV of 300 one-minute bars from {@link T0}: a seeded random walk around 42,000, prices with 2 decimals. */
export async function writeBars(): Promise<{ readonly file: string; remove(): Promise<void> }> {
  let state = 7;
  const random = (): number => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  const cents = (x: number): number => Math.round(x * 100) / 100;
  const lines = ['timestamp,open,high,low,close,volume'];
  let close = 42_000;
  for (let i = 0; i < 300; i++) {
    const open = cents(close + (random() - 0.5) * 10);
    close = cents(open + (random() - 0.5) * 60);
    const high = cents(Math.max(open, close) + random() * 20);
    const low = cents(Math.min(open, close) - random() * 20);
    lines.push(`${T0 + i * MINUTE},${open},${high},${low},${close},${(1 + random() * 5).toFixed(6)}`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'bt-custom-adapter-'));
  const file = join(dir, 'BTCUSDT.csv');
  await writeFile(file, `${lines.join('\n')}\n`);
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** An emulator on a ManualClock, and an (unconnected) adapter pointed at it that shares its clock. */
export interface Venue {
  readonly emulator: RunningEmulator;
  readonly clock: ManualClock;
  readonly broker: RestBinanceBroker;
  /** One bar later: moves the clock one minute, then polls the adapter for what that bar filled. */
  advance(): Promise<void>;
  /** Closes the adapter and the emulator. */
  dispose(): Promise<void>;
}

/** Starts the emulator over the bars in `file` with 10,000 USDT, and creates the adapter (polling only when told). */
export async function startVenue(file: string, options: Partial<RestBinanceBrokerOptions> = {}): Promise<Venue> {
  const clock = new ManualClock(START);
  const emulator = await startEmulator({
    data: [{ symbol: SYMBOL, file }],
    clock,
    keys: [{ apiKey: API_KEY, secret: SECRET }],
    balances: { USDT: 10_000 },
    markets: [BTC_USDT],
  });
  const broker = createRestBinanceBroker({ baseUrl: emulator.url, apiKey: API_KEY, secret: SECRET, clock, pollIntervalMs: 0, ...options });
  return {
    emulator,
    clock,
    broker,
    advance: async () => {
      await clock.advance(MINUTE);
      await broker.poll();
    },
    dispose: async () => {
      await broker.close();
      await emulator.close();
    },
  };
}
