export type { MemoryReplayBrokerOptions, MemoryReplayResults } from './memory-replay-broker.js';
export { MemoryReplayBroker, makeBars } from './memory-replay-broker.js';
export type { ReferenceColumn, ReferenceParams, ReferenceResult, ReferenceSeries, ReferenceTrade } from './reference/index.js';
export {
  compareSymbols,
  formatTradesCsv,
  fsum,
  REFERENCE_INITIAL_CASH,
  referenceSmaCross,
  sortTrades,
  TRADES_CSV_HEADER,
} from './reference/index.js';
