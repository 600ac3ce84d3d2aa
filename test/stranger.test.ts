import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dependencyClosure, packAll, repoRoot, run } from './support/tarballs.js';

/**
 * What a stranger does with `bt`, outside the repository: from the packed tarballs (the builds
 * are done: turbo runs `//#test:pack` after every package's build), in an empty folder,
 * `npm install` @bt/runner, `npx bt init`, `npm install` what its package.json lists (TypeScript),
 * `npx bt validate`, `npx bt run`, and `npx tsc --noEmit` on the generated strategy. The commands
 * run with no trace of the monorepo in their environment, so everything resolves from the
 * project's own node_modules.
 */
let work: string;
let project: string;
const timings: [string, number][] = [];

/** The environment of a stranger's shell: no PATH entry and no variable pointing into the repository. */
function strangerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // `run` starts from process.env: an undefined value removes the variable from the child's.
  for (const [key, value] of Object.entries(process.env)) if (value?.includes(repoRoot) === true) env[key] = undefined;
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => entry !== '' && !resolve(entry).startsWith(repoRoot + sep))
    .join(delimiter);
  return { ...env, NO_COLOR: '1', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };
}

/** Runs one step of the stranger's session in the project and records how long it took. */
function step(label: string, cmd: string, args: string[]): string {
  const started = performance.now();
  try {
    return run(cmd, args, project, strangerEnv());
  } catch (error) {
    const failed = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`${label} failed: ${cmd} ${args.join(' ')}\n${failed.stdout ?? ''}\n${failed.stderr ?? failed.message}`);
  } finally {
    timings.push([label, performance.now() - started]);
  }
}

let installToRun = 0;
let runOutput = '';

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'bt-stranger-'));
  const tarballs = join(work, 'tarballs');
  project = join(work, 'my-bot');
  for (const dir of [tarballs, project]) mkdirSync(dir);
  // Only the tarballs npm would fetch for @bt/runner from a registry: the runner and its @bt dependencies.
  const needed = new Set(dependencyClosure('@bt/runner').map((w) => w.manifest.name));
  const packed = packAll(tarballs).filter((t) => needed.has(t.name));
  const started = performance.now();
  step('npm install the tarballs', 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...packed.map((t) => t.path)]);
  step('bt init', 'npx', ['--no-install', 'bt', 'init']);
  step('npm install (what init listed)', 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund']);
  step('bt validate', 'npx', ['--no-install', 'bt', 'validate', 'bt.yaml']);
  runOutput = step('bt run', 'npx', ['--no-install', 'bt', 'run', '-c', 'bt.yaml', '--quiet']);
  installToRun = performance.now() - started;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(
    `stranger: install to the end of bt run took ${seconds(installToRun)} (${timings.map(([label, ms]) => `${label} ${seconds(ms)}`).join(', ')})`,
  );
});

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('bt outside the repository, from the packed tarballs', () => {
  it('runs bt, and every @bt package, from the project’s own node_modules', () => {
    const inProject = (path: string) => realpathSync(path).startsWith(realpathSync(project) + sep);
    expect(inProject(join(project, 'node_modules', '.bin', 'bt'))).toBe(true);
    for (const name of readdirSync(join(project, 'node_modules', '@bt'))) {
      const resolved = run('node', ['-p', `require.resolve('@bt/${name}/package.json')`], project, strangerEnv()).trim();
      expect(inProject(resolved), resolved).toBe(true);
    }
  });

  it('bt init wrote a package.json on the runner’s version, and a $schema that resolves in the project', () => {
    const runner = JSON.parse(readFileSync(join(project, 'node_modules', '@bt', 'runner', 'package.json'), 'utf8')) as { version: string };
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    // npm install wrote the tarballs in; init added what was missing at the runner's range.
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(expect.arrayContaining(['@bt/runner', '@bt/core', '@bt/strategies']));
    expect(manifest.devDependencies).toEqual({ typescript: expect.any(String), '@types/node': expect.any(String) });
    expect(runner.version).toMatch(/^\d+\.\d+\.\d+/);
    const config = readFileSync(join(project, 'bt.yaml'), 'utf8');
    const schema = /^# yaml-language-server: \$schema=(\S+)$/m.exec(config)?.[1];
    expect(schema).toBeDefined();
    expect(existsSync(join(project, schema as string)), schema).toBe(true);
    expect(JSON.parse(readFileSync(join(project, schema as string), 'utf8'))).toHaveProperty('$schema');
  });

  it('bt run finished the backtest, wrote its results and traded', () => {
    const dir = /^Results: (.+)$/m.exec(runOutput)?.[1]?.trim();
    expect(dir, runOutput).toBeDefined();
    const results = JSON.parse(readFileSync(join(dir as string, 'results.json'), 'utf8')) as {
      status: string;
      complete: boolean;
      metrics: { tradeCount: number };
      strategies: Record<string, { id: string }[]>;
    };
    expect(results).toMatchObject({ status: 'completed', complete: true });
    expect(results.metrics.tradeCount).toBeGreaterThan(0);
    const ids = Object.values(results.strategies).flatMap((list) => list.map((s) => s.id));
    expect(ids).toContain('momentum');
    expect(existsSync(join(dir as string, 'report.html'))).toBe(true);
    expect(installToRun).toBeGreaterThan(0);
  });

  it('type-checks the generated strategy with npx tsc --noEmit', () => {
    expect(realpathSync(join(project, 'node_modules', '.bin', 'tsc')).startsWith(realpathSync(project))).toBe(true);
    expect(() => step('tsc --noEmit', 'npx', ['--no-install', 'tsc', '--noEmit'])).not.toThrow();
  });
});
