import { constants, existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { SAMPLE_FILES, sampleDataDir } from '../config/default-config.js';
import { mergeProjectManifest, newProjectManifest, type ProjectDependencies, projectDependencies } from './manifest.js';
import { EXAMPLE_STRATEGY, type StarterSymbol, starterConfig, TSCONFIG } from './templates.js';

/** Options of {@link scaffold}. */
export interface ScaffoldOptions {
  /** Overwrite the starter files that exist (package.json is still only added to). Default false. */
  readonly force?: boolean;
  /** What package.json lists; default from the installed runner's manifest. */
  readonly dependencies?: ProjectDependencies;
}

/** What {@link scaffold} did with package.json: wrote it, added entries to it, or left it as it was. */
export interface ManifestOutcome {
  readonly path: string;
  readonly action: 'created' | 'updated' | 'unchanged';
  /** The entries added to an existing one, e.g. `devDependencies.typescript`. */
  readonly added: readonly string[];
}

/** What {@link scaffold} did: the files written, or the ones that already exist (then nothing is written, unless `force`). */
export interface ScaffoldResult {
  /** The files created (not those overwritten). */
  readonly written: readonly string[];
  /** Without `force`: the starter files that exist; nothing was written. */
  readonly existing: readonly string[];
  /** With `force`: the starter files that existed and were overwritten. */
  readonly overwritten: readonly string[];
  /** The config's path, relative to the working directory. */
  readonly config: string;
  /** The project folder, relative to the working directory (`.` for the working directory itself). */
  readonly dir: string;
  /** Undefined when nothing was written. */
  readonly manifest?: ManifestOutcome;
}

/** The sample symbols the starter uses, BTCUSDT and BTCUSD first: at most two of those the runner ships. */
function starterSamples(): { symbol: string; file: string }[] {
  const preferred = ['BTCUSDT', 'BTCUSD'];
  const rank = (symbol: string): number => (preferred.includes(symbol) ? preferred.indexOf(symbol) : preferred.length);
  const symbols = Object.keys(SAMPLE_FILES).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return symbols.slice(0, 2).map((symbol) => ({ symbol, file: SAMPLE_FILES[symbol] as string }));
}

/**
 * Writes a starter project into `dir`: `bt.yaml`, `strategies/momentum.ts`, `tsconfig.json`,
 * sample data under `data/`, and a `package.json` that depends on the @bt packages. If any of the
 * starter files exists, writes nothing and lists them, unless `force`. An existing package.json is
 * never replaced: the dependencies and scripts it lacks are added to it.
 *
 * @throws BtError `CONFIG` when an existing package.json is not a JSON object (nothing is written then).
 *
 * @example
 * ```ts
 * const { written, existing } = await scaffold('my-bot');
 * ```
 */
export async function scaffold(dir: string, options: ScaffoldOptions = {}): Promise<ScaffoldResult> {
  const root = resolve(dir);
  const show = (p: string) => relative(process.cwd(), p) || '.';
  const samples = sampleDataDir();
  const symbols: StarterSymbol[] = [];
  const flag = options.force === true ? 'w' : 'wx';
  const text = (path: string, content: string) => ({ path, write: () => writeFile(path, content, { encoding: 'utf8', flag }) });
  const data = starterSamples().map(({ symbol, file }) => {
    symbols.push({ symbol, data: `data/${symbol}.csv` });
    const path = join(root, 'data', `${symbol}.csv`);
    // COPYFILE_EXCL, like "wx": never overwrite, even if a file appeared since the check.
    return { path, write: () => copyFile(join(samples, file), path, options.force === true ? 0 : constants.COPYFILE_EXCL) };
  });
  const config = join(root, 'bt.yaml');
  const files = [
    text(join(root, 'tsconfig.json'), TSCONFIG),
    text(config, starterConfig(symbols)),
    text(join(root, 'strategies', 'momentum.ts'), EXAMPLE_STRATEGY),
    ...data,
  ];
  const base = { config: show(config), dir: show(root) };
  const existing = files.filter((f) => existsSync(f.path)).map((f) => show(f.path));
  if (existing.length > 0 && options.force !== true) return { ...base, written: [], existing, overwritten: [] };

  // package.json first: a broken one stops init before it writes anything.
  const wanted = options.dependencies ?? projectDependencies();
  const manifestPath = join(root, 'package.json');
  let manifest: ManifestOutcome;
  let manifestText: string | undefined;
  if (existsSync(manifestPath)) {
    const merged = mergeProjectManifest(await readFile(manifestPath, 'utf8'), show(manifestPath), wanted);
    manifest = { path: show(manifestPath), action: merged.added.length > 0 ? 'updated' : 'unchanged', added: merged.added };
    if (merged.added.length > 0) manifestText = merged.text;
  } else {
    manifest = { path: show(manifestPath), action: 'created', added: [] };
    manifestText = newProjectManifest(root, wanted);
  }
  await mkdir(root, { recursive: true });
  if (manifestText !== undefined) await writeFile(manifestPath, manifestText, 'utf8');
  for (const file of files) {
    await mkdir(dirname(file.path), { recursive: true });
    await file.write();
  }
  const fresh = files.map((f) => show(f.path)).filter((f) => !existing.includes(f));
  const written = [...(manifest.action === 'created' ? [manifest.path] : []), ...fresh];
  return { ...base, written, existing: [], overwritten: existing, manifest };
}
