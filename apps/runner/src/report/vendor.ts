import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BtError } from '@bt/core';
import { packageRoot } from '../util/package-root.js';

/** File name of lightweight-charts' standalone production build (defines `window.LightweightCharts`). */
export const CHARTS_LIBRARY_FILE = 'lightweight-charts.standalone.production.js';

/**
 * Where the charting library is: the copy the build puts in `dist/vendor/` (what the published
 * package ships), else the installed `lightweight-charts` package (running from source).
 */
export function chartsLibraryPath(): string {
  const shipped = join(packageRoot(), 'dist', 'vendor', CHARTS_LIBRARY_FILE);
  if (existsSync(shipped)) return shipped;
  try {
    const manifest = createRequire(import.meta.url).resolve('lightweight-charts/package.json');
    const installed = join(dirname(manifest), 'dist', CHARTS_LIBRARY_FILE);
    if (existsSync(installed)) return installed;
  } catch {
    // Not installed: reported below.
  }
  throw new BtError(
    'INTERNAL',
    `the charting library is missing: expected ${shipped} (built by "npm run build") or the lightweight-charts package`,
  );
}

/** The charting library's source, safe to inline in a `<script>` element. */
export async function chartsLibrarySource(): Promise<string> {
  const source = await readFile(chartsLibraryPath(), 'utf8');
  return source.replace(/<\/(script)/gi, '<\\/$1');
}
