import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, MARKET, SAMPLE, tempDir } from './helpers/cli.js';

// A tmux server of our own, so the test neither sees nor disturbs anyone else's sessions.
const SOCKET = `bt-runner-test-${process.pid}`;
const SESSION = 'progress';

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

function capture(): string {
  return tmux('capture-pane', '-p', '-t', SESSION);
}

/** Polls the pane until `accept` says yes (a pattern or a predicate); returns that capture. */
async function waitForPane(accept: RegExp | ((pane: string) => boolean), timeoutMs = 20_000): Promise<string> {
  const test = typeof accept === 'function' ? accept : (pane: string) => accept.test(pane);
  const started = Date.now();
  for (;;) {
    const pane = capture();
    if (test(pane)) return pane;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${String(accept)}; pane:\n${pane}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function stepOf(pane: string): number {
  const match = /step (\d+) of 30240/.exec(pane);
  if (match === null) throw new Error(`no step counter in:\n${pane}`);
  return Number(match[1]);
}

afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    // Already gone.
  }
});

describe('the progress display on a terminal', () => {
  it('updates the step counter and shows every worker with its status, then stops on Ctrl-C', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'bt.yaml'),
      `symbols:
  - { symbol: BTCUSDT, data: ${SAMPLE.BTCUSDT} }
  - { symbol: BTCUSD, data: ${MARKET.BTCUSD} }
strategies: [{ use: sma-cross }]
broker: { type: sim }
time: { mode: fast }
results: { dir: out, name: run }
`,
    );
    tmux(
      'new-session',
      '-d',
      '-s',
      SESSION,
      '-x',
      '160',
      '-y',
      '30',
      '-c',
      dir,
      '-e',
      'NO_COLOR=1',
      process.execPath,
      CLI,
      'run',
      '--config',
      'bt.yaml',
    );
    tmux('set-option', '-t', SESSION, 'remain-on-exit', 'on');

    const first = await waitForPane(/step [1-9]\d* of 30240/);
    // FAST mode releases a step every 100 ms: the counter moves on within a few captures.
    const started = stepOf(first);
    const second = await waitForPane((pane) => /step \d+ of 30240/.test(pane) && stepOf(pane) > started);
    expect(stepOf(second)).toBeGreaterThan(started);
    for (const pane of [first, second]) {
      expect(pane).toMatch(/\(\d+\.\d%\) \| ETA .+ \| sim 2023-03-0\d \d\d:\d\d UTC \| [\d,]+ steps\/s/);
      for (const worker of ['BTCUSD', 'BTCUSDT', 'position-monitor']) {
        expect(pane).toMatch(new RegExp(`^\\s+${worker}\\s+(working|waiting at barrier)\\s+waiting\\s+\\d+% of the time`, 'm'));
      }
    }

    tmux('send-keys', '-t', SESSION, 'C-c');
    const end = await waitForPane(/^Results: /m);
    expect(end).toContain('SIGINT: stopping after the current step');
    expect(end).toMatch(/Backtest stopped early \(partial results\)/);
  });
});
