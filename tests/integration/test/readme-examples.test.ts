import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { marketFile } from './helpers/market.js';

/**
 * Docs that run: the first TypeScript example of every README (the root's and each package's)
 * is executed as written, in a scratch folder holding the small data files the examples name.
 * A block can opt out with `<!-- example: not run (reason) -->` on the line before it.
 */
const repo = resolve(import.meta.dirname, '../../..');
const examplesDir = join(import.meta.dirname, '../.examples');

interface Example {
  readonly readme: string;
  readonly code: string;
}

function firstExample(readme: string): Example | undefined {
  const text = readFileSync(readme, 'utf8');
  const fence = /(<!--[^\n]*-->\n)?```ts\n([\s\S]*?)```/g;
  for (let match = fence.exec(text); match !== null; match = fence.exec(text)) {
    const code = match[2] as string;
    if (!/from '@bt\//.test(code)) continue;
    if (match[1]?.includes('not run')) return undefined;
    return { readme, code };
  }
  return undefined;
}

const readmes = [
  join(repo, 'README.md'),
  ...['packages', 'apps'].flatMap((dir) => readdirSync(join(repo, dir)).map((name) => join(repo, dir, name, 'README.md'))),
].filter((path) => existsSync(path));
const examples = readmes.map(firstExample).filter((e): e is Example => e !== undefined);
let scratch: string;
let home: string;

/** The first `lines` lines of a CSV of fixtures/market, as small sample data. */
function sample(file: string, to: string, lines = 400): void {
  const text = readFileSync(marketFile(file), 'utf8').split('\n').slice(0, lines).join('\n');
  writeFileSync(to, `${text}\n`);
}

beforeAll(() => {
  home = process.cwd();
  scratch = mkdtempSync(join(tmpdir(), 'bt-examples-'));
  mkdirSync(join(scratch, 'data'));
  sample('binanceus-BTCUSDT-1m-2023-03-01_21.csv', join(scratch, 'BTCUSDT.csv'));
  copyFileSync(join(scratch, 'BTCUSDT.csv'), join(scratch, 'data/BTCUSDT.csv'));
  sample('binanceus-BTCUSD-1m-2023-03-01_21.csv', join(scratch, 'data/ETHUSDT.csv'));
  rmSync(examplesDir, { recursive: true, force: true });
  mkdirSync(examplesDir, { recursive: true });
  process.chdir(scratch);
});

afterAll(() => {
  process.chdir(home);
  rmSync(scratch, { recursive: true, force: true });
  rmSync(examplesDir, { recursive: true, force: true });
});

describe('README examples run as written', () => {
  it('finds the examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });

  for (const example of examples) {
    const name = relative(repo, example.readme);
    it(name, async () => {
      const file = join(examplesDir, `${name.replaceAll('/', '__')}.ts`);
      writeFileSync(file, example.code);
      const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
      try {
        await import(file);
      } finally {
        log.mockRestore();
      }
    });
  }
});
