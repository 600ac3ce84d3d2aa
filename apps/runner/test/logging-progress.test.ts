import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TimeControllerMetrics } from '@bt/time-controller';
import { describe, expect, it } from 'vitest';
import { Redactor } from '../src/config/secrets.js';
import { createRunLogger } from '../src/logging/logger.js';
import { createProgressDisplay } from '../src/progress/display.js';
import { formatDuration, progressLine, workerLines } from '../src/progress/format.js';
import { tempDir } from './helpers/cli.js';

describe('createRunLogger', () => {
  it('writes JSON lines to the file and short lines to the console, each at its level, with secrets scrubbed', async () => {
    const file = join(tempDir(), 'logs', 'run.log');
    const consoleLines: string[] = [];
    const redactor = Redactor.forConfig({ apiKey: 'KEY-0123456789' });
    const run = createRunLogger({ file, fileLevel: 'debug', consoleLevel: 'warn', console: (l) => consoleLines.push(l), redactor });
    const log = run.logger.child({ symbol: 'BTC/USDT' });
    log.debug('tick', { step: 1 });
    log.info('auth with KEY-0123456789');
    log.warn('slow', { detail: { key: 'KEY-0123456789' } });
    await run.close();
    const records = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.map((r) => [r.level, r.msg, r.symbol])).toEqual([
      [20, 'tick', 'BTC/USDT'],
      [30, 'auth with [redacted]', 'BTC/USDT'],
      [40, 'slow', 'BTC/USDT'],
    ]);
    expect(records[2]?.detail).toEqual({ key: '[redacted]' });
    expect(consoleLines).toEqual(['WARN  slow  symbol=BTC/USDT detail={"key":"[redacted]"}']);
  });
});

const metrics: TimeControllerMetrics = {
  state: 'running',
  step: 1500,
  totalSteps: 30_000,
  progress: 0.05,
  elapsedMs: 1000,
  stepsPerSecond: 1500,
  etaMs: 19_000,
  simTime: Date.UTC(2023, 2, 2, 1, 0),
  participantTiming: true,
  participants: [
    { id: 'BTCUSDT', status: 'working', steps: 1500, working: stats(), waiting: stats(), waitingShare: 0.25, sinceMs: 0 },
    { id: 'position-monitor', status: 'waiting', steps: 1500, working: stats(), waiting: stats(), waitingShare: 0.8, sinceMs: 0 },
  ],
};

function stats() {
  return { count: 0, totalMs: 0, minMs: 0, avgMs: 0, maxMs: 0 };
}

describe('progress', () => {
  it('shows step N of M, percent, ETA, simulated time, speed and every worker', () => {
    expect(progressLine(metrics)).toBe('step 1500 of 30000 (5.0%) | ETA 19s | sim 2023-03-02 01:00 UTC | 1,500 steps/s');
    expect(workerLines(metrics)).toEqual([
      '  BTCUSDT           working             waiting  25% of the time',
      '  position-monitor  waiting at barrier  waiting  80% of the time',
    ]);
    expect(formatDuration(3_723_000)).toBe('1h 02m');
    expect(formatDuration(undefined)).toBe('--');
  });

  it('prints periodic plain lines when not on a terminal', async () => {
    const chunks: string[] = [];
    const stream = { write: (c: string) => chunks.push(c) } as unknown as NodeJS.WritableStream;
    const display = await createProgressDisplay('plain', { stream, intervalMs: 5 });
    display.start(() => metrics);
    await new Promise((r) => setTimeout(r, 40));
    display.log('a log line');
    display.stop();
    expect(chunks.filter((c) => c.startsWith('[bt] step 1500 of 30000')).length).toBeGreaterThan(1);
    expect(chunks).toContain('a log line\n');
    expect(chunks.at(-1)).toContain('BTCUSDT working 25% waiting, position-monitor waiting at barrier 80% waiting');
  });
});
