import { describe, expect, it } from 'vitest';
import { type Cursor, isNanLiteral, parseDecimal, readDecimal } from '../../src/data/decimal.js';
import { prng } from './helpers.js';

function digits(random: () => number, count: number): string {
  let s = '';
  for (let i = 0; i < count; i++) s += String(Math.floor(random() * 10));
  return s;
}

/** A random decimal string of the grammar the parser accepts, with lengths that cross the fast path's limits. */
function randomDecimal(random: () => number): string {
  const sign = random() < 0.1 ? '-' : random() < 0.05 ? '+' : '';
  const shape = random();
  let intPart: string;
  let fracPart: string | undefined;
  if (shape < 0.4) {
    // prices and volumes as exchanges write them
    intPart = digits(random, 1 + Math.floor(random() * 6));
    fracPart = digits(random, Math.floor(random() * 9));
  } else if (shape < 0.7) {
    intPart = digits(random, Math.floor(random() * 20));
    fracPart = random() < 0.8 ? digits(random, Math.floor(random() * 25)) : undefined;
  } else if (shape < 0.85) {
    // 15 to 19 significant digits: around 2^53
    intPart = digits(random, 1 + Math.floor(random() * 19));
    fracPart = digits(random, Math.floor(random() * 4));
  } else {
    intPart = random() < 0.5 ? '0' : digits(random, 1 + Math.floor(random() * 3));
    fracPart = '0'.repeat(Math.floor(random() * 12)) + digits(random, 1 + Math.floor(random() * 17));
  }
  if (intPart === '' && (fracPart === undefined || fracPart === '')) intPart = '0';
  let text = sign + intPart + (fracPart === undefined ? '' : `.${fracPart}`);
  if (random() < 0.25) {
    const exponent = Math.floor(random() * (random() < 0.8 ? 60 : 700)) - (random() < 0.5 ? 0 : 350);
    text += `${random() < 0.5 ? 'e' : 'E'}${exponent >= 0 && random() < 0.3 ? '+' : ''}${exponent}`;
  }
  return text;
}

describe('parseDecimal', () => {
  it('equals Number() bit for bit on 120,000 random decimal strings', () => {
    const random = prng(20230301);
    let fastPathSized = 0;
    for (let i = 0; i < 120_000; i++) {
      const text = randomDecimal(random);
      const got = parseDecimal(text);
      const want = Number(text);
      if (!Object.is(got, want)) expect.fail(`parseDecimal(${JSON.stringify(text)}) = ${got}, Number() = ${want}`);
      if (/^[+-]?\d{0,15}(\.\d*)?$/.test(text)) fastPathSized++;
    }
    // Both paths were exercised.
    expect(fastPathSized).toBeGreaterThan(20_000);
    expect(fastPathSized).toBeLessThan(110_000);
  });

  it('equals Number() on random doubles printed back (shortest round-trip text)', () => {
    const random = prng(7);
    const buffer = new DataView(new ArrayBuffer(8));
    for (let i = 0; i < 20_000; i++) {
      buffer.setUint32(0, Math.floor(random() * 2 ** 32));
      buffer.setUint32(4, Math.floor(random() * 2 ** 32));
      const value = buffer.getFloat64(0);
      if (!Number.isFinite(value)) continue;
      const text = String(value);
      expect(Object.is(parseDecimal(text), Number(text)), text).toBe(true);
      const fixed = Math.abs(value) < 1e21 && Math.abs(value) > 1e-6 ? value.toFixed(8) : text;
      expect(Object.is(parseDecimal(fixed), Number(fixed)), fixed).toBe(true);
    }
  });

  it.each([
    '0',
    '-0',
    '+0',
    '0.0',
    '-0.000',
    '.5',
    '5.',
    '00012.5000',
    '0.1',
    '0.3',
    '23144.78',
    '0.00039585',
    '1e22',
    '1e23',
    '1E-22',
    '1e-23',
    '9007199254740991',
    '9007199254740992',
    '9007199254740993',
    '9007199254740993.0',
    '123456789012345678901234567890',
    '0.000000000000000000000000000001',
    '4.35',
    '1.7976931348623157e308',
    '1.7976931348623158e308',
    '1.8e308',
    '5e-324',
    '2.4703282292062327e-324',
    '2.4703282292062328e-324',
    '2.2250738585072011e-308',
    '0e999999999999',
    '1e-99999999999',
    '1e+5',
    '89255.0000000000000000001',
  ])('%s equals Number()', (text) => {
    expect(Object.is(parseDecimal(text), Number(text))).toBe(true);
  });

  it.each(['', ' ', '.', '-', '+', 'e5', '1e', '1e+', '0x10', '0b1', '1_000', '1,0', 'abc', '1..2', '--1', '1 2', '1.2.3', 'Infinityx'])(
    '%j is not a number',
    (text) => {
      expect(parseDecimal(text)).toBeNaN();
      expect(isNanLiteral(text)).toBe(false);
    },
  );

  it('allows spaces and tabs around the number', () => {
    expect(parseDecimal(' 1.5\t')).toBe(1.5);
    expect(parseDecimal('\t-2e3 ')).toBe(-2000);
  });

  it('reads non-finite literals as Number() would', () => {
    expect(parseDecimal('inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parseDecimal('-Infinity')).toBe(Number.NEGATIVE_INFINITY);
    expect(parseDecimal('+INF')).toBe(Number.POSITIVE_INFINITY);
    expect(parseDecimal('NaN')).toBeNaN();
    expect(isNanLiteral('NaN')).toBe(true);
    expect(isNanLiteral(' -nan ')).toBe(true);
  });
});

describe('readDecimal', () => {
  it('stops at a comma, a line break or the end, and leaves the cursor there', () => {
    const text = '1.5,22\r\n-3e2\n 4 ,x';
    const cursor: Cursor = { pos: 0 };
    expect(readDecimal(text, cursor)).toBe(1.5);
    expect(cursor.pos).toBe(3);
    cursor.pos = 4;
    expect(readDecimal(text, cursor)).toBe(22);
    expect(cursor.pos).toBe(6);
    cursor.pos = 8;
    expect(readDecimal(text, cursor)).toBe(-300);
    expect(cursor.pos).toBe(12);
    cursor.pos = 13;
    expect(readDecimal(text, cursor)).toBe(4);
    expect(cursor.pos).toBe(16);
    cursor.pos = 17;
    expect(readDecimal(text, cursor)).toBeNaN();
    expect(cursor.pos).toBe(18);
  });

  it('skips to the end of a bad field', () => {
    const cursor: Cursor = { pos: 0 };
    expect(readDecimal('12abc,5', cursor)).toBeNaN();
    expect(cursor.pos).toBe(5);
  });
});
