import { createRequire } from 'node:module';
import type { Strategy, StrategyParams, StrategySpec, SymbolConfig, Timeframe } from '@bt/core';
import { BtError } from '@bt/core';
import { builtinStrategies, isBuiltinStrategyName } from '@bt/strategies';
import { strategiesOf, strategyId, strategySource } from '../config/check.js';
import type { BtConfig, StrategyEntry } from '../config/schema.js';

/**
 * What a strategy module's default export may be. Either
 *
 * - a **factory** `(params, symbol) => Strategy`, called once per symbol with the entry's `params`
 *   (the same shape as `smaCross` in `@bt/strategies`), or
 * - a core **`StrategySpec`** `{ create(symbol) => Strategy, id?, params?, exits?, lookback? }`;
 *   the config's `params`, `exits` and `lookback` override the spec's (params merge key by key).
 *
 * Either way the strategy also sees its params as `ctx.params`.
 *
 * @example
 * ```ts
 * // my-strategy.ts
 * import type { Strategy } from '@bt/core';
 * export default function (params: { amount?: number }): Strategy {
 *   return { async onTick(ctx) { if (ctx.isNewBar && ctx.position.side === 'flat' && ctx.pendingExposure === 0) await ctx.orders.buy(params.amount ?? 1); } };
 * }
 * ```
 */
export type StrategyModuleExport = StrategyFactory | (Omit<StrategySpec, 'id'> & { readonly id?: string });

/** A strategy factory, as a module may default-export it. */
export type StrategyFactory<P extends StrategyParams = StrategyParams> = (params: P, symbol: string) => Strategy<P>;

/** Loads a strategy module (TypeScript or JavaScript) and returns its default export. */
export type ModuleLoader = (path: string) => Promise<unknown>;

/**
 * Builds the controller's symbol configs from a config: built-in strategies from `@bt/strategies`,
 * module strategies through `load` (jiti by default, imported only when a module is used). Each
 * module is loaded once, however many symbols use it.
 *
 * @throws BtError `CONFIG` when a module's default export has the wrong shape; `STRATEGY` when it
 * cannot be loaded.
 */
export async function buildSymbolConfigs(config: BtConfig, load?: ModuleLoader): Promise<SymbolConfig[]> {
  const modules = new Map<string, Promise<unknown>>();
  let loader = load;
  const loadOnce = async (path: string): Promise<unknown> => {
    loader ??= await jitiLoader();
    const cached = modules.get(path) ?? (loader as ModuleLoader)(path);
    modules.set(path, cached);
    return cached;
  };
  const out: SymbolConfig[] = [];
  for (const [index, entry] of config.symbols.entries()) {
    const strategies: StrategySpec[] = [];
    for (const strategy of strategiesOf(config, index)) {
      // Paths in a loaded config are absolute already.
      const source = strategySource(strategy.use, process.cwd());
      if (source.kind === 'builtin') {
        if (!isBuiltinStrategyName(source.name)) throw new BtError('CONFIG', `unknown built-in strategy "${source.name}"`);
        // The built-in resolves its params (defaults filled in); only exits and lookback come from the entry.
        const spec = builtinStrategies[source.name](strategy.params);
        strategies.push(withEntry({ ...spec, id: strategyId(strategy) }, strategy));
      } else {
        let exported: unknown;
        try {
          exported = await loadOnce(source.path);
        } catch (error) {
          throw new BtError('STRATEGY', `cannot load strategy module ${source.path}: ${(error as Error).message}`, {
            cause: error,
            details: { file: source.path },
          });
        }
        strategies.push(specFromModule(exported, source.path, strategy));
      }
    }
    out.push({ symbol: entry.symbol, timeframe: (entry.timeframe ?? config.timeframe) as Timeframe, strategies });
  }
  return out;
}

/** Turns a module's default export into a StrategySpec for `entry`. */
export function specFromModule(exported: unknown, file: string, entry: StrategyEntry): StrategySpec {
  const id = strategyId(entry);
  if (typeof exported === 'function') {
    const factory = exported as StrategyFactory;
    const params = entry.params ?? {};
    return withEntry({ id, params, create: (symbol) => checkedStrategy(factory(params, symbol), file, symbol) }, entry);
  }
  if (exported !== null && typeof exported === 'object' && typeof (exported as { create?: unknown }).create === 'function') {
    const spec = exported as StrategySpec;
    return withEntry(
      {
        ...spec,
        id: entry.id ?? (typeof spec.id === 'string' && spec.id !== '' ? spec.id : id),
        params: { ...(spec.params ?? {}), ...(entry.params ?? {}) },
        create: (symbol) => checkedStrategy(spec.create(symbol), file, symbol),
      },
      entry,
    );
  }
  const got = exported === undefined ? 'no default export' : `a default export of type ${exported === null ? 'null' : typeof exported}`;
  const hint =
    exported !== null && typeof exported === 'object' && typeof (exported as { onTick?: unknown }).onTick === 'function'
      ? ' (a single Strategy object would be shared by every symbol: export a function that returns one instead)'
      : '';
  throw new BtError(
    'CONFIG',
    `strategy module ${file}: expected a default export that is a factory (params, symbol) => Strategy, or a StrategySpec { create(symbol) }; found ${got}${hint}`,
    { details: { file } },
  );
}

/** `spec` with the entry's exits and lookback, where the entry sets them. */
function withEntry(spec: StrategySpec, entry: StrategyEntry): StrategySpec {
  return {
    ...spec,
    ...(entry.exits === undefined ? {} : { exits: entry.exits }),
    ...(entry.lookback === undefined ? {} : { lookback: entry.lookback }),
  };
}

function checkedStrategy(strategy: unknown, file: string, symbol: string): Strategy {
  if (strategy === null || typeof strategy !== 'object' || typeof (strategy as Strategy).onTick !== 'function') {
    throw new BtError(
      'CONFIG',
      `strategy module ${file}: for ${symbol} it returned no Strategy (expected an object with an onTick method)`,
      {
        details: { file, symbol },
      },
    );
  }
  return strategy as Strategy;
}

/**
 * The default module loader: jiti, which runs TypeScript without a build step. `@bt/*` packages
 * that the runner itself uses resolve to the runner's copies, so a strategy can import them without
 * installing anything.
 */
export async function jitiLoader(): Promise<ModuleLoader> {
  const { createJiti } = await import('jiti');
  const require = createRequire(import.meta.url);
  const alias: Record<string, string> = {};
  for (const name of ['@bt/core', '@bt/strategies']) {
    try {
      alias[name] = require.resolve(name);
    } catch {
      // Not resolvable from here: leave the import to the module's own resolution.
    }
  }
  const jiti = createJiti(import.meta.url, { alias, moduleCache: false, fsCache: false });
  return (path) => jiti.import(path, { default: true });
}
