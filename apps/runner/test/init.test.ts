import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectDependencies, TOOL_DEV_DEPENDENCIES } from '../src/init/manifest.js';
import { SCHEMA_PATH } from '../src/init/templates.js';
import { csvRows, RUNNER_DIR, resultsDirOf, runCli, tempDir } from './helpers/cli.js';

const runner = JSON.parse(readFileSync(join(RUNNER_DIR, 'package.json'), 'utf8')) as { version: string; files: string[] };
const STARTER = ['package.json', 'tsconfig.json', 'bt.yaml', 'strategies/momentum.ts'];

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

/** The files in the starter's data/ folder, as its config names them. */
function dataFiles(config: string): string[] {
  return [...config.matchAll(/^ {4}data: (\S+)/gm)].map((m) => m[1] as string);
}

describe('bt init', () => {
  it('writes a starter project that validates and runs, and refuses to overwrite it', async () => {
    const dir = tempDir();
    const init = await runCli(['init'], { cwd: dir });
    expect(init.code, init.stderr).toBe(0);
    const starter = readFileSync(join(dir, 'bt.yaml'), 'utf8');
    const data = dataFiles(starter);
    expect(data.length).toBeGreaterThan(0);
    for (const file of [...STARTER, ...data]) expect(existsSync(join(dir, file)), file).toBe(true);
    expect(init.stdout).toMatch(/^Next:\n {2}npm install +# .+\n {2}npx bt run --config bt\.yaml +# /m);
    expect(starter.split('\n')[0]).toBe(`# yaml-language-server: $schema=${SCHEMA_PATH}`);

    writeFileSync(join(dir, 'bt.yaml'), `${starter}# edited\n`);
    const manifest = readFileSync(join(dir, 'package.json'), 'utf8');
    const again = await runCli(['init', '.'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('init writes nothing, these files already exist:\n  tsconfig.json\n  bt.yaml\n');
    expect(again.stderr).toContain('bt init --force overwrites them');
    expect(readFileSync(join(dir, 'bt.yaml'), 'utf8')).toBe(`${starter}# edited\n`);
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe(manifest);

    expect((await runCli(['validate', 'bt.yaml'], { cwd: dir })).code).toBe(0);
    const run = await runCli(['run', '--config', 'bt.yaml', '--quiet', '--no-report'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const results = readJson(join(resultsDirOf(run.stdout), 'results.json'));
    const ids = Object.values(results.strategies as Record<string, { id: string }[]>).flatMap((list) => list.map((s) => s.id));
    expect(ids.sort()).toEqual(['momentum', 'sma-cross']);
    // The tag column of orders.csv names the strategy: the example module traded.
    const orders = csvRows(join(resultsDirOf(run.stdout), 'orders.csv'));
    expect(orders.filter((o) => o.includes(',momentum,')).length).toBeGreaterThan(0);
  });

  it("writes a package.json on the runner's own version, and a $schema the installed runner ships", async () => {
    const dir = tempDir();
    expect((await runCli(['init', 'My Bot!'], { cwd: dir })).code).toBe(0);
    const manifest = readJson(join(dir, 'My Bot!', 'package.json'));
    const range = `^${runner.version}`;
    expect(manifest).toEqual({
      name: 'my-bot',
      version: '0.0.0',
      private: true,
      type: 'module',
      scripts: { start: 'bt run --config bt.yaml', validate: 'bt validate bt.yaml', typecheck: 'tsc --noEmit' },
      dependencies: { '@bt/runner': range, '@bt/core': range, '@bt/strategies': range },
      devDependencies: { ...TOOL_DEV_DEPENDENCIES },
    });
    // ./node_modules/@bt/runner/<path> is <path> in the runner package, and the package ships it.
    const inPackage = SCHEMA_PATH.replace('./node_modules/@bt/runner/', '');
    expect(runner.files).toContain(inPackage.split('/')[0]);
    expect(readJson(join(RUNNER_DIR, inPackage))).toHaveProperty('$schema');
    const tsconfig = readFileSync(join(dir, 'My Bot!', 'tsconfig.json'), 'utf8');
    expect(tsconfig).toMatch(/"module": "nodenext"/);
    expect(tsconfig).toMatch(/"strict": true/);
    expect(tsconfig).toMatch(/"include": \["strategies"\]/);
    expect(readFileSync(join(dir, 'My Bot!', 'strategies', 'momentum.ts'), 'utf8')).toMatch(/^import .* from '@bt\/core';$/m);
  });

  it('adds to an existing package.json only what it lacks, in its own indentation', async () => {
    const dir = tempDir();
    const existing = { name: 'mine', scripts: { start: 'node bot.js' }, dependencies: { '@bt/core': 'file:../bt-core-0.1.0.tgz' } };
    writeFileSync(join(dir, 'package.json'), `${JSON.stringify(existing, null, 4)}\n`);
    const init = await runCli(['init'], { cwd: dir });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain('Added to package.json:\n  scripts.validate\n  scripts.typecheck\n  dependencies.@bt/runner\n');
    const text = readFileSync(join(dir, 'package.json'), 'utf8');
    expect(text).toMatch(/^ {4}"name": "mine",$/m);
    const manifest = JSON.parse(text) as Record<string, Record<string, string>>;
    expect(manifest.scripts).toEqual({ start: 'node bot.js', validate: 'bt validate bt.yaml', typecheck: 'tsc --noEmit' });
    expect(manifest.dependencies).toEqual({
      '@bt/core': 'file:../bt-core-0.1.0.tgz',
      '@bt/runner': `^${runner.version}`,
      '@bt/strategies': `^${runner.version}`,
    });
    expect(manifest.devDependencies).toEqual(TOOL_DEV_DEPENDENCIES);
    expect(init.stdout).not.toMatch(/^ {2}package\.json$/m);

    // A second init with --force overwrites the starter files; package.json, complete now, stays.
    writeFileSync(join(dir, 'bt.yaml'), 'edited\n');
    const forced = await runCli(['init', '--force'], { cwd: dir });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('Overwrote (--force):\n  tsconfig.json\n  bt.yaml\n');
    expect(forced.stdout).toContain('package.json already lists every @bt package, tool and script: left as it was');
    expect(readFileSync(join(dir, 'bt.yaml'), 'utf8')).toMatch(/^# yaml-language-server/);
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe(text);
  });

  it('names the file when an existing package.json is broken, and writes nothing', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'bot'));
    writeFileSync(join(dir, 'bot', 'package.json'), '{ "name": ');
    const broken = await runCli(['init', 'bot'], { cwd: dir });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^bt: bot\/package\.json: not valid JSON \(.+\); fix or remove it, then run bt init again$/m);
    writeFileSync(join(dir, 'bot', 'package.json'), '{ "dependencies": ["@bt/core"] }');
    const wrongType = await runCli(['init', 'bot'], { cwd: dir });
    expect(wrongType.code).toBe(2);
    expect(wrongType.stderr).toContain('bt: bot/package.json: "dependencies" must be an object, got an array');
    expect(existsSync(join(dir, 'bot', 'bt.yaml'))).toBe(false);
  });
});

describe('projectDependencies', () => {
  it("takes the runner's dependency ranges for the libraries, and ^ its version for peers and unusable ranges", () => {
    const wanted = projectDependencies({
      version: '1.4.2',
      dependencies: { '@bt/strategies': '*' },
      peerDependencies: { '@bt/core': '>=1.2.0 <2' },
    });
    expect(wanted.dependencies).toEqual({ '@bt/runner': '^1.4.2', '@bt/core': '^1.4.2', '@bt/strategies': '^1.4.2' });
    expect(projectDependencies({ version: '0.3.0', dependencies: { '@bt/strategies': '^0.2.5' } }).dependencies['@bt/strategies']).toBe(
      '^0.2.5',
    );
    expect(projectDependencies({ version: '0.2.0', dependencies: { '@bt/core': 'workspace:*' } }).dependencies['@bt/core']).toBe('^0.2.0');
  });
});
