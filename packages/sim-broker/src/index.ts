export type { AccountOptions } from './account/account.js';
export { Account, DEFAULT_STARTING_CASH } from './account/account.js';
export type { SimulatedBrokerOptions } from './broker/simulated-broker.js';
export { createSimulatedBroker, SimulatedBroker } from './broker/simulated-broker.js';
export type { DataRule } from './data/builder.js';
export type { BarColumns, OhlcvRow } from './data/columns.js';
export { barsFromAsyncIterable, barsFromRows } from './data/columns.js';
export type { LoadOhlcvCsvOptions, ParseOhlcvCsvOptions } from './data/csv.js';
export { loadOhlcvCsv, parseOhlcvCsv } from './data/csv.js';
export { ColumnarBarSeries } from './data/series.js';
export { buildTimeline } from './data/timeline.js';
export { BarMatchingEngine } from './engine/bar-matching-engine.js';
export type { BarExecution, ExecutionMoment, StopLimitOutcome } from './engine/fill-rules.js';
export { limitExecution, stopExecution, stopLimitExecution } from './engine/fill-rules.js';
export type { EngineListener, EngineRecord, MatchingEngine, MatchingEngineOptions } from './engine/matching-engine.js';
export type { MarketSpec } from './markets.js';
export { checkOrderRequest, deriveMarket, MarketTable } from './markets.js';
export type { FeeSchedule } from './models/fees.js';
export { makerTakerFees, noFees } from './models/fees.js';
export { fixedLatency } from './models/latency.js';
export { barSlippage, fixedBpsSlippage, noSlippage } from './models/slippage.js';
export type {
  BarQuote,
  ExecutionContext,
  FeeModel,
  FillTiming,
  IntrabarPriority,
  LatencyModel,
  SlippageModel,
  VolumeCapModel,
} from './models/types.js';
export { noVolumeCap, volumeShareCap } from './models/volume.js';
export { equityCsv, fillsCsv, ordersCsv, TRADES_HEADER, tradesCsv } from './results/csv.js';
export type { MetricsInput } from './results/metrics.js';
export { computeMetrics, YEAR_MS } from './results/metrics.js';
export type { StableJsonOptions } from './results/stable-json.js';
export { toStableJson } from './results/stable-json.js';
export type { ExecutionSource } from './results/trades.js';
export { buildTrades, tradesOf } from './results/trades.js';
export type { EquityCurve, Metrics, SimulationResults, SubmitRejection, TradeRow } from './results/types.js';
export { RESULT_FILES, summarizeResults, writeResults } from './results/write-results.js';
export type { PaperBrokerOptions } from './paper/paper-broker.js';
export { createPaperBroker, PaperBroker } from './paper/paper-broker.js';
