import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchConfig } from './config.js';
import type { Figure } from './figure.js';
import { summarize } from './stats.js';

/**
 * ESM resolve hook (registered in the measured process with `--import`): records every attempt to
 * load ccxt, so the figure can prove a backtest never loads it. CommonJS loads are caught by a
 * `Module._load` wrapper in the same preload.
 */
const GUARD = `
import { appendFileSync } from 'node:fs';
import { register, createRequire } from 'node:module';
const log = process.env.BT_BENCH_CCXT_LOG;
const hooks = 'data:text/javascript,' + encodeURIComponent(\`
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (/(^|[\\\\/])ccxt([\\\\/.]|$)/.test(specifier)) appendFileSync(\${JSON.stringify(process.env.BT_BENCH_CCXT_LOG)}, specifier + '\\\\n');
  return next(specifier, context);
}\`);
register(hooks);
const Module = createRequire(import.meta.url)('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  if (/(^|[\\\\/])ccxt([\\\\/.]|$)/.test(request)) appendFileSync(log, request + '\\n');
  return load.call(this, request, ...rest);
};
`;

const TIMINGS_FLAG = /(--timings?)\b/;

function pending(note: string): Figure[] {
  return [
    {
      figure: 6,
      id: 'cold-start/first-bar',
      label: '`bt run` (embedded default): to first bar',
      unit: 'ms',
      median: null,
      min: null,
      max: null,
      runs: 0,
      note,
    },
    {
      figure: 6,
      id: 'cold-start/end',
      label: '`bt run` (embedded default): to the end',
      unit: 'ms',
      median: null,
      min: null,
      max: null,
      runs: 0,
      note,
    },
  ];
}

/**
 * Reads the CLI's timings line, e.g. `timings: first bar 219 ms, end 710 ms (since process start)`
 * (a JSON line with `firstBarMs` and `endMs` works too).
 */
export function parseTimings(output: string): { firstBar?: number; end?: number } {
  const line = output.split('\n').find((l) => /timings|firstBarMs/i.test(l));
  if (line === undefined) return {};
  const first = /first[-_ ]?bar\D*?([0-9]+(?:\.[0-9]+)?)/i.exec(line);
  const end = /\bend(?:Ms)?\D*?([0-9]+(?:\.[0-9]+)?)/i.exec(line);
  return {
    ...(first === null ? {} : { firstBar: Number(first[1]) }),
    ...(end === null ? {} : { end: Number(end[1]) }),
  };
}

/**
 * Figure 6: cold start of the CLI. Runs `node apps/runner/dist/cli.js run <timings flag>` with the
 * embedded default config in a scratch directory, `runs` times, and reads the CLI's own timings
 * (first bar, end) from its output, next to the wall time of the whole process; a preload records
 * any attempt to load ccxt. Pending while the CLI is not built or offers no timings flag.
 */
export function coldStartFigures(config: BenchConfig, repoRoot: string, log: (line: string) => void): Figure[] {
  const cli = join(repoRoot, 'apps/runner/dist/cli.js');
  if (!existsSync(cli)) return pending('pending: apps/runner/dist/cli.js is not built yet (the CLI is being written concurrently)');
  const help = spawnSync(process.execPath, [cli, 'run', '--help'], { encoding: 'utf8' });
  const flag = TIMINGS_FLAG.exec(`${help.stdout}\n${help.stderr}`)?.[1];
  if (flag === undefined) return pending('pending: `bt run --help` lists no --timings flag');
  log(`  figure 6: bt run ${flag}`);
  const scratch = mkdtempSync(join(os.tmpdir(), 'bt-bench-cold-'));
  try {
    const guard = join(scratch, 'ccxt-guard.mjs');
    const ccxtLog = join(scratch, 'ccxt.log');
    writeFileSync(guard, GUARD);
    writeFileSync(ccxtLog, '');
    const firstBar: number[] = [];
    const end: number[] = [];
    const wall: number[] = [];
    const runCli = (guarded: boolean): string => {
      const result = spawnSync(process.execPath, [...(guarded ? ['--import', pathToFileURL(guard).href] : []), cli, 'run', flag], {
        cwd: scratch,
        encoding: 'utf8',
        env: { ...process.env, BT_BENCH_CCXT_LOG: ccxtLog, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 << 20,
      });
      if (result.status !== 0) throw new Error(`figure 6: bt run exited ${result.status}: ${result.stderr.slice(-500)}`);
      return `${result.stdout}\n${result.stderr}`;
    };
    // One run under the ccxt guard (its preload costs startup time, so it is not timed)...
    runCli(true);
    // ...then the timed runs, plain.
    const runs = config.smoke ? 1 : config.runs;
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const out = runCli(false);
      wall.push(performance.now() - start);
      const timings = parseTimings(out);
      if (timings.firstBar !== undefined) firstBar.push(timings.firstBar);
      if (timings.end !== undefined) end.push(timings.end);
    }
    const ccxt = readFileSync(ccxtLog, 'utf8').trim();
    const ccxtNote = ccxt === '' ? 'ccxt never loaded' : `ccxt WAS loaded: ${ccxt.split('\n')[0]}`;
    const figure = (id: string, label: string, samples: number[], extra: string): Figure => {
      if (samples.length === 0) {
        return {
          figure: 6,
          id,
          label,
          unit: 'ms',
          median: null,
          min: null,
          max: null,
          runs: 0,
          note: `the CLI printed no ${extra} timing`,
        };
      }
      const s = summarize(samples);
      return {
        figure: 6,
        id,
        label,
        unit: 'ms',
        median: s.median,
        min: s.min,
        max: s.max,
        runs: s.runs,
        target: { text: 'ccxt never loaded', met: ccxt === '' },
        note: ccxtNote,
        detail: { samples: s.samples, processWallMs: summarize(wall), flag },
      };
    };
    return [
      figure('cold-start/first-bar', '`bt run` (embedded default): to first bar', firstBar, 'first-bar'),
      figure('cold-start/end', '`bt run` (embedded default): to the end', end, 'end'),
    ];
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
