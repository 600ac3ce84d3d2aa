import type { IntrabarPriority, LatencyModel, SlippageModel, VolumeCapModel } from '@bt/sim-broker';

/** Matching-engine settings passed through to `@bt/sim-broker`, so results compare with a backtest's. */
export interface MatchingSettings {
  readonly slippage?: SlippageModel;
  readonly volumeCap?: VolumeCapModel;
  readonly latency?: LatencyModel;
  readonly intrabarPriority?: IntrabarPriority;
}

/** `volumeCap` further limited by `barCapacity` (per market, per bar), or `volumeCap` as it is. */
export function withBarCapacity(
  volumeCap: VolumeCapModel | undefined,
  barCapacity: ((symbol: string) => number) | undefined,
): VolumeCapModel | undefined {
  if (barCapacity === undefined) return volumeCap;
  return {
    capacity: (bar, market) => Math.min(volumeCap?.capacity(bar, market) ?? Number.POSITIVE_INFINITY, barCapacity(market.symbol)),
  };
}
