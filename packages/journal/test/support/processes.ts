import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const packageDir = resolve(import.meta.dirname, '../..');

/**
 * Bundles ./child.ts (with the journal's and core's TypeScript source) into one ESM file under
 * the package's `.bt-tmp/`, where `better-sqlite3` resolves from node_modules. Returns its path
 * and a function that removes it.
 */
export async function bundleChild(name: string): Promise<{ path: string; remove: () => void }> {
  const dir = join(packageDir, '.bt-tmp');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}-${process.pid}.mjs`);
  await build({
    entryPoints: [join(import.meta.dirname, 'child.ts')],
    outfile: path,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    external: ['better-sqlite3'],
    logLevel: 'error',
  });
  return { path, remove: () => rmSync(path, { force: true }) };
}

/** A child process running the bundled child program, with its stdout as lines. */
export interface Child {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Every complete line it printed so far. */
  readonly lines: string[];
  /** Resolves once it printed `count` lines in all (or rejects when it exits first). */
  waitForLines(count: number): Promise<void>;
  /** Sends SIGKILL and resolves once it is reaped, with every line it printed. */
  kill9(): Promise<string[]>;
  /** Resolves when it exits, with its code and what it printed to stderr. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts `node <bundle> <args...>` and waits for its `ready` line. */
export async function startChild(bundle: string, args: readonly string[]): Promise<Child> {
  const child = spawn(process.execPath, [bundle, ...args], { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  const waiters: { count: number; resolve: () => void }[] = [];
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const w of waiters.splice(0)) {
      if (lines.length >= w.count) w.resolve();
      else waiters.push(w);
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  // 'close': the process exited and its stdout was read to the end.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((done) => {
    child.on('close', (code, signal) => done({ code, signal, stderr }));
  });
  const waitForLines = (count: number): Promise<void> =>
    new Promise<void>((done, fail) => {
      if (lines.length >= count) return done();
      waiters.push({ count, resolve: done });
      void exited.then((e) => fail(new Error(`child exited (${e.code ?? e.signal}) after ${lines.length} lines: ${e.stderr}`)));
    });
  await waitForLines(1);
  const [word, pid] = (lines[0] as string).split(' ');
  if (word !== 'ready') throw new Error(`child said ${lines[0]}`);
  return {
    process: child,
    pid: Number(pid),
    lines,
    waitForLines,
    exited,
    kill9: async () => {
      child.kill('SIGKILL');
      await exited;
      return lines;
    },
  };
}
