import type { BarrierSeat, Clock, RunnableStepCoordinator, StepSeat } from '@bt/core';
import { Barrier, BtError, LiveClock, POSITION_MONITOR, toBtError } from '@bt/core';
import type { TimeControllerEventName, TimeControllerListener } from './events.js';
import { Emitter } from './events.js';
import type { ParticipantMetrics, ParticipantStatus, TimeControllerMetrics } from './metrics.js';
import { type DurationStat, ParticipantSlot } from './metrics.js';
import { isTimeMode, TIME_MODE_DELAY_MS, TimeMode } from './time-mode.js';

/** Options of {@link TimeController}. */
export interface TimeControllerOptions {
  /** Participant ids at the start (symbols). More can {@link TimeController.join} later. */
  readonly participants?: Iterable<string>;
  /** Add the position monitor ({@link POSITION_MONITOR}) as a participant. Default false. */
  readonly includePositionMonitor?: boolean;
  /** Pacing. Default {@link TimeMode.MAX_SPEED}. */
  readonly mode?: TimeMode;
  /** A custom delay per step in ms of `clock`; overrides the mode's delay. */
  readonly stepDelayMs?: number;
  /** Where delays are slept. Default a `LiveClock`; tests pass a `ManualClock`. */
  readonly clock?: Clock;
  /** Simulated time of the run (e.g. `() => broker.currentTime()`), reported with each step. */
  readonly timeSource?: () => number;
  /** Expected number of steps, for progress and ETA. */
  readonly totalSteps?: number;
  /**
   * Measure each participant's working and waiting time. Default true; false makes arrivals
   * cheaper still. Timing is sampled: a step is timed when its release reads the wall clock, which
   * is every step when steps are slow (over about 2.5 ms, or in a delayed mode, or paused) and,
   * in MAX_SPEED with short steps, about 400 steps a second (the reads that pace event-loop
   * yields). Durations, counts and shares then cover the timed steps only.
   */
  readonly participantTiming?: boolean;
  /**
   * Monotonic wall clock in ms, for metrics and for yielding to the event loop. Default
   * `performance.now`. Metrics never influence results.
   */
  readonly wallClock?: () => number;
  /** In MAX_SPEED, yield to the macrotask queue at least this often (wall ms). Default 10. */
  readonly yieldIntervalMs?: number;
}

/** Where a {@link TimeController} is in its life. */
export type TimeControllerState = TimeControllerMetrics['state'];

interface StepWaiter {
  readonly target: number;
  readonly resolve: () => void;
}

/** Never check the wall clock less often than every this many steps. */
const MAX_CHECK_EVERY = 1024;

/**
 * Paces a backtest: the step barrier every participant (one loop per symbol, plus the position
 * monitor) waits at. When the last participant arrives it advances the step, waits as the
 * {@link TimeMode} says on its {@link Clock}, then releases everyone, sorted by participant id.
 * It can pause, resume and single-step, takes participants joining and leaving between steps,
 * emits events and keeps per-participant metrics.
 *
 * Built on core's {@link Barrier} through its `beforeRelease` hook; it implements
 * {@link RunnableStepCoordinator}, so a `BacktestController` drives it.
 *
 * @example
 * ```ts
 * const tc = new TimeController({ participants: ['a', 'b'], mode: TimeMode.MAX_SPEED });
 * tc.start();
 * const loop = async (id: string) => {
 *   for (let i = 0; i < 3; i++) await tc.waitForNextStep(id);
 *   tc.leave(id);
 * };
 * await Promise.all([loop('a'), loop('b')]);
 * tc.stop(); // tc.currentStep === 3
 * ```
 */
export class TimeController implements RunnableStepCoordinator {
  readonly #barrier: Barrier;
  readonly #clock: Clock;
  readonly #wall: () => number;
  readonly #timeSource: (() => number) | undefined;
  readonly #totalSteps: number | undefined;
  readonly #timing: boolean;
  readonly #yieldIntervalMs: number;
  readonly #events: Emitter;
  readonly #slots = new Map<string, ParticipantSlot>();
  /** Aborted by stop: wakes a delay being slept. */
  readonly #abort = new AbortController();
  #mode: TimeMode;
  #delayMs: number;

  #started = false;
  #paused = false;
  #stopped = false;
  /** Releasing allowed now: started, not paused, not stopped. Read on the hot path. */
  #open = false;
  /** Steps released. */
  #step = 0;
  /** Step after whose release to pause (a `step(n)` run); +Infinity when none. */
  #pauseAt = Number.POSITIVE_INFINITY;
  #stepWaiters: StepWaiter[] = [];
  #gate: Promise<void> | undefined;
  #openGate: (() => void) | undefined;

  // Event-loop fairness in MAX_SPEED.
  #untilCheck = 1;
  #checkEvery = 1;
  #lastCheckAt = 0;
  #lastYieldAt = 0;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  #endYield: (() => void) | undefined;

  // Metrics (wall ms).
  #startedAt = 0;
  #stoppedAt = 0;
  #pausedAt = Number.NaN;
  #pausedMs = 0;
  /** Wall time of the last release when it was timed (see {@link TimeController.#commit}); NaN when not. */
  #lastReleaseAt = 0;
  /** Whether the step under way is timed: its arrivals read the wall clock. */
  #timedStep = true;

  constructor(options: TimeControllerOptions = {}) {
    const mode = options.mode ?? TimeMode.MAX_SPEED;
    this.#mode = mode;
    this.#delayMs = resolveDelay(mode, options.stepDelayMs);
    this.#clock = options.clock ?? new LiveClock();
    this.#wall = options.wallClock ?? performance.now.bind(performance);
    this.#timeSource = options.timeSource;
    this.#totalSteps = checkTotalSteps(options.totalSteps);
    this.#timing = options.participantTiming ?? true;
    this.#yieldIntervalMs = checkPositive('yieldIntervalMs', options.yieldIntervalMs ?? 10);
    this.#events = new Emitter((error, event) => this.#listenerFailed(error, event));
    this.#barrier = new Barrier([], { beforeRelease: (next) => this.#beforeRelease(next) });
    for (const id of options.participants ?? []) this.join(id);
    if (options.includePositionMonitor === true) this.join(POSITION_MONITOR);
  }

  /** Where the run is: `idle` before {@link TimeController.start}, then `running`, `paused`, `stopped`. */
  get state(): TimeControllerState {
    if (this.#stopped) return 'stopped';
    if (this.#paused) return 'paused';
    return this.#started ? 'running' : 'idle';
  }

  /** Steps released so far. */
  get currentStep(): number {
    return this.#step;
  }

  /** The current {@link TimeMode}. */
  get mode(): TimeMode {
    return this.#mode;
  }

  /** The delay applied before each release, in ms of the clock. */
  get stepDelayMs(): number {
    return this.#delayMs;
  }

  /** Changes the pacing from the next release on; `stepDelayMs` overrides the mode's delay. */
  setMode(mode: TimeMode, stepDelayMs?: number): void {
    const delay = resolveDelay(mode, stepDelayMs);
    this.#mode = mode;
    this.#delayMs = delay;
  }

  /** The current participants, sorted (one joining mid-step is listed from the next step). */
  participants(): string[] {
    return this.#barrier.participants();
  }

  // ---- StepCoordinator ---------------------------------------------------------------------

  /**
   * Arrives at the barrier and waits until every participant has finished the step (and the
   * controller is started, not paused, and done with the mode's delay). Resolves true to go on,
   * false when the run is stopping or this participant left. Rejects with a `STATE` BtError for an
   * id that never joined or one already waiting.
   */
  waitForNextStep(participant: string): Promise<boolean> {
    const slot = this.#slots.get(participant);
    if (slot === undefined) return this.#barrier.arrive(participant);
    return this.#arrive(slot);
  }

  /**
   * The seat of a participant that has joined: its `waitForNextStep()` is
   * {@link TimeController.waitForNextStep} without the lookup of the participant on every step.
   * @throws BtError `STATE` for a participant that never joined.
   */
  seat(participant: string): StepSeat {
    const slot = this.#slots.get(participant);
    if (slot === undefined) throw new BtError('STATE', `TimeController.seat("${participant}"): join the participant first`);
    return slot;
  }

  /** {@link TimeController.#arrive}, shared by every seat. */
  readonly #arriveFn = (slot: ParticipantSlot): Promise<boolean> => this.#arrive(slot);

  /** An arrival of `slot`: its bookkeeping, then the barrier's. */
  #arrive(slot: ParticipantSlot): Promise<boolean> {
    // No bookkeeping after stop, nor for what the barrier rejects (a leaver, a double wait).
    if (!this.#stopped && !slot.left && !(slot.pending && slot.arrivedStep === this.#step)) {
      slot.steps++;
      if (this.#timing) this.#recordArrival(slot);
      slot.pending = true;
      slot.arrivedStep = this.#step;
      if (this.#events.arriveHeard) this.#events.emit('arrive', { participant: slot.id, step: this.#step });
    }
    return (slot.barrierSeat as BarrierSeat).arrive();
  }

  /**
   * Adds a participant. Between steps it counts at once; during a step (someone already waiting)
   * it counts from the next step. Joining twice is harmless.
   */
  join(participant: string): void {
    let slot = this.#slots.get(participant);
    if (slot === undefined) {
      slot = new ParticipantSlot(participant, this.#timing ? this.#wall() : 0, this.#arriveFn);
      this.#slots.set(participant, slot);
    } else if (slot.left) {
      slot.left = false;
      slot.pending = false;
      slot.workSince = this.#timing ? this.#wall() : 0;
    }
    this.#barrier.join(participant);
    // A participant that left and joins again has a new place at the barrier.
    slot.barrierSeat = this.#barrier.seat(participant);
  }

  /** Removes a participant; if it was the last one awaited, the others are released. A waiting leaver gets false. */
  leave(participant: string): void {
    const slot = this.#slots.get(participant);
    if (slot !== undefined && !slot.left) {
      if (this.#timing) {
        const now = this.#wall();
        if (slot.pending && !this.#settleWait(slot)) {
          // Still waiting: the wait ends now.
          addInterval(slot.waiting, slot.arrivedAt, now);
          slot.pending = false;
        } else {
          addInterval(slot.working, slot.workSince, now);
        }
      }
      slot.left = true;
    }
    this.#barrier.leave(participant);
  }

  /** Ends the run with `reason`: the same as {@link TimeController.stop}, reported with that reason. */
  abort(reason?: unknown): void {
    this.#shutdown(reason === undefined ? 'aborted' : reason);
  }

  // ---- controls ----------------------------------------------------------------------------

  /**
   * Begins releasing steps; arrivals before it wait. If {@link TimeController.pause} was called
   * first, the run starts paused. Idempotent; throws a `STATE` BtError after stop.
   */
  start(): void {
    if (this.#stopped) throw new BtError('STATE', 'TimeController.start(): the controller was stopped; make a new one');
    if (this.#started) return;
    this.#started = true;
    const now = this.#wall();
    this.#startedAt = now;
    this.#lastCheckAt = now;
    this.#lastYieldAt = now;
    if (this.#paused) this.#pausedAt = now;
    if (this.#timing) {
      for (const slot of this.#slots.values()) if (!slot.pending && !slot.left && slot.workSince < now) slot.workSince = now;
    }
    this.#updateOpen();
  }

  /** Holds the next release until {@link TimeController.resume} or {@link TimeController.step}; cancels a `step(n)` run. */
  pause(): void {
    if (this.#stopped) return;
    this.#pauseAt = Number.POSITIVE_INFINITY;
    if (!this.#paused) this.#enterPause();
  }

  /** Releases freely again, also ending a `step(n)` run early (its promise still resolves at its step). */
  resume(): void {
    if (this.#stopped) return;
    this.#pauseAt = Number.POSITIVE_INFINITY;
    if (this.#paused) this.#leavePause();
  }

  /**
   * Releases `n` more steps, then pauses. Resolves once the run has released those steps, or at
   * stop. Before {@link TimeController.start}, the steps run once started. Rejects with a
   * `CONFIG` BtError unless `n` is a positive integer.
   */
  step(n = 1): Promise<void> {
    if (!Number.isSafeInteger(n) || n < 1) {
      return Promise.reject(new BtError('CONFIG', `TimeController.step(n): expected a positive integer, got ${n}`));
    }
    if (this.#stopped) return Promise.resolve();
    const base = this.#pauseAt === Number.POSITIVE_INFINITY ? this.#step : this.#pauseAt;
    const target = base + n;
    this.#pauseAt = target;
    const done = new Promise<void>((resolve) => {
      this.#stepWaiters.push({ target, resolve });
    });
    if (this.#paused) this.#leavePause();
    return done;
  }

  /**
   * Ends the run: every waiter is released with false, later arrivals get false at once, pending
   * {@link TimeController.step} promises resolve, a delay being slept is woken and no timer or
   * immediate is left behind. Idempotent.
   */
  stop(): void {
    this.#shutdown('stopped');
  }

  // ---- events and metrics ------------------------------------------------------------------

  /**
   * Listens to `event`; returns a function that removes the listener. A listener must not throw:
   * one that does stops the run, with its error (a BtError) as the stop reason.
   */
  on<E extends TimeControllerEventName>(event: E, listener: TimeControllerListener<E>): () => void {
    this.#events.on(event, listener);
    return () => this.#events.off(event, listener);
  }

  /** Removes a listener added with {@link TimeController.on}. */
  off<E extends TimeControllerEventName>(event: E, listener: TimeControllerListener<E>): void {
    this.#events.off(event, listener);
  }

  /** A snapshot of progress and of every participant (see {@link TimeControllerMetrics}). */
  metrics(): TimeControllerMetrics {
    const now = this.#stopped ? this.#stoppedAt : this.#wall();
    let elapsedMs = 0;
    if (this.#started) {
      const pausedNow = Number.isNaN(this.#pausedAt) ? 0 : now - this.#pausedAt;
      elapsedMs = Math.max(0, now - this.#startedAt - this.#pausedMs - pausedNow);
    }
    const stepsPerSecond = elapsedMs > 0 ? (this.#step * 1000) / elapsedMs : 0;
    const total = this.#totalSteps;
    const etaMs = total !== undefined && stepsPerSecond > 0 ? (Math.max(0, total - this.#step) * 1000) / stepsPerSecond : undefined;
    const slots = [...this.#slots.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return {
      state: this.state,
      step: this.#step,
      totalSteps: total,
      progress: total === undefined ? undefined : total === 0 ? 1 : Math.min(1, this.#step / total),
      elapsedMs,
      stepsPerSecond,
      etaMs,
      simTime: this.#timeSource?.(),
      participantTiming: this.#timing,
      participants: slots.map((slot) => this.#participantMetrics(slot, now)),
    };
  }

  // ---- release path ------------------------------------------------------------------------

  /** The barrier's hook: runs when the last participant arrives; returns a promise to hold the release. */
  #beforeRelease(next: number): Promise<void> | undefined {
    // Hot path: MAX_SPEED while running releases without holding, checking the wall clock only
    // every #checkEvery steps.
    if (this.#open && this.#delayMs === 0) {
      if (--this.#untilCheck > 0) {
        this.#commit(next, false);
        return undefined;
      }
      if (!this.#dueToYield()) {
        this.#commit(next, true);
        return undefined;
      }
    }
    return this.#hold(next, this.#open && this.#delayMs === 0);
  }

  async #hold(next: number, yieldFirst: boolean): Promise<void> {
    if (yieldFirst) await this.#yieldToEventLoop();
    while (!this.#open) {
      if (this.#stopped) return;
      await this.#gateOpened();
    }
    const delay = this.#delayMs;
    if (delay > 0) {
      try {
        await this.#clock.sleep(delay, this.#abort.signal);
      } catch (error) {
        this.#shutdown(toBtError(error));
        return;
      }
      // Paused during the delay: hold on, without sleeping again.
      while (!this.#open) {
        if (this.#stopped) return;
        await this.#gateOpened();
      }
    }
    this.#commit(next, true);
  }

  /**
   * The step is released: count it, report it, and end a `step(n)` run at its last step. A
   * `sampled` release times the step it begins; the release that ends a timed step is timed too,
   * so that every timed arrival's wait is closed by a wall-clock reading.
   */
  #commit(next: number, sampled: boolean): void {
    this.#step = next;
    if (this.#timing) {
      this.#lastReleaseAt = sampled || this.#timedStep ? this.#wall() : Number.NaN;
      this.#timedStep = sampled;
    }
    if (this.#events.stepHeard) this.#events.emit('step', { step: next, simTime: this.#timeSource?.() });
    if (next >= this.#pauseAt) {
      this.#pauseAt = Number.POSITIVE_INFINITY;
      if (!this.#paused) this.#enterPause();
    }
    if (this.#stepWaiters.length !== 0) queueMicrotask(this.#settleStepWaiters);
  }

  /** Reads the wall clock; adapts how many steps to skip before the next read (about 4 reads per interval). */
  #dueToYield(): boolean {
    const now = this.#wall();
    const perStep = (now - this.#lastCheckAt) / this.#checkEvery;
    this.#lastCheckAt = now;
    let every = perStep > 0 ? Math.floor(this.#yieldIntervalMs / 4 / perStep) : MAX_CHECK_EVERY;
    if (every > this.#checkEvery * 2) every = this.#checkEvery * 2;
    if (every > MAX_CHECK_EVERY) every = MAX_CHECK_EVERY;
    if (every < 1) every = 1;
    this.#checkEvery = every;
    this.#untilCheck = every;
    return now - this.#lastYieldAt >= this.#yieldIntervalMs;
  }

  /** Lets timers, I/O and immediates run (a setImmediate turn); stop cancels it. */
  #yieldToEventLoop(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#endYield = resolve;
      this.#immediate = setImmediate(this.#onImmediate);
    });
  }

  readonly #onImmediate = (): void => {
    const resolve = this.#endYield;
    this.#immediate = undefined;
    this.#endYield = undefined;
    const now = this.#wall();
    this.#lastYieldAt = now;
    this.#lastCheckAt = now;
    resolve?.();
  };

  #gateOpened(): Promise<void> {
    if (this.#gate === undefined) {
      this.#gate = new Promise<void>((resolve) => {
        this.#openGate = resolve;
      });
    }
    return this.#gate;
  }

  #updateOpen(): void {
    this.#open = this.#started && !this.#paused && !this.#stopped;
    if (this.#open || this.#stopped) {
      const open = this.#openGate;
      this.#gate = undefined;
      this.#openGate = undefined;
      open?.();
    }
  }

  #enterPause(): void {
    this.#paused = true;
    if (this.#started) this.#pausedAt = this.#wall();
    this.#updateOpen();
    if (this.#events.has('pause')) this.#events.emit('pause', { step: this.#step });
  }

  #leavePause(): void {
    this.#paused = false;
    if (!Number.isNaN(this.#pausedAt)) {
      this.#pausedMs += this.#wall() - this.#pausedAt;
      this.#pausedAt = Number.NaN;
    }
    this.#updateOpen();
    if (this.#events.has('resume')) this.#events.emit('resume', { step: this.#step });
  }

  /** Resolves the `step(n)` promises whose step the barrier has released (it releases a microtask after the hook). */
  readonly #settleStepWaiters = (): void => {
    const released = this.#barrier.step;
    if (released < this.#step && !this.#barrier.aborted) {
      queueMicrotask(this.#settleStepWaiters);
      return;
    }
    const due = this.#stepWaiters.filter((w) => w.target <= released);
    if (due.length === 0) return;
    this.#stepWaiters = this.#stepWaiters.filter((w) => w.target > released);
    for (const waiter of due) waiter.resolve();
  };

  #shutdown(reason: unknown): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const now = this.#wall();
    this.#stoppedAt = now;
    // A step committed but not yet released by the barrier is not released now.
    this.#step = this.#barrier.step;
    if (!Number.isNaN(this.#pausedAt)) {
      this.#pausedMs += now - this.#pausedAt;
      this.#pausedAt = Number.NaN;
    }
    this.#pauseAt = Number.POSITIVE_INFINITY;
    this.#barrier.abort(reason);
    this.#abort.abort();
    if (this.#immediate !== undefined) {
      clearImmediate(this.#immediate);
      this.#onImmediate();
    }
    this.#updateOpen();
    const waiters = this.#stepWaiters;
    this.#stepWaiters = [];
    for (const waiter of waiters) waiter.resolve();
    if (this.#events.has('stop')) this.#events.emit('stop', { step: this.#step, reason });
  }

  #listenerFailed(error: unknown, event: TimeControllerEventName): void {
    const cause = toBtError(error);
    this.#shutdown(
      new BtError('INTERNAL', `a "${event}" listener of the TimeController threw: ${cause.message}`, {
        cause: error,
        details: { event, step: this.#step },
      }),
    );
  }

  // ---- per-participant timing ----------------------------------------------------------------

  /**
   * Settles the participant's last wait if a release ended it, and, in a timed step, its work
   * interval. Wall-clock times that were not read (an untimed step or release) are NaN, and the
   * intervals they bound are left out.
   */
  #recordArrival(slot: ParticipantSlot): void {
    // A previous arrival was released by the last release: it cannot miss one while a member.
    if (slot.pending) {
      addInterval(slot.waiting, slot.arrivedAt, this.#lastReleaseAt);
      slot.workSince = this.#lastReleaseAt;
    }
    if (this.#timedStep) {
      const now = this.#wall();
      addInterval(slot.working, slot.workSince, now);
      slot.arrivedAt = now;
    } else {
      slot.arrivedAt = Number.NaN;
    }
  }

  /** Settles a pending wait that has ended (released, or cut by stop); false while it still waits. */
  #settleWait(slot: ParticipantSlot): boolean {
    let end: number;
    if (this.#step > slot.arrivedStep) end = this.#lastReleaseAt;
    else if (this.#stopped) end = this.#stoppedAt;
    else return false;
    addInterval(slot.waiting, slot.arrivedAt, end);
    slot.workSince = end;
    slot.pending = false;
    return true;
  }

  #participantMetrics(slot: ParticipantSlot, now: number): ParticipantMetrics {
    if (this.#timing && slot.pending) this.#settleWait(slot);
    let status: ParticipantStatus;
    if (slot.left) status = 'left';
    else status = this.#barrier.isWaiting(slot.id) ? 'waiting' : 'working';
    let sinceMs = 0;
    if (this.#timing && !this.#stopped && !slot.left) {
      // Unknown (0) when the current interval began at a step that was not timed.
      const since = status === 'waiting' ? slot.arrivedAt : slot.workSince;
      sinceMs = Number.isNaN(since) ? 0 : Math.max(0, now - since);
    }
    const working = slot.working.snapshot();
    const waiting = slot.waiting.snapshot();
    const busy = working.totalMs + waiting.totalMs;
    return {
      id: slot.id,
      status,
      steps: slot.steps,
      working,
      waiting,
      waitingShare: busy > 0 ? waiting.totalMs / busy : 0,
      sinceMs,
    };
  }
}

function resolveDelay(mode: TimeMode, stepDelayMs: number | undefined): number {
  if (!isTimeMode(mode)) {
    throw new BtError('CONFIG', `TimeController mode: expected one of ${Object.values(TimeMode).join(', ')}, got "${String(mode)}"`, {
      details: { field: 'mode' },
    });
  }
  if (stepDelayMs === undefined) return TIME_MODE_DELAY_MS[mode];
  if (!Number.isFinite(stepDelayMs) || stepDelayMs < 0) {
    throw new BtError('CONFIG', `TimeController stepDelayMs: expected a finite number >= 0, got ${stepDelayMs}`, {
      details: { field: 'stepDelayMs' },
    });
  }
  return stepDelayMs;
}

function checkTotalSteps(totalSteps: number | undefined): number | undefined {
  if (totalSteps === undefined) return undefined;
  if (!Number.isSafeInteger(totalSteps) || totalSteps < 0) {
    throw new BtError('CONFIG', `TimeController totalSteps: expected an integer >= 0, got ${totalSteps}`, {
      details: { field: 'totalSteps' },
    });
  }
  return totalSteps;
}

function checkPositive(field: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new BtError('CONFIG', `TimeController ${field}: expected a finite number > 0, got ${value}`, { details: { field } });
  }
  return value;
}

/** Adds the interval `[start, end]` to `stat` when both ends were read (not NaN). */
function addInterval(stat: DurationStat, start: number, end: number): void {
  if (!Number.isNaN(start) && !Number.isNaN(end)) stat.add(end - start);
}
