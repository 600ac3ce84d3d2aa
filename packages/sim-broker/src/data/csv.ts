import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { BtError, type Timeframe } from '@bt/core';
import { ColumnsBuilder, type DataRule } from './builder.js';
import type { BarColumns } from './columns.js';
import { isNanLiteral, readDecimal } from './decimal.js';
import { EPOCH_SECONDS_LIMIT, looksIso, readEpoch, readIsoTime, timeCursor } from './timestamp.js';

/** Options of {@link parseOhlcvCsv}. */
export interface ParseOhlcvCsvOptions {
  /** File path or description named in error messages. */
  readonly source: string;
  /** Symbol of the bars. */
  readonly symbol: string;
  /** Bar length; every open time must lie on its grid. */
  readonly timeframe: Timeframe;
}

/** Options of {@link loadOhlcvCsv}. */
export interface LoadOhlcvCsvOptions {
  /** Bar length; every open time must lie on its grid. */
  readonly timeframe: Timeframe;
  /** Symbol of the bars; defaults to the file name without `.csv`. */
  readonly symbol?: string;
}

// Local bindings of the per-field readers. Bundled code calls them directly either way, but module
// runners that turn imports into property getters (vitest, vite-node) would pay a getter call per
// field on the hot path: about a quarter of the parse time.
const readDecimalField = readDecimal;
const readIsoField = readIsoTime;
const readEpochField = readEpoch;

const COLUMN_NAMES = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;
const MODE_UNKNOWN = 0;
const MODE_ISO = 1;
const MODE_SECONDS = 2;
const MODE_MILLIS = 3;

const COMMA = 44;
const LF = 10;
const CR = 13;

/**
 * Rows of the text from `pos` on, counted by line breaks (a fast native search): the columns are
 * allocated once at their final size, with no regrowth and no trimming copy. A large load then
 * leaves no freed column copies behind in the allocator, which would stay in the resident size.
 * Blank lines at the end make it an over-count by as many; the builder trims those.
 */
function countRows(text: string, pos: number): number {
  let rows = 0;
  let at = text.indexOf('\n', pos);
  while (at !== -1) {
    rows++;
    at = text.indexOf('\n', at + 1);
  }
  // A last line without a line break.
  if (text.length > pos && text.charCodeAt(text.length - 1) !== LF) rows++;
  return Math.max(rows, 1);
}

/** Index of the first `,`, `\r` or `\n` at or after `pos`, or `end`. */
function fieldEnd(text: string, pos: number, end: number): number {
  while (pos < end) {
    const c = text.charCodeAt(pos);
    if (c === COMMA || c === LF || c === CR) return pos;
    pos++;
  }
  return end;
}

/** Number of comma-separated fields on the line that starts at `lineStart`. */
function countFields(text: string, lineStart: number, end: number): number {
  let count = 1;
  for (let pos = lineStart; pos < end; pos++) {
    const c = text.charCodeAt(pos);
    if (c === LF || c === CR) break;
    if (c === COMMA) count++;
  }
  return count;
}

/** True when the line at `pos` is a header: its first field does not start like a number or a date. */
function isHeader(text: string, pos: number, end: number): boolean {
  let c = pos < end ? text.charCodeAt(pos) : -1;
  while (c === 32 || c === 9) c = ++pos < end ? text.charCodeAt(pos) : -1;
  return !((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46 || c === COMMA || c === LF || c === CR || c === -1);
}

/** Shows a field in a message, shortened when long. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
}

/**
 * Parses OHLCV CSV text into validated {@link BarColumns}.
 *
 * Format: an optional header line (detected: its first field does not start like a number or a
 * date), then `timestamp,open,high,low,close,volume` per line; extra columns are ignored. The
 * timestamp is the bar's open time: epoch seconds or milliseconds (decided from the first data
 * row's magnitude, below 1e11 = seconds, and held for the whole file) or ISO-8601 with an offset
 * (`2023-03-01 00:00:00+00:00`, `2023-03-01T00:00:00Z`). Numbers are parsed exactly as `Number()`
 * would. `\n` or `\r\n` line ends; blank lines are allowed only at the end of the text.
 *
 * @throws BtError `DATA` whose message is `source:line: what is wrong`, with
 * `details: { file, line, rule }` (see {@link DataRule}).
 * @example
 * ```ts
 * const btc = parseOhlcvCsv(text, { source: 'data/BTC.csv', symbol: 'BTC', timeframe: '1m' });
 * ```
 */
export function parseOhlcvCsv(text: string, options: ParseOhlcvCsvOptions): BarColumns {
  const end = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  if (isHeader(text, pos, end)) {
    while (pos < end && text.charCodeAt(pos) !== LF && text.charCodeAt(pos) !== CR) pos++;
    pos = skipLineBreak(text, pos, end);
    line++;
  }
  const builder = new ColumnsBuilder(options.symbol, options.timeframe, options.source, 'line', countRows(text, pos));
  const cursor = timeCursor(pos);
  let mode = MODE_UNKNOWN;
  let columnCount = 0;
  let lineStart = pos;

  const fail = (rule: DataRule, message: string): never => builder.fail(line, rule, message);

  /** Reads the comma and the decimal field `index` (1..5) at the cursor. */
  const field = (index: number): number => {
    if (text.charCodeAt(cursor.pos) !== COMMA) {
      const found = countFields(text, lineStart, end);
      fail('column-count', `has ${found} column${found === 1 ? '' : 's'}, expected at least 6 (${COLUMN_NAMES.join(',')})`);
    }
    const start = ++cursor.pos;
    const value = readDecimalField(text, cursor);
    if (Number.isNaN(value) && !isNanLiteral(text.slice(start, cursor.pos))) {
      fail('number', `${COLUMN_NAMES[index]} ${quote(text.slice(start, cursor.pos))} is not a number`);
    }
    return value;
  };

  /** Fails with the reason the timestamp field of the current line was rejected. */
  const badTimestamp = (): never => {
    const written = text.slice(lineStart, fieldEnd(text, lineStart, end)).trim();
    const iso = looksIso(text, lineStart, end);
    if (mode === MODE_ISO && !iso) fail('timestamp', `timestamp ${quote(written)} is not ISO-8601 like this file's first data row`);
    if ((mode === MODE_SECONDS || mode === MODE_MILLIS) && !iso) {
      cursor.pos = lineStart;
      const raw = readEpoch(text, cursor, end);
      if (!Number.isNaN(raw)) {
        const [was, is] = mode === MODE_SECONDS ? ['seconds', 'milliseconds'] : ['milliseconds', 'seconds'];
        fail('timestamp', `timestamp ${written} looks like epoch ${is}, but this file's first data row is in epoch ${was}`);
      }
    }
    if ((mode === MODE_SECONDS || mode === MODE_MILLIS) && iso) {
      fail('timestamp', `timestamp ${quote(written)} is ISO-8601, but this file's first data row is an epoch number`);
    }
    return fail(
      'timestamp',
      `timestamp ${quote(written)} is neither an epoch (s or ms) nor an ISO-8601 time with offset such as 2023-03-01T00:00:00Z or 2023-03-01 00:00:00+00:00`,
    );
  };

  while (pos < end) {
    lineStart = pos;
    const c = text.charCodeAt(pos);
    if (c === LF || c === CR) {
      let rest = pos + 1;
      while (rest < end && (text.charCodeAt(rest) === LF || text.charCodeAt(rest) === CR)) rest++;
      if (rest === end) break;
      fail('blank-line', 'blank line (only the end of a file may have blank lines)');
    }
    cursor.pos = pos;
    let time: number;
    if (mode === MODE_ISO) {
      time = readIsoField(text, cursor, end);
    } else if (mode === MODE_SECONDS) {
      time = readEpochField(text, cursor, end);
      time = time < EPOCH_SECONDS_LIMIT ? time * 1000 : Number.NaN;
    } else if (mode === MODE_MILLIS) {
      time = readEpochField(text, cursor, end);
      if (!(time >= EPOCH_SECONDS_LIMIT)) time = Number.NaN;
    } else if (looksIso(text, pos, end)) {
      mode = MODE_ISO;
      time = readIsoTime(text, cursor, end);
    } else {
      time = readEpoch(text, cursor, end);
      if (!Number.isNaN(time)) mode = time < EPOCH_SECONDS_LIMIT ? MODE_SECONDS : MODE_MILLIS;
      if (mode === MODE_SECONDS) time *= 1000;
    }
    if (Number.isNaN(time)) badTimestamp();
    const open = field(1);
    const high = field(2);
    const low = field(3);
    const close = field(4);
    const volume = field(5);
    pos = cursor.pos;
    let columns = 6;
    while (pos < end && text.charCodeAt(pos) === COMMA) {
      columns++;
      pos = fieldEnd(text, pos + 1, end);
    }
    if (columns !== columnCount) {
      if (columnCount === 0) columnCount = columns;
      else fail('column-count', `has ${columns} columns, the first data row has ${columnCount}`);
    }
    builder.push(time, open, high, low, close, volume, line);
    pos = skipLineBreak(text, pos, end);
    line++;
  }
  if (builder.length === 0) fail('no-data', `no data rows (expected lines of ${COLUMN_NAMES.join(',')})`);
  return builder.finish();
}

/** Skips one line break (`\r\n`, `\n` or `\r`) at `pos`. */
function skipLineBreak(text: string, pos: number, end: number): number {
  if (pos < end && text.charCodeAt(pos) === CR) pos++;
  if (pos < end && text.charCodeAt(pos) === LF) pos++;
  return pos;
}

/**
 * Reads an OHLCV CSV file (format of {@link parseOhlcvCsv}) into validated {@link BarColumns}.
 * The symbol defaults to the file name without `.csv`; error messages name `path` as given.
 *
 * @throws BtError `DATA` when the file cannot be read or breaks a rule.
 * @example
 * ```ts
 * const btc = await loadOhlcvCsv('data/BTCUSDT.csv', { timeframe: '1m' }); // symbol 'BTCUSDT'
 * ```
 */
export async function loadOhlcvCsv(path: string, options: LoadOhlcvCsvOptions): Promise<BarColumns> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new BtError('DATA', `${path}: cannot read the file: ${reason}`, { cause: error, details: { file: path } });
  }
  const symbol = options.symbol ?? basename(path).replace(/\.csv$/i, '');
  return parseOhlcvCsv(text, { source: path, symbol, timeframe: options.timeframe });
}
