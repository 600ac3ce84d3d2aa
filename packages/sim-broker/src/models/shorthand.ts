import type { FeeSchedule } from './fees.js';
import { makerTakerFees } from './fees.js';
import { fixedLatency } from './latency.js';
import { fixedBpsSlippage } from './slippage.js';
import type { FeeModel, LatencyModel, SlippageModel, VolumeCapModel } from './types.js';
import { volumeShareCap } from './volume.js';

/** The execution models as a broker's options give them: a model, or its shorthand. */
export interface ModelShorthands {
  /** A fee model, or maker/taker rates and a per-order fee. Default: no fees. */
  readonly fees?: FeeModel | FeeSchedule;
  /** A slippage model, or a fixed number of basis points. Default: none. */
  readonly slippage?: SlippageModel | number;
  /** A volume cap model, or the share of each bar's volume orders may take (0 < share <= 1). Default: none. */
  readonly volumeCap?: VolumeCapModel | number;
  /** A latency model, or the number of the symbol's bars an order waits before it can match. Default 0. */
  readonly latencySteps?: LatencyModel | number;
}

/** The models a {@link ModelShorthands} stands for, ready for the matching engine. */
export interface ResolvedModels {
  readonly fees: FeeModel | undefined;
  readonly slippage: SlippageModel | undefined;
  readonly volumeCap: VolumeCapModel | undefined;
  readonly latency: LatencyModel | undefined;
}

/** Turns the shorthands of broker options into models: one place for SimulatedBroker and PaperBroker. */
export function resolveModels(options: ModelShorthands): ResolvedModels {
  const { fees, slippage, volumeCap, latencySteps } = options;
  return {
    fees:
      fees === undefined || typeof (fees as Partial<FeeModel>).fee === 'function'
        ? (fees as FeeModel | undefined)
        : makerTakerFees(fees as FeeSchedule),
    slippage: typeof slippage === 'number' ? fixedBpsSlippage(slippage) : slippage,
    volumeCap: typeof volumeCap === 'number' ? volumeShareCap(volumeCap) : volumeCap,
    latency: typeof latencySteps === 'number' ? fixedLatency(latencySteps) : latencySteps,
  };
}
