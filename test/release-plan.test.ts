import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPlainRange, satisfies } from './support/package-checks.js';
import type { Manifest } from './support/tarballs.js';
import { repoRoot, run } from './support/tarballs.js';

/**
 * What `changeset version` would do with the pending changesets: run on a copy of the
 * workspace manifests and the `.changeset` folder, so that nothing here changes. Internal ranges
 * must follow the versions they point at, and no 0.x package may jump to 1.0.0 unless a changeset
 * says `major` (changesets 2 bumps every dependent of a 0.x peer major when a minor leaves its
 * caret range: changesets/changesets#794; hence the peers' `>=0.1.0 <1.0.0`).
 */
const RANGE_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies'] as const;
let copy: string;
const before = new Map<string, Manifest>();
const after = new Map<string, Manifest>();
const requestedMajor = new Set<string>();

function workspaceDirs(): string[] {
  const globs = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
  return globs.flatMap((glob) =>
    glob.endsWith('/*') ? readdirSync(join(repoRoot, glob.slice(0, -2))).map((name) => `${glob.slice(0, -2)}/${name}`) : [glob],
  );
}

beforeAll(() => {
  copy = mkdtempSync(join(tmpdir(), 'bt-release-plan-'));
  cpSync(join(repoRoot, 'package.json'), join(copy, 'package.json'));
  cpSync(join(repoRoot, '.changeset'), join(copy, '.changeset'), { recursive: true });
  for (const dir of workspaceDirs().filter((d) => existsSync(join(repoRoot, d, 'package.json')))) {
    mkdirSync(join(copy, dir), { recursive: true });
    cpSync(join(repoRoot, dir, 'package.json'), join(copy, dir, 'package.json'));
    const manifest = JSON.parse(readFileSync(join(copy, dir, 'package.json'), 'utf8')) as Manifest;
    if (manifest.private !== true) before.set(dir, manifest);
  }
  for (const file of readdirSync(join(copy, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md')) {
    const front = /^---\n([\s\S]*?)\n---/.exec(readFileSync(join(copy, '.changeset', file), 'utf8'))?.[1] ?? '';
    for (const [, name] of front.matchAll(/^["']?([^"':]+)["']?:\s*major\s*$/gm)) requestedMajor.add(name as string);
  }
  const git = (...args: string[]) => run('git', ['-c', 'user.email=pack@test', '-c', 'user.name=pack', ...args], copy);
  git('init', '-q', '-b', 'main');
  writeFileSync(join(copy, '.gitignore'), 'node_modules\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'copy');
  run(process.execPath, [join(repoRoot, 'node_modules/@changesets/cli/bin.js'), 'version'], copy);
  for (const dir of before.keys()) after.set(dir, JSON.parse(readFileSync(join(copy, dir, 'package.json'), 'utf8')) as Manifest);
});

afterAll(() => {
  if (copy !== undefined) rmSync(copy, { recursive: true, force: true });
});

describe('changeset version, on the pending changesets', () => {
  it('bumps some package (there are pending changesets)', () => {
    expect([...after].some(([dir, m]) => m.version !== before.get(dir)?.version)).toBe(true);
  });

  it('keeps every package on its major unless a changeset asks for a major', () => {
    for (const [dir, manifest] of after) {
      const [oldMajor, oldMinor] = (before.get(dir)?.version ?? '').split('.');
      const [newMajor, newMinor] = manifest.version.split('.');
      if (requestedMajor.has(manifest.name)) continue;
      expect(newMajor, `${manifest.name} ${before.get(dir)?.version} -> ${manifest.version}`).toBe(oldMajor);
      if (oldMajor === '0') expect(Number(newMinor) - Number(oldMinor)).toBeLessThanOrEqual(1);
    }
  });

  it('leaves every internal range a plain range that the new version of its package satisfies', () => {
    const versions = new Map([...after.values()].map((m) => [m.name, m.version]));
    for (const manifest of after.values()) {
      for (const field of RANGE_FIELDS) {
        for (const [name, range] of Object.entries((manifest[field] ?? {}) as Record<string, string>)) {
          const version = versions.get(name);
          if (version === undefined) continue;
          expect(isPlainRange(range), `${manifest.name} ${field}.${name}: ${range}`).toBe(true);
          expect(satisfies(version, range), `${manifest.name} ${field}.${name}: ${range} and ${version}`).toBe(true);
        }
      }
    }
  });
});
