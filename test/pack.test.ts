import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attwProblems,
  duplicatedModules,
  esmOnlyEntrypoints,
  exportTargets,
  isPlainRange,
  missingMapSources,
  publintMessages,
  reader,
  runStatus,
  satisfies,
  unreachableFiles,
} from './support/package-checks.js';
import type { Manifest, PackedTarball } from './support/tarballs.js';
import { packAll, publishable, repoRoot, run } from './support/tarballs.js';

/**
 * Packs every publishable workspace with `npm pack`, installs the tarballs into a fresh project
 * (with vitest, as an adapter's project has it), and checks what a consumer gets: the files, the
 * manifest, `import` and `require` of every entry point, the types under both resolutions, attw
 * and publint. A second project installs @bt/testkit alone, without vitest.
 */
const REPOSITORY = 'https://github.com/bt-sdk/bt';
const COPYRIGHT = 'Copyright (c) 2026 the @bt contributors';
const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies'] as const;
/** Shipped files no import reaches on purpose: the runner reads them from disk. */
const READ_FROM_DISK = /^(dist\/vendor\/|assets\/)/;
const versions = new Map(publishable.map((w) => [w.manifest.name, w.manifest.version]));
const vitestVersion = (JSON.parse(readFileSync(join(repoRoot, 'node_modules/vitest/package.json'), 'utf8')) as Manifest).version;

let work: string;
let project: string;
let light: string;
let tarballs: PackedTarball[];

const installedDir = (name: string): string => join(project, 'node_modules', name);
const installedManifest = (name: string): Manifest =>
  JSON.parse(readFileSync(join(installedDir(name), 'package.json'), 'utf8')) as Manifest;
const tarballOf = (name: string): PackedTarball => tarballs.find((t) => t.name === name) as PackedTarball;
const install = (dir: string, specs: string[]): void => {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bt-pack-check', private: true, version: '0.0.0' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs], dir);
};

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'bt-pack-'));
  project = join(work, 'project');
  light = join(work, 'light');
  tarballs = packAll(work);
  for (const dir of [project, light]) mkdirSync(dir);
  install(project, [...tarballs.map((t) => t.path), `vitest@${vitestVersion}`]);
  install(light, [tarballOf('@bt/core').path, tarballOf('@bt/testkit').path]);
});

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('published tarballs', () => {
  it('finds the packages to check', () => {
    expect(publishable.map((p) => p.manifest.name)).toEqual(
      expect.arrayContaining(['@bt/core', '@bt/sim-broker', '@bt/testkit', '@bt/runner']),
    );
  });

  for (const { manifest } of publishable) {
    it(`${manifest.name} ships only dist, src, README and LICENSE, and imports with import and require`, () => {
      const files = readdirSync(installedDir(manifest.name)).sort();
      expect(
        files.filter(
          (f) => !['dist', 'src', 'README.md', 'package.json', 'LICENSE', 'CHANGELOG.md', 'assets', 'schema', 'bin'].includes(f),
        ),
      ).toEqual([]);
      for (const [key, target] of Object.entries(manifest.exports ?? {})) {
        if (key === './package.json') continue;
        const entry = key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`;
        const attributes = entry.endsWith('.json') ? ", { with: { type: 'json' } }" : '';
        const esm = run(
          'node',
          ['--input-type=module', '-e', `const m = await import('${entry}'${attributes}); console.log(Object.keys(m).length)`],
          project,
        );
        expect(Number(esm), entry).toBeGreaterThan(0);
        // An entry point without a `require` condition is ESM-only on purpose (e.g. one that loads vitest).
        if (esmOnlyEntrypoints(manifest).includes(key) || entry.endsWith('.json') || typeof target === 'string') continue;
        const cjs = run('node', ['-e', `const m = require('${entry}'); console.log(Object.keys(m).length)`], project);
        expect(Number(cjs), entry).toBe(Number(esm));
      }
    });

    it(`${manifest.name} carries the MIT LICENSE and full metadata`, () => {
      expect(tarballOf(manifest.name).files).toContain('LICENSE');
      const license = readFileSync(join(installedDir(manifest.name), 'LICENSE'), 'utf8');
      expect(license.startsWith('MIT License\n')).toBe(true);
      expect(license).toContain(COPYRIGHT);
      const folder = relative(repoRoot, publishable.find((w) => w.manifest.name === manifest.name)?.dir as string);
      expect(installedManifest(manifest.name)).toMatchObject({
        license: 'MIT',
        author: expect.stringMatching(/\S/),
        keywords: expect.arrayContaining([expect.stringMatching(/^[a-z0-9-]+$/)]),
        repository: { type: 'git', url: `git+${REPOSITORY}.git`, directory: folder },
        homepage: `${REPOSITORY}/tree/main/${folder}#readme`,
        bugs: { url: `${REPOSITORY}/issues` },
        publishConfig: { access: 'public' },
      });
    });

    it(`${manifest.name} depends on @bt packages by ranges its workspaces satisfy, on @bt/core as a peer`, () => {
      const published = installedManifest(manifest.name);
      for (const field of DEPENDENCY_FIELDS) {
        for (const [name, range] of Object.entries((published[field] ?? {}) as Record<string, string>)) {
          expect(range, `${field}.${name}`).not.toMatch(/^(\*|latest|workspace:|file:|link:)|^$/);
          if (!name.startsWith('@bt/')) continue;
          expect(isPlainRange(range), `${field}.${name}: ${range}`).toBe(true);
          expect(satisfies(versions.get(name) as string, range), `${field}.${name}: ${range} and ${versions.get(name)}`).toBe(true);
        }
      }
      const declarations = tarballOf(manifest.name).files.filter((f) => /\.d\.(c|m)?ts$/.test(f));
      const handsCoreTypes = declarations.some((f) => /from ['"]@bt\/core['"]/.test(reader(installedDir(manifest.name))(f)));
      if (!handsCoreTypes) return;
      expect(published.peerDependencies).toHaveProperty(['@bt/core']);
      expect(published.dependencies ?? {}).not.toHaveProperty(['@bt/core']);
      expect(published.devDependencies).toHaveProperty(['@bt/core']);
    });

    it(`${manifest.name} exports only shipped files, its source maps' sources are shipped, and nothing is unreachable or built twice`, () => {
      const dir = installedDir(manifest.name);
      const files = tarballOf(manifest.name).files;
      for (const target of exportTargets(manifest.exports)) expect(existsSync(join(dir, target)), target).toBe(true);
      expect(missingMapSources(files, reader(dir))).toEqual([]);
      // Code and maps only: documents (README.md, LICENSE, a README beside the sources) are read by people.
      const code = /\.(c|m)?(j|t)s$|\.map$/;
      expect(unreachableFiles(manifest, files, reader(dir)).filter((f) => code.test(f) && !READ_FROM_DISK.test(f))).toEqual([]);
      expect(duplicatedModules(files, reader(dir))).toEqual([]);
    });

    it(`${manifest.name}: node --conditions=source resolves every source condition to a shipped file`, () => {
      for (const [key, target] of Object.entries(manifest.exports ?? {})) {
        const source = typeof target === 'object' && target !== null ? (target as Record<string, unknown>).source : undefined;
        if (typeof source !== 'string') continue;
        const entry = key === '.' ? manifest.name : `${manifest.name}/${key.slice(2)}`;
        const expected = join(installedDir(manifest.name), source);
        const script = `import { fileURLToPath } from 'node:url'; console.log(fileURLToPath(import.meta.resolve('${entry}')))`;
        const esm = run('node', ['--conditions=source', '--input-type=module', '-e', script], project);
        expect(esm.trim(), entry).toBe(expected);
        const cjs = run('node', ['--conditions=source', '-e', `console.log(require.resolve('${entry}'))`], project);
        expect(cjs.trim(), entry).toBe(expected);
      }
    });

    it(`${manifest.name} is clean under attw (ESM-only entry points documented and only ESM)`, () => {
      const esmOnly = esmOnlyEntrypoints(manifest);
      const problems = attwProblems(tarballOf(manifest.name).path).filter(
        (p) => !(p.kind === 'CJSResolvesToESM' && p.resolutionKind === 'node16-cjs' && esmOnly.includes(p.entrypoint ?? '')),
      );
      expect(problems).toEqual([]);
      const readme = readFileSync(join(installedDir(manifest.name), 'README.md'), 'utf8');
      for (const key of esmOnly) {
        const entry = `${manifest.name}/${key.slice(2)}`;
        expect(readme, `${manifest.name}'s README documents ${entry} as ESM-only`).toMatch(
          new RegExp(`\`${entry}\`[^\\n]*\\n?[^\\n]*ESM-only`),
        );
        const required = runStatus('node', ['-e', `require('${entry}')`], project);
        expect(required.status, entry).not.toBe(0);
        expect(required.stderr, entry).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
      }
    });

    it(`${manifest.name} is clean under publint (strict, suggestions included)`, async () => {
      expect(await publintMessages(tarballOf(manifest.name).path)).toEqual([]);
    });
  }

  it('has types for both import and require', () => {
    const names = publishable.map((p) => p.manifest.name);
    writeFileSync(
      join(project, 'check.mts'),
      names.map((n, i) => `import * as m${i} from '${n}';\nexport const k${i} = Object.keys(m${i});\n`).join(''),
    );
    writeFileSync(
      join(project, 'check.cts'),
      names.map((n, i) => `import m${i} = require('${n}');\nexport const k${i} = Object.keys(m${i});\n`).join(''),
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files: ['check.mts', 'check.cts'],
      }),
    );
    const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
    expect(() => run('node', [tsc, '-p', 'tsconfig.json'], project)).not.toThrow();
  });

  it('recognises, from an ESM import of @bt/core, a BtError made by the CommonJS build of another package', () => {
    writeFileSync(
      join(project, 'hazard.mjs'),
      `import { createRequire } from 'node:module';
import { BtError, isBtError, toBtError } from '@bt/core';
const require = createRequire(import.meta.url);
const { createPaperBroker } = require('@bt/sim-broker');
let error;
try { createPaperBroker({}); } catch (thrown) { error = thrown; }
console.log(JSON.stringify({
  code: error?.code,
  twoCopies: require('@bt/core').BtError !== BtError && Object.getPrototypeOf(error) !== BtError.prototype,
  isBtError: isBtError(error),
  isConfig: isBtError(error, 'CONFIG'),
  instanceOf: error instanceof BtError,
  kept: toBtError(error) === error,
}));
`,
    );
    expect(JSON.parse(run('node', ['hazard.mjs'], project))).toEqual({
      code: 'CONFIG',
      twoCopies: true,
      isBtError: true,
      isConfig: true,
      instanceOf: true,
      kept: true,
    });
  });

  it('@bt/testkit installs without vitest, and its helpers load without it', () => {
    expect(readdirSync(join(light, 'node_modules')).sort()).toEqual(['.package-lock.json', '@bt']);
    expect(readdirSync(join(light, 'node_modules', '@bt')).sort()).toEqual(['core', 'testkit']);
    const esm = run(
      'node',
      ['--input-type=module', '-e', "const m = await import('@bt/testkit'); console.log(typeof m.MemoryReplayBroker)"],
      light,
    );
    expect(esm.trim()).toBe('function');
    expect(run('node', ['-e', "console.log(typeof require('@bt/testkit').referenceSmaCross)"], light).trim()).toBe('function');
    const suite = runStatus('node', ['--input-type=module', '-e', "await import('@bt/testkit/conformance')"], light);
    expect(suite.status).not.toBe(0);
    expect(suite.stderr).toMatch(/Cannot find package 'vitest'/);
    expect(installedManifest('@bt/testkit').peerDependenciesMeta).toEqual({ vitest: { optional: true } });
  });
});
