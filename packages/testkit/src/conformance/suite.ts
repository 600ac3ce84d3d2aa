import { afterAll, describe, it } from 'vitest';
import { formatConformancePlan, planBrokerConformance } from './plan.js';
import { runConformanceCase } from './run-case.js';
import type { BrokerConformanceOptions, ConformancePlan } from './types.js';

/**
 * Registers the Broker conformance suite for one adapter: a vitest `describe` named
 * `Broker conformance: <name>` with one test per case. Call it at the top level of a test file.
 *
 * While the suite is collected, it calls `create()` once to read `broker.capabilities` and plans
 * the run with {@link planBrokerConformance}: a case the broker (or the fixture) cannot support is
 * registered with `it.skip`, its reason in its name (`[skipped: needs capability shorting]`). After
 * the run, the plan goes to `options.report` (default: {@link formatConformancePlan} logged).
 *
 * Each case gets a fresh fixture: `create()`, `connect()`, `warmup` advances of the driver; after
 * it, `close()` and `driver.dispose()` (see {@link runConformanceCase}, which each test calls). Cases wait for fills only by advancing the driver, at most
 * `maxAdvances` times: never on wall-clock time.
 *
 * @example
 * ```ts
 * import { describeBrokerConformance, replayFixture } from '@bt/testkit/conformance';
 *
 * describeBrokerConformance({
 *   name: 'MyBroker',
 *   create: () => replayFixture(new MyBroker({ bars })),
 *   symbol: 'BTC/USDT',
 *   amount: 0.01,
 *   unaffordableAmount: 1_000_000,
 *   offPrecisionAmount: 0.0105,
 * });
 * ```
 */
export function describeBrokerConformance(options: BrokerConformanceOptions): void {
  describe(`Broker conformance: ${options.name}`, async () => {
    const probe = await options.create();
    const capabilities = probe.broker.capabilities;
    try {
      await probe.broker.close();
    } finally {
      await probe.driver.dispose?.();
    }
    const plan = planBrokerConformance(capabilities, options);
    afterAll(() => (options.report ?? logPlan)(plan));

    for (const c of plan.cases) {
      const run = () => runConformanceCase(options, c.id);
      const name = `${c.id}: ${c.title}`;
      if (c.skip !== undefined) it.skip(`${name} [skipped: ${c.skip}]`, run);
      else if (c.knownFailure !== undefined) it.fails(`${name} [known failure: ${c.knownFailure}]`, run);
      else it(name, run);
    }
  });
}

function logPlan(plan: ConformancePlan): void {
  console.info(formatConformancePlan(plan));
}
