import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOhlcvCsv, parseOhlcvCsv } from '../../src/data/csv.js';
import { expectDataError, expectDataErrorAsync } from './helpers.js';

const FILE = 'data/BTC.csv';
const parse = (text: string, timeframe: '1m' | '1h' | '1s' = '1m') => parseOhlcvCsv(text, { source: FILE, symbol: 'BTC', timeframe });
const T0 = Date.UTC(2023, 2, 1); // 2023-03-01T00:00:00Z
const MIN = 60_000;

const HEADER = 'timestamp,open,high,low,close,volume';
/** Three good rows one minute apart, epoch ms. */
const GOOD = [`${T0},100,101,99,100.5,3`, `${T0 + MIN},100.5,102,100,101,0`, `${T0 + 2 * MIN},101,101.5,100.2,100.8,1.25`];

describe('parseOhlcvCsv: formats', () => {
  it('reads a header and epoch-ms rows', () => {
    const bars = parse([HEADER, ...GOOD].join('\n'));
    expect(bars.symbol).toBe('BTC');
    expect(bars.timeframe).toBe('1m');
    expect(bars.timeframeMs).toBe(MIN);
    expect(bars.source).toBe(FILE);
    expect(bars.length).toBe(3);
    expect([...bars.openTime]).toEqual([T0, T0 + MIN, T0 + 2 * MIN]);
    expect([...bars.open]).toEqual([100, 100.5, 101]);
    expect([...bars.high]).toEqual([101, 102, 101.5]);
    expect([...bars.low]).toEqual([99, 100, 100.2]);
    expect([...bars.close]).toEqual([100.5, 101, 100.8]);
    expect([...bars.volume]).toEqual([3, 0, 1.25]);
  });

  it('reads a file without a header', () => {
    const bars = parse(GOOD.join('\n'));
    expect(bars.length).toBe(3);
    expect(bars.openTime[0]).toBe(T0);
  });

  it('reads epoch seconds', () => {
    const s = T0 / 1000;
    const bars = parse(`${s},1,1,1,1,1\n${s + 60},1,1,1,1,1\n`);
    expect([...bars.openTime]).toEqual([T0, T0 + MIN]);
  });

  it.each([
    ['2023-03-01 00:00:00+00:00', '2023-03-01 00:01:00+00:00'],
    ['2023-03-01T00:00:00Z', '2023-03-01T00:01:00Z'],
    ['2023-03-01T02:00:00+02:00', '2023-02-28T19:01:00-05:00'],
    ['2023-03-01T00:00:00.000Z', '2023-03-01T05:31:00+05:30'],
  ])('reads ISO-8601 timestamps %s, %s', (a, b) => {
    const bars = parse(`open_time,open,high,low,close,volume\n${a},1,2,1,2,0\n${b},2,2,1,1,5\n`);
    expect([...bars.openTime]).toEqual([T0, T0 + MIN]);
  });

  it('ignores extra columns (Kraken writes a trades count)', () => {
    const bars = parse(`${T0 / 1000},16535.97,16535.97,16522.66,16522.66,0.01429883,2\n${T0 / 1000 + 60},1,1,1,1,1,7\n`);
    expect(bars.length).toBe(2);
    expect(bars.close[0]).toBe(16522.66);
    expect(bars.volume[0]).toBe(0.01429883);
  });

  it('tolerates CRLF, a BOM, a trailing newline or not, and blank lines at the end', () => {
    const lf = parse([HEADER, ...GOOD].join('\n'));
    for (const text of [
      [HEADER, ...GOOD].join('\r\n'),
      `${[HEADER, ...GOOD].join('\r\n')}\r\n`,
      `\uFEFF${[HEADER, ...GOOD].join('\n')}\n`,
      `${[HEADER, ...GOOD].join('\n')}\n\n\r\n`,
    ]) {
      const bars = parse(text);
      expect(bars.length).toBe(3);
      expect([...bars.close]).toEqual([...lf.close]);
      expect([...bars.volume]).toEqual([...lf.volume]);
    }
  });

  it('allows spaces around fields', () => {
    const bars = parse(`${T0} , 100 ,101, 99,100.5 , 3\n`);
    expect(bars.open[0]).toBe(100);
    expect(bars.volume[0]).toBe(3);
  });

  it('parses numbers exactly as Number() does', () => {
    const fields = ['23144.78', '23152.4800000000000001', '0.1', '1e-8', '8.91e+3'];
    const bars = parse(`${T0},${fields[1]},${fields[1]},${fields[2]},${fields[0]},${fields[3]}\n`);
    expect(Object.is(bars.open[0], Number(fields[1]))).toBe(true);
    expect(bars.low[0]).toBe(0.1);
    expect(bars.close[0]).toBe(Number(fields[0]));
    expect(bars.volume[0]).toBe(1e-8);
  });

  it('accepts gaps and zero-volume bars', () => {
    const bars = parse(`${T0},1,1,1,1,0\n${T0 + 90 * MIN},1,1,1,1,0\n`);
    expect([...bars.openTime]).toEqual([T0, T0 + 90 * MIN]);
  });

  it('returns arrays exactly as long as the bars, even after growing', () => {
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) lines.push(`${T0 + i * MIN},${1 + (i % 7)},${9},${1},${1 + (i % 5)},${i % 3}`);
    // Short lines first, then long ones: the initial capacity guess is too small and must double.
    for (let i = 5000; i < 9000; i++)
      lines.push(`${T0 + i * MIN},1.00000000000000,9.00000000000000,1.0000000000000,1.000000000,1.000000000`);
    const bars = parse(lines.join('\n'));
    expect(bars.length).toBe(9000);
    for (const column of [bars.openTime, bars.open, bars.high, bars.low, bars.close, bars.volume]) {
      expect(column.length).toBe(9000);
      expect(column.buffer.byteLength).toBe(9000 * 8);
    }
    expect(bars.openTime[8999]).toBe(T0 + 8999 * MIN);
    expect(bars.close[4999]).toBe(1 + (4999 % 5));
  });
});

describe('parseOhlcvCsv: validation names the file, the line and the rule', () => {
  const withRow = (row: string, at = 3): string => {
    const lines = [HEADER, ...GOOD];
    lines.splice(at - 1, 0, row); // `row` becomes line `at`
    return lines.join('\n');
  };

  it('rejects a repeated timestamp', () => {
    expectDataError(() => parse(withRow(`${T0},1,1,1,1,1`, 3)), {
      file: FILE,
      line: 3,
      rule: 'time-order',
      says: 'open time 2023-03-01T00:00:00.000Z repeats',
    });
  });

  it('rejects a timestamp that goes backwards', () => {
    const text = [HEADER, GOOD[0], GOOD[2], GOOD[1]].join('\n');
    expectDataError(() => parse(text), { file: FILE, line: 4, rule: 'time-order', says: 'goes backwards' });
  });

  it('rejects high below max(open, close)', () => {
    expectDataError(() => parse(withRow(`${T0 + 3 * MIN},100.2,99.5,99,99.8,1`, 5)), {
      file: FILE,
      line: 5,
      rule: 'high',
      says: 'high 99.5 is below max(open, close) 100.2',
    });
  });

  it('rejects low above min(open, close)', () => {
    expectDataError(() => parse(withRow(`${T0 + 3 * MIN},100,101,100.5,100.7,1`, 5)), {
      file: FILE,
      line: 5,
      rule: 'low',
      says: 'low 100.5 is above min(open, close) 100',
    });
  });

  it.each([
    ['0', 'open 0 is not a positive price'],
    ['-1', 'open -1 is not a positive price'],
    ['inf', 'open Infinity is not a finite price'],
    ['NaN', 'open NaN is not a finite price'],
  ])('rejects open %s', (open, says) => {
    expectDataError(() => parse(withRow(`${T0 + 3 * MIN},${open},101,99,100,1`, 5)), { file: FILE, line: 5, rule: 'price', says });
  });

  it('rejects a non-positive close, high and low', () => {
    expectDataError(() => parse(`${T0},1,1,1,-0,1`), { file: FILE, line: 1, rule: 'price', says: 'close 0 is not a positive price' });
    expectDataError(() => parse(`${T0},1,1e400,1,1,1`), { file: FILE, line: 1, rule: 'price', says: 'high Infinity is not a finite' });
    expectDataError(() => parse(`${T0},1,1,0,1,1`), { file: FILE, line: 1, rule: 'price', says: 'low 0 is not a positive price' });
  });

  it('rejects a negative or non-finite volume', () => {
    expectDataError(() => parse(withRow(`${T0 + 3 * MIN},1,1,1,1,-0.5`, 5)), {
      file: FILE,
      line: 5,
      rule: 'volume',
      says: 'volume -0.5 is negative',
    });
    expectDataError(() => parse(withRow(`${T0 + 3 * MIN},1,1,1,1,nan`, 5)), {
      file: FILE,
      line: 5,
      rule: 'volume',
      says: 'volume NaN is not finite',
    });
  });

  it('rejects fewer than 6 columns', () => {
    expectDataError(() => parse(withRow(`${T0 + 3 * MIN},1,1,1,1`, 5)), {
      file: FILE,
      line: 5,
      rule: 'column-count',
      says: 'has 5 columns, expected at least 6',
    });
    expectDataError(() => parse(`${T0}\n`), { file: FILE, line: 1, rule: 'column-count', says: 'has 1 column,' });
  });

  it('rejects a column count different from the first row', () => {
    expectDataError(() => parse(withRow(`${T0 + 3 * MIN},1,1,1,1,1,9`, 5)), {
      file: FILE,
      line: 5,
      rule: 'column-count',
      says: 'has 7 columns, the first data row has 6',
    });
    const kraken = `${T0 / 1000},1,1,1,1,1,2\n${T0 / 1000 + 60},1,1,1,1,1\n`;
    expectDataError(() => parse(kraken), { file: FILE, line: 2, rule: 'column-count', says: 'has 6 columns, the first data row has 7' });
  });

  it('rejects timestamps off the timeframe grid', () => {
    expectDataError(() => parse(withRow(`${T0 + 3 * MIN + 30_000},1,1,1,1,1`, 5)), {
      file: FILE,
      line: 5,
      rule: 'grid',
      says: 'open time 2023-03-01T00:03:30.000Z is off the 1m grid (openTime % 60000 = 30000, expected 0)',
    });
    expectDataError(() => parse(GOOD.join('\n'), '1h'), { file: FILE, line: 2, rule: 'grid', says: 'off the 1h grid' });
  });

  it.each([
    ['abc', 'open "abc" is not a number'],
    ['', 'open "" is not a number'],
    ['0x10', 'open "0x10" is not a number'],
    ['1.2.3', 'open "1.2.3" is not a number'],
    ['"100"', 'open "\\"100\\"" is not a number'],
  ])('rejects the unparseable number %j', (open, says) => {
    expectDataError(() => parse(withRow(`${T0 + 3 * MIN},${open},101,99,100,1`, 5)), { file: FILE, line: 5, rule: 'number', says });
  });

  it('names the column of an unparseable number', () => {
    expectDataError(() => parse(`${T0},1,2,1,1,1O`), { file: FILE, line: 1, rule: 'number', says: 'volume "1O" is not a number' });
    expectDataError(() => parse(`${T0},1,2,1,x,1`), { file: FILE, line: 1, rule: 'number', says: 'close "x" is not a number' });
  });

  it.each([
    ['2023-03-01T00:00:00Z', '2023-03-01 00:03:00', 'is neither an epoch (s or ms) nor an ISO-8601 time with offset'], // no offset
    ['2023-03-01T00:00:00Z', '2023-02-30T00:00:00Z', 'is neither an epoch'],
    ['2023-03-01T00:00:00Z', '12:00', 'is not ISO-8601 like this file'],
    [String(T0), '-1', 'is neither an epoch'],
    [String(T0), '1677628860000x', 'is neither an epoch'],
    [String(T0), '', 'timestamp "" is neither an epoch'],
  ])('rejects the unparseable timestamp on line 3 after %s: %j', (first, stamp, says) => {
    const text = ['time,o,h,l,c,v', `${first},1,1,1,1,1`, `${stamp},1,1,1,1,1`].join('\n');
    expectDataError(() => parse(text), { file: FILE, line: 3, rule: 'timestamp', says });
  });

  it('rejects an unparseable timestamp in the first data row', () => {
    expectDataError(() => parse('2023-03-01T00:00:00,1,1,1,1,1\n'), { file: FILE, line: 1, rule: 'timestamp', says: 'is neither' });
  });

  it('rejects a timestamp whose format or unit differs from the first row', () => {
    expectDataError(() => parse(`2023-03-01T00:00:00Z,1,1,1,1,1\n${T0 + MIN},1,1,1,1,1`), {
      file: FILE,
      line: 2,
      rule: 'timestamp',
      says: 'is not ISO-8601 like this file',
    });
    expectDataError(() => parse(`${T0 / 1000},1,1,1,1,1\n${T0 + MIN},1,1,1,1,1`), {
      file: FILE,
      line: 2,
      rule: 'timestamp',
      says: `timestamp ${T0 + MIN} looks like epoch milliseconds, but this file's first data row is in epoch seconds`,
    });
    expectDataError(() => parse(`${T0},1,1,1,1,1\n${T0 / 1000 + 60},1,1,1,1,1`), {
      file: FILE,
      line: 2,
      rule: 'timestamp',
      says: 'looks like epoch seconds',
    });
    expectDataError(() => parse(`${T0},1,1,1,1,1\n2023-03-01T00:01:00Z,1,1,1,1,1`), {
      file: FILE,
      line: 2,
      rule: 'timestamp',
      says: 'is ISO-8601, but',
    });
  });

  it('rejects a blank line before the end', () => {
    const text = [HEADER, GOOD[0], '', GOOD[1]].join('\n');
    expectDataError(() => parse(text), { file: FILE, line: 3, rule: 'blank-line', says: 'blank line' });
    expectDataError(() => parse([HEADER, GOOD[0], '', GOOD[1]].join('\r\n')), {
      file: FILE,
      line: 3,
      rule: 'blank-line',
      says: 'blank line',
    });
  });

  it('rejects a file without data rows', () => {
    expectDataError(() => parse(''), { file: FILE, line: 1, rule: 'no-data', says: 'no data rows' });
    expectDataError(() => parse(`${HEADER}\n`), { file: FILE, line: 2, rule: 'no-data', says: 'no data rows' });
  });

  it('counts lines from 1 including the header, with CRLF too', () => {
    const rows = [HEADER, ...GOOD, `${T0 + 3 * MIN},1,1,2,1,1`];
    expectDataError(() => parse(rows.join('\r\n')), { file: FILE, line: 5, rule: 'low', says: 'low 2 is above' });
    expectDataError(() => parse(rows.slice(1).join('\n')), { file: FILE, line: 4, rule: 'low', says: 'low 2 is above' });
  });
});

describe('loadOhlcvCsv', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bt-data-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names the symbol after the file and errors after the path', async () => {
    const path = join(dir, 'ETH-USDT.csv');
    await writeFile(path, [HEADER, ...GOOD, `${T0 + 3 * MIN},1,0.5,1,1,1`].join('\n'));
    await expectDataErrorAsync(() => loadOhlcvCsv(path, { timeframe: '1m' }), {
      file: path,
      line: 5,
      rule: 'high',
      says: 'high 0.5 is below max(open, close) 1',
    });
    const good = join(dir, 'ETH-USDT.CSV');
    await writeFile(good, [HEADER, ...GOOD].join('\n'));
    const bars = await loadOhlcvCsv(good, { timeframe: '1m' });
    expect(bars.symbol).toBe('ETH-USDT');
    expect(bars.source).toBe(good);
    expect((await loadOhlcvCsv(good, { timeframe: '1m', symbol: 'ETH/USDT' })).symbol).toBe('ETH/USDT');
  });

  it('reports a missing file as a DATA error naming it', async () => {
    const path = join(dir, 'missing.csv');
    await expect(loadOhlcvCsv(path, { timeframe: '1m' })).rejects.toMatchObject({
      code: 'DATA',
      details: { file: path },
      message: expect.stringContaining(`${path}: cannot read the file`),
    });
  });
});
