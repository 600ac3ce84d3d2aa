import { existsSync, statSync } from 'node:fs';
import { basename, extname, isAbsolute, resolve } from 'node:path';
import { isBtError } from '@bt/core';
import { builtinStrategies, isBuiltinStrategyName } from '@bt/strategies';
import { suggest } from '../util/suggest.js';
import type { ConfigPath, Problem } from './issues.js';
import type { BtConfig, StrategyEntry } from './schema.js';

/** Where a strategy comes from: a built-in by name, or a module file (absolute path). */
export type StrategySource = { readonly kind: 'builtin'; readonly name: string } | { readonly kind: 'module'; readonly path: string };

const MODULE_EXTENSION = /\.(?:[cm]?[jt]s|tsx|jsx)$/;

/** True when a strategy's `use` names a file rather than a built-in: it has a slash or a .ts/.js extension. */
export function isModuleReference(use: string): boolean {
  return /[\\/]/.test(use) || MODULE_EXTENSION.test(use);
}

/** Classifies a strategy's `use`; module paths resolve against `baseDir`. */
export function strategySource(use: string, baseDir: string): StrategySource {
  return isModuleReference(use) ? { kind: 'module', path: isAbsolute(use) ? use : resolve(baseDir, use) } : { kind: 'builtin', name: use };
}

/** A strategy's id: the one given, else the built-in name or the module's file name without extension. */
export function strategyId(entry: StrategyEntry): string {
  if (entry.id !== undefined) return entry.id;
  return isModuleReference(entry.use) ? basename(entry.use, extname(entry.use)) : entry.use;
}

/** A symbol's strategies: its own, else the config's top-level ones. */
export function strategiesOf(config: BtConfig, index: number): readonly StrategyEntry[] {
  return config.symbols[index]?.strategies ?? config.strategies ?? [];
}

/**
 * Checks what the schema cannot: every symbol has a strategy, built-in names and their parameters
 * are right, strategy ids are unique per symbol, files exist (data files only for the sim broker),
 * and symbols are not repeated. `config` has absolute paths ({@link resolveConfigPaths}).
 */
export function checkConfig(config: BtConfig): Problem[] {
  const problems: Problem[] = [];
  const add = (path: ConfigPath, message: string): void => {
    problems.push({ path, message });
  };
  const seen = new Map<string, number>();
  config.symbols.forEach((entry, i) => {
    const first = seen.get(entry.symbol);
    if (first !== undefined) add(['symbols', i, 'symbol'], `"${entry.symbol}" is already listed at symbols[${first}]`);
    else seen.set(entry.symbol, i);

    if (config.broker.type === 'sim') {
      if (entry.data === undefined) add(['symbols', i], 'missing "data": broker type "sim" needs a CSV file of bars for each symbol');
      else if (!isFile(entry.data)) add(['symbols', i, 'data'], `file not found: ${entry.data}`);
    }

    const own = entry.strategies !== undefined;
    const strategies = strategiesOf(config, i);
    if (strategies.length === 0) {
      add(['symbols', i], 'no strategies: give this symbol "strategies", or list top-level "strategies" for every symbol');
    }
    const ids = new Map<string, number>();
    strategies.forEach((strategy, j) => {
      const at: ConfigPath = own ? ['symbols', i, 'strategies', j] : ['strategies', j];
      const id = strategyId(strategy);
      const before = ids.get(id);
      if (before !== undefined) add([...at, 'id'], `strategy id "${id}" is used twice on ${entry.symbol}; give each an "id"`);
      ids.set(id, j);
      // Top-level strategies are checked once, with the first symbol.
      if (!own && i !== firstWithoutOwn(config)) return;
      checkStrategy(strategy, at, add);
    });
  });
  return problems;
}

function firstWithoutOwn(config: BtConfig): number {
  return config.symbols.findIndex((s) => s.strategies === undefined);
}

function checkStrategy(strategy: StrategyEntry, at: ConfigPath, add: (path: ConfigPath, message: string) => void): void {
  if (isModuleReference(strategy.use)) {
    if (!isFile(strategy.use)) add([...at, 'use'], `strategy module not found: ${strategy.use}`);
    return;
  }
  if (!isBuiltinStrategyName(strategy.use)) {
    const names = Object.keys(builtinStrategies);
    const guess = suggest(strategy.use, names);
    add(
      [...at, 'use'],
      `unknown strategy "${strategy.use}"${guess === undefined ? '' : `; did you mean "${guess}"?`} (built-in: ${names.join(', ')}; or a path such as ./my-strategy.ts)`,
    );
    return;
  }
  try {
    builtinStrategies[strategy.use](strategy.params);
  } catch (error) {
    if (!isBtError(error, 'CONFIG')) throw error;
    const field = error.details.field;
    add(typeof field === 'string' ? [...at, 'params', field] : [...at, 'params'], error.message.replace(/^[\w-]+ params: /, ''));
  }
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}
