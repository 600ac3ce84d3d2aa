import type { Options } from 'tsup';
import { defineConfig } from 'tsup';

/**
 * The build every @bt library package shares: ESM + CJS + type declarations for both, from
 * `src/index.ts` unless told otherwise.
 */
export function libraryBuild(overrides: Options = {}): ReturnType<typeof defineConfig> {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    treeshake: true,
    ...overrides,
  });
}
