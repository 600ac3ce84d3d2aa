import type { Logger } from './logger.js';
import type { OrderGateway } from './order-gateway.js';
import { submitOutcome } from './order-store.js';
import type { Order, OrderAck, OrderRequest } from './orders.js';
import { NO_EXIT, storedTrade, type ExitStep, type TradeState } from './trade-state.js';
import type { ExitInFlight, ExitReason, TradeStateStore } from './trade-store.js';

/** What an {@link ExitRunner} works with: its trade manager's gateway, log and store. */
export interface ExitRunnerDeps {
  readonly gateway: OrderGateway;
  readonly log: Logger;
  readonly store: TradeStateStore | undefined;
  /** Bounded exponential backoff of failed steps: first delay, doubled per failure up to the cap (ms). */
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  /** Whether the trade is still watched (it may close while an exit awaits the venue). */
  readonly isCurrent: (trade: TradeState) => boolean;
  /** Time of the trade manager's latest pass. */
  readonly now: () => number;
  /** Runs a store write, logging a failure. */
  readonly persist: (what: string, write: () => void) => void;
}

/**
 * Carries a trade's exit from the moment its rules call for it until it is placed (then the
 * trade ends with its fills) or the trade is gone: it submits the exit, stores its typed state,
 * looks up an exit of unknown outcome before any resend, and sends again what the venue rejected
 * or ended. Internal to the trade manager.
 */
export class ExitRunner {
  readonly #deps: ExitRunnerDeps;

  constructor(deps: ExitRunnerDeps) {
    this.#deps = deps;
  }

  /** Starts a new exit for `reason`, called for at `price`. */
  start(trade: TradeState, reason: ExitReason, now: number, price: number): Promise<void> {
    trade.attempts = 0;
    trade.failures = 0;
    return this.#send(trade, reason, now, price);
  }

  /** The next step of an exit in flight when it is due (a look-up of an unknown outcome, or a new submission); undefined otherwise. */
  resume(trade: TradeState, now: number): Promise<void> | undefined {
    if (trade.step === 'idle' || trade.step === 'sending' || now < trade.retryAt) return undefined;
    if (trade.step === 'unknown') return this.#settle(trade, now);
    return this.#send(trade, trade.reason as ExitReason, now, undefined);
  }

  /** The venue ended the trade's exit `order` unfilled (canceled, rejected): send it again at the next pass. */
  ended(trade: TradeState, order: Order): void {
    if (trade.step === 'sending') {
      trade.endedEarly = true;
      return;
    }
    this.#deps.log.error('trade manager exit ended unfilled at the venue; sending it again at the next pass', {
      symbol: trade.symbol,
      strategyId: trade.strategyId,
      clientOrderId: order.clientOrderId,
      status: order.status,
      venueReason: order.reason,
    });
    this.#retryNextPass(trade);
  }

  /** Submits the exit (attempt `attempts + 1`); its `submitting` state is stored with its intent, before it is sent. */
  async #send(trade: TradeState, reason: ExitReason, now: number, price: number | undefined): Promise<void> {
    const { gateway, log, store, isCurrent } = this.#deps;
    const attempts = trade.attempts + 1;
    const { symbol, strategyId } = trade;
    trade.step = 'sending';
    trade.reason = reason;
    trade.attempts = attempts;
    trade.endedEarly = false;
    let clientOrderId: string | undefined;
    const recorded = (request: OrderRequest): void => {
      const id = request.clientOrderId as string;
      const exit: ExitInFlight = { kind: 'submitting', clientOrderId: id, reason, attempts, nextAttemptAt: now + this.#delay(attempts) };
      store?.saveTrade(storedTrade(trade, exit));
      trade.exit = exit;
      clientOrderId = id;
    };
    const order = { side: trade.side === 'long' ? 'sell' : 'buy', type: 'market', amount: trade.size, reduceOnly: true } as const;
    let ack: OrderAck;
    try {
      ack = await gateway.submit(symbol, strategyId, order, 'trade-manager', reason, recorded);
    } catch (error) {
      if (isCurrent(trade)) this.#thrown(trade, error, clientOrderId, now);
      return;
    }
    log.info('trade manager exit', { symbol, strategyId, reason, price, accepted: ack.accepted, attempts });
    if (!isCurrent(trade) || clientOrderId === undefined) return;
    if (ack.accepted && !trade.endedEarly) {
      trade.failures = 0;
      this.#setExit(trade, { kind: 'working', clientOrderId }, 'idle');
      return;
    }
    const why = ack.accepted ? 'ended unfilled by the venue before it answered' : (ack.reason ?? 'rejected by the venue');
    log.error(`trade manager exit rejected: ${why}; sending it again at the next pass`, {
      symbol,
      strategyId,
      reason,
      clientOrderId,
      attempts,
      rejection: why,
    });
    this.#retryNextPass(trade);
  }

  /** A submission threw: look it up before any resend when its outcome is unknown, else send it again at the next pass. */
  #thrown(trade: TradeState, error: unknown, clientOrderId: string | undefined, now: number): void {
    const { log } = this.#deps;
    const message = error instanceof Error ? error.message : String(error);
    const fields = { symbol: trade.symbol, strategyId: trade.strategyId, reason: trade.reason, attempts: trade.attempts, error: message };
    trade.failures++;
    if (clientOrderId === undefined) {
      // Not recorded, so not sent: nothing to look up.
      log.error(`trade manager exit not recorded, so not sent: ${message}`, fields);
      trade.attempts--;
      if (trade.exit.kind === 'none') trade.step = 'idle';
      else this.#stepAt(trade, 'failed', now + this.#delay(trade.failures));
      return;
    }
    if (submitOutcome(error) === 'unknown') {
      const planned = trade.exit.kind === 'submitting' ? trade.exit.nextAttemptAt : now;
      const at = Math.max(now + this.#delay(trade.failures), planned);
      log.warn('trade manager exit failed with an unknown outcome; it is looked up at the venue before any resend', {
        ...fields,
        clientOrderId,
        lookUpAt: at,
      });
      this.#stepAt(trade, 'unknown', at);
      return;
    }
    log.error(`trade manager exit rejected: ${message}; sending it again at the next pass`, { ...fields, clientOrderId });
    this.#retryNextPass(trade);
  }

  /** Asks the venue for an exit of unknown outcome: adopts it when found working or filled, sends it again when absent or ended. */
  async #settle(trade: TradeState, now: number): Promise<void> {
    const { gateway, log, isCurrent } = this.#deps;
    const exit = trade.exit as Exclude<ExitInFlight, { kind: 'none' }>;
    const fields = { symbol: trade.symbol, strategyId: trade.strategyId, clientOrderId: exit.clientOrderId };
    trade.step = 'sending';
    let order: Order | undefined;
    try {
      order = await gateway.lookUp(trade.symbol, exit.clientOrderId);
    } catch (error) {
      if (!isCurrent(trade)) return;
      trade.failures++;
      const at = now + this.#delay(trade.failures);
      const message = error instanceof Error ? error.message : String(error);
      log.error(`trade manager exit of unknown outcome cannot be looked up, so it is not sent again yet: ${message}`, {
        ...fields,
        lookUpAt: at,
      });
      this.#stepAt(trade, 'unknown', at);
      return;
    }
    if (!isCurrent(trade)) return;
    if (order !== undefined && order.status !== 'canceled' && order.status !== 'rejected') {
      log.info('trade manager exit found at the venue; not sent again', { ...fields, status: order.status });
      trade.failures = 0;
      this.#setExit(trade, { kind: 'working', clientOrderId: exit.clientOrderId }, 'idle');
      return;
    }
    log.info('trade manager exit not at the venue; sending it', { ...fields, status: order?.status ?? 'absent' });
    if (trade.reason === undefined) {
      // A restored working exit, ended or absent: its reason is not stored, so the rules decide again.
      this.#setExit(trade, NO_EXIT, 'idle');
      return;
    }
    await this.#send(trade, trade.reason, now, undefined);
  }

  /** The exit is not at the venue (rejected, ended): send it again at the next pass, or let the rules decide when its reason is unknown. */
  #retryNextPass(trade: TradeState): void {
    const exit = trade.exit;
    if (exit.kind === 'none' || trade.reason === undefined) {
      this.#setExit(trade, NO_EXIT, 'idle');
      return;
    }
    const nextAttemptAt = this.#deps.now();
    const { reason, attempts } = trade;
    this.#setExit(trade, { kind: 'submitting', clientOrderId: exit.clientOrderId, reason, attempts, nextAttemptAt }, 'failed');
    trade.retryAt = nextAttemptAt;
  }

  #stepAt(trade: TradeState, step: ExitStep, at: number): void {
    trade.step = step;
    trade.retryAt = at;
  }

  #setExit(trade: TradeState, exit: ExitInFlight, step: ExitStep): void {
    trade.exit = exit;
    trade.step = step;
    if (exit.kind === 'none') trade.reason = undefined;
    const { store } = this.#deps;
    if (store !== undefined) this.#deps.persist('exit', () => store.setTradeExit(trade.symbol, trade.strategyId, exit));
  }

  /** Bounded exponential backoff: the delay after `failures` failures (at least one). */
  #delay(failures: number): number {
    const { initialMs, maxMs } = this.#deps.backoff;
    return Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(failures, 1) - 1, 30));
  }
}
