import { BtError } from './errors.js';

/** Hooks a {@link Barrier} calls around each release. */
export interface BarrierHooks {
  /**
   * Called once the last participant of a step has arrived, with the number of the step about to
   * begin, before anyone is released. A returned promise holds the release until it settles (this
   * is where the TimeController applies its delay and its pause).
   */
  readonly beforeRelease?: (step: number) => void | Promise<void>;
}

/**
 * A participant's seat at a {@link Barrier}: it arrives without looking the id up, for loops that
 * arrive every step. Take it after {@link Barrier.join}; a seat taken before its participant left
 * keeps working through the id (it then arrives as {@link Barrier.arrive} would).
 */
export interface BarrierSeat {
  readonly id: string;
  /** {@link Barrier.arrive} for this participant. */
  arrive(): Promise<boolean>;
}

/** What a {@link Slot} arrives through: one object per barrier, shared by its slots. */
interface SlotOwner {
  arriveAt(slot: Slot): Promise<boolean>;
}

/** A participant's place; it is also the participant's {@link BarrierSeat}. */
class Slot implements BarrierSeat {
  /** Counted when deciding whether everyone has arrived. */
  member: boolean;
  /** Waiting in the current generation. */
  resolve: ((go: boolean) => void) | undefined = undefined;
  /** Leave requested while a release was under way. */
  leaving = false;
  /** Removed from the barrier: a seat on it arrives through the id instead. */
  removed = false;
  readonly #owner: SlotOwner;

  constructor(
    readonly id: string,
    member: boolean,
    owner: SlotOwner,
  ) {
    this.member = member;
    this.#owner = owner;
  }

  arrive(): Promise<boolean> {
    return this.#owner.arriveAt(this);
  }
}

const STOP = Promise.resolve(false);
const SETTLED = Promise.resolve();

/**
 * An async cyclic barrier whose parties can change between steps.
 *
 * - {@link Barrier.arrive} waits until every participant of the step has arrived;
 * - {@link Barrier.join} adds a participant at the next step boundary;
 * - {@link Barrier.leave} removes one, releasing the others if it was the last one awaited;
 * - {@link Barrier.abort} wakes everyone with `false`.
 *
 * Waiters are released in a fixed order, sorted by participant id, whatever order they arrived in.
 *
 * @example
 * ```ts
 * const barrier = new Barrier(['a', 'b']);
 * const a = barrier.arrive('a');
 * await barrier.arrive('b'); // both released; barrier.step === 1
 * await a;
 * ```
 */
export class Barrier {
  readonly #slots = new Map<string, Slot>();
  readonly #hooks: BarrierHooks;
  #ordered: Slot[] = [];
  #orderDirty = false;
  #members = 0;
  #arrived = 0;
  #waiting = 0;
  #step = 0;
  #releasing = false;
  #aborted = false;
  #abortReason: unknown;
  /** How seats arrive: through the id once their slot was removed (the participant may have joined again). */
  readonly #owner: SlotOwner = {
    arriveAt: (slot) => (slot.removed ? this.arrive(slot.id) : this.#aborted ? STOP : this.#arriveAt(slot)),
  };

  constructor(participants: Iterable<string> = [], hooks: BarrierHooks = {}) {
    this.#hooks = hooks;
    for (const id of participants) this.join(id);
  }

  /** Number of completed steps (releases). */
  get step(): number {
    return this.#step;
  }

  /** Participants counted at the current step. */
  get parties(): number {
    return this.#members;
  }

  /** Participants that have arrived at the current step. */
  get arrived(): number {
    return this.#arrived;
  }

  /** True once {@link Barrier.abort} was called. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** The reason given to {@link Barrier.abort}. */
  get abortReason(): unknown {
    return this.#abortReason;
  }

  /** Ids of the current participants, sorted. */
  participants(): string[] {
    return this.#order()
      .filter((slot) => slot.member)
      .map((slot) => slot.id);
  }

  /** True when `id` is a participant (or joins at the next boundary). */
  has(id: string): boolean {
    return this.#slots.has(id);
  }

  /** True when `id` is waiting at the barrier now. */
  isWaiting(id: string): boolean {
    return this.#slots.get(id)?.resolve !== undefined;
  }

  /**
   * Adds a participant. Between steps (nobody waiting) it counts at once; while a step is under
   * way it counts from the next step, and if it arrives now it is released with the others.
   * Joining twice is harmless.
   */
  join(id: string): void {
    const existing = this.#slots.get(id);
    if (existing !== undefined) {
      existing.leaving = false;
      return;
    }
    const between = this.#waiting === 0 && !this.#releasing;
    this.#slots.set(id, new Slot(id, between, this.#owner));
    this.#orderDirty = true;
    if (between) this.#members++;
  }

  /**
   * Removes a participant. If it was the last one the others waited for, they are released.
   * A participant waiting at the barrier when it leaves is woken with `false`.
   */
  leave(id: string): void {
    const slot = this.#slots.get(id);
    if (slot === undefined) return;
    if (this.#releasing) {
      slot.leaving = true;
      return;
    }
    this.#remove(slot);
    if (slot.resolve !== undefined) {
      const resolve = slot.resolve;
      slot.resolve = undefined;
      this.#waiting--;
      resolve(false);
    }
    this.#maybeRelease();
  }

  /**
   * Arrives at the barrier and waits for the step to complete. Resolves true to go on, false
   * when the barrier was aborted or this participant left.
   */
  arrive(id: string): Promise<boolean> {
    if (this.#aborted) return STOP;
    const slot = this.#slots.get(id);
    if (slot === undefined) {
      return Promise.reject(new BtError('STATE', `barrier: "${id}" is not a participant; join before waiting`));
    }
    return this.#arriveAt(slot);
  }

  /**
   * The seat of participant `id`, for arriving without a lookup (see {@link BarrierSeat}).
   * @throws BtError `STATE` when `id` is not a participant.
   */
  seat(id: string): BarrierSeat {
    const slot = this.#slots.get(id);
    if (slot === undefined) throw new BtError('STATE', `barrier: "${id}" is not a participant; join before taking a seat`);
    return slot;
  }

  #arriveAt(slot: Slot): Promise<boolean> {
    if (slot.resolve !== undefined) {
      return Promise.reject(new BtError('STATE', `barrier: "${slot.id}" is already waiting at step ${this.#step}`));
    }
    // An inline executor: V8 inlines it into the Promise constructor (a stored one is slower).
    const promise = new Promise<boolean>((resolve) => {
      slot.resolve = resolve;
    });
    this.#waiting++;
    if (slot.member) this.#arrived++;
    this.#maybeRelease();
    return promise;
  }

  /** Wakes every waiter with `false`; every later {@link Barrier.arrive} resolves false at once. */
  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    for (const slot of this.#order()) {
      const resolve = slot.resolve;
      if (resolve !== undefined) {
        slot.resolve = undefined;
        resolve(false);
      }
    }
    this.#waiting = 0;
    this.#arrived = 0;
  }

  #maybeRelease(): void {
    if (this.#releasing || this.#aborted || this.#waiting === 0) return;
    if (this.#arrived < this.#members) return;
    this.#releasing = true;
    const next = this.#step + 1;
    const hook = this.#hooks.beforeRelease;
    let held: void | Promise<void>;
    try {
      held = hook?.(next);
    } catch (error) {
      this.#releasing = false;
      this.abort(error);
      return;
    }
    if (held === undefined) {
      // Release a microtask later, once the last arriver has attached its continuation: a promise
      // resolved before its `then` is attached would run last, breaking the id order.
      // A reaction on a settled promise: the same microtask queue as queueMicrotask, without the
      // AsyncResource Node wraps each queueMicrotask callback in (a cost on every step).
      SETTLED.then(() => this.#release(next));
    } else {
      held.then(
        () => this.#release(next),
        (error: unknown) => {
          this.#releasing = false;
          this.abort(error);
        },
      );
    }
  }

  #release(next: number): void {
    this.#releasing = false;
    if (this.#aborted) return;
    this.#step = next;
    const ordered = this.#order();
    // Membership changes requested during the release take effect at this boundary.
    let changed = false;
    for (const slot of ordered) {
      if (slot.leaving) {
        this.#remove(slot);
        changed = true;
      } else if (!slot.member) {
        slot.member = true;
        this.#members++;
      }
    }
    const releaseOrder = changed ? ordered : this.#order();
    this.#arrived = 0;
    this.#waiting = 0;
    for (let i = 0; i < releaseOrder.length; i++) {
      const slot = releaseOrder[i] as Slot;
      const resolve = slot.resolve;
      if (resolve !== undefined) {
        slot.resolve = undefined;
        resolve(!slot.leaving && !slot.removed);
      }
    }
  }

  #remove(slot: Slot): void {
    this.#slots.delete(slot.id);
    slot.removed = true;
    this.#orderDirty = true;
    if (slot.member) {
      slot.member = false;
      this.#members--;
      if (slot.resolve !== undefined) this.#arrived--;
    }
  }

  #order(): Slot[] {
    if (this.#orderDirty) {
      this.#ordered = [...this.#slots.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      this.#orderDirty = false;
    }
    return this.#ordered;
  }
}
