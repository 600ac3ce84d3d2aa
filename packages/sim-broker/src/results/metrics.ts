import type { EquityCurve, Metrics, TradeRow } from './types.js';

/** Milliseconds in a year of 365.25 days. */
export const YEAR_MS = 365.25 * 86_400_000;

/** Inputs of {@link computeMetrics}. */
export interface MetricsInput {
  readonly initialEquity: number;
  readonly finalEquity: number;
  /** When the run started (the open of the earliest bar): the time of `initialEquity`. */
  readonly startTime: number;
  readonly equity: EquityCurve;
  readonly trades: readonly TradeRow[];
  readonly feesPaid: number;
  /** Bar length used to annualise (the shortest timeframe of the data), ms. */
  readonly barMs: number;
}

/**
 * Every figure of {@link Metrics}. With `v0` = initial equity at `startTime` and `v1..vn` the
 * equity samples, step returns are `r_k = v_k / v_(k-1) - 1` (k = 1..n); see the README for each
 * formula.
 */
export function computeMetrics(input: MetricsInput): Metrics {
  const { initialEquity, finalEquity, startTime, equity, trades, feesPaid, barMs } = input;
  const n = equity.values.length;
  const periodsPerYear = YEAR_MS / barMs;
  const endTime = n > 0 ? (equity.times[n - 1] as number) : startTime;
  const years = (endTime - startTime) / YEAR_MS;
  const growth = finalEquity / initialEquity;
  const cagr = years > 0 && growth > 0 ? growth ** (1 / years) - 1 : null;

  let peak = initialEquity;
  let peakTime = startTime;
  let maxDrawdown = 0;
  let maxDrawdownDurationMs = 0;
  let inDrawdown = false;
  let sum = 0;
  let downsideSquares = 0;
  let previous = initialEquity;
  let exposed = 0;
  for (let k = 0; k < n; k++) {
    const value = equity.values[k] as number;
    const time = equity.times[k] as number;
    const r = value / previous - 1;
    sum += r;
    if (r < 0) downsideSquares += r * r;
    previous = value;
    if (value >= peak) {
      if (inDrawdown) maxDrawdownDurationMs = Math.max(maxDrawdownDurationMs, time - peakTime);
      inDrawdown = false;
      peak = value;
      peakTime = time;
    } else {
      inDrawdown = true;
      maxDrawdown = Math.max(maxDrawdown, (peak - value) / peak);
    }
    exposed += equity.exposed[k] as number;
  }
  if (inDrawdown) maxDrawdownDurationMs = Math.max(maxDrawdownDurationMs, endTime - peakTime);

  const mean = n > 0 ? sum / n : 0;
  let squares = 0;
  previous = initialEquity;
  for (let k = 0; k < n; k++) {
    const value = equity.values[k] as number;
    const d = value / previous - 1 - mean;
    squares += d * d;
    previous = value;
  }
  const std = n > 1 ? Math.sqrt(squares / (n - 1)) : 0;
  const downside = n > 0 ? Math.sqrt(downsideSquares / n) : 0;
  const annual = Math.sqrt(periodsPerYear);

  let wins = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let closed = 0;
  let pnlSum = 0;
  for (const trade of trades) {
    if (trade.pnl === undefined) continue;
    closed++;
    pnlSum += trade.pnl;
    if (trade.pnl > 0) {
      wins++;
      grossProfit += trade.pnl;
    } else if (trade.pnl < 0) {
      grossLoss -= trade.pnl;
    }
  }

  return {
    totalReturn: growth - 1,
    cagr,
    maxDrawdown,
    maxDrawdownDurationMs,
    sharpe: std > 0 ? (mean / std) * annual : null,
    sortino: downside > 0 ? (mean / downside) * annual : null,
    winRate: closed > 0 ? wins / closed : null,
    profitFactor: grossLoss > 0 ? grossProfit / grossLoss : null,
    expectancy: closed > 0 ? pnlSum / closed : null,
    exposure: n > 0 ? exposed / n : null,
    tradeCount: closed,
    openTradeCount: trades.length - closed,
    feesPaid,
    periodsPerYear,
  };
}
