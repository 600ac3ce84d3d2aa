import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BtError } from '@bt/core';
import { packageRoot } from '../util/package-root.js';

/** The fields of the runner's own package.json that `bt init` reads. */
export interface RunnerManifest {
  readonly version: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
}

/** What a starter project's package.json lists. */
export interface ProjectDependencies {
  readonly dependencies: Readonly<Record<string, string>>;
  readonly devDependencies: Readonly<Record<string, string>>;
  readonly scripts: Readonly<Record<string, string>>;
}

/**
 * The tools the type-check needs (not @bt packages, whose ranges come from the runner's
 * manifest): the TypeScript the @bt packages are built with, and the types of the Node versions
 * the runner supports.
 */
export const TOOL_DEV_DEPENDENCIES: Readonly<Record<string, string>> = Object.freeze({
  typescript: '~5.9',
  '@types/node': '^20.19.0',
});

/** The npm scripts of a starter project. */
export const PROJECT_SCRIPTS: Readonly<Record<string, string>> = Object.freeze({
  start: 'bt run --config bt.yaml',
  validate: 'bt validate bt.yaml',
  typecheck: 'tsc --noEmit',
});

/** The @bt packages a starter project depends on, besides the runner. */
const BT_LIBRARIES = ['@bt/core', '@bt/strategies'] as const;

/** The manifest of the installed runner. */
export function readRunnerManifest(): RunnerManifest {
  return JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as RunnerManifest;
}

/** True for a version range npm resolves from a registry (`^0.1.0`, `>=1 <2`, `0.1.0`), not `*`, `file:` or `workspace:`. */
function isRegistryRange(range: string | undefined): range is string {
  return range !== undefined && /^[\^~<>=\s]*v?\d/.test(range);
}

/**
 * What a project using this runner depends on: `@bt/runner` at `^` its own version, and
 * `@bt/core` and `@bt/strategies` at the range the runner depends on them with (or, for a peer,
 * whose range is wide on purpose, and for a range that is not the registry's, such as `*` inside
 * the monorepo, at `^` the runner's version).
 *
 * @example
 * ```ts
 * projectDependencies({ version: '0.1.0' }).dependencies; // { '@bt/runner': '^0.1.0', '@bt/core': '^0.1.0', '@bt/strategies': '^0.1.0' }
 * ```
 */
export function projectDependencies(runner: RunnerManifest = readRunnerManifest()): ProjectDependencies {
  const own = `^${runner.version}`;
  const declared = { ...runner.optionalDependencies, ...runner.dependencies };
  const dependencies: Record<string, string> = { '@bt/runner': own };
  for (const name of BT_LIBRARIES) {
    const range = declared[name];
    dependencies[name] = isRegistryRange(range) ? range : own;
  }
  return { dependencies, devDependencies: { ...TOOL_DEV_DEPENDENCIES }, scripts: { ...PROJECT_SCRIPTS } };
}

/** A valid npm package name made from a folder's name (`bt-project` when nothing is left). */
export function packageNameFor(dir: string): string {
  const name = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._-]+|-+$/g, '')
    .slice(0, 214);
  return name === '' ? 'bt-project' : name;
}

/** The package.json of a new project in `dir`, as text. */
export function newProjectManifest(dir: string, wanted: ProjectDependencies): string {
  const manifest = {
    name: packageNameFor(dir),
    version: '0.0.0',
    private: true,
    type: 'module',
    scripts: wanted.scripts,
    dependencies: wanted.dependencies,
    devDependencies: wanted.devDependencies,
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** An existing package.json with what `bt init` adds to it. */
export interface MergedManifest {
  /** The new text (the same as the old when nothing was added). */
  readonly text: string;
  /** What was added, e.g. `devDependencies.typescript`. */
  readonly added: readonly string[];
}

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'] as const;

/**
 * Adds to an existing package.json (`text`, read from `file`) the dependencies and scripts it
 * lacks. Never changes an entry it has: a package listed in any dependency field (say, as a
 * `file:` tarball) and a script of the same name are kept as they are. Keeps the indentation.
 *
 * @throws BtError `CONFIG` naming the file and field when it is not a JSON object or a field has the wrong type.
 */
export function mergeProjectManifest(text: string, file: string, wanted: ProjectDependencies): MergedManifest {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw new BtError('CONFIG', `${file}: not valid JSON (${(error as Error).message}); fix or remove it, then run bt init again`, {
      details: { file },
    });
  }
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
    throw new BtError('CONFIG', `${file}: expected a JSON object`, { details: { file } });
  }
  const record = manifest as Record<string, unknown>;
  const objectField = (field: string): Record<string, unknown> | undefined => {
    const value = record[field];
    if (value === undefined) return undefined;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new BtError('CONFIG', `${file}: "${field}" must be an object, got ${Array.isArray(value) ? 'an array' : typeof value}`, {
        details: { file, field },
      });
    }
    return value as Record<string, unknown>;
  };
  const listed = new Set(DEPENDENCY_FIELDS.flatMap((field) => Object.keys(objectField(field) ?? {})));
  const added: string[] = [];
  const add = (
    field: 'dependencies' | 'devDependencies' | 'scripts',
    entries: Readonly<Record<string, string>>,
    skip: (name: string) => boolean,
  ) => {
    for (const [name, value] of Object.entries(entries)) {
      if (skip(name)) continue;
      record[field] = { ...(objectField(field) ?? {}), [name]: value };
      added.push(`${field}.${name}`);
    }
  };
  const scripts = objectField('scripts') ?? {};
  add('scripts', wanted.scripts, (name) => name in scripts);
  add('dependencies', wanted.dependencies, (name) => listed.has(name));
  add('devDependencies', wanted.devDependencies, (name) => listed.has(name));
  if (added.length === 0) return { text, added };
  const indent = /^[ \t]+(?=")/m.exec(text)?.[0] ?? '  ';
  return { text: `${JSON.stringify(record, null, indent)}\n`, added };
}
