import type { LogFields, Logger } from '@bt/core';
import pino from 'pino';
import type { LogLevel } from '../config/schema.js';
import type { Redactor } from '../config/secrets.js';

/** Options of {@link createRunLogger}. */
export interface RunLoggerOptions {
  /** JSON-lines log file (created with its folder), or undefined for none. */
  readonly file?: string;
  readonly fileLevel: LogLevel;
  readonly consoleLevel: LogLevel;
  /** Where human-readable console lines go (the progress display prints them above its bars). */
  readonly console: (line: string) => void;
  /** Scrubs secrets from every message and field. */
  readonly redactor: Redactor;
}

/** A core {@link Logger} over pino, and the means to flush it. */
export interface RunLogger {
  readonly logger: Logger;
  /** Writes out buffered lines and closes the file. */
  close(): Promise<void>;
  /** Writes out buffered lines at once (for an exit that cannot wait). */
  flushSync(): void;
}

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMIT = new Set(['level', 'time', 'msg']);

/**
 * The run's logger: pino writing JSON lines to the log file at `fileLevel`, and short
 * `LEVEL message key=value` lines to the console at `consoleLevel`, both through pino's
 * multistream (no worker-thread transport). Secrets are scrubbed before pino sees anything.
 *
 * @example
 * ```ts
 * const { logger, close } = createRunLogger({ file: 'out/run.log', fileLevel: 'debug', consoleLevel: 'info', console: console.error, redactor });
 * logger.info('started', { symbols: 3 });
 * await close();
 * ```
 */
export function createRunLogger(options: RunLoggerOptions): RunLogger {
  const streams: { level: pino.Level; stream: pino.DestinationStream }[] = [];
  let file: pino.DestinationStream | undefined;
  if (options.file !== undefined && options.fileLevel !== 'silent') {
    file = pino.destination({ dest: options.file, sync: false, mkdir: true });
    streams.push({ level: options.fileLevel, stream: file });
  }
  if (options.consoleLevel !== 'silent') {
    streams.push({ level: options.consoleLevel, stream: { write: (line: string) => options.console(consoleLine(line)) } });
  }
  const levels = streams.map((s) => pino.levels.values[s.level] as number);
  const level = levels.length === 0 ? 'silent' : (pino.levels.labels[Math.min(...levels)] as string);
  const root = pino({ level, base: null, timestamp: pino.stdTimeFunctions.isoTime }, pino.multistream(streams));
  const boom = file as
    | (pino.DestinationStream & { flushSync?: () => void; end?: () => void; on?: (e: string, f: () => void) => void })
    | undefined;
  return {
    logger: adapt(root, options.redactor),
    flushSync() {
      try {
        boom?.flushSync?.();
      } catch {
        // Not ready yet (the file is still opening): nothing to flush.
      }
    },
    close() {
      if (boom?.end === undefined) return Promise.resolve();
      return new Promise<void>((resolve) => {
        boom.on?.('close', resolve);
        boom.on?.('error', () => resolve());
        boom.end?.();
      });
    },
  };
}

/** Adapts a pino logger to core's {@link Logger}, scrubbing secrets from messages and fields. */
export function adapt(target: pino.Logger, redactor: Redactor): Logger {
  const scrub = redactor.empty ? <T>(x: T): T => x : <T>(x: T): T => redactor.value(x);
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: LogFields): void => {
      if (!target.isLevelEnabled(level)) return;
      if (fields === undefined) target[level](scrub(message));
      else target[level](scrub(fields) as object, scrub(message));
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (bindings) => adapt(target.child(scrub(bindings) as pino.Bindings), redactor),
  };
}

/** A pino JSON line as a console line: `WARN  message  symbol=BTCUSDT step=12`. */
export function consoleLine(json: string): string {
  try {
    const record = JSON.parse(json) as Record<string, unknown>;
    const fields = Object.entries(record)
      .filter(([key]) => !OMIT.has(key))
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    const label = (LEVEL_NAMES[record.level as number] ?? 'LOG').padEnd(5);
    return `${label} ${String(record.msg ?? '')}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}`;
  } catch {
    return json.trimEnd();
  }
}
