/**
 * `npm run bench`: the @bt benchmark suite (issue 6). Prints a table of every figure and writes
 * `results/latest.json` (plus a timestamped copy). Flags:
 *
 * - `--smoke` (or `BENCH_SMOKE=1`): tiny sizes, a few seconds; what `bench/test` runs.
 * - `--out <dir>`: where to write the JSON (default `bench/results`; a smoke run writes nothing
 *   unless `--out` is given).
 * - `--only 1,2,5`: run only these figures.
 * - `--runs <n>`: timed runs per figure (at least 5; default 5).
 */
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import os from 'node:os';
import { barrierFigures } from './barrier-bench.js';
import { coldStartFigures } from './cold-start.js';
import type { BenchConfig } from './config.js';
import { FULL, SMOKE } from './config.js';
import { csvFigures } from './csv-figures.js';
import type { Figure } from './figure.js';
import { machineInfo } from './machine.js';
import { memoryFigures } from './memory-figures.js';
import { pathFigures, scalingFigures } from './path-figures.js';
import type { BenchReport } from './report.js';
import { formatTable, writeReport } from './report.js';

interface Args {
  readonly smoke: boolean;
  readonly out: string | undefined;
  readonly only: ReadonlySet<number> | undefined;
  readonly runs: number | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  let smoke = process.env.BENCH_SMOKE === '1' || process.env.BENCH_SMOKE === 'true';
  let out: string | undefined;
  let only: Set<number> | undefined;
  let runs: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg}: expected a value`);
      return v;
    };
    if (arg === '--smoke') smoke = true;
    else if (arg === '--out') out = value();
    else if (arg === '--only') only = new Set(value().split(',').map(Number));
    else if (arg === '--runs') {
      runs = Number(value());
      if (!Number.isInteger(runs) || runs < 5) throw new Error(`--runs: expected an integer >= 5, got ${runs}`);
    } else throw new Error(`unknown argument ${arg}; expected --smoke, --out <dir>, --only <figures>, --runs <n>`);
  }
  return { smoke, out, only, runs };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const here = dirname(fileURLToPath(import.meta.url));
  const benchDir = resolve(here, '..');
  const repoRoot = resolve(benchDir, '..');
  const base: BenchConfig = args.smoke ? SMOKE : FULL;
  const config: BenchConfig = args.runs === undefined ? base : { ...base, runs: args.runs };
  const wanted = (figure: number): boolean => args.only === undefined || args.only.has(figure);
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  if ((globalThis as { gc?: unknown }).gc === undefined) log('note: start node with --expose-gc for a GC between timed runs');

  const startedAt = new Date();
  const started = performance.now();
  const machine = machineInfo(repoRoot);
  log(
    `@bt bench${config.smoke ? ' (smoke)' : ''}: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverage.start.join(' ')}`,
  );
  const figures: Figure[] = [];
  if (wanted(1)) {
    log('figure 1: barrier crossing');
    for (const f of await barrierFigures(config.barrierParties, config.barrierWork, Math.max(config.runs, 7))) {
      const core = f.kind === 'barrier';
      figures.push({
        figure: 1,
        id: `${f.kind}/${f.participants}`,
        label: `${core ? 'core Barrier' : 'TimeController MAX_SPEED'}, ${f.participants} participant${f.participants === 1 ? '' : 's'}`,
        unit: 'participant-steps/s',
        ...f.rate,
        runs: f.time.runs,
        ...(f.participants === 100 ? { target: { text: '>= 5M/s', met: f.rate.median >= 5e6 } } : {}),
        detail: { stepsPerRun: f.stepsPerRun, msPerRun: f.time },
      });
    }
  }
  const pathRun = wanted(2) || wanted(3);
  if (pathRun) {
    log('figures 2 and 3: full backtest path');
    figures.push(...pathFigures(config, log));
  }
  if (wanted(4)) {
    log('figure 4: CSV loading');
    figures.push(...(await csvFigures(config, log)));
  }
  if (wanted(5)) {
    log('figure 5: memory');
    figures.push(...memoryFigures(config, log));
  }
  if (wanted(6)) {
    log('figure 6: cold start');
    figures.push(...coldStartFigures(config, repoRoot, log));
  }
  if (wanted(7)) {
    log('figure 7: scaling');
    figures.push(...scalingFigures(config, log));
  }
  figures.sort((a, b) => a.figure - b.figure);
  // Smoke sizes say nothing about the targets: drop them rather than print misses.
  const reported = config.smoke ? figures.map(({ target: _target, ...figure }) => figure) : figures;

  machine.loadAverage.end = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const report: BenchReport = {
    schema: 1,
    startedAt: startedAt.toISOString(),
    durationMs: performance.now() - started,
    smoke: config.smoke,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine,
    figures: reported,
  };
  console.log(formatTable(reported));
  console.log(
    `\n${machine.cpuModel}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(1)} GiB, Node ${machine.node}, commit ${machine.commit?.slice(0, 12) ?? 'unknown'}; load average ${machine.loadAverage.start.join(' ')} -> ${machine.loadAverage.end.join(' ')}; ${config.smoke ? 'smoke sizes: too small to judge anything' : `every figure is the median of ${config.runs}+ runs`}`,
  );
  if (!config.smoke || args.out !== undefined) {
    const dir = args.out ?? join(benchDir, 'results');
    // latest.json only for a complete real run; smoke and --only runs keep their own names.
    for (const path of writeReport(report, dir, args.only === undefined)) log(`wrote ${path}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
