export type { ClientOrderIdParts } from './client-order-id.js';
export {
  CLIENT_ORDER_ID_PATTERN,
  formatClientOrderId,
  MAX_CLIENT_ORDER_ID_LENGTH,
  parseClientOrderId,
  symbolTag,
} from './client-order-id.js';
export type { JournalErrorKind, JournalErrorOptions } from './errors.js';
export { isJournalError, JournalError } from './errors.js';
export type { EventQuery } from './events.js';
export { requestOf } from './intents.js';
export { SqliteJournal } from './journal.js';
export type { IntentStatus } from './lifecycle.js';
export { canTransition, FINAL_STATUSES, INTENT_STATUSES, isFinalStatus, transition } from './lifecycle.js';
export type { JournalLocation, JournalOptions } from './open.js';
export { JournalOrderStore, journalOrderStore } from './order-store.js';
export { SCHEMA_VERSION } from './schema.js';
export type {
  EventRow,
  ExitInFlight,
  FillRow,
  IntentInput,
  IntentRow,
  IntentUpdate,
  LockOwner,
  NetPosition,
  OpenReport,
  RecordFillResult,
  RunMode,
  RunRow,
  RunStatus,
  TradeInput,
  TradeRow,
} from './types.js';
export type { JournalView, SeqQuery } from './view.js';
