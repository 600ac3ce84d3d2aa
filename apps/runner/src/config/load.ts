import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { BtError } from '@bt/core';
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLError } from 'yaml';
import { checkConfig, isModuleReference } from './check.js';
import { envReference, interpolateEnv, missingVariableMessage } from './interpolate.js';
import type { ConfigPath, Locate, Problem } from './issues.js';
import { defaultExpectation, issuesToProblems, renderProblems } from './issues.js';
import type { BtConfig } from './schema.js';
import { configSchema } from './schema.js';
import { Redactor } from './secrets.js';

/** A validated config, ready to run. */
export interface LoadedConfig {
  /** The config with defaults filled in and every path absolute (data files, strategy modules, results dir). */
  readonly config: BtConfig;
  /** Where it came from: the file path, or a description such as `(embedded default)`. */
  readonly source: string;
  /** Folder that relative paths were resolved against. */
  readonly baseDir: string;
  /** Hides this config's secrets in anything printed or written. */
  readonly redactor: Redactor;
}

/** Options of {@link loadConfig} and {@link parseConfig}. */
export interface ConfigOptions {
  /** Variables for `${NAME}` interpolation. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Skip the checks that touch the file system (data files and strategy modules exist). Default false. */
  readonly skipFileChecks?: boolean;
}

/**
 * Reads, interpolates and validates a YAML or JSON config file. Relative paths in it are relative to
 * the file's folder.
 *
 * @throws BtError `CONFIG` whose message lists every problem with its line, path, what was expected
 * and what was found (`details.problems` holds the lines), secrets hidden.
 * @example
 * ```ts
 * const { config } = await loadConfig('bt.yaml');
 * console.log(config.broker.type); // 'sim'
 * ```
 */
export async function loadConfig(file: string, options: ConfigOptions = {}): Promise<LoadedConfig> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new BtError('CONFIG', `cannot read config ${path}: ${reason}`, { cause: error, details: { file: path } });
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) throw configError(path, syntaxProblems(doc.errors, text));
  const locate: Locate = (at) => {
    const offset = nodeAt(doc.contents, at)?.range?.[0];
    return offset === undefined ? undefined : `line ${lineCounter.linePos(offset).line}`;
  };
  return validate(doc.toJS({ maxAliasCount: 1000 }), path, dirname(path), options, locate);
}

/**
 * Validates a config given as a value (say, built in code), resolving relative paths against `baseDir`.
 *
 * @throws BtError `CONFIG` as {@link loadConfig} does.
 * @example
 * ```ts
 * const { config } = parseConfig({ symbols: [...], broker: { type: 'sim' } }, { baseDir: process.cwd() });
 * ```
 */
export function parseConfig(input: unknown, options: ConfigOptions & { readonly baseDir: string; readonly source?: string }): LoadedConfig {
  return validate(input, options.source ?? '(config)', options.baseDir, options);
}

function validate(raw: unknown, source: string, baseDir: string, options: ConfigOptions, locate?: Locate): LoadedConfig {
  const { value, missing } = interpolateEnv(raw, options.env ?? process.env);
  // Secrets are known before validation, so no message below can show one.
  const redactor = Redactor.forConfig(value);
  if (missing.length > 0) {
    throw configError(
      source,
      missing.map((m) => {
        const where = locate?.(m.path);
        return `${where === undefined ? '' : `${where}: `}${missingVariableMessage(m)}`;
      }),
    );
  }
  const parsed = configSchema.safeParse(value === null || value === undefined ? {} : value, { error: defaultExpectation });
  if (!parsed.success) {
    const problems = issuesToProblems(configSchema, value, parsed.error.issues);
    throw configError(
      source,
      renderProblems(problems, locate).map((line) => redactor.text(line)),
    );
  }
  const config = resolveConfigPaths(parsed.data, baseDir);
  const problems: Problem[] = options.skipFileChecks === true ? [] : checkConfig(config);
  if (problems.length > 0)
    throw configError(
      source,
      renderProblems(problems, locate).map((line) => redactor.text(line)),
    );
  return { config, source, baseDir, redactor };
}

/** `config` with data files, strategy modules, the results folder and the state file made absolute against `baseDir`. */
export function resolveConfigPaths(config: BtConfig, baseDir: string): BtConfig {
  const abs = (path: string): string => (isAbsolute(path) ? path : resolve(baseDir, path));
  const strategies = (list: BtConfig['strategies']) => list?.map((s) => (isModuleReference(s.use) ? { ...s, use: abs(s.use) } : s));
  return {
    ...config,
    symbols: config.symbols.map((s) => ({
      ...s,
      ...(s.data === undefined ? {} : { data: abs(s.data) }),
      ...(s.strategies === undefined ? {} : { strategies: strategies(s.strategies) }),
    })),
    ...(config.strategies === undefined ? {} : { strategies: strategies(config.strategies) }),
    results: { ...config.results, dir: abs(config.results.dir) },
    ...(config.state?.file === undefined ? {} : { state: { ...config.state, file: abs(config.state.file) } }),
  };
}

/** Syntax errors cascade: the first few, with a hint for the usual `${...}` slip. */
function syntaxProblems(errors: readonly YAMLError[], text: string): string[] {
  const shown = errors.slice(0, MAX_SYNTAX_ERRORS).map((e) => {
    const pos = e.linePos?.[0];
    const message = (e.message.split('\n')[0] as string).replace(/ at line \d+, column \d+:?$/, '');
    return `${pos === undefined ? '' : `line ${pos.line}, column ${pos.col}: `}${message}`;
  });
  if (errors.length > MAX_SYNTAX_ERRORS) shown.push(`(${errors.length - MAX_SYNTAX_ERRORS} more syntax errors follow from these)`);
  const line = errors[0]?.linePos?.[0]?.line;
  const source = line === undefined ? '' : (text.split('\n')[line - 1] ?? '');
  if (/\{[^}]*\$\{/.test(source))
    shown.push(`hint: inside { ... } write "${envReference('NAME')}" in quotes: YAML reads a bare { as the start of a map`);
  return shown;
}

const MAX_SYNTAX_ERRORS = 3;

function configError(source: string, problems: readonly string[]): BtError {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  return new BtError('CONFIG', `${source} is not a valid config (${count}):\n${problems.map((p) => `  ${p}`).join('\n')}`, {
    details: { file: source, problems },
  });
}

/** The deepest YAML node along `path` (the value of the last key found). */
function nodeAt(root: Node | null, path: ConfigPath): Node | undefined {
  let node: Node | undefined = root ?? undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(key));
      if (pair === undefined) break;
      node = (pair.value as Node | null) ?? (pair.key as Node);
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (item === undefined) break;
      node = item;
    } else {
      break;
    }
  }
  return node;
}
