import { rmSync } from 'node:fs';
import { defineConfig } from 'tsup';
import { libraryOptions } from '../../tsup.base.js';

// `@bt/testkit` is dual (ESM + CJS); `@bt/testkit/conformance` registers vitest tests, and vitest
// cannot be require()d, so that subpath is ESM-only and has no CommonJS build. The two builds
// write into dist/ at the same time, so dist is cleaned once, here, before both.
export default defineConfig(() => {
  rmSync('dist', { recursive: true, force: true });
  return [
    libraryOptions({ entry: { index: 'src/index.ts', conformance: 'src/conformance/index.ts' }, format: ['esm'], clean: false }),
    libraryOptions({ entry: { index: 'src/index.ts' }, format: ['cjs'], clean: false }),
  ];
});
