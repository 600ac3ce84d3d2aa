import { CASE_BODIES } from './cases.js';
import { ConformanceSession } from './session.js';
import type { BrokerConformanceOptions, ConformanceCaseId } from './types.js';

/**
 * Runs one conformance case outside the suite's registration, exactly as the suite's test of that
 * case does: opens a fresh session (`create()`, `connect()`, warm-up), runs the case, and closes
 * the session whatever happened. Resolves when the case passes; rejects with the case's failure.
 * Call it inside a vitest test: the cases assert with vitest's `expect`.
 *
 * @example
 * ```ts
 * it('events.after-ack fails for an adapter that emits inside submitOrder', async () => {
 *   await expect(runConformanceCase(buggyOptions, 'events.after-ack')).rejects.toThrow(/before its ack/);
 * });
 * ```
 */
export async function runConformanceCase(options: BrokerConformanceOptions, id: ConformanceCaseId): Promise<void> {
  const session = await ConformanceSession.open(options);
  let failure: { readonly error: unknown } | undefined;
  try {
    await CASE_BODIES[id](session);
  } catch (error) {
    failure = { error };
  }
  try {
    await session.dispose();
  } catch (error) {
    // The case's own failure says more than a failed clean-up after it.
    failure ??= { error };
  }
  if (failure !== undefined) throw failure.error;
}
