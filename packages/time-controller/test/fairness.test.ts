import { describe, expect, it } from 'vitest';
import { TimeController, TimeMode } from '../src/index.js';

const STEPS = 200_000;

/** Runs two participants for `STEPS` steps in MAX_SPEED; returns the step at which queued macrotasks ran. */
async function longRun(wallClock?: () => number): Promise<{ immediateAt: number; timeoutAt: number; end: number }> {
  const tc = new TimeController({
    participants: ['a', 'b'],
    mode: TimeMode.MAX_SPEED,
    ...(wallClock === undefined ? {} : { wallClock }),
  });
  tc.start();
  let immediateAt = -1;
  let timeoutAt = -1;
  setImmediate(() => {
    immediateAt = tc.currentStep;
  });
  setTimeout(() => {
    timeoutAt = tc.currentStep;
  }, 0);
  const worker = async (id: string) => {
    for (let i = 0; i < STEPS; i++) await tc.waitForNextStep(id);
    tc.leave(id);
  };
  await Promise.all([worker('a'), worker('b')]);
  const end = tc.currentStep;
  tc.stop();
  // Let callbacks that did not run during the run fire now.
  await new Promise((resolve) => setTimeout(resolve, 5));
  return { immediateAt, timeoutAt, end };
}

describe('event-loop fairness in MAX_SPEED', () => {
  it('lets a setImmediate and a setTimeout(0) queued during a long run run before it ends', async () => {
    const { immediateAt, timeoutAt, end } = await longRun();
    expect(end).toBe(STEPS);
    expect(immediateAt).toBeGreaterThanOrEqual(0);
    expect(immediateAt).toBeLessThan(STEPS);
    expect(timeoutAt).toBeGreaterThanOrEqual(0);
    expect(timeoutAt).toBeLessThan(STEPS);
  });

  it('yields when the injected wall clock says the interval has passed', async () => {
    // Every read is 20 ms later: the first check already finds the 10 ms interval passed.
    let now = 0;
    const { immediateAt, end } = await longRun(() => {
      now += 20;
      return now;
    });
    expect(end).toBe(STEPS);
    expect(immediateAt).toBeLessThanOrEqual(2);
  });

  it('does not yield while the injected wall clock stands still (the check is on the clock, not a step count)', async () => {
    const { immediateAt, timeoutAt, end } = await longRun(() => 0);
    expect(end).toBe(STEPS);
    expect(immediateAt).toBe(STEPS);
    expect(timeoutAt).toBe(STEPS);
  });
});
