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
export { fillOf } from './fill-of.js';
export { requestOf } from './intents.js';
export { SqliteJournal } from './journal.js';
export type { IntentStatus } from './lifecycle.js';
export { canTransition, FINAL_STATUSES, INTENT_STATUSES, isFinalStatus, transition } from './lifecycle.js';
export type { JournalLocation, JournalOptions } from './open.js';
export { journalPositions } from './journal-positions.js';
export { JournalOrderStore, journalOrderStore } from './order-store.js';
export type { OwnPosition } from './own-position.js';
export { ownPositions } from './own-position.js';
export type { PositionCheck, RecoveryOptions, RecoveryReport, SettledIntent } from './recovery.js';
export { FILL_LOOKBACK_MS, recoverFromVenue } from './recovery.js';
export { SCHEMA_VERSION } from './schema.js';
export type { RetryPolicy } from './venue-retry.js';
export { isTransient, withVenueRetry } from './venue-retry.js';
export type {
  EventRow,
  ExitInFlight,
  FillOrigin,
  FillRow,
  IntentInput,
  IntentRow,
  IntentUpdate,
  LockOwner,
  NetPosition,
  OpenReport,
  RecordFillOptions,
  RecordFillResult,
  RunMode,
  RunRow,
  RunStatus,
  TradeInput,
  TradeRow,
} from './types.js';
export type { JournalView, SeqQuery } from './view.js';
