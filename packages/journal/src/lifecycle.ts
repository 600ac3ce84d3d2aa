import { JournalError } from './errors.js';

/**
 * Where an order intent is in its life, as one closed union:
 *
 * - `intent`: recorded (write-ahead) before the submission; after a crash it may have reached
 *   the venue all the same (the process may have died between sending and the next update);
 * - `sent`: being submitted (recorded before the send, so an `intent` found after a crash with
 *   `markSent` in use never left the process);
 * - `unknown`: the submission's outcome is unknown (timeout, crash, network error);
 * - `open`: acknowledged by the venue, resting; `partially-filled`: some of it filled;
 * - final: `filled`, `canceled`, `rejected`, `expired`, and `absent` (proven never to have
 *   reached the venue, e.g. by recovery asking for the client order id).
 */
export type IntentStatus =
  | 'intent'
  | 'sent'
  | 'unknown'
  | 'open'
  | 'partially-filled'
  | 'filled'
  | 'canceled'
  | 'rejected'
  | 'expired'
  | 'absent';

/** Every status, in lifecycle order. */
export const INTENT_STATUSES: readonly IntentStatus[] = [
  'intent',
  'sent',
  'unknown',
  'open',
  'partially-filled',
  'filled',
  'canceled',
  'rejected',
  'expired',
  'absent',
];

/** The statuses an intent never leaves. */
export const FINAL_STATUSES: readonly IntentStatus[] = ['filled', 'canceled', 'rejected', 'expired', 'absent'];

const VENUE_OUTCOMES = ['open', 'partially-filled', 'filled', 'canceled', 'rejected', 'expired'] as const;

/**
 * The legal next statuses of each status. A venue may report a later state before an earlier one
 * (a fill before the ack), so steps may be skipped, never walked back. Same-status updates are
 * legal where they carry news (more fills, another retry) and for finals (an idempotent replay).
 */
const NEXT: Readonly<Record<IntentStatus, readonly IntentStatus[]>> = {
  // A crash between recording and marking sent leaves `intent` for an order the venue may hold.
  intent: ['sent', 'unknown', ...VENUE_OUTCOMES, 'absent'],
  sent: ['unknown', ...VENUE_OUTCOMES, 'absent'],
  // `unknown` → `sent`: resubmitted with the same client order id.
  unknown: ['unknown', 'sent', ...VENUE_OUTCOMES, 'absent'],
  // A venue may still reject an order it acknowledged (e.g. a post-only order that would take).
  open: ['open', 'partially-filled', 'filled', 'canceled', 'rejected', 'expired'],
  'partially-filled': ['partially-filled', 'filled', 'canceled', 'expired'],
  filled: ['filled'],
  canceled: ['canceled'],
  rejected: ['rejected'],
  expired: ['expired'],
  absent: ['absent'],
};

/** True for a status an intent never leaves. */
export function isFinalStatus(status: IntentStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** True when `value` is one of the {@link IntentStatus} values. */
export function isIntentStatus(value: unknown): value is IntentStatus {
  return typeof value === 'string' && (INTENT_STATUSES as readonly string[]).includes(value);
}

/** True when an intent in status `from` may move to `to`. */
export function canTransition(from: IntentStatus, to: IntentStatus): boolean {
  return NEXT[from].includes(to);
}

/**
 * The one transition function of the lifecycle: returns `to` when an intent in `from` may move
 * there, and throws a {@link JournalError} of kind `ILLEGAL_TRANSITION` otherwise. Every update
 * method of the journal goes through it.
 *
 * @example
 * ```ts
 * transition('sent', 'open'); // 'open'
 * transition('filled', 'open'); // throws JournalError ILLEGAL_TRANSITION
 * ```
 */
export function transition(from: IntentStatus, to: IntentStatus, clientOrderId?: string): IntentStatus {
  if (!isIntentStatus(to)) {
    throw new JournalError('INVALID_INPUT', `not an intent status: ${String(to)}`, { details: { clientOrderId, to } });
  }
  if (!canTransition(from, to)) {
    const order = clientOrderId === undefined ? 'an intent' : `intent ${clientOrderId}`;
    throw new JournalError('ILLEGAL_TRANSITION', `${order} cannot go from ${from} to ${to} (legal: ${NEXT[from].join(', ')})`, {
      details: { clientOrderId, from, to },
    });
  }
  return to;
}
