import { constants, existsSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { SAMPLE_FILES, sampleDataDir } from '../config/default-config.js';
import { EXAMPLE_STRATEGY, STARTER_CONFIG } from './templates.js';

/** What {@link scaffold} did: the files written, or the ones that already exist (then nothing is written). */
export interface ScaffoldResult {
  readonly written: readonly string[];
  readonly existing: readonly string[];
  /** The config's path, relative to the working directory. */
  readonly config: string;
}

/**
 * Writes a starter project into `dir`: `bt.yaml`, `strategies/momentum.ts` and two sample data
 * files under `data/`. If any of them exists, writes nothing and lists them.
 *
 * @example
 * ```ts
 * const { written, existing } = await scaffold('my-bot');
 * ```
 */
export async function scaffold(dir: string): Promise<ScaffoldResult> {
  const root = resolve(dir);
  const samples = sampleDataDir();
  const files: { path: string; write: (path: string) => Promise<void> }[] = [
    { path: join(root, 'bt.yaml'), write: (p) => writeFile(p, STARTER_CONFIG, { encoding: 'utf8', flag: 'wx' }) },
    { path: join(root, 'strategies', 'momentum.ts'), write: (p) => writeFile(p, EXAMPLE_STRATEGY, { encoding: 'utf8', flag: 'wx' }) },
    {
      path: join(root, 'data', 'BTCUSDT.csv'),
      write: (p) => copyFile(join(samples, SAMPLE_FILES.BTCUSDT as string), p, constants.COPYFILE_EXCL),
    },
    {
      path: join(root, 'data', 'BTCUSD.csv'),
      write: (p) => copyFile(join(samples, SAMPLE_FILES.BTCUSD as string), p, constants.COPYFILE_EXCL),
    },
  ];
  const show = (p: string) => relative(process.cwd(), p) || p;
  const existing = files.filter((f) => existsSync(f.path)).map((f) => show(f.path));
  if (existing.length > 0) return { written: [], existing, config: show(files[0]?.path as string) };
  for (const file of files) {
    await mkdir(dirname(file.path), { recursive: true });
    // "wx" and COPYFILE_EXCL: never overwrite, even if a file appeared since the check.
    await file.write(file.path);
  }
  return { written: files.map((f) => show(f.path)), existing: [], config: show(files[0]?.path as string) };
}
