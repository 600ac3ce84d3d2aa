import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dependencyClosure, outsideRepoEnv, pack, repoRoot, run } from './support/tarballs.js';

/**
 * docs/write-your-own-adapter.md, followed by a stranger: in an empty folder, the guide's setup
 * commands (with the packed tarballs of @bt/core and @bt/testkit in place of the registry's, and the
 * repository's ranges of vitest, typescript and @types/node), every file copied out of the guide's
 * blocks, then `npm run typecheck` and `npm test`. The conformance suite must run there as the
 * guide says it does.
 */
const guide = readFileSync(join(repoRoot, 'docs', 'write-your-own-adapter.md'), 'utf8');
const files = [...guide.matchAll(/<!-- file: (\S+) -->\n````\w*\n([\s\S]*?)\n````\n/g)].map(([, path, text]) => ({
  path: path as string,
  text: `${text}\n`,
}));
/** The shell commands of the guide's first `sh` block, one a line, without comments. */
const setup = (/## 1\. [^\n]*\n[\s\S]*?```sh\n([\s\S]*?)\n```/.exec(guide)?.[1] ?? '')
  .split('\n')
  .map((line) => line.replace(/\s+#.*$/, '').trim())
  .filter((line) => line !== '');
/** What the guide says the suite prints after the run. */
const summary = /```text\n(Broker conformance of [\s\S]*?)\n```/.exec(guide)?.[1];

let work: string;
let project: string;
let output = '';
/** Vitest's JSON report of the project's run. */
let report: { numFailedTests: number; testResults: { assertionResults: { fullName: string; status: string }[] }[] };

/** Runs `line` with sh in the project, outside the repository; a failure says what it printed. */
function shell(line: string): string {
  try {
    return run('sh', ['-c', line], project, outsideRepoEnv());
  } catch (error) {
    const failed = error as Error & { stdout?: string; stderr?: string };
    throw new Error(`${line} failed:\n${failed.stdout ?? ''}\n${failed.stderr ?? failed.message}`);
  }
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'bt-adapter-guide-'));
  const tarballs = join(work, 'tarballs');
  project = join(work, 'my-venue-broker');
  for (const dir of [tarballs, project]) mkdirSync(dir);
  const needed = new Map([...dependencyClosure('@bt/core'), ...dependencyClosure('@bt/testkit')].map((w) => [w.manifest.name, w]));
  const packed = new Map(pack([...needed.values()], tarballs).map((t) => [t.name, t.path]));
  const devDependencies = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).devDependencies as Record<string, string>;
  /** A package of an install line as npm should get it here: a tarball, or the repository's range. */
  const source = (word: string): string => {
    const tarball = packed.get(word);
    if (tarball !== undefined) return tarball;
    const range = devDependencies[word];
    return range === undefined ? word : `'${word}@${range}'`;
  };
  for (const line of setup) {
    if (line.startsWith('mkdir ')) continue; // the project folder exists, and the commands run in it
    const install = /^npm i (-D )?(.+)$/.exec(line);
    if (install === null) shell(line);
    else shell(`npm i ${install[1] ?? ''}--prefer-offline --no-audit --no-fund ${install[2]?.split(' ').map(source).join(' ')}`);
  }
  for (const { path, text } of files) {
    mkdirSync(dirname(join(project, path)), { recursive: true });
    writeFileSync(join(project, path), text);
  }
  shell('npm run typecheck');
  output = shell('npm test -- --reporter=default --reporter=json --outputFile.json=vitest-report.json');
  report = JSON.parse(readFileSync(join(project, 'vitest-report.json'), 'utf8'));
});

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe('the adapter guide, followed from the packed tarballs', () => {
  it('holds the files of examples/custom-adapter/guide, as they are', () => {
    expect(files.map((f) => f.path).sort()).toEqual([
      'src/broker.ts',
      'src/errors.ts',
      'src/mapping.ts',
      'src/order-events.ts',
      'src/venue.ts',
      'test/conformance.test.ts',
      'test/errors.test.ts',
      'test/memory-venue.ts',
      'tsconfig.json',
    ]);
    for (const { path, text } of files) {
      expect(text, path).toBe(readFileSync(join(repoRoot, 'examples', 'custom-adapter', 'guide', path), 'utf8'));
    }
  });

  it('starts from npm i @bt/core and npm i -D @bt/testkit vitest', () => {
    expect(setup).toEqual(expect.arrayContaining(['npm i @bt/core', 'npm i -D @bt/testkit vitest']));
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies)).toEqual(['@bt/core']);
    expect(Object.keys(manifest.devDependencies)).toEqual(expect.arrayContaining(['@bt/testkit', 'vitest']));
  });

  it('imports nothing but @bt/core, @bt/testkit and vitest, through their public entry points', () => {
    const imported = new Set(files.flatMap((f) => [...f.text.matchAll(/from '([^'.][^']*)'/g)].map(([, name]) => name as string)));
    expect([...imported].sort()).toEqual(['@bt/core', '@bt/testkit', '@bt/testkit/conformance', 'vitest']);
  });

  it('runs the conformance suite there: 24 of its 27 cases pass, 3 are skipped, and the guide quotes the summary', () => {
    const results = report.testResults.flatMap((file) => file.assertionResults);
    const cases = results.filter((r) => r.fullName.startsWith('Broker conformance: ExampleBroker '));
    expect(cases).toHaveLength(27);
    expect(cases.filter((r) => r.status === 'passed')).toHaveLength(24);
    expect(
      cases
        .filter((r) => r.status !== 'passed')
        .map((r) => [r.fullName.replace(/^Broker conformance: ExampleBroker /, '').split(':')[0], r.status]),
    ).toEqual([
      ['positions.short-after-sell', 'skipped'],
      ['orders.reduce-only', 'skipped'],
      ['orders.ioc', 'skipped'],
    ]);
    expect(summary).toBeDefined();
    expect(output).toContain(summary);
  });

  it("runs the guide's own tests of the venue's quirks, and nothing fails", () => {
    const results = report.testResults.flatMap((file) => file.assertionResults);
    expect(results.filter((r) => r.fullName.startsWith('classify ') && r.status === 'passed')).toHaveLength(7);
    expect(report.numFailedTests).toBe(0);
  });
});
