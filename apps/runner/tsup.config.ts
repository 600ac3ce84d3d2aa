import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Options } from 'tsup';
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

/** Settings both formats share. The optional packages stay imports: tsup externalises only dependencies and peers. */
const shared: Options = {
  sourcemap: true,
  target: 'node20',
  external: ['@bt/exchange-emulator', '@bt/broker-ccxt'],
  esbuildOptions(options) {
    // The sources are published (src/), so the maps point at them instead of embedding them.
    options.sourcesContent = false;
  },
};

// The two formats write into dist/ at the same time, so dist is cleaned once, here, before both.
export default defineConfig(() => {
  rmSync('dist', { recursive: true, force: true });
  return [
    {
      // ESM: the library and the `bt` binary (src/cli.ts keeps its shebang) in one build, so the
      // commands' lazily loaded parts are chunks both entries share.
      ...shared,
      entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
      format: ['esm'],
      splitting: true,
      dts: { entry: { index: 'src/index.ts' } },
      async onSuccess() {
        vendorChartsLibrary();
        writeJsonSchema();
      },
    },
    {
      // CommonJS: the library only, in one file. `import.meta.url` becomes this file's URL.
      ...shared,
      entry: { index: 'src/index.ts' },
      format: ['cjs'],
      dts: true,
      define: { 'import.meta.url': '__btImportMetaUrl' },
      banner: { js: "'use strict';\nconst __btImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    },
  ];
});
