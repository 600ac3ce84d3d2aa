import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of the installed @bt/runner package (the one holding its package.json), found by
 * walking up from this module: `dist/` when built, `src/util/` when run from source.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === '@bt/runner') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the @bt/runner package folder above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The runner's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
