import { describe, expect, it } from 'vitest';
import { daysFromCivil, parseTimestamp } from '../../src/data/timestamp.js';
import { prng } from './helpers.js';

// Tests may use Date as an independent reference; the code under test does not.
const utc = (iso: string): number => Date.parse(iso);

describe('parseTimestamp', () => {
  it.each([
    ['2023-03-01 00:00:00+00:00', '2023-03-01T00:00:00Z'],
    ['2023-03-01T00:00:00Z', '2023-03-01T00:00:00Z'],
    ['2023-03-01t00:00:00z', '2023-03-01T00:00:00Z'],
    ['2023-03-01T02:00:00+02:00', '2023-03-01T00:00:00Z'],
    ['2023-02-28T19:00:00-05:00', '2023-03-01T00:00:00Z'],
    ['2023-03-01T05:30:00+0530', '2023-03-01T00:00:00Z'],
    ['2023-03-01T03:00:00+03', '2023-03-01T00:00:00Z'],
    ['2023-03-01T00:00Z', '2023-03-01T00:00:00Z'],
    ['2023-03-01T00:00:01.5Z', '2023-03-01T00:00:01.500Z'],
    ['2023-03-01T00:00:01.123000Z', '2023-03-01T00:00:01.123Z'],
    ['2024-02-29T23:59:59Z', '2024-02-29T23:59:59Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00Z'],
    ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z'],
    ['1969-12-31T23:00:00Z', '1969-12-31T23:00:00Z'],
    ['  2023-03-01T00:00:00Z ', '2023-03-01T00:00:00Z'],
  ])('%s is %s', (text, iso) => {
    expect(parseTimestamp(text)).toBe(utc(iso));
  });

  it('reads epoch seconds and milliseconds by magnitude, or as told', () => {
    expect(parseTimestamp('1672531200')).toBe(1_672_531_200_000);
    expect(parseTimestamp('1672531200000')).toBe(1_672_531_200_000);
    expect(parseTimestamp('1672531200.0')).toBe(1_672_531_200_000);
    expect(parseTimestamp('60', 'ms')).toBe(60);
    expect(parseTimestamp('60', 's')).toBe(60_000);
  });

  it.each([
    '2023-02-29T00:00:00Z', // not a leap year
    '1900-02-29T00:00:00Z',
    '2023-13-01T00:00:00Z',
    '2023-00-01T00:00:00Z',
    '2023-04-31T00:00:00Z',
    '2023-03-01T24:00:00Z',
    '2023-03-01T00:60:00Z',
    '2023-03-01T00:00:60Z',
    '2023-03-01T00:00:00', // no offset: ambiguous
    '2023-03-01',
    '2023-03-01T00:00:00+24:00',
    '2023-03-01T00:00:00+02:60',
    '2023-03-01T00:00:00.0001Z', // finer than a millisecond
    '2023-03-01T00:00:00.Z',
    '2023-03-01X00:00:00Z',
    '2023/03/01T00:00:00Z',
    '2023-03-01T00:00:00Zjunk',
    '2023-3-1T00:00:00Z',
    '',
    'abc',
    '-5',
    '1.5',
    '99999999999999999',
  ])('%j is not a timestamp', (text) => {
    expect(parseTimestamp(text)).toBeNaN();
  });

  it('matches Date.UTC on 20,000 random times and offsets', () => {
    const random = prng(42);
    const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.floor(random() * 7_000_000_000_000) - 1_000_000_000_000; // 1938..2191
      const d = new Date(ms);
      const offsetMin = (Math.floor(random() * 48) - 24) * 30;
      const local = new Date(ms + offsetMin * 60_000);
      const sign = offsetMin < 0 ? '-' : '+';
      const abs = Math.abs(offsetMin);
      const text =
        `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
        `${random() < 0.5 ? 'T' : ' '}${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
        `.${pad(local.getUTCMilliseconds(), 3)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
      expect(parseTimestamp(text), text).toBe(d.getTime());
    }
  });
});

describe('daysFromCivil', () => {
  it('agrees with Date.UTC across four centuries', () => {
    for (let year = 1900; year <= 2300; year += 7) {
      for (let month = 1; month <= 12; month++) {
        expect(daysFromCivil(year, month, 15)).toBe(Date.UTC(year, month - 1, 15) / 86_400_000);
      }
    }
  });
});
