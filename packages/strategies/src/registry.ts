import type { StrategyParams, StrategySpec } from '@bt/core';
import { resolveSmaCrossParams, smaCrossSpec } from './sma-cross.js';

/** Names of the strategies that ship with @bt. */
export type BuiltinStrategyName = 'sma-cross';

/**
 * The strategies that ship with @bt, by name: each entry checks untyped parameters (from a config
 * file or the command line) and returns a {@link StrategySpec} whose id is the name.
 *
 * @example
 * ```ts
 * const spec = builtinStrategies['sma-cross']({ fast: 10, slow: 30 });
 * ```
 */
export const builtinStrategies: Readonly<Record<BuiltinStrategyName, (params?: StrategyParams) => StrategySpec>> = Object.freeze({
  'sma-cross': (params?: StrategyParams) => smaCrossSpec(resolveSmaCrossParams(params)),
});

/** True when `name` is one of {@link builtinStrategies}. */
export function isBuiltinStrategyName(name: string): name is BuiltinStrategyName {
  return Object.hasOwn(builtinStrategies, name);
}
