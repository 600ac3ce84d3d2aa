import type { Balance, Fill, Order, Position } from '@bt/core';
import type { FillTiming, IntrabarPriority } from '../models/types.js';

/**
 * One round trip, as a row of `trades.csv` (docs/semantics.md §7). Every fill that opens or grows a
 * position starts a lot; a fill that reduces it closes the oldest lots first (FIFO), and each
 * (lot, closing fill) pair is one row. A lot still open at the end is a row without exit.
 */
export interface TradeRow {
  readonly symbol: string;
  /** Open time of the entry fill's bar (the CSV timestamp). */
  readonly entryTime: number;
  readonly entryPrice: number;
  /** Open time of the exit fill's bar; undefined while the lot is open. */
  readonly exitTime?: number;
  readonly exitPrice?: number;
  /** Signed size: positive for a long, negative for a short. */
  readonly size: number;
  /** `(exitPrice - entryPrice) x size`, before fees; undefined while open. */
  readonly pnl?: number;
}

/** The equity curve: one sample per step, after that step's matching, at the step's time. */
export interface EquityCurve {
  /** Step times (epoch ms). */
  readonly times: Float64Array;
  /** Equity (account currency) at each time. */
  readonly values: Float64Array;
  /** 1 where at least one position was open after the step, else 0. */
  readonly exposed: Uint8Array;
}

/** An order the broker refused at submission (no id was given). */
export interface SubmitRejection {
  /** Simulated time of the submission. */
  readonly time: number;
  readonly symbol: string;
  readonly clientOrderId?: string;
  readonly reason: string;
}

/**
 * Performance figures (formulas in the README, "Metrics"). Figures that are undefined for the run
 * (no closed trade, no loss, a flat curve) are null.
 */
export interface Metrics {
  /** `finalEquity / initialEquity - 1`. */
  readonly totalReturn: number;
  /** `(finalEquity / initialEquity) ^ (1 / years) - 1`. */
  readonly cagr: number | null;
  /** Largest fall from a running peak, as a fraction of the peak. */
  readonly maxDrawdown: number;
  /** Longest time (ms) from a peak until equity is back at it (or until the end). */
  readonly maxDrawdownDurationMs: number;
  /** Annualised mean / standard deviation of step returns. */
  readonly sharpe: number | null;
  /** Annualised mean / downside deviation of step returns. */
  readonly sortino: number | null;
  /** Winning closed trades / closed trades. */
  readonly winRate: number | null;
  /** Gross profit / gross loss of closed trades. */
  readonly profitFactor: number | null;
  /** Mean pnl per closed trade. */
  readonly expectancy: number | null;
  /** Share of steps with a position open. */
  readonly exposure: number | null;
  /** Closed trades. */
  readonly tradeCount: number;
  /** Trades still open. */
  readonly openTradeCount: number;
  /** Sum of every fill's fee. */
  readonly feesPaid: number;
  /** Steps per year used to annualise (a year of 365.25 days / the bar length). */
  readonly periodsPerYear: number;
}

/** What a simulated run produced, as {@link SimulatedBroker.getResults} reports it at any moment. */
export interface SimulationResults {
  readonly currency: string;
  /** Fill timing in force; `cheat-on-close` results are optimistic. */
  readonly fillTiming: FillTiming;
  readonly intrabarPriority: IntrabarPriority;
  /** Open time of the earliest bar. */
  readonly startTime: number;
  /** Simulated time when the results were taken. */
  readonly endTime: number;
  /** Steps taken and steps in the timeline; `complete` when every step was taken. */
  readonly steps: number;
  readonly totalSteps: number;
  readonly complete: boolean;
  readonly initialEquity: number;
  /** Cash plus each open position at its symbol's own latest close (docs/semantics.md §6). */
  readonly finalEquity: number;
  readonly balances: readonly Balance[];
  /** Open positions. */
  readonly positions: readonly Position[];
  /**
   * Every accepted order, by symbol then sequence, as they stood when the results were taken.
   * Built on first read (then kept): results read only for their metrics never make them.
   */
  readonly orders: readonly Order[];
  /** Every fill, in execution order; like `orders`, built on first read. */
  readonly fills: readonly Fill[];
  /** Round trips, sorted by symbol then entry time. */
  readonly trades: readonly TradeRow[];
  readonly equity: EquityCurve;
  /** Orders still open (or partially filled) when the results were taken. */
  readonly ordersUnfilledAtEnd: number;
  /** Submissions refused by the stateless checks, by time then symbol. */
  readonly rejectedSubmissions: readonly SubmitRejection[];
  readonly metrics: Metrics;
}
