import type { TimeControllerMetrics } from '@bt/time-controller';
import { progressLine, statusLabel, textBar, workerLines } from './format.js';

/** How progress is shown: live bars on a terminal, periodic lines otherwise, or nothing. */
export type ProgressKind = 'tty' | 'plain' | 'none';

/** Shows a run's progress and prints log lines without garbling it. */
export interface ProgressDisplay {
  /** Prints one line (above the bars on a terminal). */
  log(line: string): void;
  /** Starts showing `source()` periodically. */
  start(source: () => TimeControllerMetrics): void;
  /** Shows the last state and stops; idempotent. */
  stop(): void;
}

/** Options of {@link createProgressDisplay}. */
export interface ProgressDisplayOptions {
  /** Where progress and log lines go (stderr). */
  readonly stream: NodeJS.WritableStream;
  /** Refresh period: default 100 ms on a terminal, 2000 ms for plain lines. */
  readonly intervalMs?: number;
}

/** Picks the display for a stream: bars on a TTY, lines otherwise, nothing when quiet. */
export function progressKindFor(stream: NodeJS.WritableStream & { isTTY?: boolean }, quiet: boolean): ProgressKind {
  if (quiet) return 'none';
  return stream.isTTY === true ? 'tty' : 'plain';
}

/**
 * Makes a progress display. The terminal one loads cli-progress on demand, so runs without a
 * terminal never pay for it.
 */
export async function createProgressDisplay(kind: ProgressKind, options: ProgressDisplayOptions): Promise<ProgressDisplay> {
  switch (kind) {
    case 'tty':
      return ttyDisplay(options);
    case 'plain':
      return plainDisplay(options);
    case 'none':
      return {
        log: (line) => options.stream.write(`${line}\n`),
        start() {},
        stop() {},
      };
  }
}

function plainDisplay(options: ProgressDisplayOptions): ProgressDisplay {
  const stream = options.stream;
  let timer: ReturnType<typeof setInterval> | undefined;
  let source: (() => TimeControllerMetrics) | undefined;
  const print = (): void => {
    if (source === undefined) return;
    const m = source();
    const workers = m.participants.map(
      (p) => `${p.id} ${statusLabel(p.status)}${m.participantTiming ? ` ${(p.waitingShare * 100).toFixed(0)}% waiting` : ''}`,
    );
    stream.write(`[bt] ${progressLine(m)} | ${workers.join(', ')}\n`);
  };
  return {
    log: (line) => stream.write(`${line}\n`),
    start(next) {
      source = next;
      timer = setInterval(print, options.intervalMs ?? 2000);
      timer.unref();
    },
    stop() {
      if (timer === undefined) return;
      clearInterval(timer);
      timer = undefined;
      print();
    },
  };
}

interface BarHandle {
  update(value: number, payload: { line: string }): void;
}

async function ttyDisplay(options: ProgressDisplayOptions): Promise<ProgressDisplay> {
  const module = (await import('cli-progress')) as unknown as { default?: typeof import('cli-progress') } & typeof import('cli-progress');
  const { MultiBar } = module.default ?? module;
  const multibar = new MultiBar({
    stream: options.stream as NodeJS.WriteStream,
    format: (_options, _params, payload: { line?: string }) => payload.line ?? '',
    hideCursor: true,
    clearOnComplete: false,
    gracefulExit: false,
    fps: 10,
  });
  let timer: ReturnType<typeof setInterval> | undefined;
  let source: (() => TimeControllerMetrics) | undefined;
  let main: BarHandle | undefined;
  const workers: BarHandle[] = [];
  const render = (): void => {
    if (source === undefined) return;
    const m = source();
    const line = `${textBar(m.progress)} ${progressLine(m)}`;
    main ??= multibar.create(m.totalSteps ?? 1, 0, { line }) as BarHandle;
    main.update(m.step, { line });
    const lines = workerLines(m);
    lines.forEach((workerLine, i) => {
      workers[i] ??= multibar.create(1, 0, { line: workerLine }) as BarHandle;
      (workers[i] as BarHandle).update(0, { line: workerLine });
    });
  };
  let stopped = false;
  return {
    log: (line) => {
      if (main === undefined || stopped) options.stream.write(`${line}\n`);
      else multibar.log(`${line}\n`);
    },
    start(next) {
      source = next;
      render();
      timer = setInterval(render, options.intervalMs ?? 100);
      timer.unref();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== undefined) clearInterval(timer);
      render();
      multibar.update();
      multibar.stop();
    },
  };
}
