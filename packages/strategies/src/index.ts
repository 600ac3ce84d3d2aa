export type { CrossSignal } from './crossover.js';
export { CrossOver } from './crossover.js';
export { ExactSma } from './exact-sma.js';
export type { BuiltinStrategyName } from './registry.js';
export { builtinStrategies, isBuiltinStrategyName } from './registry.js';
export type { SmaCrossParams } from './sma-cross.js';
export { resolveSmaCrossParams, SMA_CROSS_DEFAULTS, smaCross, smaCrossSpec } from './sma-cross.js';
