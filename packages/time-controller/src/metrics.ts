import type { BarrierSeat, StepSeat } from '@bt/core';

/** Where a participant is: working on its step, waiting at the barrier, or gone. */
export type ParticipantStatus = 'working' | 'waiting' | 'left';

/** Durations of one kind (working or waiting), in wall-clock milliseconds. */
export interface DurationStats {
  /** Number of completed intervals. */
  readonly count: number;
  readonly totalMs: number;
  /** 0 when `count` is 0. */
  readonly minMs: number;
  /** 0 when `count` is 0. */
  readonly avgMs: number;
  readonly maxMs: number;
}

/** What one participant has been doing. */
export interface ParticipantMetrics {
  readonly id: string;
  readonly status: ParticipantStatus;
  /** Times it arrived at the barrier. */
  readonly steps: number;
  /** Completed work intervals (from its release, or its join, to its next arrival). */
  readonly working: DurationStats;
  /** Completed waits at the barrier (from its arrival to its release). */
  readonly waiting: DurationStats;
  /** `waiting.totalMs / (working.totalMs + waiting.totalMs)`, 0 before any interval. */
  readonly waitingShare: number;
  /** How long it has been in its current status, in ms (0 once it left or the run stopped). */
  readonly sinceMs: number;
}

/** A snapshot of a {@link TimeController}: enough for a progress bar with every worker's status. */
export interface TimeControllerMetrics {
  readonly state: 'idle' | 'running' | 'paused' | 'stopped';
  /** Steps released so far. */
  readonly step: number;
  /** The `totalSteps` option, if given. */
  readonly totalSteps: number | undefined;
  /** `step / totalSteps` capped at 1, or undefined without `totalSteps`. */
  readonly progress: number | undefined;
  /** Wall-clock time spent started and not paused, in ms. */
  readonly elapsedMs: number;
  /** Steps per second of `elapsedMs`. */
  readonly stepsPerSecond: number;
  /** Estimated time to `totalSteps` at the current rate, in ms, when it can be told. */
  readonly etaMs: number | undefined;
  /** The `timeSource` reading now, if any. */
  readonly simTime: number | undefined;
  /** Whether per-participant durations are measured (the `participantTiming` option). */
  readonly participantTiming: boolean;
  /** Every participant seen, sorted by id, including those that left. */
  readonly participants: readonly ParticipantMetrics[];
}

/** A running min/avg/max/total of durations. */
export class DurationStat {
  count = 0;
  total = 0;
  min = 0;
  max = 0;

  add(ms: number): void {
    const value = Math.max(ms, 0);
    if (this.count === 0) {
      this.min = value;
      this.max = value;
    } else {
      if (value < this.min) this.min = value;
      if (value > this.max) this.max = value;
    }
    this.count++;
    this.total += value;
  }

  snapshot(): DurationStats {
    return {
      count: this.count,
      totalMs: this.total,
      minMs: this.min,
      avgMs: this.count === 0 ? 0 : this.total / this.count,
      maxMs: this.max,
    };
  }
}

/**
 * The controller's per-participant record, and the participant's seat (`TimeController.seat`).
 * Durations are settled lazily: a wait ends at the release that follows it, which is known when
 * the participant arrives again (it cannot miss a release while it is a member), so nothing is
 * done per waiter at release.
 */
export class ParticipantSlot implements StepSeat {
  readonly id: string;
  left = false;
  /** Arrivals at the barrier. */
  steps = 0;
  /** An arrival whose wait is not settled into `waiting` yet. */
  pending = false;
  /** Steps released when it last arrived. */
  arrivedStep = -1;
  /** Wall time of its last arrival. */
  arrivedAt = 0;
  /** Wall time its current work interval began. */
  workSince: number;
  readonly working = new DurationStat();
  readonly waiting = new DurationStat();
  /** Its place at the barrier (renewed when it joins again). */
  barrierSeat: BarrierSeat | undefined = undefined;
  /** The controller's arrival, shared by every slot. */
  readonly #arrive: (slot: ParticipantSlot) => Promise<boolean>;

  constructor(id: string, now: number, arrive: (slot: ParticipantSlot) => Promise<boolean>) {
    this.id = id;
    this.workSince = now;
    this.#arrive = arrive;
  }

  /** The participant's id (as a {@link StepSeat}). */
  get participant(): string {
    return this.id;
  }

  /** `TimeController.waitForNextStep(id)`, without the lookup. */
  waitForNextStep(): Promise<boolean> {
    return this.#arrive(this);
  }
}
