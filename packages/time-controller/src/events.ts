/** Payloads of the events a {@link TimeController} emits, by event name. */
export interface TimeControllerEvents {
  /** A step was released: `step` is its number (1 for the first release). */
  readonly step: StepEvent;
  /** A participant arrived at the barrier. */
  readonly arrive: ArriveEvent;
  /** Releasing was paused (by `pause()`, or when a `step(n)` run ended). */
  readonly pause: ControlEvent;
  /** Releasing resumed (by `resume()` or `step(n)` while paused). */
  readonly resume: ControlEvent;
  /** The run ended (`stop()` or `abort()`); emitted once. */
  readonly stop: StopEvent;
}

/** Name of a {@link TimeControllerEvents} event. */
export type TimeControllerEventName = keyof TimeControllerEvents;

/** A listener of event `E`. */
export type TimeControllerListener<E extends TimeControllerEventName> = (event: TimeControllerEvents[E]) => void;

/** Payload of the `step` event. */
export interface StepEvent {
  /** Number of the step released (steps completed so far). */
  readonly step: number;
  /**
   * The `timeSource` reading at the release (in a backtest, the simulated time of the bar the
   * participants have just finished), or undefined without a `timeSource`.
   */
  readonly simTime: number | undefined;
}

/** Payload of the `arrive` event. */
export interface ArriveEvent {
  /** Who arrived. */
  readonly participant: string;
  /** Steps released so far: the participant now waits for step `step + 1`. */
  readonly step: number;
}

/** Payload of the `pause` and `resume` events. */
export interface ControlEvent {
  /** Steps released so far. */
  readonly step: number;
}

/** Payload of the `stop` event. */
export interface StopEvent {
  /** Steps released before the end. */
  readonly step: number;
  /** `'stopped'` after `stop()`, the reason given to `abort()`, or the error of a listener that threw. */
  readonly reason: unknown;
}

type ListenerTable = { [E in TimeControllerEventName]: ReadonlyArray<TimeControllerListener<E>> };

/**
 * A minimal typed emitter owned by one controller. Listener arrays are copied on change, so
 * `emit` iterates a stable array and {@link Emitter.has} is a property read: asking costs nothing
 * on the hot path when nobody listens.
 */
export class Emitter {
  readonly #listeners: ListenerTable = { step: [], arrive: [], pause: [], resume: [], stop: [] };
  readonly #onError: (error: unknown, event: TimeControllerEventName) => void;

  /** `onError` receives what a listener throws; the other listeners still run. */
  constructor(onError: (error: unknown, event: TimeControllerEventName) => void) {
    this.#onError = onError;
  }

  /** True while `arrive` has a listener: a field, read on every arrival without a lookup. */
  arriveHeard = false;
  /** True while `step` has a listener: read on every release. */
  stepHeard = false;

  /** True when `event` has at least one listener. */
  has(event: TimeControllerEventName): boolean {
    return this.#listeners[event].length !== 0;
  }

  /** Adds `listener` to `event`. */
  on<E extends TimeControllerEventName>(event: E, listener: TimeControllerListener<E>): void {
    const current = this.#listeners[event] as ReadonlyArray<TimeControllerListener<E>>;
    this.#set(event, [...current, listener]);
  }

  /** Removes one registration of `listener` from `event`. */
  off<E extends TimeControllerEventName>(event: E, listener: TimeControllerListener<E>): void {
    const current = this.#listeners[event] as ReadonlyArray<TimeControllerListener<E>>;
    const index = current.indexOf(listener);
    if (index < 0) return;
    this.#set(event, [...current.slice(0, index), ...current.slice(index + 1)]);
  }

  /** Calls every listener of `event` in registration order; a throw goes to `onError`. */
  emit<E extends TimeControllerEventName>(event: E, payload: TimeControllerEvents[E]): void {
    const listeners = this.#listeners[event] as ReadonlyArray<TimeControllerListener<E>>;
    for (let i = 0; i < listeners.length; i++) {
      try {
        (listeners[i] as TimeControllerListener<E>)(payload);
      } catch (error) {
        this.#onError(error, event);
      }
    }
  }

  #set<E extends TimeControllerEventName>(event: E, listeners: ReadonlyArray<TimeControllerListener<E>>): void {
    (this.#listeners as Record<TimeControllerEventName, unknown>)[event] = listeners;
    if (event === 'arrive') this.arriveHeard = listeners.length !== 0;
    else if (event === 'step') this.stepHeard = listeners.length !== 0;
  }
}
