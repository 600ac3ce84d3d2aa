import type { Options } from 'tsup';
import { defineConfig } from 'tsup';

/**
 * The options every @bt library package builds with: ESM + CJS + type declarations for both, from
 * `src/index.ts` unless told otherwise. The packages publish `src/`, so the source maps point at
 * those files instead of embedding their text.
 */
export function libraryOptions(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    treeshake: true,
    esbuildOptions(options) {
      options.sourcesContent = false;
    },
    ...overrides,
  };
}

/** {@link libraryOptions} as a tsup config. */
export function libraryBuild(overrides: Options = {}): ReturnType<typeof defineConfig> {
  return defineConfig(libraryOptions(overrides));
}
