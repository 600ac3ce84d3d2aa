import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A folder for this test run's temporary files, removed at the end. */
    tempRoot: string;
  }
}

const runner = resolve(import.meta.dirname, '..');
const packages = resolve(runner, '../../packages');

/** Newest modification time (ms) of the files under `paths` (folders walked recursively). */
function newest(paths: readonly string[]): number {
  let latest = 0;
  const visit = (path: string): void => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    else latest = Math.max(latest, stat.mtimeMs);
  };
  for (const path of paths) visit(path);
  return latest;
}

/** Builds `dir` with tsup when `output` is missing or older than its sources. */
function buildIfStale(dir: string, output: string): void {
  const built = existsSync(join(dir, output)) ? statSync(join(dir, output)).mtimeMs : 0;
  if (built >= newest([join(dir, 'src'), join(dir, 'tsup.config.ts'), join(dir, 'package.json')])) return;
  execFileSync('npx', ['tsup'], { cwd: dir, stdio: 'pipe', env: { ...process.env, npm_config_loglevel: 'error' } });
}

/**
 * The CLI tests run `node dist/cli.js` as users do, which loads the runner's built code and its
 * workspace dependencies' `dist` (Node has no `source` condition). Build whatever is missing or
 * stale, dependencies first. Also makes the run's temporary folder, removed when the run ends.
 */
export default function setup(project: TestProject): () => void {
  for (const name of ['core', 'strategies', 'time-controller', 'sim-broker', 'journal', 'exchange-emulator', 'broker-ccxt'])
    buildIfStale(join(packages, name), 'dist/index.js');
  buildIfStale(runner, 'dist/cli.js');
  const tempRoot = mkdtempSync(join(tmpdir(), 'bt-runner-tests-'));
  project.provide('tempRoot', tempRoot);
  return () => rmSync(tempRoot, { recursive: true, force: true });
}
