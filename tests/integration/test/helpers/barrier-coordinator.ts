import type { RunnableStepCoordinator } from '@bt/core';
import { Barrier } from '@bt/core';

/** The smallest RunnableStepCoordinator: core's Barrier with an optional hook per release. */
export function barrierCoordinator(beforeRelease?: (step: number) => void | Promise<void>): RunnableStepCoordinator & { barrier: Barrier } {
  let started = false;
  let startGate: (() => void) | undefined;
  const gate = new Promise<void>((resolve) => {
    startGate = resolve;
  });
  const barrier = new Barrier([], {
    beforeRelease: (step) => {
      if (!started) return gate.then(() => beforeRelease?.(step));
      return beforeRelease?.(step);
    },
  });
  return {
    barrier,
    waitForNextStep: (participant) => barrier.arrive(participant),
    join: (participant) => barrier.join(participant),
    leave: (participant) => barrier.leave(participant),
    abort: (reason) => barrier.abort(reason),
    start: () => {
      started = true;
      startGate?.();
    },
    stop: () => barrier.abort('stopped'),
    participants: () => barrier.participants(),
  };
}
