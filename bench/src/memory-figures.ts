import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchConfig } from './config.js';
import { generateSymbol, symbolName, toCsv } from './data.js';
import type { Figure } from './figure.js';
import { summarize } from './stats.js';

interface ChildReport {
  readonly bars: number;
  readonly trades: number;
  readonly backtestMs: number;
  readonly rssBytesPerBar: number;
  readonly arrayBytesPerBar: number;
  readonly rssBytesPerBarWithBroker: number;
  readonly baseRss: number;
  readonly peakRssSampled: number;
  readonly maxRss: number;
}

/**
 * Figure 5: resident bytes per loaded bar and the peak RSS of a backtest, each measured in a fresh
 * child process (`memory-child.js`, next to this file in the built bench) started with
 * `--expose-gc`, `runs` times, over CSV files generated once here.
 */
export function memoryFigures(config: BenchConfig, log: (line: string) => void): Figure[] {
  const { symbols, bars } = config.memory;
  const child = fileURLToPath(new URL('./memory-child.js', import.meta.url));
  if (!existsSync(child)) {
    throw new Error(`figure 5 needs the built bench (${child} is missing): run it with npm run bench`);
  }
  log(`  figure 5: ${symbols}x${bars} in a child process`);
  const dir = mkdtempSync(join(os.tmpdir(), 'bt-bench-memory-'));
  const reports: ChildReport[] = [];
  try {
    for (let s = 0; s < symbols; s++) {
      writeFileSync(join(dir, `${symbolName(s)}.csv`), toCsv(generateSymbol({ symbols, bars, layout: 'aligned', seed: 5 }, s)));
    }
    for (let i = 0; i < config.runs; i++) {
      const out = execFileSync(process.execPath, ['--expose-gc', child, dir, String(symbols), String(bars)], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      reports.push(JSON.parse(out.trim().split('\n').pop() as string) as ChildReport);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const perBar = summarize(reports.map((r) => r.rssBytesPerBar));
  const perBarBroker = summarize(reports.map((r) => r.rssBytesPerBarWithBroker));
  const peak = summarize(reports.map((r) => r.maxRss));
  const arrays = summarize(reports.map((r) => r.arrayBytesPerBar));
  const base = summarize(reports.map((r) => r.baseRss));
  const tag = `${symbols}x${bars}`;
  return [
    {
      figure: 5,
      id: `memory/loaded/${tag}`,
      label: `RSS per loaded bar ${tag} (loadOhlcvCsv)`,
      unit: 'B/bar',
      median: perBar.median,
      min: perBar.min,
      max: perBar.max,
      runs: perBar.runs,
      target: { text: '<= 64 B/bar', met: perBar.median <= 64 },
      note: `${arrays.median.toFixed(1)} B/bar of typed arrays`,
      detail: { samples: perBar.samples, arrayBytesPerBar: arrays },
    },
    {
      figure: 5,
      id: `memory/with-broker/${tag}`,
      label: `RSS per bar with the SimulatedBroker ${tag}`,
      unit: 'B/bar',
      median: perBarBroker.median,
      min: perBarBroker.min,
      max: perBarBroker.max,
      runs: perBarBroker.runs,
      target: { text: '<= 64 B/bar', met: perBarBroker.median <= 64 },
      detail: { samples: perBarBroker.samples },
    },
    {
      figure: 5,
      id: `memory/peak/${tag}`,
      label: `peak RSS, ${tag} backtest (whole process)`,
      unit: 'bytes',
      median: peak.median,
      min: peak.min,
      max: peak.max,
      runs: peak.runs,
      note: `process baseline ${(base.median / 2 ** 20).toFixed(0)} MiB`,
      detail: {
        samples: peak.samples,
        baseRss: base,
        peakRssSampledDuringBacktest: summarize(reports.map((r) => r.peakRssSampled)),
        backtestMs: summarize(reports.map((r) => r.backtestMs)),
        trades: reports[0]?.trades,
      },
    },
  ];
}
