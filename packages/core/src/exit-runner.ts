import type { Logger } from './logger.js';
import type { OrderGateway } from './order-gateway.js';
import { submitOutcome } from './order-store.js';
import type { Fill, Order, OrderAck, OrderRequest } from './orders.js';
import { AMOUNT_TOLERANCE, exitAmount, reducingInFlight } from './reducing-orders.js';
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

  /**
   * Starts a new exit for `reason`, called for at `price`: of the trade's size minus what the
   * reducing orders in flight (the strategy's and the trade manager's) will still fill. When those
   * cover the position nothing is sent (undefined): the rules decide again at the next pass.
   */
  start(trade: TradeState, reason: ExitReason, now: number, price: number): Promise<void> | undefined {
    const amount = this.#amount(trade);
    if (amount === 0) {
      if (!trade.covered) {
        trade.covered = true;
        this.#deps.log.info('trade manager exit not sent: orders in flight already reduce the whole position; waiting for them', {
          symbol: trade.symbol,
          strategyId: trade.strategyId,
          reason,
          size: trade.size,
        });
      }
      return undefined;
    }
    trade.covered = false;
    trade.attempts = 0;
    trade.failures = 0;
    return this.#send(trade, reason, now, price, amount);
  }

  /**
   * A fill of the trade's exit in flight, handed over after the trade's size took it (the trade
   * is still open): once the exit has filled what it asked for, it is done, and what is left of the
   * position (it grew while the exit was on its way) is up to the rules again.
   */
  filled(trade: TradeState, fill: Fill): void {
    trade.exitFilled += fill.amount;
    if (trade.step !== 'sending' && this.#exitDone(trade)) this.#finished(trade);
  }

  /** The next step of an exit in flight when it is due (a look-up of an unknown outcome, or a new submission); undefined otherwise. */
  resume(trade: TradeState, now: number): Promise<void> | undefined {
    if (trade.step === 'idle' || trade.step === 'sending' || now < trade.retryAt) return undefined;
    if (trade.step === 'unknown') return this.#settle(trade, now);
    return this.#resend(trade, trade.reason as ExitReason, now);
  }

  /** The venue ended the trade's exit `order` unfilled (canceled, rejected): send it again at the next pass. */
  ended(trade: TradeState, order: Order): void {
    if (trade.step === 'sending') {
      trade.endedEarly = order.status === 'rejected' ? 'rejected' : 'canceled';
      return;
    }
    const rejected = order.status === 'rejected';
    const at = this.#retryLater(trade, rejected);
    this.#deps.log.error(
      `trade manager exit ended unfilled at the venue (${order.status}); sending it again ${when(at, this.#deps.now())}`,
      {
        symbol: trade.symbol,
        strategyId: trade.strategyId,
        clientOrderId: order.clientOrderId,
        status: order.status,
        venueReason: order.reason,
        retryAt: at,
      },
    );
  }

  /** Sends the exit again, of what the orders in flight leave of the position; when they cover it, the exit is done. */
  #resend(trade: TradeState, reason: ExitReason, now: number): Promise<void> | undefined {
    // The exit sent before is over (rejected, ended or proven absent), whatever the book says yet.
    const amount = this.#amount(trade, trade.exit.kind === 'none' ? undefined : trade.exit.clientOrderId);
    if (amount > 0) return this.#send(trade, reason, now, undefined, amount);
    this.#deps.log.info('trade manager exit not sent again: orders in flight already reduce the whole position', {
      symbol: trade.symbol,
      strategyId: trade.strategyId,
      reason,
      size: trade.size,
    });
    this.#finished(trade);
    return undefined;
  }

  /** The trade's size minus what the reducing orders in flight on its strategy and symbol will still fill (0: covered). */
  #amount(trade: TradeState, over?: string): number {
    const { gateway } = this.#deps;
    const { symbol, strategyId, side } = trade;
    const inFlight = reducingInFlight(gateway.pending.of(symbol, strategyId).orders, side, over);
    // Fills the book counted that the trade's size does not show yet (they wait for the symbol's next tick).
    const reducing = side === 'long' ? 'sell' : 'buy';
    const unseen = gateway.pending.undelivered((clientOrderId) => {
      const request = gateway.request(clientOrderId);
      return request !== undefined && request.symbol === symbol && request.tag === strategyId && request.side === reducing;
    });
    return exitAmount(trade.size, inFlight + unseen);
  }

  /** Whether the exit in flight has filled what it asked for. */
  #exitDone(trade: TradeState): boolean {
    return trade.exitAmount !== undefined && trade.exitFilled >= trade.exitAmount * (1 - AMOUNT_TOLERANCE);
  }

  /** The exit is over (filled, or covered by other orders) while the trade is open: the rules decide again. */
  #finished(trade: TradeState): void {
    trade.failures = 0;
    this.#setExit(trade, NO_EXIT, 'idle');
  }

  /** Submits the exit (attempt `attempts + 1`); its `submitting` state is stored with its intent, before it is sent. */
  async #send(trade: TradeState, reason: ExitReason, now: number, price: number | undefined, amount: number): Promise<void> {
    const { gateway, log, store, isCurrent } = this.#deps;
    const attempts = trade.attempts + 1;
    const { symbol, strategyId } = trade;
    trade.step = 'sending';
    trade.reason = reason;
    trade.attempts = attempts;
    trade.endedEarly = undefined;
    let clientOrderId: string | undefined;
    const recorded = (request: OrderRequest): void => {
      const id = request.clientOrderId as string;
      const exit: ExitInFlight = { kind: 'submitting', clientOrderId: id, reason, attempts, nextAttemptAt: now + this.#delay(attempts) };
      store?.saveTrade(storedTrade(trade, exit));
      trade.exit = exit;
      trade.exitAmount = amount;
      trade.exitFilled = 0;
      clientOrderId = id;
    };
    const order = { side: trade.side === 'long' ? 'sell' : 'buy', type: 'market', amount, reduceOnly: true } as const;
    let ack: OrderAck;
    try {
      ack = await gateway.submit(symbol, strategyId, order, 'trade-manager', reason, recorded);
    } catch (error) {
      if (isCurrent(trade)) this.#thrown(trade, error, clientOrderId, now);
      return;
    }
    log.info('trade manager exit', { symbol, strategyId, reason, price, amount, accepted: ack.accepted, attempts });
    if (!isCurrent(trade) || clientOrderId === undefined) return;
    if (ack.accepted && trade.endedEarly === undefined) {
      trade.failures = 0;
      if (this.#exitDone(trade)) this.#finished(trade);
      else this.#setExit(trade, { kind: 'working', clientOrderId }, 'idle');
      return;
    }
    const why = ack.accepted ? 'ended unfilled by the venue before it answered' : (ack.reason ?? 'rejected by the venue');
    const at = this.#retryLater(trade, !ack.accepted || trade.endedEarly === 'rejected');
    log.error(`trade manager exit rejected: ${why}; sending it again ${when(at, now)}`, {
      symbol,
      strategyId,
      reason,
      clientOrderId,
      attempts,
      rejection: why,
      retryAt: at,
    });
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
    trade.failures--; // #retryLater counts this rejection
    const at = this.#retryLater(trade, true);
    log.error(`trade manager exit rejected: ${message}; sending it again ${when(at, now)}`, { ...fields, clientOrderId, retryAt: at });
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
    if (order?.status === 'filled') {
      // Its fills reach the trade like any other; what is left of the position is up to the rules.
      log.info('trade manager exit found filled at the venue; not sent again', { ...fields, status: order.status });
      this.#finished(trade);
      return;
    }
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
    await this.#resend(trade, trade.reason, now);
  }

  /**
   * The exit is not at the venue: send it again at the next pass, or, when the venue `rejected`
   * it more than once in a row, after the backoff (growing with each rejection, up to the cap); or let
   * the rules decide when its reason is unknown. Returns when it is sent again.
   */
  #retryLater(trade: TradeState, rejected: boolean): number {
    const exit = trade.exit;
    const now = this.#deps.now();
    if (exit.kind === 'none' || trade.reason === undefined) {
      this.#setExit(trade, NO_EXIT, 'idle');
      return now;
    }
    if (rejected) trade.failures++;
    // The first rejection in a row is sent again at the next pass, later ones after a growing backoff.
    const nextAttemptAt = rejected && trade.failures > 1 ? now + this.#delay(trade.failures - 1) : now;
    const { reason, attempts } = trade;
    this.#setExit(trade, { kind: 'submitting', clientOrderId: exit.clientOrderId, reason, attempts, nextAttemptAt }, 'failed');
    trade.retryAt = nextAttemptAt;
    return nextAttemptAt;
  }

  #stepAt(trade: TradeState, step: ExitStep, at: number): void {
    trade.step = step;
    trade.retryAt = at;
  }

  #setExit(trade: TradeState, exit: ExitInFlight, step: ExitStep): void {
    trade.exit = exit;
    trade.step = step;
    if (exit.kind === 'none') {
      trade.reason = undefined;
      trade.exitAmount = undefined;
      trade.exitFilled = 0;
    }
    const { store } = this.#deps;
    if (store !== undefined) this.#deps.persist('exit', () => store.setTradeExit(trade.symbol, trade.strategyId, exit));
  }

  /** Bounded exponential backoff: the delay after `failures` failures (at least one). */
  #delay(failures: number): number {
    const { initialMs, maxMs } = this.#deps.backoff;
    return Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(failures, 1) - 1, 30));
  }
}

/** `at the next pass`, or `at <ms>` when the retry waits for a backoff. */
function when(at: number, now: number): string {
  return at <= now ? 'at the next pass' : `after a backoff of ${at - now} ms`;
}
