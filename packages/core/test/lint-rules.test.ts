import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Runs the repository's real biome.json over small files laid out like the repo in a scratch
 * folder, and checks that the three architecture rules fire (and do not fire where allowed).
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const biome = join(repoRoot, 'node_modules/.bin/biome');
let scratch: string;

function lint(files: Record<string, string>): string {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(scratch, path)), { recursive: true });
    writeFileSync(join(scratch, path), text);
  }
  try {
    execFileSync(biome, ['lint', '--max-diagnostics=200', ...Object.keys(files)], { cwd: scratch, encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    return `${stdout}\n${stderr}`;
  } finally {
    for (const path of Object.keys(files)) rmSync(join(scratch, path), { force: true });
  }
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'bt-lint-'));
  const config = JSON.parse(readFileSync(join(repoRoot, 'biome.json'), 'utf8')) as Record<string, unknown>;
  config.$schema = undefined;
  config.vcs = { enabled: false };
  writeFileSync(join(scratch, 'biome.json'), JSON.stringify(config));
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('lint rules that hold the architecture', () => {
  it('bans ambient time in core and sim-broker', () => {
    const out = lint({
      'packages/core/src/a.ts': 'export const a = Date.now();\n',
      'packages/core/src/b.ts': 'export const b = new Date();\n',
      'packages/core/src/c.ts': 'setTimeout(() => undefined, 1);\nsetInterval(() => undefined, 1);\n',
      'packages/core/src/d.ts': 'export const d = performance.now();\n',
      'packages/sim-broker/src/e.ts': 'export const e = Date.now();\n',
    });
    for (const file of ['a.ts', 'b.ts', 'c.ts', 'd.ts', 'e.ts'])
      expect(out).toMatch(new RegExp(`${file}:\\d+:\\d+ lint/style/noRestrictedGlobals`));
  });

  it('allows the live clock module and other packages to read the wall clock', () => {
    const out = lint({
      'packages/core/src/live-clock.ts': 'export const now = (): number => Date.now();\n',
      'packages/broker-ccxt/src/f.ts': 'export const f = Date.now();\n',
    });
    expect(out).not.toMatch(/noRestrictedGlobals/);
  });

  it('bans ccxt, ws and other @bt packages from core', () => {
    const out = lint({
      'packages/core/src/g.ts': "import ccxt from 'ccxt';\nexport const g = ccxt;\n",
      'packages/core/src/h.ts': "import WebSocket from 'ws';\nexport const h = WebSocket;\n",
      'packages/core/src/i.ts': "import { SimulatedBroker } from '@bt/sim-broker';\nexport const i = SimulatedBroker;\n",
    });
    for (const file of ['g.ts', 'h.ts', 'i.ts']) expect(out).toMatch(new RegExp(`${file}:\\d+:\\d+ lint/style/noRestrictedImports`));
  });

  it('bans import cycles', () => {
    const out = lint({
      'packages/core/src/j.ts': "import { k } from './k.js';\nexport const j = (): number => k() + 1;\n",
      'packages/core/src/k.ts': "import { j } from './j.js';\nexport const k = (): number => j() + 1;\n",
    });
    expect(out).toMatch(/lint\/suspicious\/noImportCycles/);
  });
});
