import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';
import { configJsonSchemaText } from './src/config/json-schema.js';

/** Copies lightweight-charts' standalone build (and its licence) into dist/vendor, where report.html inlines it from. */
function vendorChartsLibrary(): void {
  const root = dirname(createRequire(import.meta.url).resolve('lightweight-charts/package.json'));
  mkdirSync('dist/vendor', { recursive: true });
  copyFileSync(join(root, 'dist/lightweight-charts.standalone.production.js'), 'dist/vendor/lightweight-charts.standalone.production.js');
  copyFileSync(join(root, 'LICENSE'), 'dist/vendor/lightweight-charts.LICENSE');
}

/** Regenerates the published JSON Schema of the config from the zod schema. */
function writeJsonSchema(): void {
  mkdirSync('schema', { recursive: true });
  writeFileSync('schema/bt-config.schema.json', configJsonSchemaText());
}

// Two builds write into dist/ at the same time, so dist is cleaned once, here, before both.
export default defineConfig(() => {
  rmSync('dist', { recursive: true, force: true });
  return [
    {
      // The library: ESM + CJS + types.
      entry: { index: 'src/index.ts' },
      format: ['esm', 'cjs'],
      dts: true,
      sourcemap: true,
      target: 'node20',
      treeshake: true,
      shims: true,
    },
    {
      // The `bt` binary: ESM with a shebang; commands load their heavy parts as separate chunks.
      entry: { cli: 'src/cli.ts' },
      format: ['esm'],
      sourcemap: true,
      target: 'node20',
      banner: { js: '#!/usr/bin/env node' },
      async onSuccess() {
        vendorChartsLibrary();
        writeJsonSchema();
      },
    },
  ];
});
