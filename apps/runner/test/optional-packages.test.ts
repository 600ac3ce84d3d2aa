import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importOptionalPackage, isMissingPackage } from '../src/util/optional-package.js';
import { RUNNER_DIR, runCli, tempDir } from './helpers/cli.js';

const HOOKS = ['--import', join(RUNNER_DIR, 'test', 'fixtures', 'register-hooks.mjs')];

interface Manifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}
const manifest = JSON.parse(readFileSync(join(RUNNER_DIR, 'package.json'), 'utf8')) as Manifest;

describe('the optional packages of the runner', () => {
  it('declares the emulator an optional dependency and the live broker an optional peer, neither a dependency', () => {
    expect(manifest.optionalDependencies?.['@bt/exchange-emulator']).toMatch(/^\^\d/);
    expect(manifest.peerDependencies?.['@bt/broker-ccxt']).toMatch(/^(\^\d|>=\d)/);
    expect(manifest.peerDependenciesMeta?.['@bt/broker-ccxt']?.optional).toBe(true);
    expect(Object.keys(manifest.dependencies ?? {})).not.toEqual(expect.arrayContaining(['@bt/exchange-emulator']));
    expect(
      Object.keys(manifest.dependencies ?? {}).filter((d) => ['@bt/exchange-emulator', '@bt/broker-ccxt', 'ccxt', 'ws'].includes(d)),
    ).toEqual([]);
  });

  it('bt emulate says how to install the emulator when it is missing (exit 1)', async () => {
    const result = await runCli(['emulate', '--data', tempDir(), '--port', '0'], {
      nodeArgs: HOOKS,
      env: { BT_TEST_HOOK: 'emulator-missing' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'bt: bt emulate needs the @bt/exchange-emulator package, which is not installed: npm install @bt/exchange-emulator\n',
    );
  });

  it('bt emulate names what is missing when the emulator is there but one of its imports is not', async () => {
    const result = await runCli(['emulate', '--data', tempDir(), '--port', '0'], {
      nodeArgs: HOOKS,
      env: { BT_TEST_HOOK: 'emulator-broken' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^bt: bt emulate: cannot load @bt\/exchange-emulator: Cannot find package 'ws'/);
  });

  it('tells a missing package from a missing import of that package', async () => {
    const missing = Object.assign(new Error("Cannot find package '@bt/x' imported from /app/main.js"), { code: 'ERR_MODULE_NOT_FOUND' });
    const inner = Object.assign(new Error("Cannot find package 'ws' imported from /app/node_modules/@bt/x/dist/index.js"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    expect(isMissingPackage(missing, '@bt/x')).toBe(true);
    expect(isMissingPackage(inner, '@bt/x')).toBe(false);
    expect(isMissingPackage(new Error("'@bt/x'"), '@bt/x')).toBe(false);
    await expect(importOptionalPackage('@bt/x', 'the thing', () => Promise.reject(missing))).rejects.toMatchObject({
      code: 'NOT_SUPPORTED',
      message: 'the thing needs the @bt/x package, which is not installed: npm install @bt/x',
      details: { package: '@bt/x' },
    });
    await expect(importOptionalPackage('@bt/x', 'the thing', () => Promise.reject(inner))).rejects.toMatchObject({
      code: 'NOT_SUPPORTED',
      message: expect.stringMatching(/^the thing: cannot load @bt\/x: Cannot find package 'ws'/),
    });
    await expect(importOptionalPackage('@bt/x', 'the thing', () => Promise.resolve({ ok: 1 }))).resolves.toEqual({ ok: 1 });
  });
});
