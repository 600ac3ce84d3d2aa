import type { Strategy, StrategyContext, StrategySpec, SymbolConfig } from '@bt/core';

/** What a paper or live run saw of one symbol's bars. */
export interface SymbolBarStats {
  /** Close time of the newest bar at the first tick (it closed before the run started), epoch ms. */
  readonly firstBarClose?: number;
  /** Close time of the newest bar processed, epoch ms. */
  readonly lastBarClose?: number;
  /** Bars that closed after the first tick and were processed. */
  readonly bars: number;
  /**
   * Bars that were processed late: a tick found more than one new bar (bars closed faster than the
   * poll), so the strategies saw the older ones only together with the newest.
   */
  readonly late: number;
  /** Close time of the first bar processed late, epoch ms. */
  readonly firstLateBarClose?: number;
}

interface MutableStats {
  firstBarClose?: number;
  lastBarClose?: number;
  bars: number;
  late: number;
  firstLateBarClose?: number;
}

/**
 * Watches the bars each symbol's strategies process in a paper or live run: how many closed since
 * the start, and how many a tick found together (missed by the poll). Wraps the last strategy of
 * each symbol, so it counts a bar once every strategy of the symbol has processed it. With
 * `stopAfter`, calls `onDone` once when every symbol has processed that many new bars.
 *
 * @example
 * ```ts
 * const watch = new BarWatch(symbols, 120, () => void controller.stop());
 * new TradingController({ broker, clock, symbols: watch.symbols, pacing: { kind: 'live' } });
 * ```
 */
export class BarWatch {
  /** The symbol configs to run: the given ones, with the last strategy of each watched. */
  readonly symbols: readonly SymbolConfig[];
  readonly #stats = new Map<string, MutableStats>();
  readonly #marks = new Map<string, { readonly price: number; readonly closeTime: number }>();
  readonly #stopAfter: number | undefined;
  readonly #onDone: () => void;
  #done = false;

  constructor(symbols: readonly SymbolConfig[], stopAfter: number | undefined, onDone: () => void) {
    this.#stopAfter = stopAfter;
    this.#onDone = onDone;
    this.symbols = symbols.map((config) => {
      const stats: MutableStats = { bars: 0, late: 0 };
      this.#stats.set(config.symbol, stats);
      const last = config.strategies.length - 1;
      return {
        ...config,
        strategies: config.strategies.map((spec, i) => (i === last ? this.#watched(spec, stats) : spec)),
      };
    });
  }

  /** Per symbol, what was processed so far. */
  stats(): Readonly<Record<string, SymbolBarStats>> {
    return Object.fromEntries([...this.#stats].map(([symbol, s]) => [symbol, { ...s }]));
  }

  /** Per symbol, the close price and close time of the newest bar processed: what positions are marked at. */
  marks(): Readonly<Record<string, { readonly price: number; readonly closeTime: number }>> {
    return Object.fromEntries(this.#marks);
  }

  /** New bars processed by the symbol that processed the fewest. */
  get bars(): number {
    return Math.min(...[...this.#stats.values()].map((s) => s.bars));
  }

  #watched(spec: StrategySpec, stats: MutableStats): StrategySpec {
    return {
      ...spec,
      create: (symbol) => {
        const inner = spec.create(symbol);
        const after = (ctx: StrategyContext): void => this.#observe(ctx, stats);
        const strategy: Strategy = {
          onTick: (ctx) => {
            const result = inner.onTick(ctx);
            if (result === undefined) {
              after(ctx);
              return undefined;
            }
            return result.then(() => after(ctx));
          },
          ...(inner.init === undefined ? {} : { init: (ctx: StrategyContext) => inner.init?.(ctx) }),
          ...(inner.onFill === undefined ? {} : { onFill: (fill, ctx) => inner.onFill?.(fill, ctx) }),
          ...(inner.onOrderUpdate === undefined ? {} : { onOrderUpdate: (order, ctx) => inner.onOrderUpdate?.(order, ctx) }),
          ...(inner.onStop === undefined ? {} : { onStop: (ctx: StrategyContext) => inner.onStop?.(ctx) }),
        };
        return strategy;
      },
    };
  }

  #observe(ctx: StrategyContext, stats: MutableStats): void {
    const { bars } = ctx;
    if (bars.length === 0) return;
    const newest = bars.closeTime(bars.length - 1);
    const symbol = bars.symbol;
    if ((this.#marks.get(symbol)?.closeTime ?? Number.NEGATIVE_INFINITY) < newest) {
      this.#marks.set(symbol, { price: bars.close(bars.length - 1), closeTime: newest });
    }
    if (stats.lastBarClose === undefined) {
      stats.firstBarClose = newest;
      stats.lastBarClose = newest;
    } else if (newest > stats.lastBarClose) {
      let fresh = 0;
      for (let i = bars.length - 1; i >= 0 && bars.closeTime(i) > stats.lastBarClose; i--) fresh++;
      if (fresh > 1 && stats.firstLateBarClose === undefined) stats.firstLateBarClose = bars.closeTime(bars.length - fresh);
      stats.bars += fresh;
      stats.late += fresh - 1;
      stats.lastBarClose = newest;
    } else {
      return;
    }
    if (!this.#done && this.#stopAfter !== undefined && this.bars >= this.#stopAfter) {
      this.#done = true;
      this.#onDone();
    }
  }
}
