import type { Logger } from '@bt/core';
import type { BarColumns, FeeSchedule, MarketSpec } from '@bt/sim-broker';
import type { MatchingSettings } from './matching.js';
import type { EmulatedMarket } from './markets.js';
import type { ClientOrderIdRule } from './records.js';

/** What an {@link Exchange} is made of. */
export interface ExchangeOptions {
  readonly columns: readonly BarColumns[];
  readonly markets?: readonly MarketSpec[];
  /** Starting balances per asset; a pure base asset (not any market's quote) is held as a position. */
  readonly balances: Readonly<Record<string, number>>;
  readonly fees: FeeSchedule;
  readonly matching?: MatchingSettings;
  /** Simulated time at start: bars that closed by then are history. */
  readonly startTime: number;
  /** When a client order id is refused as a duplicate. Default `open-only`, Binance's rule. */
  readonly clientOrderIds?: ClientOrderIdRule;
  /**
   * Most base amount that the orders of a market (unified symbol) may fill in one bar, on top of
   * `matching.volumeCap` (Infinity: no limit). Asked once per market and bar, when an order executes.
   */
  readonly barCapacity?: (symbol: string) => number;
  readonly logger?: Logger;
}

/** What {@link Exchange.restart} did. */
export interface ExchangeRestart {
  /** The id the next order gets (1 after an id reset). */
  readonly nextOrderId: number;
  /** The id the next trade gets (1 after an id reset). */
  readonly nextTradeId: number;
}

/** Bars that closed in one {@link Exchange.sync}, in the order they were fed to the engine. */
export interface BarTick {
  readonly market: EmulatedMarket;
  /** Index of the bar in the market's columns. */
  readonly index: number;
}

/** Called after a sync that closed bars. */
export type BarListener = (ticks: readonly BarTick[], now: number) => void;
