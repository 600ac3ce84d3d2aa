/**
 * Timestamp fields of OHLCV files, parsed by arithmetic (sim-broker uses no `Date`).
 *
 * Accepted: an integer epoch in seconds or milliseconds (optionally followed by `.0`), or
 * ISO-8601 with an explicit offset: `YYYY-MM-DD[T| ]hh:mm[:ss[.fff]]` then `Z`, `±hh:mm`, `±hhmm`
 * or `±hh`. Spaces and tabs around a field are allowed.
 */
import type { Cursor } from './decimal.js';

/** Epoch values below this are seconds, from it on milliseconds (1e11 s is the year 5138, 1e11 ms is 1973). */
export const EPOCH_SECONDS_LIMIT = 1e11;

/** Largest time a double holds as a date, in ms (ECMAScript's time range). */
export const MAX_TIME_MS = 8.64e15;

/** A {@link Cursor} that also remembers the last date it converted, since consecutive bars share it. */
export interface TimeCursor extends Cursor {
  /** `year * 10000 + month * 100 + day` of the cached date, or -1. */
  dateKey: number;
  /** Days since 1970-01-01 of the cached date. */
  dateDays: number;
}

/** A fresh {@link TimeCursor} at `pos`. */
export function timeCursor(pos = 0): TimeCursor {
  return { pos, dateKey: -1, dateDays: 0 };
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Moves the cursor to the end of the field (the next `,`, `\r`, `\n` or `end`) and returns NaN. */
function skipField(text: string, cursor: Cursor, pos: number, end: number): number {
  while (pos < end) {
    const c = text.charCodeAt(pos);
    if (c === 44 || c === 10 || c === 13) break;
    pos++;
  }
  cursor.pos = pos;
  return Number.NaN;
}

/** Skips spaces and tabs; the index of the first other character (or `end`). */
function skipBlanks(text: string, pos: number, end: number): number {
  while (pos < end) {
    const c = text.charCodeAt(pos);
    if (c !== 32 && c !== 9) break;
    pos++;
  }
  return pos;
}

/** True when the field at `pos` starts like an ISO date (`YYYY-`), as opposed to an epoch number. */
export function looksIso(text: string, pos: number, end: number): boolean {
  pos = skipBlanks(text, pos, end);
  return pos + 4 < end && text.charCodeAt(pos + 4) === 45;
}

/**
 * Reads an integer epoch (optionally followed by `.0...`) at `cursor.pos` and leaves the cursor
 * at the field's end. The unit (s or ms) is the caller's to decide.
 * @returns the integer as written, or NaN when the field is not one (or above {@link MAX_TIME_MS}).
 */
export function readEpoch(text: string, cursor: Cursor, end: number): number {
  let pos = skipBlanks(text, cursor.pos, end);
  let value = 0;
  const digitsStart = pos;
  let c = pos < end ? text.charCodeAt(pos) : -1;
  while (c >= 48 && c <= 57) {
    value = value * 10 + (c - 48);
    c = ++pos < end ? text.charCodeAt(pos) : -1;
  }
  if (pos === digitsStart || pos - digitsStart > 16) return skipField(text, cursor, pos, end);
  if (c === 46) {
    c = ++pos < end ? text.charCodeAt(pos) : -1;
    while (c === 48) c = ++pos < end ? text.charCodeAt(pos) : -1;
  }
  pos = skipBlanks(text, pos, end);
  c = pos < end ? text.charCodeAt(pos) : -1;
  if ((c !== 44 && c !== 10 && c !== 13 && c !== -1) || value > MAX_TIME_MS) return skipField(text, cursor, pos, end);
  cursor.pos = pos;
  return value;
}

/** Two decimal digits at `i` as a number, or a value above 99 when either is not a digit. */
function two(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : 1000;
}

/**
 * Reads an ISO-8601 time with offset at `cursor.pos` — `YYYY-MM-DD[T| ]hh:mm[:ss[.fff]]` then `Z`,
 * `±hh:mm`, `±hhmm` or `±hh` — and leaves the cursor at the field's end. Fractions finer than a
 * millisecond must be zeros.
 * @returns epoch milliseconds, or NaN when the field is not such a time or not a real date.
 */
export function readIsoTime(text: string, cursor: TimeCursor, end: number): number {
  let p = cursor.pos;
  while (p < end && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
  if (p + 17 > end) return skipField(text, cursor, p, end); // YYYY-MM-DDThh:mmZ
  const sep = text.charCodeAt(p + 10);
  const century = two(text, p);
  const yy = two(text, p + 2);
  const month = two(text, p + 5);
  const day = two(text, p + 8);
  const hour = two(text, p + 11);
  const minute = two(text, p + 14);
  if (
    century > 99 ||
    yy > 99 ||
    hour > 23 ||
    minute > 59 ||
    text.charCodeAt(p + 4) !== 45 ||
    text.charCodeAt(p + 7) !== 45 ||
    text.charCodeAt(p + 13) !== 58 ||
    (sep !== 32 && sep !== 84 && sep !== 116)
  ) {
    return skipField(text, cursor, p, end);
  }
  const dateKey = century * 1_000_000 + yy * 10_000 + month * 100 + day;
  let days = cursor.dateDays;
  if (dateKey !== cursor.dateKey) {
    const year = century * 100 + yy;
    if (!(month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month))) return skipField(text, cursor, p, end);
    days = daysFromCivil(year, month, day);
    cursor.dateKey = dateKey;
    cursor.dateDays = days;
  }
  let pos = p + 16;
  let c = pos < end ? text.charCodeAt(pos) : -1;
  let second = 0;
  let milli = 0;
  if (c === 58) {
    second = pos + 3 <= end ? two(text, pos + 1) : 1000;
    if (second > 59) return skipField(text, cursor, pos, end);
    pos += 3;
    c = pos < end ? text.charCodeAt(pos) : -1;
    if (c === 46) {
      c = ++pos < end ? text.charCodeAt(pos) : -1;
      const fracStart = pos;
      let scale = 100;
      while (c >= 48 && c <= 57) {
        if (scale >= 1) milli += (c - 48) * scale;
        else if (c !== 48) return skipField(text, cursor, pos, end); // finer than a millisecond
        scale /= 10;
        c = ++pos < end ? text.charCodeAt(pos) : -1;
      }
      if (pos === fracStart) return skipField(text, cursor, pos, end);
    }
  }
  let offset = 0;
  if (c === 90 || c === 122) {
    c = ++pos < end ? text.charCodeAt(pos) : -1;
  } else if (c === 43 || c === 45) {
    const oh = pos + 3 <= end ? two(text, pos + 1) : 1000;
    pos += 3;
    let om = 0;
    let d = pos < end ? text.charCodeAt(pos) : -1;
    if (d === 58) d = ++pos < end ? text.charCodeAt(pos) : -1;
    if (d >= 48 && d <= 57) {
      om = pos + 2 <= end ? two(text, pos) : 1000;
      pos += 2;
    }
    if (oh > 23 || om > 59) return skipField(text, cursor, pos, end);
    offset = (c === 45 ? -60_000 : 60_000) * (oh * 60 + om);
    c = pos < end ? text.charCodeAt(pos) : -1;
  } else {
    return skipField(text, cursor, pos, end);
  }
  while (c === 32 || c === 9) c = ++pos < end ? text.charCodeAt(pos) : -1;
  if (c !== 44 && c !== 10 && c !== 13 && c !== -1) return skipField(text, cursor, pos, end);
  cursor.pos = pos;
  return days * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + milli - offset;
}

/**
 * Parses a whole string as a timestamp, the way the CSV loader reads its timestamp column.
 * @param epochUnit how to read an epoch number; `'auto'` (default) takes values below 1e11 as seconds.
 * @returns epoch milliseconds, or NaN when `text` is not a timestamp.
 * @example
 * ```ts
 * parseTimestamp('2023-03-01T02:00:00+02:00'); // 1677628800000
 * parseTimestamp('1677628800'); // 1677628800000
 * ```
 */
export function parseTimestamp(text: string, epochUnit: 'auto' | 's' | 'ms' = 'auto'): number {
  const cursor = timeCursor();
  let value: number;
  if (looksIso(text, 0, text.length)) value = readIsoTime(text, cursor, text.length);
  else {
    value = readEpoch(text, cursor, text.length);
    const seconds = epochUnit === 's' || (epochUnit === 'auto' && value < EPOCH_SECONDS_LIMIT);
    if (seconds) value *= 1000;
  }
  return cursor.pos === text.length ? value : Number.NaN;
}
