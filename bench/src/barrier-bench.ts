import { Barrier } from '@bt/core';
import { TimeController, TimeMode } from '@bt/time-controller';
import { Bench } from 'tinybench';
import type { Summary } from './stats.js';
import { summarize } from './stats.js';

/** One barrier figure: participant-steps per second at one party size. */
export interface BarrierFigure {
  readonly kind: 'barrier' | 'time-controller';
  readonly participants: number;
  readonly stepsPerRun: number;
  /** Participant-steps per second (median, and the range over the runs). */
  readonly rate: { median: number; min: number; max: number };
  /** Milliseconds per run. */
  readonly time: Summary;
}

function ids(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `p${String(i).padStart(4, '0')}`);
}

/** `n` loops crossing a core {@link Barrier} `steps` times each. */
async function crossBarrier(names: readonly string[], steps: number): Promise<void> {
  const barrier = new Barrier(names);
  const loop = async (id: string): Promise<void> => {
    for (let k = 0; k < steps; k++) if (!(await barrier.arrive(id))) return;
    barrier.leave(id);
  };
  await Promise.all(names.map(loop));
  if (barrier.step !== steps) throw new Error(`barrier bench: expected ${steps} steps, got ${barrier.step}`);
}

/** The same through a TimeController in MAX_SPEED (default options: per-participant timing on). */
async function crossTimeController(names: readonly string[], steps: number): Promise<void> {
  const tc = new TimeController({ participants: names, mode: TimeMode.MAX_SPEED });
  tc.start();
  const loop = async (id: string): Promise<void> => {
    for (let k = 0; k < steps; k++) if (!(await tc.waitForNextStep(id))) return;
    tc.leave(id);
  };
  await Promise.all(names.map(loop));
  tc.stop();
  if (tc.currentStep !== steps) throw new Error(`time-controller bench: expected ${steps} steps, got ${tc.currentStep}`);
}

/**
 * Figure 1: participant-steps per second crossing the barrier, with tinybench. Each task runs
 * `n` participants for enough steps to make about `work` participant-steps; tinybench repeats it
 * (`iterations` timed runs after warm-up) and the median run time gives the rate.
 */
export async function barrierFigures(parties: readonly number[], work: number, iterations: number): Promise<BarrierFigure[]> {
  const bench = new Bench({ iterations, time: 0, warmupIterations: 2, warmupTime: 0, retainSamples: true, throws: true });
  const plan: { kind: BarrierFigure['kind']; participants: number; steps: number }[] = [];
  for (const n of parties) {
    const steps = Math.max(10, Math.round(work / n));
    const names = ids(n);
    plan.push({ kind: 'barrier', participants: n, steps });
    bench.add(`barrier ${n}`, () => crossBarrier(names, steps));
    plan.push({ kind: 'time-controller', participants: n, steps });
    bench.add(`time-controller ${n}`, () => crossTimeController(names, steps));
  }
  await bench.run();
  return bench.tasks.map((task, i) => {
    const { kind, participants, steps } = plan[i]!;
    const result = task.result;
    if (result.state !== 'completed') throw new Error(`tinybench task ${task.name} ended ${result.state}`);
    const samples = [...(result.latency.samples ?? [])];
    const time = samples.length > 0 ? summarize(samples) : summarize([result.latency.p50]);
    const count = participants * steps;
    return {
      kind,
      participants,
      stepsPerRun: steps,
      rate: { median: (count * 1000) / time.median, min: (count * 1000) / time.max, max: (count * 1000) / time.min },
      time,
    };
  });
}
