import type { Clock, Logger } from '@bt/core';
import { BtError, isBtError } from '@bt/core';
import type { OrderIntent } from './mapping.js';
import type { CcxtOrder } from './ccxt-types.js';
import { isOrderRejection, mayHaveExecuted } from './errors.js';
import type { RandomSource, RetryOptions } from './retry.js';
import { backoffDelay, RETRY_AFTER_LIMIT_MS } from './retry.js';

/** Look-ups by client order id that must all find nothing before an order of unknown outcome is declared absent. */
export const ABSENCE_LOOKUPS = 3;

/**
 * How far the venue's clock may run behind ours when it checks a request's timestamp (Binance
 * accepts timestamps up to 1000 ms ahead of its own time), added to the receive window.
 */
export const CLOCK_MARGIN_MS = 1_000;

/** Most look-ups spent proving one submission absent before its outcome is left unknown. */
const MAX_PROOF_LOOKUPS = 20;

/**
 * True when the venue has proven that a request sent at `sentAt` never executed: `misses`
 * look-ups by client order id found nothing, and the last one started after the request's
 * receive window (plus {@link CLOCK_MARGIN_MS}) had closed, so the venue would now refuse the
 * request even if it were still on its way. Binance keeps client order ids unique among open
 * orders only, so a look-up inside the window proves nothing: the order may still arrive, fill
 * and close, and a resend would fill a second time.
 */
export function absenceProven(misses: number, sentAt: number, lookupStartedAt: number, receiveWindowMs: number): boolean {
  return misses >= ABSENCE_LOOKUPS && lookupStartedAt > sentAt + receiveWindowMs + CLOCK_MARGIN_MS;
}

/** What {@link submitOrderSafely} needs. */
export interface SubmissionDeps {
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly retry: RetryOptions;
  /** The receive window the venue applies to the request (ms). */
  readonly receiveWindowMs: number;
  /** Aborts when the broker closes. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Fields that name the order in log lines (symbol, clientOrderId). */
  readonly fields: Readonly<Record<string, unknown>>;
  /** Sends the order once; throws a classified {@link BtError}. */
  create(attempt: number): Promise<CcxtOrder>;
  /**
   * The venue's order with this client order id (looked up by id and among open orders), or
   * undefined when the venue says it has none; throws a classified error when it cannot tell.
   */
  lookup(): Promise<CcxtOrder | undefined>;
  /** The venue's Retry-After (ms) after a rate-limit error. */
  retryAfterMs(): number | undefined;
}

/** How a submission ended. */
export type SubmissionResult =
  /** The venue has the order: created now, or found by client order id after a failure. */
  | { readonly kind: 'placed'; readonly order: CcxtOrder; readonly how: string }
  /** The venue said no (invalid order, insufficient funds). */
  | { readonly kind: 'rejected'; readonly error: BtError }
  /** It may have executed and the venue has not proven otherwise: never resend it. */
  | { readonly kind: 'unknown'; readonly error: BtError; readonly sentAt: number }
  /** It failed without reaching the venue. */
  | { readonly kind: 'failed'; readonly error: BtError };

/**
 * Sends an order with its client order id, retrying retryable failures, and never sending it
 * twice unless the venue has proven the earlier send absent:
 * - a failure the venue refused before executing (rate limit) is followed by one look-up, then a resend;
 * - a failure that may have executed (timeout, 5xx, lost connection) is followed by repeated
 *   look-ups with backoff on the clock, until one finds the order, or they span the receive
 *   window ({@link absenceProven}) and the order is resent; a look-up that fails, running out of
 *   tries, or a closing broker leaves the outcome `unknown`.
 */
export async function submitOrderSafely(deps: SubmissionDeps): Promise<SubmissionResult> {
  const { clock, log, fields } = deps;
  for (let attempt = 1; ; attempt++) {
    const sentAt = clock.now();
    let failure: BtError;
    try {
      const order = await deps.create(attempt);
      const how = attempt === 1 ? 'order sent' : 'order resent after the venue proved it did not have it';
      return { kind: 'placed', order, how };
    } catch (error) {
      if (!isBtError(error)) throw error;
      failure = error;
    }
    if (isOrderRejection(failure)) {
      if (attempt > 1 && /duplicate/i.test(failure.message)) {
        // A resend refused as a duplicate: an earlier send did arrive after all.
        const found = await lookupOrUndefined(deps);
        if (found !== undefined) return { kind: 'placed', order: found, how: 'order found after a duplicate refusal' };
      }
      return { kind: 'rejected', error: failure };
    }
    const executed = mayHaveExecuted(failure);
    if (!failure.retryable) return executed ? { kind: 'unknown', error: failure, sentAt } : { kind: 'failed', error: failure };
    log.warn('order submission failed; looking it up by client order id before any resend', {
      ...fields,
      attempt,
      code: failure.code,
      error: failure.message,
    });
    const retryAfter = failure.code === 'RATE_LIMIT' ? deps.retryAfterMs() : undefined;
    if (attempt >= deps.retry.attempts || deps.signal.aborted || (retryAfter ?? 0) > RETRY_AFTER_LIMIT_MS) {
      return { kind: 'unknown', error: failure, sentAt };
    }
    const outcome = executed ? await proveAbsent(deps, sentAt) : await lookupOnce(deps, retryAfter, attempt);
    if (outcome.kind === 'found') {
      return { kind: 'placed', order: outcome.order, how: 'order found by client order id after a failed submission; not resent' };
    }
    if (outcome.kind === 'unknown') return { kind: 'unknown', error: outcome.error ?? failure, sentAt };
    log.info('the venue does not have the order; resending it with the same client order id', { ...fields, attempt });
  }
}

type LookupOutcome =
  | { readonly kind: 'found'; readonly order: CcxtOrder }
  | { readonly kind: 'absent' }
  | { readonly kind: 'unknown'; readonly error?: BtError };

/** After a failure the venue refused before executing it: one look-up after the backoff. */
async function lookupOnce(deps: SubmissionDeps, retryAfter: number | undefined, attempt: number): Promise<LookupOutcome> {
  await deps.clock.sleep(backoffDelay(deps.retry, attempt, deps.random, retryAfter), deps.signal);
  if (deps.signal.aborted) return { kind: 'unknown' };
  try {
    const found = await deps.lookup();
    return found === undefined ? { kind: 'absent' } : { kind: 'found', order: found };
  } catch (error) {
    return { kind: 'unknown', ...(isBtError(error) ? { error } : {}) };
  }
}

/** Looks the order up with backoff until it is found, or its absence is proven past the receive window. */
async function proveAbsent(deps: SubmissionDeps, sentAt: number): Promise<LookupOutcome> {
  const { clock } = deps;
  const deadline = sentAt + deps.receiveWindowMs + CLOCK_MARGIN_MS;
  let misses = 0;
  for (let lookup = 1; lookup <= MAX_PROOF_LOOKUPS; lookup++) {
    let delay = backoffDelay(deps.retry, lookup, deps.random);
    // The look-up that may prove absence waits until the window has closed.
    if (misses >= ABSENCE_LOOKUPS - 1) delay = Math.max(delay, deadline + 1 - clock.now());
    await clock.sleep(delay, deps.signal);
    if (deps.signal.aborted) return { kind: 'unknown' };
    const startedAt = clock.now();
    let found: CcxtOrder | undefined;
    try {
      found = await deps.lookup();
    } catch (error) {
      // Cannot tell whether the venue has it: resending could duplicate it, so do not.
      return { kind: 'unknown', ...(isBtError(error) ? { error } : {}) };
    }
    if (found !== undefined) return { kind: 'found', order: found };
    misses++;
    deps.log.debug('order of unknown outcome not found at the venue yet', { ...deps.fields, lookup, windowClosesAt: deadline });
    if (absenceProven(misses, sentAt, startedAt, deps.receiveWindowMs)) return { kind: 'absent' };
  }
  return { kind: 'unknown' };
}

async function lookupOrUndefined(deps: SubmissionDeps): Promise<CcxtOrder | undefined> {
  try {
    return await deps.lookup();
  } catch {
    return undefined;
  }
}

/**
 * The error a submission of unknown outcome throws: not retryable (resending could fill twice),
 * `details.outcomeUnknown: true`; the broker keeps looking the order up until it is found or the
 * venue proves it absent.
 */
export function outcomeUnknownError(adapter: string, intent: OrderIntent, failure: BtError): BtError {
  const { clientOrderId, symbol } = intent;
  return new BtError(
    failure.code === 'RATE_LIMIT' ? 'RATE_LIMIT' : 'NETWORK',
    `${adapter} submitOrder ${clientOrderId}: outcome unknown (${failure.message}); ` +
      'it is not resent, and it is looked up until it is found or the venue proves it absent',
    { retryable: false, cause: failure, details: { symbol, clientOrderId, outcomeUnknown: true } },
  );
}
