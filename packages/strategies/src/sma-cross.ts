import type { Strategy, StrategyContext, StrategySpec } from '@bt/core';
import { BtError } from '@bt/core';
import { CrossOver, type CrossSignal } from './crossover.js';
import { ExactSma } from './exact-sma.js';

/** Parameters of {@link smaCross}. */
export type SmaCrossParams = {
  /** Period of the fast SMA. */
  readonly fast: number;
  /** Period of the slow SMA. */
  readonly slow: number;
  /** Size of each buy, in base currency. */
  readonly amount: number;
};

/** The reference parameters: SMA(10) against SMA(30), one unit per trade. */
export const SMA_CROSS_DEFAULTS: SmaCrossParams = Object.freeze({ fast: 10, slow: 30, amount: 1 });

const PARAM_NAMES: ReadonlySet<string> = new Set(Object.keys(SMA_CROSS_DEFAULTS));

/**
 * Checks `input` (say, parsed from a config file or the command line) and fills in the defaults.
 *
 * @throws BtError `CONFIG` naming the field when a parameter is unknown, `fast` or `slow` is not a
 * positive integer, or `amount` is not a positive finite number.
 *
 * @example
 * ```ts
 * resolveSmaCrossParams({ fast: 5 }); // { fast: 5, slow: 30, amount: 1 }
 * ```
 */
export function resolveSmaCrossParams(input: Readonly<Record<string, unknown>> = {}): SmaCrossParams {
  for (const key of Object.keys(input)) {
    if (!PARAM_NAMES.has(key)) {
      throw new BtError('CONFIG', `sma-cross params: unknown parameter "${key}", expected fast, slow or amount`, {
        details: { field: key },
      });
    }
  }
  const period = (field: 'fast' | 'slow'): number => {
    const value = input[field] ?? SMA_CROSS_DEFAULTS[field];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new BtError('CONFIG', `sma-cross params: ${field} must be a positive integer, got ${JSON.stringify(value)}`, {
        details: { field },
      });
    }
    return value;
  };
  const amount = input.amount ?? SMA_CROSS_DEFAULTS.amount;
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0) {
    throw new BtError('CONFIG', `sma-cross params: amount must be a positive number, got ${JSON.stringify(amount)}`, {
      details: { field: 'amount' },
    });
  }
  return Object.freeze({ fast: period('fast'), slow: period('slow'), amount });
}

/** Turns an order acknowledgement into the `Promise<void>` a tick returns. */
function settled(): void {}

/** The `sma-cross` strategy for one symbol. Kept private: build it with {@link smaCross}. */
class SmaCrossStrategy implements Strategy<SmaCrossParams> {
  readonly #amount: number;
  readonly #fast: ExactSma;
  readonly #slow: ExactSma;
  readonly #cross = new CrossOver();
  /** Close time of the newest bar already fed to the indicators. */
  #lastClose = Number.NEGATIVE_INFINITY;

  constructor(params: SmaCrossParams) {
    this.#amount = params.amount;
    this.#fast = new ExactSma(params.fast);
    this.#slow = new ExactSma(params.slow);
  }

  onTick(ctx: StrategyContext<SmaCrossParams>): Promise<void> | undefined {
    if (!ctx.isNewBar) return undefined;
    const bars = ctx.bars;
    const newest = bars.length - 1;
    const lastClose = this.#lastClose;
    // Walk back to the oldest bar not fed yet: usually just the newest one.
    let first = newest;
    while (first >= 0 && bars.closeTime(first) > lastClose) first--;
    first++;
    if (first > newest) return undefined;
    if (first === 0 && lastClose !== Number.NEGATIVE_INFINITY) {
      ctx.log.warn('sma-cross: more bars closed since the last tick than the lookback holds; some were not seen', {
        lookback: bars.length,
      });
    }
    // Every new bar updates the indicators once. Only the newest bar's signal is acted on: the
    // position cannot have changed in between, so an older signal is stale.
    let signal: CrossSignal = 'none';
    for (let i = first; i <= newest; i++) signal = this.#step(bars.close(i));
    this.#lastClose = bars.closeTime(newest);

    // Nothing in flight: live, an order sent on an earlier bar may not have filled yet (in a
    // backtest a market order fills at the next bar's open, before this tick, so this never waits).
    if (signal === 'up' && ctx.position.side === 'flat' && ctx.pendingExposure === 0) return ctx.orders.buy(this.#amount).then(settled);
    if (signal === 'down' && ctx.position.side === 'long' && ctx.pendingExposure === 0) return ctx.orders.close().then(settled);
    return undefined;
  }

  /** Feeds one close to both averages, then to the crossover once both are defined. */
  #step(close: number): CrossSignal {
    const fast = this.#fast.update(close);
    const slow = this.#slow.update(close);
    if (!this.#fast.ready || !this.#slow.ready) return 'none';
    return this.#cross.update(fast - slow);
  }
}

/**
 * The SMA crossover strategy of docs/semantics.md §5, for one symbol. On each new bar it updates an
 * exact fast and slow SMA ({@link ExactSma}) and their {@link CrossOver}; then, on an up-cross
 * while the position is flat, it market-buys `amount`, and on a down-cross while long it closes
 * the position, both only while none of its orders is in flight (`ctx.pendingExposure === 0`),
 * so a slow fill live is never doubled. Any other case is ignored. The position it tests is the
 * one after this step's fills. The first possible signal is on the symbol's bar `max(fast, slow)`.
 *
 * Each bar that closed since the previous tick is fed exactly once, in order, even when several
 * closed in between (up to the spec's lookback); ticks without a new bar do nothing. It is O(1)
 * per bar and allocates nothing on a tick that sends no order.
 *
 * @example
 * ```ts
 * const strategy = smaCross({ fast: 5, slow: 20 }); // one instance per symbol
 * ```
 */
export function smaCross(params?: Partial<SmaCrossParams>): Strategy<SmaCrossParams> {
  return new SmaCrossStrategy(resolveSmaCrossParams(params));
}

/**
 * A {@link StrategySpec} running {@link smaCross} on each symbol it is configured for, with a
 * fresh instance per symbol and a lookback of `max(fast, slow) + 1` bars.
 *
 * @example
 * ```ts
 * const config: SymbolConfig = { symbol: 'BTC/USDT', timeframe: '1m', strategies: [smaCrossSpec()] };
 * ```
 */
export function smaCrossSpec(params?: Partial<SmaCrossParams>, id = 'sma-cross'): StrategySpec<SmaCrossParams> {
  const resolved = resolveSmaCrossParams(params);
  return {
    id,
    params: resolved,
    lookback: Math.max(resolved.fast, resolved.slow) + 1,
    create: () => new SmaCrossStrategy(resolved),
  };
}
