import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@bt/core';
import type { EmulatorOptions, RunningEmulator } from '../src/index.js';
import { CONTROL_TOKEN_HEADER, startEmulator } from '../src/index.js';

/** One fixture bar. `time` is its open time. */
export interface FixtureBar {
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

export const MINUTE = 60_000;
/** 2024-01-01T00:00:00Z */
export const T0 = Date.UTC(2024, 0, 1);
export const API_KEY = 'test-key';
export const SECRET = 'test-secret';

/** `count` one-minute bars from `T0`: a seeded random walk around 42,000 with 2-decimal prices. */
export function makeBars(count = 300, seed = 7): FixtureBar[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  const round = (x: number): number => Math.round(x * 100) / 100;
  const bars: FixtureBar[] = [];
  let close = 42_000;
  for (let i = 0; i < count; i++) {
    const open = round(close + (random() - 0.5) * 10);
    close = round(open + (random() - 0.5) * 60);
    const high = round(Math.max(open, close) + random() * 20);
    const low = round(Math.min(open, close) - random() * 20);
    const volume = Math.round((1 + random() * 5) * 1e6) / 1e6;
    bars.push({ time: T0 + i * MINUTE, open, high, low, close, volume });
  }
  return bars;
}

/** Writes `bars` as an OHLCV CSV (epoch ms timestamps) into a new temporary directory. */
export async function writeFixture(bars: readonly FixtureBar[], name = 'BTCUSDT.csv'): Promise<{ dir: string; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'bt-emulator-'));
  const file = join(dir, name);
  const lines = bars.map((b) => `${b.time},${b.open},${b.high},${b.low},${b.close},${b.volume}`);
  await writeFile(file, `timestamp,open,high,low,close,volume\n${lines.join('\n')}\n`);
  return { dir, file };
}

/** A started emulator on a ManualClock over the fixture, and how to tear it down. */
export interface Harness {
  readonly emulator: RunningEmulator;
  readonly clock: ManualClock;
  readonly bars: readonly FixtureBar[];
  /** Moves the clock forward and lets the emulator catch up. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the emulator over 300 fixture bars, on a ManualClock at `startAt` (default: 30 s into
 * bar 100, so bars 0..99 are closed and bar 100 is forming).
 */
export async function startHarness(overrides: Partial<EmulatorOptions> = {}, startAt = T0 + 100 * MINUTE + 30_000): Promise<Harness> {
  const bars = makeBars();
  const { dir, file } = await writeFixture(bars);
  const clock = new ManualClock(startAt);
  const emulator = await startEmulator({
    data: [{ symbol: 'BTC/USDT', file }],
    clock,
    keys: [{ apiKey: API_KEY, secret: SECRET }],
    balances: { USDT: 10_000 },
    markets: [{ symbol: 'BTC/USDT', priceStep: 0.01, amountStep: 0.00001, minAmount: 0.00001, minNotional: 5 }],
    ...overrides,
  });
  return {
    emulator,
    clock,
    bars,
    advance: async (ms) => {
      await clock.advance(ms);
      emulator.control.sync();
    },
    close: async () => {
      await emulator.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A signed request, built by hand as Binance documents it (no ccxt). */
export async function signedFetch(
  emulator: RunningEmulator,
  method: string,
  path: string,
  params: Record<string, string | number>,
  options: { secret?: string; apiKey?: string | null; inBody?: boolean } = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const query = new URLSearchParams(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]))).toString();
  const signature = createHmac('sha256', options.secret ?? SECRET)
    .update(query)
    .digest('hex');
  const signed = `${query}&signature=${signature}`;
  const headers: Record<string, string> = {};
  if (options.apiKey !== null) headers['X-MBX-APIKEY'] = options.apiKey ?? API_KEY;
  const inBody = options.inBody ?? method === 'POST';
  if (inBody) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  const response = await fetch(`${emulator.url}${path}${inBody ? '' : `?${signed}`}`, {
    method,
    headers,
    ...(inBody ? { body: signed } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text), headers: response.headers };
}

/** A request to the emulator's control API (`path` from `/__control/`), with its control token. */
export function controlFetch(emulator: RunningEmulator, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${emulator.url}${path}`, {
    ...init,
    headers: { ...(init.headers as Record<string, string> | undefined), [CONTROL_TOKEN_HEADER]: emulator.controlToken },
  });
}

/** {@link controlFetch}, answered with JSON. */
export async function controlJson(
  emulator: RunningEmulator,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await controlFetch(emulator, path, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
