/**
 * The step barrier as the trading controller sees it. The TimeController implements it.
 */
export interface StepCoordinator {
  /**
   * Arrive at the barrier and wait until every participant has finished this step.
   * Resolves true to go on, false when the run is stopping (the loop must end).
   */
  waitForNextStep(participant: string): Promise<boolean>;
  /** Adds a participant from the next step boundary on. Joining twice is harmless. */
  join(participant: string): void;
  /** Removes a participant; if it was the last one awaited, the others are released. */
  leave(participant: string): void;
  /** Wakes everyone with `false`; every later wait resolves false at once. */
  abort(reason?: unknown): void;
  /**
   * Optional: a seat for `participant` (joined first), whose `waitForNextStep()` is
   * `waitForNextStep(participant)` without looking the participant up on every step. Loops that
   * wait every step use it when the coordinator has it.
   */
  seat?(participant: string): StepSeat;
}

/** One participant's place at a {@link StepCoordinator} (see {@link StepCoordinator.seat}). */
export interface StepSeat {
  readonly participant: string;
  /** The same as the coordinator's `waitForNextStep(participant)`. */
  waitForNextStep(): Promise<boolean>;
}

/** A coordinator that a backtest starts and stops: the TimeController. */
export interface RunnableStepCoordinator extends StepCoordinator {
  /** Begins releasing steps. */
  start(): void;
  /** Ends the run: waiters are released with false and nothing is left pending. */
  stop(): void;
  /** The participants it currently expects, when it can tell. */
  participants?(): string[];
}

/** Participant id of the position monitor at the barrier. */
export const POSITION_MONITOR = 'position-monitor';

/** The coordinator's seat for `participant`, or one that waits through the participant's id. */
export function seatOf(coordinator: StepCoordinator, participant: string): StepSeat {
  return coordinator.seat?.(participant) ?? { participant, waitForNextStep: () => coordinator.waitForNextStep(participant) };
}
