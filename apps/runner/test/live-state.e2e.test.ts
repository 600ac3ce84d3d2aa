import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvRows, RUNNER_DIR, runCli, spawnCli, tempDir } from './helpers/cli.js';

/*
 * END TO END with the built binary and a fake broker package (no network): the one-instance rule,
 * a kill -9, and `bt report` rebuilding the killed run from the bot's journal.
 */

const HOOKS = ['--import', join(RUNNER_DIR, 'test', 'fixtures', 'register-hooks.mjs')];
const ENV = { BT_TEST_HOOK: 'broker-fake' };

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

describe('paper run with durable state (built binary)', () => {
  it('a second bt run of the same bot is refused (exit 3, naming the holder); a killed run is rebuilt by bt report from its journal', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'buy-once.ts'),
      `import type { Strategy } from '@bt/core';
export default (): Strategy => {
  let sent = false;
  return { async onTick(ctx) { if (!sent) { sent = true; await ctx.orders.buy(1); } } };
};
`,
    );
    writeFileSync(
      join(dir, 'bt.yaml'),
      `name: solo
symbols: [{ symbol: BTC/USD, strategies: [{ use: ./buy-once.ts }] }]
broker: { type: paper, exchange: fakex, urls: { rest: "http://127.0.0.1:9" }, balances: { USD: 5000 } }
time: { pollIntervalMs: 50, monitorIntervalMs: 50 }
results: { dir: out, name: first }
`,
    );
    const journal = join(dir, 'state', 'solo.paper.sqlite');
    const first = spawnCli(['run', '-c', 'bt.yaml', '--progress', 'plain'], { cwd: dir, env: ENV, nodeArgs: HOOKS });
    try {
      await first.waitFor(/\[bt\] status: .*\| 1 open order \|/);
      expect(first.output().stderr).toContain(`state: bot "solo", journal ${journal}`);

      const second = await runCli(['run', '-c', 'bt.yaml', '-o', join(dir, 'out', 'second')], { cwd: dir, env: ENV, nodeArgs: HOOKS });
      expect(second.code, second.stderr).toBe(3);
      expect(second.stderr).toContain(`bot "solo" is already running: pid ${first.child.pid} on host`);
      expect(second.stderr).toContain('One instance per bot');
      expect(second.stderr).toContain('bt unlock -c');
      expect(second.stderr).not.toMatch(/paper trading on fakex/);
    } finally {
      first.child.kill('SIGKILL');
    }
    const killed = await first.exited;
    expect(killed.signal).toBe('SIGKILL');

    const out = join(dir, 'out', 'first');
    // Written at the start: where the journal is, so the folder of a killed run can be rebuilt.
    expect(readJson(join(out, 'results.json'))).toMatchObject({ status: 'running', journal: { file: journal, botName: 'solo' } });
    const report = await runCli(['report', out]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain(`Rebuilt from ${journal} (run interrupted)`);
    expect(readJson(join(out, 'results.json'))).toMatchObject({
      mode: 'paper',
      status: 'interrupted',
      orderCount: 1,
      rebuiltFromJournal: true,
    });
    const orders = csvRows(join(out, 'orders.csv'));
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatch(/^solo-BTCUSD-1,BTC\/USD,buy-once,strategy,,buy,market,1,/);
    expect(existsSync(join(out, 'report.html'))).toBe(true);

    // The lock of the killed process is free for the next run.
    const unlock = await runCli(['unlock', '-c', 'bt.yaml'], { cwd: dir });
    expect(unlock.code, unlock.stderr).toBe(0);
    expect(unlock.stdout).toMatch(new RegExp(`removed the lock of bot "solo" in .*: pid ${first.child.pid}`));
  }, 60_000);
});
