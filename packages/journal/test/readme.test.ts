import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

/** The README's example runs as written (its asserts check what its comments say). */
const packageDir = resolve(import.meta.dirname, '..');
const example = join(packageDir, '.bt-tmp', `readme-example-${process.pid}.ts`);

afterAll(() => rmSync(example, { force: true }));

describe('README', () => {
  it('has an example that runs', async () => {
    const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');
    const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toContain("from '@bt/journal'");
    mkdirSync(join(packageDir, '.bt-tmp'), { recursive: true });
    writeFileSync(example, code as string);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await import(example);
      expect(log.mock.calls).toEqual([['gridbot-ETHUSDT-3']]);
    } finally {
      log.mockRestore();
    }
  });
});
