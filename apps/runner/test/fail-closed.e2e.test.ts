import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningEmulator } from '@bt/exchange-emulator';
import { startEmulator, VirtualClock } from '@bt/exchange-emulator';
import { SqliteJournal } from '@bt/journal';
import { describe, expect, it } from 'vitest';
import type { CliResult } from './helpers/cli.js';
import { csvRows, SAMPLE, spawnCli, tempDir, writeSampleSlice } from './helpers/cli.js';

/*
 * END TO END with the built binary, real ccxt and the exchange emulator: a bot whose position the
 * venue no longer shows refuses to trade (fail-closed), says what differs and how to accept the
 * venue's state, and sends nothing; with --accept-venue-state it records the adjustment and trades.
 */

const KEY = { apiKey: 'closed-key-0123456789abcdef', secret: 'closed-secret-abcdefghijklmnop' };
const BOT = 'closed-bot';
/** The bot's loops, each parked on the clock when idle: the worker, the position monitor, the order poll, the status line. */
const SLEEPERS = 4;
const WALL_LIMIT_MS = 45_000;

const config = (bars: number) => `name: ${BOT}
symbols: [{ symbol: BTC/USDT, data: BTCUSDT.csv, strategies: [{ use: ./buy-once.ts }] }]
broker: { type: ccxt, exchange: binance, apiKey: "\${EMU_KEY}", secret: "\${EMU_SECRET}", urls: { rest: "\${EMU_URL}" }, rateLimit: false }
time: { pollIntervalMs: 30000, monitorIntervalMs: 30000, stopAfterBars: ${bars} }
`;

async function runBot(emulator: RunningEmulator, clock: VirtualClock, folder: string, args: readonly string[] = []): Promise<CliResult> {
  const bot = spawnCli(['run', '-c', 'bot.yaml', '--no-report', ...args], {
    cwd: folder,
    env: { EMU_URL: emulator.url, EMU_KEY: KEY.apiKey, EMU_SECRET: KEY.secret, BT_EMULATOR_TOKEN: emulator.controlToken },
  });
  const guard = setTimeout(() => bot.child.kill('SIGKILL'), WALL_LIMIT_MS);
  try {
    const started = bot.waitFor(/ trading on binance: /, WALL_LIMIT_MS).catch(() => undefined);
    await clock.lockstep({ sleepers: 1, until: Promise.race([started, bot.exited]) });
    await clock.lockstep({ sleepers: SLEEPERS, until: bot.exited });
    return await bot.exited;
  } finally {
    clearTimeout(guard);
  }
}

describe('fail-closed at start (built binary, real ccxt, the emulator)', () => {
  it('refuses to trade when the venue holds less than the bot bought; --accept-venue-state records the difference and goes on', async () => {
    const folder = tempDir('bt-fail-closed-');
    const data = writeSampleSlice(SAMPLE.BTCUSDT, join(folder, 'BTCUSDT.csv'), 200);
    const startTime = Date.parse(`${csvRows(data)[20]?.split(',')[0]}`.replace(' ', 'T'));
    writeFileSync(
      join(folder, 'buy-once.ts'),
      `import type { Strategy } from '@bt/core';
export default (): Strategy => ({
  async onTick(ctx) { if (ctx.isNewBar && ctx.position.size === 0 && ctx.pendingExposure === 0) await ctx.orders.buy(0.5); },
});
`,
    );
    const clock = new VirtualClock(startTime);
    const options = { data: [{ symbol: 'BTC/USDT', file: data }], clock, keys: [KEY] };
    const first = await startEmulator({ ...options, balances: { USDT: 1_000_000 } });
    let port: number;
    try {
      writeFileSync(join(folder, 'bot.yaml'), config(3));
      const bought = await runBot(first, clock, folder);
      expect(bought.code, bought.stderr).toBe(0);
      expect(first.balances().find((b) => b.currency === 'BTC')?.total).toBeCloseTo(0.5, 9);
      port = first.port;
    } finally {
      await first.close();
    }
    // The account is emptied behind the bot's back (its coins withdrawn): the venue now holds none.
    const second = await startEmulator({ ...options, port, balances: { USDT: 1_000_000 } });
    try {
      const refused = await runBot(second, clock, folder);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toContain("BTC/USDT: the bot's own fills hold 0.5 BTC, the venue's BTC balance is 0");
      expect(refused.stderr).toContain('Nothing was sent.');
      // No log line claims a match that was never checked.
      expect(refused.stderr).not.toMatch(/venue matches/);
      expect(refused.stderr).toContain('--accept-venue-state');
      expect(refused.stderr).not.toMatch(/ trading on binance: /);
      expect(second.orders()).toEqual([]);

      const accepted = await runBot(second, clock, folder, ['--accept-venue-state']);
      expect(accepted.code, accepted.stderr).toBe(0);
      expect(accepted.stderr).toMatch(/venue's state accepted/);
      // Flat by the adjustment, the strategy buys again, at this venue.
      expect(second.orders().map((o) => [o.side, o.amount])).toEqual([['buy', 0.5]]);
      const journal = SqliteJournal.openReadOnly({ file: join(folder, 'state', `${BOT}.sqlite`), botName: BOT });
      try {
        expect(journal.fills().map((f) => [f.side, f.amount, f.origin])).toEqual([
          ['buy', 0.5, 'venue'],
          ['sell', 0.5, 'adjustment'],
          ['buy', 0.5, 'venue'],
        ]);
      } finally {
        journal.close();
      }
    } finally {
      await second.close();
    }
  }, 120_000);
});
