/** Structured fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/** The logger core writes to. A pino logger fits through a two-line adapter. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `bindings` to every line. */
  child(bindings: LogFields): Logger;
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/** One captured log line, for tests. */
export interface LogRecord {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly fields: LogFields;
}

/** A logger that keeps every line in `records`, for tests and diagnostics. */
export function createMemoryLogger(records: LogRecord[] = [], bindings: LogFields = {}): Logger & { records: LogRecord[] } {
  const write =
    (level: LogRecord['level']) =>
    (message: string, fields: LogFields = {}): void => {
      records.push({ level, message, fields: { ...bindings, ...fields } });
    };
  return {
    records,
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => createMemoryLogger(records, { ...bindings, ...more }),
  };
}
