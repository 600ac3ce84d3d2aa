import type { Broker, Unsubscribe } from './broker.js';
import { isReplayBroker } from './broker.js';
import type { Clock } from './clock.js';
import type { ControllerState, LivePacing, TradingControllerOptions } from './controller-options.js';
import { backoffDelay, validateSymbols } from './controller-options.js';
import type { StepCoordinator } from './coordinator.js';
import { POSITION_MONITOR, seatOf } from './coordinator.js';
import { BtError, toBtError } from './errors.js';
import { byTimeSymbolId, EventRouter } from './event-router.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { MemoryOrderStore } from './memory-order-store.js';
import { MonitorPass } from './monitor-pass.js';
import type { OrderJournalEntry } from './order-gateway.js';
import { OrderGateway } from './order-gateway.js';
import type { OrderInFlight, OrderStore } from './order-store.js';
import type { Fill } from './orders.js';
import { StepLatch } from './step-latch.js';
import { SymbolOrchestrator } from './symbol-orchestrator.js';
import { formatIsoTime } from './time-format.js';
import { type ManagedTrade, TradeManager } from './trade-manager.js';

export type { ControllerState, LivePacing, ReplayPacing, TradingControllerOptions } from './controller-options.js';

/**
 * The one trading controller, for live trading and backtests alike. It makes one orchestrator per
 * symbol, runs one worker loop per symbol plus a position monitor, and paces them either with
 * sleeps (live) or with a step barrier and `advanceTime` (replay). Nothing else differs.
 *
 * @example
 * ```ts
 * const controller = new TradingController({ broker, clock: new LiveClock(), symbols, pacing: { kind: 'live' } });
 * await controller.initialize();
 * controller.start();
 * // ... later
 * await controller.stop();
 * ```
 */
export class TradingController {
  readonly #options: TradingControllerOptions;
  readonly #broker: Broker;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  /** Mirrors `#abort.signal.aborted`, read on every step without the signal's getter checks. */
  #stopRequested = false;
  /** `replayFills()` was called: orders can no longer be resumed (their fills would count twice). */
  #fillsReplayed = false;
  #state: ControllerState = 'created';
  #gateway: OrderGateway | undefined;
  #tradeManager: TradeManager | undefined;
  #orchestrators: SymbolOrchestrator[] = [];
  #bySymbol = new Map<string, SymbolOrchestrator>();
  #router: EventRouter | undefined;
  #unsubscribe: Unsubscribe | undefined;
  #latch: StepLatch | undefined;
  #monitor: MonitorPass | undefined;
  #failure: BtError | undefined;
  #done: Promise<void> | undefined;
  #stopPromise: Promise<void> | undefined;

  constructor(options: TradingControllerOptions) {
    this.#options = options;
    this.#broker = options.broker;
    this.#clock = options.clock;
    this.#log = options.logger ?? silentLogger;
    validateSymbols(options.symbols);
    if (options.pacing.kind === 'replay' && !isReplayBroker(options.broker)) {
      throw new BtError('CONFIG', `replay pacing needs a ReplayBroker; broker "${options.broker.id}" cannot replay history`);
    }
  }

  /** Where the controller is in its life. */
  get state(): ControllerState {
    return this.#state;
  }

  /** Settles when every loop has ended: resolves after a clean end or stop, rejects when the run failed. */
  get done(): Promise<void> {
    if (this.#done === undefined) throw new BtError('STATE', 'TradingController.done is available after start()');
    return this.#done;
  }

  /** The error that ended the run, if any. */
  get failure(): BtError | undefined {
    return this.#failure;
  }

  /** Every order the controller sent, by symbol (as configured) then sequence. */
  orders(): OrderJournalEntry[] {
    return this.#gateway?.journal() ?? [];
  }

  /**
   * After a restart, between {@link TradingController.initialize} and `start()`: loads the trade
   * manager's state of every open position from the order store, exits in flight included (they
   * are looked up at the venue before anything is sent again). Returns the trades it now watches.
   *
   * @throws BtError `STATE` outside that window, or when the order store keeps no trade state.
   */
  restoreTrades(): ManagedTrade[] {
    if (this.#state !== 'initialized')
      throw new BtError('STATE', `restoreTrades() needs initialize() and no start() (state: ${this.#state})`);
    return (this.#tradeManager as TradeManager).restore();
  }

  /**
   * After a restart, between {@link TradingController.initialize} and `start()`, before
   * {@link TradingController.replayFills}: puts the orders an earlier process sent and that are
   * not final (the order store's `inFlight()`) back in flight, so that strategies see them in
   * `ctx.pendingOrders` and `ctx.pendingExposure` and exits are sized against them. Returns them;
   * none when the store keeps nothing across processes.
   *
   * @throws BtError `STATE` outside that window.
   */
  resumeOrders(): OrderInFlight[] {
    if (this.#state !== 'initialized')
      throw new BtError('STATE', `resumeOrders() needs initialize() and no start() (state: ${this.#state})`);
    if (this.#fillsReplayed) throw new BtError('STATE', 'resumeOrders() must come before replayFills()');
    const gateway = this.#gateway as OrderGateway;
    const orders = gateway.store.inFlight?.() ?? [];
    gateway.resume(orders);
    return orders;
  }

  /**
   * After a restart, between {@link TradingController.initialize} (and
   * {@link TradingController.restoreTrades}) and `start()`: hands the fills the bot missed while
   * it was down (say, `recoverFromVenue`'s `missedFills`) to the controller, sorted by
   * (timestamp, symbol, id), each along the path a broker `fill` event takes: the order store
   * records it, de-duplicating by identity, and a new fill is queued for the strategy that sent
   * its order, whose `onFill` and the trade manager get it, in that order, at the symbol's first
   * tick. Returns how many were new (not duplicates).
   *
   * @throws BtError `STATE` outside that window.
   */
  replayFills(fills: readonly Fill[]): number {
    if (this.#state !== 'initialized')
      throw new BtError('STATE', `replayFills() needs initialize() and no start() (state: ${this.#state})`);
    const router = this.#router as EventRouter;
    this.#fillsReplayed = true;
    let fresh = 0;
    for (const fill of [...fills].sort(byTimeSymbolId)) if (router.routeFill(fill)) fresh++;
    return fresh;
  }

  /** Connects the broker, makes one orchestrator per symbol and calls every strategy's `init`. */
  async initialize(): Promise<void> {
    if (this.#state !== 'created') throw new BtError('STATE', `initialize() called twice (state: ${this.#state})`);
    await this.#broker.connect();
    const symbols = this.#options.symbols.map((s) => s.symbol);
    const pacing = this.#options.pacing;
    const runId = this.#options.runId ?? (pacing.kind === 'replay' ? 'bt' : `bt${this.#clock.now().toString(36)}`);
    const store: OrderStore = this.#options.orderStore ?? new MemoryOrderStore(runId, symbols, { rememberFills: pacing.kind === 'live' });
    this.#gateway = new OrderGateway(this.#broker, this.#clock, this.#log, store);
    this.#tradeManager = new TradeManager(this.#gateway, this.#log.child({ component: 'trade-manager' }), {
      ...(store.trades === undefined ? {} : { store: store.trades }),
      ...(pacing.kind === 'live' && pacing.backoff !== undefined ? { backoff: pacing.backoff } : {}),
      shorting: this.#broker.capabilities.shorting !== false,
    });
    for (const config of this.#options.symbols) {
      const orchestrator = new SymbolOrchestrator(config, {
        broker: this.#broker,
        clock: this.#clock,
        log: this.#log,
        gateway: this.#gateway,
        tradeManager: this.#tradeManager,
        replay: this.#options.pacing.kind === 'replay',
      });
      this.#orchestrators.push(orchestrator);
      this.#bySymbol.set(config.symbol, orchestrator);
    }
    this.#monitor = new MonitorPass({
      broker: this.#broker,
      clock: this.#clock,
      tradeManager: this.#tradeManager,
      orchestrators: this.#orchestrators,
      bySymbol: this.#bySymbol,
      replay: pacing.kind === 'replay',
    });
    const router = new EventRouter(store, this.#bySymbol, this.#log, this.#gateway.pending);
    this.#router = router;
    this.#unsubscribe = this.#broker.subscribe((event) => router.route(event));
    for (const orchestrator of this.#orchestrators) await orchestrator.init();
    this.#state = 'initialized';
  }

  /** Launches one worker per symbol and the position monitor. */
  start(): void {
    if (this.#state !== 'initialized') throw new BtError('STATE', `start() needs initialize() first (state: ${this.#state})`);
    this.#state = 'running';
    const monitor = this.#options.positionMonitor ?? true;
    const loops: Promise<void>[] = [];
    const pacing = this.#options.pacing;
    if (pacing.kind === 'replay') {
      for (const o of this.#orchestrators) pacing.coordinator.join(o.symbol);
      if (monitor) {
        pacing.coordinator.join(POSITION_MONITOR);
        this.#latch = new StepLatch(this.#orchestrators.length);
      }
      for (const o of this.#orchestrators) loops.push(this.#replayWorker(o, pacing.coordinator));
      if (monitor) loops.push(this.#replayMonitor(pacing.coordinator));
    } else {
      for (const o of this.#orchestrators) loops.push(this.#liveWorker(o, pacing));
      if (monitor) loops.push(this.#liveMonitor(pacing));
    }
    this.#done = this.#finish(loops);
    // A failure is reported through `done`; keep an unobserved rejection from crashing the process.
    this.#done.catch(() => undefined);
  }

  /**
   * Stops gracefully: no new orders, loops wake and end, in-flight calls are awaited, strategies'
   * `onStop` run. Idempotent; resolves when everything has ended, whether or not the run failed.
   */
  stop(): Promise<void> {
    if (this.#stopPromise !== undefined) return this.#stopPromise;
    this.#stopPromise = (async () => {
      if (this.#state === 'created' || this.#state === 'initialized') {
        this.#unsubscribe?.();
        this.#state = 'stopped';
        return;
      }
      this.#beginStop();
      await this.#done?.catch(() => undefined);
    })();
    return this.#stopPromise;
  }

  #beginStop(): void {
    if (this.#state === 'running') this.#state = 'stopping';
    this.#gateway?.stopAccepting();
    this.#stopRequested = true;
    this.#abort.abort();
    this.#latch?.open();
    const pacing = this.#options.pacing;
    if (pacing.kind === 'replay') pacing.coordinator.abort(this.#failure ?? 'stopped');
  }

  get #stopping(): boolean {
    return this.#stopRequested;
  }

  async #finish(loops: Promise<void>[]): Promise<void> {
    await Promise.all(loops);
    await this.#gateway?.drain();
    for (const o of this.#orchestrators) await o.stop();
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (this.#failure !== undefined) {
      this.#state = 'failed';
      throw this.#failure;
    }
    this.#state = 'stopped';
  }

  #fail(error: BtError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#log.error(error.message, { code: error.code, ...error.details });
    this.#beginStop();
  }

  // ---- replay loops ----------------------------------------------------------------------

  async #replayWorker(orchestrator: SymbolOrchestrator, coordinator: StepCoordinator): Promise<void> {
    const symbol = orchestrator.symbol;
    const latch = this.#latch;
    const seat = seatOf(coordinator, symbol);
    let step = 0;
    for (;;) {
      if (this.#stopping) break;
      try {
        const ticking = orchestrator.tick();
        if (ticking !== undefined) await ticking;
      } catch (error) {
        if (this.#onReplayError(error, symbol, step, orchestrator.lastBarClose)) break;
        latch?.leave(step);
        coordinator.leave(symbol);
        return;
      }
      latch?.settle(step);
      if (!(await seat.waitForNextStep())) break;
      step++;
      let hasData: boolean;
      try {
        const advancing = orchestrator.advance();
        hasData = typeof advancing === 'boolean' ? advancing : await advancing;
      } catch (error) {
        if (this.#onReplayError(error, symbol, step, orchestrator.lastBarClose)) break;
        hasData = false;
      }
      if (!hasData) {
        this.#monitor?.symbolEnded(symbol);
        latch?.leave(step);
        coordinator.leave(symbol);
        return;
      }
    }
    coordinator.leave(symbol);
  }

  /** Handles a replay error; returns true when the run fails (the loop ends), false to skip the symbol. */
  #onReplayError(error: unknown, symbol: string, step: number, barClose: number): boolean {
    const cause = toBtError(error, 'STRATEGY');
    const barTime = Number.isFinite(barClose) ? formatIsoTime(barClose) : 'before the first bar';
    const wrapped = new BtError(cause.code, `symbol ${symbol} failed at step ${step} (bar closing ${barTime}): ${cause.message}`, {
      cause: error,
      retryable: false,
      details: { symbol, step, barTime, cause: cause.message },
    });
    if ((this.#options.onSymbolError ?? 'fail') === 'skip' && !this.#stopping) {
      this.#log.error(`${wrapped.message}; skipping ${symbol} for the rest of the run`, wrapped.details);
      return false;
    }
    this.#fail(wrapped);
    return true;
  }

  async #replayMonitor(coordinator: StepCoordinator): Promise<void> {
    const latch = this.#latch as StepLatch;
    const seat = seatOf(coordinator, POSITION_MONITOR);
    let step = 0;
    for (;;) {
      if (!latch.ready(step)) await latch.waitAll(step);
      if (this.#stopping) break;
      if (latch.finish(step) === 0) break;
      try {
        const pass = (this.#monitor as MonitorPass).run();
        if (pass !== undefined) await pass;
      } catch (error) {
        const cause = toBtError(error, 'INTERNAL');
        this.#fail(
          new BtError(cause.code, `position monitor failed at step ${step}: ${cause.message}`, { cause: error, details: { step } }),
        );
        break;
      }
      if (!(await seat.waitForNextStep())) break;
      step++;
    }
    coordinator.leave(POSITION_MONITOR);
  }

  // ---- live loops ------------------------------------------------------------------------

  async #liveWorker(orchestrator: SymbolOrchestrator, pacing: LivePacing): Promise<void> {
    const poll = pacing.pollIntervalMs ?? 1000;
    let failures = 0;
    while (!this.#stopping) {
      try {
        await orchestrator.tick();
        failures = 0;
        await this.#clock.sleep(poll, this.#abort.signal);
      } catch (error) {
        if (this.#stopping) break;
        failures++;
        if (!this.#onLiveError(error, `worker ${orchestrator.symbol}`, { symbol: orchestrator.symbol }, failures)) break;
        await this.#clock.sleep(backoffDelay(pacing, failures), this.#abort.signal);
      }
    }
  }

  async #liveMonitor(pacing: LivePacing): Promise<void> {
    const interval = pacing.monitorIntervalMs ?? 5000;
    let failures = 0;
    while (!this.#stopping) {
      try {
        await (this.#monitor as MonitorPass).run();
        failures = 0;
        await this.#clock.sleep(interval, this.#abort.signal);
      } catch (error) {
        if (this.#stopping) break;
        failures++;
        if (!this.#onLiveError(error, 'position monitor', {}, failures)) break;
        await this.#clock.sleep(backoffDelay(pacing, failures), this.#abort.signal);
      }
    }
  }

  /** Logs a live loop error; an authentication error stops the controller. Returns false when the loop must end. */
  #onLiveError(error: unknown, where: string, fields: Record<string, unknown>, failures: number): boolean {
    const cause = toBtError(error, 'STRATEGY');
    if (cause.code === 'AUTHENTICATION') {
      this.#fail(
        new BtError('AUTHENTICATION', `${where}: authentication failed, stopping: ${cause.message}`, { cause: error, details: fields }),
      );
      return false;
    }
    this.#log.error(`${where} error: ${cause.message}`, { ...fields, code: cause.code, retryable: cause.retryable, failures });
    return true;
  }
}
