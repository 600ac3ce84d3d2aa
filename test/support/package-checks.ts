import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import type { Manifest } from './tarballs.js';
import { repoRoot } from './tarballs.js';

/** What a command gave: it may have failed. */
export interface CommandResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion and returns its exit status and output, whether it failed or not. */
export function runStatus(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): CommandResult {
  const result = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_loglevel: 'error', NO_COLOR: '1', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The file paths an `exports` value points at, under every condition (`null` targets excluded). */
export function exportTargets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(exportTargets);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(exportTargets);
  return [];
}

/** The conditions an `exports` value lists, at any depth. */
export function exportConditions(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, inner]) => [key, ...exportConditions(inner)]);
}

/** The subpaths of `exports` that cannot be require()d: those without a `require` or `default` condition. */
export function esmOnlyEntrypoints(manifest: Manifest): string[] {
  return Object.entries(manifest.exports ?? {})
    .filter(
      ([key, target]) =>
        key !== './package.json' && typeof target !== 'string' && !exportConditions(target).some((c) => c === 'require' || c === 'default'),
    )
    .map(([key]) => key);
}

/** Relative specifiers a JavaScript, declaration or TypeScript file imports, exports from or requires. */
function relativeSpecifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\bfrom\s*["'](\.{1,2}\/[^"']+)["']/g,
    /\bimport\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g,
    /\brequire\s*\(\s*["'](\.{1,2}\/[^"']+)["']/g,
  ];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1] as string);
  return found;
}

/** The files a specifier written in `from` may name, in the order a resolver tries them. */
function candidates(from: string, specifier: string): string[] {
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  if (from.endsWith('.d.ts') || from.endsWith('.d.cts') || from.endsWith('.d.mts')) {
    return [
      base
        .replace(/\.js$/, '.d.ts')
        .replace(/\.cjs$/, '.d.cts')
        .replace(/\.mjs$/, '.d.mts'),
      `${base}.d.ts`,
      base,
    ];
  }
  if (from.endsWith('.ts')) return [base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}/index.ts`, base];
  return [base, `${base}.js`];
}

/**
 * The shipped files nothing reaches, from the manifest's entry points (`exports` under every
 * condition, `main`, `module`, `types`, `bin`, `typesVersions`) through relative imports, each
 * file's source map and the sources that map names. Paths are relative to the package root.
 */
export function unreachableFiles(manifest: Manifest, files: readonly string[], read: (path: string) => string): string[] {
  const shipped = new Set(files);
  const typesVersions = Object.values((manifest.typesVersions ?? {}) as Record<string, Record<string, string[]>>).flatMap((m) =>
    Object.values(m).flat(),
  );
  const entries = [
    ...exportTargets(manifest.exports),
    ...[manifest.main, manifest.module, manifest.types].filter((p): p is string => typeof p === 'string'),
    ...Object.values(manifest.bin ?? {}),
    ...typesVersions,
  ].map((p) => posix.normalize(p));
  const seen = new Set<string>();
  const queue = entries.filter((p) => shipped.has(p));
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!/\.(c|m)?(j|t)s$/.test(file) && !file.endsWith('.map')) continue;
    const text = read(file);
    const next: string[] = [];
    if (file.endsWith('.map')) {
      const map = JSON.parse(text) as { sources: string[]; sourceRoot?: string };
      next.push(...map.sources.map((s) => posix.normalize(posix.join(posix.dirname(file), map.sourceRoot ?? '', s))));
    } else {
      for (const specifier of relativeSpecifiers(text)) {
        const hit = candidates(file, specifier).find((c) => shipped.has(c));
        if (hit !== undefined) next.push(hit);
      }
      const mapUrl = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
      if (mapUrl !== undefined && !mapUrl.startsWith('data:')) next.push(posix.normalize(posix.join(posix.dirname(file), mapUrl)));
    }
    queue.push(...next.filter((p) => shipped.has(p)));
  }
  return files.filter((f) => !seen.has(f));
}

/** For each source map in `files`, the `sources` it names that the package does not ship. */
export function missingMapSources(files: readonly string[], read: (path: string) => string): string[] {
  const shipped = new Set(files);
  return files
    .filter((f) => f.endsWith('.map'))
    .flatMap((map) => {
      const { sources, sourceRoot } = JSON.parse(read(map)) as { sources: string[]; sourceRoot?: string };
      return sources
        .map((s) => posix.normalize(posix.join(posix.dirname(map), sourceRoot ?? '', s)))
        .filter((s) => !shipped.has(s))
        .map((s) => `${map} -> ${s}`);
    });
}

/**
 * Source modules compiled into more than one output file of the same format (ESM `.js`, CommonJS
 * `.cjs`): a chunk built twice. Read from the outputs' source maps.
 */
export function duplicatedModules(files: readonly string[], read: (path: string) => string): string[] {
  const owners = new Map<string, string[]>();
  for (const map of files.filter((f) => /\.(c|m)?js\.map$/.test(f))) {
    const format = map.endsWith('.cjs.map') ? 'cjs' : 'esm';
    const { sources } = JSON.parse(read(map)) as { sources: string[] };
    for (const source of sources) {
      const key = `${format} ${posix.normalize(posix.join(posix.dirname(map), source))}`;
      owners.set(key, [...(owners.get(key) ?? []), map]);
    }
  }
  return [...owners].filter(([, maps]) => maps.length > 1).map(([key, maps]) => `${key}: ${maps.join(', ')}`);
}

/** True when `range` is `^x.y.z`, `>=x.y.z <X.0.0` or a union of those, with no `*`, tag or protocol. */
export function isPlainRange(range: string): boolean {
  const version = String.raw`\d+\.\d+\.\d+`;
  const comparator = new RegExp(String.raw`^(\^${version}|>=${version} <${version})$`);
  return range.split('||').every((part) => comparator.test(part.trim()));
}

/** Whether `version` (x.y.z, no prerelease) satisfies a range {@link isPlainRange} accepts. */
export function satisfies(version: string, range: string): boolean {
  const parse = (v: string): number[] => v.split('.').map(Number);
  const compare = (a: number[], b: number[]): number => a.reduce((d, x, i) => d || x - (b[i] as number), 0);
  const v = parse(version);
  return range.split('||').some((part) => {
    const text = part.trim();
    if (text.startsWith('^')) {
      const low = parse(text.slice(1));
      const high =
        low[0] !== 0 ? [(low[0] as number) + 1, 0, 0] : low[1] !== 0 ? [0, (low[1] as number) + 1, 0] : [0, 0, (low[2] as number) + 1];
      return compare(v, low) >= 0 && compare(v, high) < 0;
    }
    const [, low, high] = /^>=(\S+) <(\S+)$/.exec(text) ?? [];
    return low !== undefined && high !== undefined && compare(v, parse(low)) >= 0 && compare(v, parse(high)) < 0;
  });
}

/** One problem `attw` reports. */
export interface AttwProblem {
  readonly kind: string;
  readonly entrypoint?: string;
  readonly resolutionKind?: string;
}

/** Runs @arethetypeswrong/cli on a packed tarball and returns its problems (empty when clean). */
export function attwProblems(tarball: string): AttwProblem[] {
  const attw = join(repoRoot, 'node_modules/@arethetypeswrong/cli/dist/index.js');
  const result = runStatus(process.execPath, [attw, tarball, '--format', 'json'], dirname(tarball));
  if (result.status !== 0 && result.status !== 1) throw new Error(`attw failed on ${tarball}: ${result.stderr}`);
  const report = JSON.parse(result.stdout) as { problems?: Record<string, AttwProblem[]> | AttwProblem[] };
  const problems = report.problems ?? [];
  return Array.isArray(problems) ? problems : Object.values(problems).flat();
}

/** Runs publint on a packed tarball, strict, at the suggestion level, and returns its messages as text. */
export async function publintMessages(tarball: string): Promise<string[]> {
  const { publint } = await import('publint');
  const { formatMessage } = await import('publint/utils');
  const bytes = readFileSync(tarball);
  const tarballBuffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const { messages, pkg } = await publint({ pack: { tarball: tarballBuffer }, level: 'suggestion', strict: true });
  return messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`);
}

/** Reads a file of an installed package, by its path inside the package. */
export function reader(installed: string): (path: string) => string {
  return (path) => {
    const file = join(installed, path);
    if (!existsSync(file)) throw new Error(`${path} is listed but absent from ${installed}`);
    return readFileSync(file, 'utf8');
  };
}
