import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAll, publishable, repoRoot, run } from './support/tarballs.js';

/**
 * Packs every publishable workspace with `npm pack`, installs the tarballs into a fresh project,
 * and loads each package with both `import` and `require`, and its types under both resolutions.
 */
let project: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'bt-pack-'));
  const tarballs = packAll(project).map((t) => t.path);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'bt-pack-check', private: true, version: '0.0.0' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], project);
});

afterAll(() => {
  if (project !== undefined) rmSync(project, { recursive: true, force: true });
});

describe('published tarballs', () => {
  it('finds the packages to check', () => {
    expect(publishable.map((p) => p.manifest.name)).toEqual(expect.arrayContaining(['@bt/core', '@bt/sim-broker', '@bt/time-controller']));
  });

  for (const { manifest } of publishable) {
    it(`${manifest.name} ships only dist and README, and imports with import and require`, () => {
      const installed = join(project, 'node_modules', manifest.name);
      const files = readdirSync(installed).sort();
      expect(
        files.filter((f) => !['dist', 'README.md', 'package.json', 'LICENSE', 'CHANGELOG.md', 'assets', 'schema', 'bin'].includes(f)),
      ).toEqual([]);
      const exportsMap = (manifest.exports ?? {}) as Record<string, unknown>;
      for (const [key, target] of Object.entries(exportsMap)) {
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
        const requirable = typeof target === 'string' || (typeof target === 'object' && target !== null && 'require' in target);
        if (!requirable || entry.endsWith('.json')) continue;
        const cjs = run('node', ['-e', `const m = require('${entry}'); console.log(Object.keys(m).length)`], project);
        expect(Number(cjs), entry).toBe(Number(esm));
      }
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
});
