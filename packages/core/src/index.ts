export type { BacktestControllerOptions } from './backtest-controller.js';
export { BacktestController } from './backtest-controller.js';
export type { BarrierHooks, BarrierSeat } from './barrier.js';
export { Barrier } from './barrier.js';
export type {
  Broker,
  BrokerCapabilities,
  BrokerEvent,
  BrokerFactory,
  BrokerListener,
  OrderRef,
  ReplayBroker,
  ReplayFeed,
  Unsubscribe,
} from './broker.js';
export { isReplayBroker } from './broker.js';
export { BrokerEventHub } from './broker-events.js';
export type { Clock } from './clock.js';
export type { RunnableStepCoordinator, StepCoordinator, StepSeat } from './coordinator.js';
export { POSITION_MONITOR } from './coordinator.js';
export type { BtErrorCode, BtErrorOptions } from './errors.js';
export { BtError, isBtError, notSupported, toBtError } from './errors.js';
export { LiveClock } from './live-clock.js';
export type { LogFields, Logger, LogRecord } from './logger.js';
export { createMemoryLogger, silentLogger } from './logger.js';
export { ManualClock } from './manual-clock.js';
export type { Bar, BarSeries, Market } from './market.js';
export { ArrayBarSeries } from './market.js';
export type { MemoryOrderStoreOptions } from './memory-order-store.js';
export { MemoryOrderStore } from './memory-order-store.js';
export type { FillOutcome, OrderInFlight, OrderIntent, OrderJournalEntry, OrderSource, OrderStore, SubmitOutcome } from './order-store.js';
export { submitOutcome } from './order-store.js';
export type {
  Balance,
  Fill,
  Order,
  OrderAck,
  OrderRequest,
  OrderSide,
  OrderStatus,
  OrderType,
  Position,
  TimeInForce,
} from './orders.js';
export { flatPosition, isTerminal, signedSize } from './orders.js';
export type { PendingOrder, PendingStatus } from './pending-orders.js';
export { ReplayClock } from './replay-clock.js';
export type {
  ExitRules,
  OrderApi,
  OrderOptions,
  Strategy,
  StrategyContext,
  StrategyOrder,
  StrategyParams,
  StrategySpec,
  SymbolConfig,
} from './strategy.js';
export { formatIsoTime } from './time-format.js';
export type { Timeframe } from './timeframe.js';
export { isTimeframe, timeframeToMs } from './timeframe.js';
export type { ManagedTrade, TradeManagerOptions } from './trade-manager.js';
export { evaluateExit } from './trade-manager.js';
export type { ExitInFlight, ExitReason, StoredTrade, TradeStateStore } from './trade-store.js';
export type { ControllerState, LivePacing, ReplayPacing, TradingControllerOptions } from './trading-controller.js';
export { TradingController } from './trading-controller.js';
