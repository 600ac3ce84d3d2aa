import type { ManualClock } from '@bt/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { RecordingProxy, Venue } from './helpers.js';
import { closeOf, recordedBroker, startProxy, startVenue, SYMBOL } from './helpers.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/**
 * Awaits `promise` while the ManualClock follows the wall clock, so that the broker's look-ups
 * (on the clock) and the venue's receive window (in wall time, against ccxt's timestamps) see
 * the same time pass.
 */
async function inRealTime<T>(clock: ManualClock, promise: Promise<T>): Promise<T> {
  let settled = false;
  const done = promise.finally(() => {
    settled = true;
  });
  done.catch(() => undefined);
  const wall0 = Date.now();
  const clock0 = clock.now();
  while (!settled) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    await clock.advanceTo(Math.max(clock.now(), clock0 + Date.now() - wall0));
  }
  return done;
}

interface Setup {
  readonly venue: Venue;
  readonly proxy: RecordingProxy;
  readonly recorded: ReturnType<typeof recordedBroker>;
}

/**
 * An emulator with Binance's rule (a client order id is refused only while an order with it is
 * open), a recording proxy, and a connected broker; the clock is `beforeClose` ms before bar
 * 100 closes, so a market order sent now fills at that close.
 */
async function setup(beforeClose: number): Promise<Setup> {
  const venue = await startVenue({ clientOrderIds: 'open-only' });
  const proxy = await startProxy(venue.emulator.url);
  const recorded = recordedBroker(venue.brokerOptions({ urls: { rest: proxy.url }, timeoutMs: 800 }));
  cleanup = async () => {
    await recorded.broker.close();
    await proxy.close();
    await venue.close();
  };
  await venue.drive(recorded.broker.connect());
  await venue.clock.advanceTo(closeOf(100) - beforeClose);
  return { venue, proxy, recorded };
}

/** Fills the venue's resting orders at the next bar and lets the broker see every fill. */
async function settle({ venue, recorded }: Setup): Promise<void> {
  await venue.clock.advanceTo(closeOf(102));
  venue.emulator.control.sync();
  for (let i = 0; i < 3; i++) await recorded.broker.sync();
}

describe('no double fill from a resend (Binance: client order ids unique among open orders only)', () => {
  it('a resend under the open-only client-id rule does not fill twice', async () => {
    // The order reaches the matching engine 2 s after it was sent; ccxt gives up after 0.8 s.
    // Meanwhile bar 100 closes: a resend sent at once would fill there and close, and the late
    // original would then be accepted under the same client order id and fill a second time.
    const s = await setup(1_500);
    s.venue.emulator.control.setFaults({ latency: { method: 'POST', path: '/api/v3/order', ms: 2_000, count: 1 } });
    const ack = await inRealTime(
      s.venue.clock,
      s.recorded.broker.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amount: 0.01, clientOrderId: 'late-1' }),
    );
    expect(ack).toMatchObject({ accepted: true, clientOrderId: 'late-1' });
    await settle(s);
    expect(s.proxy.orderPosts().get('late-1')).toBe(1);
    expect(s.venue.emulator.orders().filter((o) => o.clientOrderId === 'late-1')).toHaveLength(1);
    expect(s.venue.emulator.fills().map((f) => [f.clientOrderId, f.amount])).toEqual([['late-1', 0.01]]);
    expect(s.recorded.fills().map((f) => [f.clientOrderId, f.amount])).toEqual([['late-1', 0.01]]);
    const messages = s.recorded.records.map((r) => r.message);
    expect(messages).toContain('order found by client order id after a failed submission; not resent');
    expect(messages.filter((m) => m.startsWith('the venue does not have the order; resending'))).toEqual([]);
  }, 30_000);

  it('resends only once look-ups past the receive window found nothing, and the late original is refused by the venue', async () => {
    // The original arrives 7 s after it was signed: past the 5 s recvWindow the broker sends, so the
    // venue refuses it. The broker resends only after its look-ups span that window.
    const s = await setup(20_000);
    s.venue.emulator.control.setFaults({ latency: { method: 'POST', path: '/api/v3/order', ms: 7_000, count: 1 } });
    const wall0 = Date.now();
    const ack = await inRealTime(
      s.venue.clock,
      s.recorded.broker.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amount: 0.01, clientOrderId: 'lost-1' }),
    );
    expect(ack).toMatchObject({ accepted: true, clientOrderId: 'lost-1' });
    expect(Date.now() - wall0).toBeGreaterThan(5_000);
    const messages = s.recorded.records.map((r) => r.message);
    expect(messages.filter((m) => m.startsWith('the venue does not have the order; resending'))).toHaveLength(1);
    const lookups = s.proxy.requests.filter(
      (r) => r.method === 'GET' && r.path === '/api/v3/order' && r.params.get('origClientOrderId') === 'lost-1',
    );
    expect(lookups.length).toBeGreaterThanOrEqual(3);
    // The late original has arrived meanwhile and was refused (timestamp outside the recvWindow).
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await settle(s);
    expect(s.proxy.orderPosts().get('lost-1')).toBe(2);
    expect(s.venue.emulator.orders().filter((o) => o.clientOrderId === 'lost-1')).toHaveLength(1);
    expect(s.venue.emulator.fills().map((f) => [f.clientOrderId, f.amount])).toEqual([['lost-1', 0.01]]);
    expect(s.recorded.fills().map((f) => [f.clientOrderId, f.amount])).toEqual([['lost-1', 0.01]]);
  }, 30_000);

  it('when the look-ups cannot prove the order absent, it throws outcomeUnknown and never resends', async () => {
    const s = await setup(20_000);
    // The send times out; every look-up then fails too (5xx on the order endpoint, beyond every retry).
    s.venue.emulator.control.setFaults({
      latency: { method: 'POST', path: '/api/v3/order', ms: 2_000, count: 1 },
      serverError: { method: 'GET', path: '/api/v3/order', count: 100, status: 503 },
    });
    const submit = s.recorded.broker.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'market', amount: 0.01, clientOrderId: 'dark-1' });
    const error = await inRealTime(s.venue.clock, submit).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'NETWORK', retryable: false, details: { outcomeUnknown: true, clientOrderId: 'dark-1' } });
    expect(s.proxy.orderPosts().get('dark-1')).toBe(1);
    s.venue.emulator.control.clearFaults();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await settle(s);
    // The poll loop found it later, and its one fill was emitted.
    expect(s.venue.emulator.fills().map((f) => f.clientOrderId)).toEqual(['dark-1']);
    expect(s.recorded.fills().map((f) => f.clientOrderId)).toEqual(['dark-1']);
  }, 30_000);
});
