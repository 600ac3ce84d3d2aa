import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's real market data (`fixtures/market`, see its README). */
export const MARKET_DIR = fileURLToPath(new URL('../../../../fixtures/market/', import.meta.url));

/** The path of one file of `fixtures/market`, by name. */
export function marketFile(name: string): string {
  return join(MARKET_DIR, name);
}

/** The CSV files of `fixtures/market` whose names start with `prefix`, sorted by name. */
export function marketFiles(prefix = ''): string[] {
  const names = readdirSync(MARKET_DIR)
    .filter((name) => name.startsWith(prefix) && name.endsWith('.csv'))
    .sort();
  if (names.length === 0) throw new Error(`no CSV file starting with "${prefix}" in ${MARKET_DIR}`);
  return names;
}
