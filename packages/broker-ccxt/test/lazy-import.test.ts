import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import ts from 'typescript';
import { afterAll, beforeAll, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

let dir: string;
let bundle: string;

/**
 * The package is bundled as it ships (ESM, ccxt left external), then imported by a child Node
 * process whose module resolution refuses `ccxt`. Importing the package and making a broker must
 * work there; only `connect()` may try to load ccxt.
 */
beforeAll(async () => {
  // Inside the package, so that the child resolves `ccxt` from the workspace's node_modules.
  dir = await mkdtemp(join(packageDir, '.lazy-'));
  bundle = join(dir, 'broker-ccxt.mjs');
  await build({
    entryPoints: [join(packageDir, 'src/index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    conditions: ['source'],
    external: ['ccxt'],
    outfile: bundle,
    logLevel: 'silent',
  });
  await writeFile(
    join(dir, 'block-ccxt.mjs'),
    `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(\`
export async function resolve(specifier, context, next) {
  if (specifier === 'ccxt' || specifier.startsWith('ccxt/')) throw new Error('BLOCKED: ccxt was imported');
  return next(specifier, context);
}\`));
`,
  );
  await writeFile(
    join(dir, 'child.mjs'),
    `const { createCcxtBroker, CcxtBroker } = await import(${JSON.stringify(bundle)});
const broker = createCcxtBroker({ exchange: 'binance', env: {} });
console.log('imported', broker instanceof CcxtBroker, broker.id, JSON.stringify(broker.capabilities.orderTypes));
try {
  await broker.connect();
  console.log('connected');
} catch (error) {
  console.log('connect failed:', error.message);
}
`,
  );
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('ships no static import of ccxt: the only reference is the dynamic import in connect()', async () => {
  const code = await readFile(bundle, 'utf8');
  expect(code).not.toMatch(/^\s*import\s[^;]*from\s*["']ccxt["']/m);
  expect(code.match(/import\(["']ccxt["']\)/g)).toHaveLength(1);
});

it('imports and constructs without loading ccxt; connect() is what loads it', async () => {
  const { stdout } = await run(process.execPath, ['--import', join(dir, 'block-ccxt.mjs'), join(dir, 'child.mjs')], { cwd: dir });
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toBe('imported true ccxt:binance ["market","limit"]');
  // The positive control: the blocked resolution does fire once ccxt is really needed.
  expect(lines[1]).toMatch(/^connect failed: BLOCKED: ccxt was imported/);
});

it('keeps ccxt out of the public types: no declaration reachable from index.d.ts imports ccxt', () => {
  const configPath = join(packageDir, 'tsconfig.json');
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (config === undefined) throw new Error('cannot read tsconfig.json');
  const emitted = new Map<string, string>();
  const program = ts.createProgram([join(packageDir, 'src/index.ts')], {
    ...config.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    outDir: join(packageDir, '.d.ts-out'),
    rootDir: join(packageDir, 'src'),
  });
  const result = program.emit(undefined, (file, text) => emitted.set(file, text));
  expect(result.emitSkipped).toBe(false);
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = emitted.get(file);
    if (text === undefined) throw new Error(`no declaration emitted for ${file}`);
    for (const [, specifier] of text.matchAll(/from ['"]([^'"]+)['"]/g)) {
      expect(specifier, `${file} imports ${specifier}`).not.toMatch(/^ccxt/);
      if (specifier?.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.d.ts')));
    }
  };
  visit(join(packageDir, '.d.ts-out/index.d.ts'));
  expect(seen.size).toBeGreaterThan(5);
  // The internal ccxt aliases do import ccxt: the walk above would have caught them.
  expect(emitted.get(join(packageDir, '.d.ts-out/ccxt-types.d.ts'))).toMatch(/from 'ccxt'/);
}, 60_000);
