import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve, sep } from 'node:path';

/** The fields of a workspace manifest the pack tests read. */
export interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  main?: string;
  bin?: Record<string, string>;
  exports?: Record<string, unknown>;
  [field: string]: unknown;
}

/** A publishable workspace: its folder and its manifest. */
export interface Workspace {
  dir: string;
  manifest: Manifest;
}

/** The repository's root folder. */
export const repoRoot = resolve(import.meta.dirname, '..', '..');

/** Every workspace under `packages/` and `apps/` that is published (not private, with a root export). */
export const publishable: readonly Workspace[] = ['packages', 'apps']
  .flatMap((dir) => readdirSync(join(repoRoot, dir)).map((name) => join(repoRoot, dir, name)))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest }))
  .filter(({ manifest }) => manifest.private !== true && manifest.exports?.['.'] !== undefined);

/** Runs a command to completion and returns its stdout; throws with its stderr when it fails. */
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: 'pipe',
    env: { ...process.env, npm_config_loglevel: 'error', ...env },
  });
}

/** What `npm pack --json` says of one tarball. */
export interface PackedTarball {
  name: string;
  /** Absolute path of the `.tgz`. */
  path: string;
  /** Bytes of the tarball. */
  size: number;
  /** Bytes of its files, unpacked. */
  unpackedSize: number;
  /** Paths inside the package. */
  files: string[];
}

/** Packs every publishable workspace into `destination` with `npm pack` (the workspaces must be built). */
export function packAll(destination: string): PackedTarball[] {
  return pack(publishable, destination);
}

/** Packs `workspaces` into `destination` with `npm pack`, in their order (they must be built). */
export function pack(workspaces: readonly Workspace[], destination: string): PackedTarball[] {
  return workspaces.map(({ dir, manifest }) => {
    const [out] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', destination], dir)) as {
      filename: string;
      size: number;
      unpackedSize: number;
      files: { path: string }[];
    }[];
    if (out === undefined) throw new Error(`npm pack printed nothing for ${manifest.name}`);
    return {
      name: manifest.name,
      path: join(destination, out.filename),
      size: out.size,
      unpackedSize: out.unpackedSize,
      files: out.files.map((f) => f.path),
    };
  });
}

/**
 * The publishable workspaces `name` needs installed, itself included: what npm installs for it
 * from a registry, followed through `dependencies`, `optionalDependencies` and the
 * `peerDependencies` not marked optional in `peerDependenciesMeta`.
 *
 * @throws Error when `name` is not a publishable workspace.
 */
export function dependencyClosure(name: string): Workspace[] {
  const byName = new Map(publishable.map((w) => [w.manifest.name, w]));
  if (!byName.has(name)) throw new Error(`${name} is not a publishable workspace (have ${[...byName.keys()].join(', ')})`);
  const seen = new Map<string, Workspace>();
  const visit = (current: string): void => {
    const workspace = byName.get(current);
    if (workspace === undefined || seen.has(current)) return;
    seen.set(current, workspace);
    const m = workspace.manifest as Manifest & Partial<Record<string, Record<string, unknown>>>;
    const optionalPeers = new Set(
      Object.entries(m.peerDependenciesMeta ?? {})
        .filter(([, meta]) => (meta as { optional?: boolean } | undefined)?.optional === true)
        .map(([peer]) => peer),
    );
    const peers = Object.keys(m.peerDependencies ?? {}).filter((peer) => !optionalPeers.has(peer));
    for (const dep of [...Object.keys(m.dependencies ?? {}), ...Object.keys(m.optionalDependencies ?? {}), ...peers]) visit(dep);
  };
  visit(name);
  return [...seen.values()];
}

/**
 * The environment of a shell outside the repository: `process.env` without any PATH entry or
 * variable that points into it, so that a command run in a temporary project resolves everything
 * from that project.
 */
export function outsideRepoEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // `run` starts from process.env: an undefined value removes the variable from the child's.
  for (const [key, value] of Object.entries(process.env)) if (value?.includes(repoRoot) === true) env[key] = undefined;
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => entry !== '' && !resolve(entry).startsWith(repoRoot + sep))
    .join(delimiter);
  return { ...env, NO_COLOR: '1', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };
}
