import { describe, expect, it } from 'vitest';
import { StepLatch } from '../src/step-latch.js';

async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
}

describe('StepLatch', () => {
  it('waits until every worker alive at the step has ticked or left', async () => {
    const latch = new StepLatch(3);
    const wait = latch.waitAll(0);
    latch.settle(0);
    latch.settle(0);
    expect(await settled(wait)).toBe(false);
    latch.leave(0);
    expect(await settled(wait)).toBe(true);
    expect(latch.finish(0)).toBe(2);
  });

  it('does not count workers that left at earlier steps', async () => {
    const latch = new StepLatch(2);
    latch.settle(0);
    latch.leave(0);
    await latch.waitAll(0);
    expect(latch.finish(0)).toBe(1);
    const wait = latch.waitAll(1);
    latch.settle(1);
    expect(await settled(wait)).toBe(true);
  });

  it('counts settles that arrive before the monitor starts waiting', async () => {
    const latch = new StepLatch(2);
    latch.settle(4);
    latch.settle(4);
    expect(await settled(latch.waitAll(4))).toBe(true);
  });

  it('open() releases a waiter for good', async () => {
    const latch = new StepLatch(2);
    const wait = latch.waitAll(0);
    latch.open();
    expect(await settled(wait)).toBe(true);
    expect(await settled(latch.waitAll(7))).toBe(true);
  });
});
