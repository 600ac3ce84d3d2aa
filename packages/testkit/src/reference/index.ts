export { fsum } from './fsum.js';
export type { ReferenceColumn, ReferenceParams, ReferenceResult, ReferenceSeries } from './sma-cross.js';
export { REFERENCE_INITIAL_CASH, referenceSmaCross } from './sma-cross.js';
export { compareSymbols } from './symbol-order.js';
export type { ReferenceTrade } from './trades.js';
export { formatTradesCsv, sortTrades, TRADES_CSV_HEADER } from './trades.js';
