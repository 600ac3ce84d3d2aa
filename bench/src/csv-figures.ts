import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { BarColumns } from '@bt/sim-broker';
import { loadOhlcvCsv, parseOhlcvCsv } from '@bt/sim-broker';
import type { BenchConfig } from './config.js';
import { generateDataset } from './data.js';
import { toCsv } from './data.js';
import type { Figure } from './figure.js';
import { rateOf, timeRuns } from './stats.js';

const FIELDS = ['openTime', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Throws unless `parsed` holds exactly the generated bars (CSV text round-trips every double). */
function checkSameBars(parsed: readonly BarColumns[], generated: readonly BarColumns[]): void {
  parsed.forEach((p, s) => {
    const g = generated[s]!;
    if (p.length !== g.length || p.symbol !== g.symbol) throw new Error(`figure 4: ${g.symbol} parsed ${p.length} bars of ${g.length}`);
    for (const field of FIELDS) {
      const a = p[field];
      const b = g[field];
      for (let i = 0; i < a.length; i++) {
        if (!Object.is(a[i], b[i])) throw new Error(`figure 4: ${g.symbol} bar ${i} ${field}: parsed ${a[i]}, generated ${b[i]}`);
      }
    }
  });
}

/**
 * Figure 4: bars per second through sim-broker's `parseOhlcvCsv` (parsing and validating) on the
 * generated CSV text held in memory, and through `loadOhlcvCsv` from files (reading included).
 */
export async function csvFigures(config: BenchConfig, log: (line: string) => void): Promise<Figure[]> {
  const { symbols, bars } = config.csv;
  log(`  figure 4: ${symbols}x${bars} CSV`);
  const generated = generateDataset({ symbols, bars, layout: 'ragged', seed: 4 });
  const texts = generated.map(toCsv);
  const bytes = texts.reduce((sum, t) => sum + t.length, 0);
  const total = symbols * bars;
  const dir = mkdtempSync(join(os.tmpdir(), 'bt-bench-csv-'));
  try {
    const files = generated.map((c, s) => {
      const file = join(dir, `${c.symbol}.csv`);
      writeFileSync(file, texts[s]!);
      return file;
    });
    const parse = await timeRuns(
      config.runs,
      () => texts.map((text, s) => parseOhlcvCsv(text, { source: files[s]!, symbol: generated[s]!.symbol, timeframe: '1m' })),
      { warmup: 1, check: (parsed, run) => (run === 0 ? checkSameBars(parsed, generated) : undefined) },
    );
    const load = await timeRuns(config.runs, () => Promise.all(files.map((file) => loadOhlcvCsv(file, { timeframe: '1m' }))), {
      warmup: 1,
      check: (loaded, run) => (run === 0 ? checkSameBars(loaded, generated) : undefined),
    });
    const parseRate = rateOf(total, parse);
    const loadRate = rateOf(total, load);
    return [
      {
        figure: 4,
        id: `csv/parse/${symbols}x${bars}`,
        label: `parseOhlcvCsv ${symbols}x${bars} (in memory)`,
        unit: 'bars/s',
        ...parseRate,
        runs: parse.runs,
        target: { text: '>= 4M bars/s', met: parseRate.median >= 4e6 },
        note: `${(((bytes / parse.median) * 1e3) / 1e6).toFixed(0)} MB/s of CSV text`,
        detail: { msPerRun: parse, csvBytes: bytes },
      },
      {
        figure: 4,
        id: `csv/load/${symbols}x${bars}`,
        label: `loadOhlcvCsv ${symbols}x${bars} (files)`,
        unit: 'bars/s',
        ...loadRate,
        runs: load.runs,
        detail: { msPerRun: load, csvBytes: bytes },
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
