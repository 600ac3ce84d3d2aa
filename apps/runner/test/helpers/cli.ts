import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';

/** The package folder and its built binary. */
export const RUNNER_DIR = resolve(import.meta.dirname, '../..');
export const CLI = join(RUNNER_DIR, 'dist', 'cli.js');
/** The sample data the package ships (what `bt run` with no config backtests). */
export const SAMPLE_DIR = join(RUNNER_DIR, 'assets', 'sample');
export const SAMPLE = {
  BTCUSDT: join(SAMPLE_DIR, 'binanceus-BTCUSDT-1m-2023-03-01_21.csv'),
} as const;
/** The repository's real market data (`fixtures/market`), for tests that need more than the sample. */
export const MARKET_DIR = resolve(RUNNER_DIR, '../../fixtures/market');
export const MARKET = {
  BTCUSD: join(MARKET_DIR, 'binanceus-BTCUSD-1m-2023-03-01_21.csv'),
} as const;

/** What a finished `bt` process gave. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Environment for the child: no colour, no inherited BT_* or secret-looking variables. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('BT_') && !key.startsWith('VITEST')) env[key] = value;
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Runs `node dist/cli.js ...args` to the end. */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; nodeArgs?: readonly string[] } = {},
): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [...(options.nodeArgs ?? []), CLI, ...args],
      { cwd: options.cwd ?? RUNNER_DIR, env: childEnv(options.env), maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const failed = error as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
        resolvePromise({
          code: failed === null ? 0 : typeof failed.code === 'number' ? failed.code : null,
          signal: failed?.signal ?? null,
          stdout,
          stderr,
        });
      },
    );
  });
}

/** Starts `node dist/cli.js ...args` and collects its output as it comes. */
export function spawnCli(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string>; nodeArgs?: readonly string[] } = {},
) {
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, ...args], {
    cwd: options.cwd ?? RUNNER_DIR,
    env: childEnv(options.env),
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<CliResult>((resolvePromise) => {
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
  return {
    child,
    exited,
    output: () => ({ stdout, stderr }),
    /** Resolves once stderr or stdout matches `pattern` (rejects after `timeoutMs`). */
    waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
      return new Promise((resolveWait, reject) => {
        const started = Date.now();
        const poll = (): void => {
          if (pattern.test(stderr) || pattern.test(stdout)) resolveWait();
          else if (Date.now() - started > timeoutMs) reject(new Error(`timed out waiting for ${pattern}; stderr so far:\n${stderr}`));
          else if (child.exitCode !== null) reject(new Error(`exited (${child.exitCode}) before ${pattern}; stderr:\n${stderr}`));
          else setTimeout(poll, 50);
        };
        poll();
      });
    },
  };
}

/** A fresh temporary folder inside the test run's own (removed when the run ends). */
export function tempDir(prefix = 'bt-runner-'): string {
  return mkdtempSync(join(inject('tempRoot'), prefix));
}

/** Writes the first `bars` bars of a sample file to `path` (header kept). */
export function writeSampleSlice(source: string, path: string, bars: number): string {
  const lines = readFileSync(source, 'utf8').split('\n');
  writeFileSync(path, `${lines.slice(0, bars + 1).join('\n')}\n`);
  return path;
}

/** Data rows of a CSV file (lines after the header, blank lines ignored). */
export function csvRows(path: string): string[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line !== '');
}

/** The results folder a run printed (`Results: <dir>`). */
export function resultsDirOf(stdout: string): string {
  const match = /^Results: (.+)$/m.exec(stdout);
  if (match === null) throw new Error(`no "Results:" line in:\n${stdout}`);
  return (match[1] as string).trim();
}
