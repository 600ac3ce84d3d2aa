import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchConfig } from './config.js';
import type { Layout } from './data.js';
import type { Figure } from './figure.js';
import type { PathJob, PathJobResult } from './path-job.js';
import { FIGURE3_EXITS } from './path-job.js';
import type { Summary } from './stats.js';
import { rateOf } from './stats.js';

/** Runs `job` in a fresh `node --expose-gc path-child.js` (built next to this file). */
function runJob(job: PathJob): PathJobResult {
  const child = fileURLToPath(new URL('./path-child.js', import.meta.url));
  if (!existsSync(child)) throw new Error(`figures 2, 3 and 7 need the built bench (${child} is missing): run it with npm run bench`);
  const out = execFileSync(process.execPath, ['--expose-gc', child, JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 16 << 20 });
  return JSON.parse(out.trim().split('\n').pop() as string) as PathJobResult;
}

function rateFigure(
  figure: number,
  id: string,
  label: string,
  bars: number,
  time: Summary,
  extra: Partial<Pick<Figure, 'target' | 'note'>> & { detail?: Record<string, unknown> } = {},
): Figure {
  const rate = rateOf(bars, time);
  return {
    figure,
    id,
    label,
    unit: 'symbol-bars/s',
    median: rate.median,
    min: rate.min,
    max: rate.max,
    runs: time.runs,
    ...(extra.target === undefined ? {} : { target: extra.target }),
    ...(extra.note === undefined ? {} : { note: extra.note }),
    detail: { msPerRun: time, ...extra.detail },
  };
}

/** Warm-up runs before the timed ones: the first runs of a process are JIT-compiling. */
const warmupOf = (config: BenchConfig): number => (config.smoke ? 1 : 2);

/**
 * Figures 2 and 3: symbol-bars per second through the full path, for each size and layout, next
 * to the floor on the same data (every full-path run checked to give the floor's trades); then the
 * same with the position monitor and trade manager on. Each measurement runs in its own process.
 */
export function pathFigures(config: BenchConfig, log: (line: string) => void): Figure[] {
  const figures: Figure[] = [];
  const monitorFigures: Figure[] = [];
  const base = { runs: config.runs, warmup: warmupOf(config) };
  for (const size of config.pathSizes) {
    for (const layout of config.layouts) {
      const tag = `${size.symbols}x${size.bars}/${layout}`;
      const bars = size.symbols * size.bars;
      const job = { ...base, symbols: size.symbols, bars: size.bars, layout };
      log(`  figure 2: ${tag}`);
      const plain = runJob({ ...job, kind: 'path', floor: true });
      const floor = plain.floor as Summary;
      const ratio = plain.path.median / floor.median;
      const isTarget = size.symbols === config.targetSize.symbols && size.bars === config.targetSize.bars;
      figures.push(
        rateFigure(2, `floor/${tag}`, `floor (sequential loop) ${tag}`, bars, floor, { detail: { trades: plain.trades } }),
        rateFigure(2, `full-path/${tag}`, `full path ${tag}`, bars, plain.path, {
          target: isTarget
            ? { text: '>= 3M/s and <= 4x floor', met: rateOf(bars, plain.path).median >= 3e6 && ratio <= 4 }
            : { text: '<= 4x floor', met: ratio <= 4 },
          detail: { floorRate: rateOf(bars, floor), slowerThanFloor: ratio, trades: plain.trades, steps: plain.steps },
          note: `${ratio.toFixed(2)}x the floor's time`,
        }),
      );
      if (isTarget && layout === 'aligned') {
        // What two TimeController defaults cost: yielding to the event loop every 10 ms in
        // MAX_SPEED, and timing each participant's work and waits.
        for (const [name, timeController] of [
          ['no event-loop yield', { yieldIntervalMs: 1e12 }],
          ['participantTiming off', { participantTiming: false }],
        ] as const) {
          log(`  figure 2: ${tag}, ${name}`);
          const variant = runJob({ ...job, kind: 'path', timeController });
          const gain = plain.path.median / variant.path.median;
          figures.push(
            rateFigure(2, `full-path/${tag}/${name.replaceAll(' ', '-')}`, `full path ${tag}, ${name}`, bars, variant.path, {
              note: `the default takes ${gain.toFixed(2)}x this time`,
              detail: { timeController, defaultOverThis: gain },
            }),
          );
        }
      }
      log(`  figure 3: ${tag}`);
      const monitored = runJob({ ...job, kind: 'monitor' });
      const slower = monitored.path.median / plain.path.median;
      monitorFigures.push(
        rateFigure(3, `monitor/${tag}`, `monitor + exits ${tag}`, bars, monitored.path, {
          target: { text: '<= 1.5x figure 2', met: slower <= 1.5 },
          note: `${slower.toFixed(2)}x figure 2's time`,
          detail: { slowerThanFigure2: slower, managerOrders: monitored.managerOrders, exits: FIGURE3_EXITS },
        }),
      );
    }
  }
  return [...figures, ...monitorFigures];
}

/** Figure 7: the full path at a fixed total of symbol-bars split over more and more symbols. */
export function scalingFigures(config: BenchConfig, log: (line: string) => void): Figure[] {
  const layout: Layout = 'aligned';
  const measured = config.scalingSymbols.map((symbols) => {
    const bars = Math.floor(config.scalingTotal / symbols);
    log(`  figure 7: ${symbols}x${bars}`);
    const result = runJob({ kind: 'path', symbols, bars, layout, seed: 7, runs: config.runs, warmup: warmupOf(config), floor: true });
    return { symbols, bars, result };
  });
  const best = Math.max(...measured.map((m) => rateOf(m.symbols * m.bars, m.result.path).median));
  return measured.map(({ symbols, bars, result }) => {
    const total = symbols * bars;
    const fromBest = best / rateOf(total, result.path).median;
    return rateFigure(7, `scaling/${symbols}x${bars}`, `scaling ${symbols} symbols x ${bars}`, total, result.path, {
      target: { text: '<= 2x slower than the best', met: fromBest <= 2 },
      note: `${fromBest.toFixed(2)}x slower than the best`,
      detail: { slowerThanBest: fromBest, floorRate: rateOf(total, result.floor as Summary), steps: result.steps },
    });
  });
}
