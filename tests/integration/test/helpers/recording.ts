import type { Bar, ExitRules, Strategy, StrategySpec, SymbolConfig } from '@bt/core';
import { makeBars } from '@bt/testkit';

/** What the recording strategy saw on one tick. */
export interface TickRecord {
  readonly symbol: string;
  readonly now: number;
  readonly newest: number;
  readonly isNewBar: boolean;
}

/** Three ragged symbols: different starts and ends, and a gap in the middle one. */
export function raggedBars(): Record<string, Bar[]> {
  const t0 = 1_700_000_000_000 - (1_700_000_000_000 % 60_000);
  const minute = 60_000;
  const withGap = makeBars('BBB', t0 + 5 * minute, 40).filter((_, i) => i < 12 || i >= 20);
  return {
    AAA: makeBars('AAA', t0, 30),
    BBB: withGap,
    CCC: makeBars('CCC', t0 + 10 * minute, 50, { price: (i) => 50 + 5 * Math.cos(i / 5) }),
  };
}

/** A strategy that records every tick and asserts nothing became visible before its close. */
export function recordingSpec(log: TickRecord[], onTick?: Strategy['onTick']): StrategySpec {
  return {
    id: 'recorder',
    lookback: 5,
    create: (symbol) => ({
      async onTick(ctx) {
        const newest = ctx.bars.length > 0 ? ctx.bars.closeTime(-1) : Number.NEGATIVE_INFINITY;
        log.push({ symbol, now: ctx.clock.now(), newest, isNewBar: ctx.isNewBar });
        await onTick?.(ctx);
      },
    }),
  };
}

/** A simple deterministic trading rule: buy after two rising closes while flat, sell after two falling while long. */
export function momentumSpec(exits?: ExitRules, hook?: () => Promise<void>): StrategySpec {
  return {
    id: 'momentum',
    lookback: 3,
    ...(exits === undefined ? {} : { exits }),
    create: () => ({
      async onTick(ctx) {
        await hook?.();
        if (!ctx.isNewBar || ctx.bars.length < 3) return;
        const [a, b, c] = [ctx.bars.close(-3), ctx.bars.close(-2), ctx.bars.close(-1)];
        if (ctx.position.side === 'flat' && a < b && b < c) await ctx.orders.buy(1);
        else if (ctx.position.side === 'long' && a > b && b > c) await ctx.orders.close();
        await hook?.();
      },
    }),
  };
}

/** Symbol configs for `bars`, each with `specs`. */
export function symbolsOf(bars: Record<string, Bar[]>, specs: (symbol: string) => StrategySpec[]): SymbolConfig[] {
  return Object.keys(bars).map((symbol) => ({ symbol, timeframe: '1m', strategies: specs(symbol) }));
}
