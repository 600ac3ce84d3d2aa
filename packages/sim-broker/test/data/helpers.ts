import { BtError } from '@bt/core';
import { expect } from 'vitest';

/** What a DATA error must say. */
export interface ExpectedDataError {
  readonly file: string;
  /** 1-based line (CSV) ... */
  readonly line?: number;
  /** ... or 0-based row (rows API). */
  readonly row?: number;
  readonly rule: string;
  /** Text the message must contain after the location. */
  readonly says: string | RegExp;
}

function check(error: unknown, expected: ExpectedDataError): void {
  expect(error).toBeInstanceOf(BtError);
  const e = error as BtError;
  expect(e.code).toBe('DATA');
  const prefix = expected.line !== undefined ? `${expected.file}:${expected.line}: ` : `${expected.file}: row ${expected.row}: `;
  expect(e.message.startsWith(prefix), `message "${e.message}" should start with "${prefix}"`).toBe(true);
  if (typeof expected.says === 'string') expect(e.message).toContain(expected.says);
  else expect(e.message).toMatch(expected.says);
  const details: Record<string, unknown> = { file: expected.file, rule: expected.rule };
  if (expected.line !== undefined) details.line = expected.line;
  if (expected.row !== undefined) details.row = expected.row;
  expect(e.details).toEqual(details);
}

/** Asserts that `fn` throws a DATA BtError naming the file, the line or row, and the rule. */
export function expectDataError(fn: () => unknown, expected: ExpectedDataError): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a DATA error').toBeDefined();
  check(thrown, expected);
}

/** Async variant of {@link expectDataError}. */
export async function expectDataErrorAsync(fn: () => Promise<unknown>, expected: ExpectedDataError): Promise<void> {
  let thrown: unknown;
  try {
    await fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a DATA error').toBeDefined();
  check(thrown, expected);
}

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
