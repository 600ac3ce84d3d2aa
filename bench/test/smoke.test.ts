import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../src/data.js';
import { runFloor } from '../src/floor.js';
import type { BenchReport } from '../src/report.js';

/**
 * Keeps the bench from rotting: builds it as `npm run bench` does and runs every figure at smoke
 * sizes. It checks that each figure was measured and written, never how fast anything was.
 */
const benchDir = join(import.meta.dirname, '..');
const scratch = mkdtempSync(join(os.tmpdir(), 'bt-bench-smoke-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('bench', () => {
  it('generates consistent OHLC bars, the same on every call', () => {
    const [a, b] = [0, 1].map(() => generateDataset({ symbols: 3, bars: 500, layout: 'ragged', seed: 9 }));
    for (const [s, c] of a!.entries()) {
      expect(Array.from(c.close)).toEqual(Array.from(b![s]!.close));
      for (let i = 0; i < c.length; i++) {
        expect(c.high[i]).toBeGreaterThanOrEqual(Math.max(c.open[i]!, c.close[i]!));
        expect(c.low[i]).toBeLessThanOrEqual(Math.min(c.open[i]!, c.close[i]!));
        expect(c.low[i]).toBeGreaterThan(0);
        if (i > 0) expect(c.openTime[i]! - c.openTime[i - 1]!).toBeGreaterThanOrEqual(60_000);
      }
    }
    // Ragged: the symbols start at different minutes.
    expect(new Set(a!.map((c) => c.openTime[0])).size).toBeGreaterThan(1);
  });

  it('has a floor that trades on the generated data', () => {
    const floor = runFloor(generateDataset({ symbols: 4, bars: 2_000, layout: 'aligned' }));
    expect(floor.bars).toBe(8_000);
    expect(floor.trades.length).toBeGreaterThan(10);
  });

  it('builds and runs every figure in smoke mode, writing the JSON report', () => {
    const outDir = join(scratch, 'dist');
    const require = createRequire(import.meta.url);
    const tsup = require.resolve('tsup/dist/cli-default.js');
    const build = spawnSync(process.execPath, [tsup, '--silent', '--out-dir', outDir], { cwd: benchDir, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const results = join(scratch, 'results');
    const run = spawnSync(process.execPath, ['--expose-gc', join(outDir, 'main.js'), '--smoke', '--out', results], {
      cwd: benchDir,
      encoding: 'utf8',
      maxBuffer: 16 << 20,
    });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(results, 'smoke-latest.json'), 'utf8')) as BenchReport;
    expect(report.smoke).toBe(true);
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(new Set(report.figures.map((f) => f.figure))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7]));
    for (const figure of report.figures) {
      // Figure 6 may be pending while the CLI is not built.
      if (figure.figure !== 6) expect(figure.median, figure.id).toBeGreaterThan(0);
      if (figure.median !== null) expect(figure.runs, figure.id).toBeGreaterThanOrEqual(1);
    }
    expect(run.stdout).toContain('| # | figure');
  }, 120_000);
});
