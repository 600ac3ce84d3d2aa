import type { Broker, BrokerListener, Fill, OrderAck, OrderRequest } from '@bt/core';
import { isBtError } from '@bt/core';
import { describe, expect, it } from 'vitest';
import type { CrashPoint } from '../src/run/crash-points.js';
import { CRASH_POINTS, crashSpecFromEnv, withCrashPoint } from '../src/run/crash-points.js';

/** A venue that acks every order as `status` and lets the test emit fills. */
function scriptedVenue(status: OrderAck['status'] = 'open') {
  const listeners = new Set<BrokerListener>();
  const sent: OrderRequest[] = [];
  const broker = {
    id: 'scripted',
    async submitOrder(request: OrderRequest): Promise<OrderAck> {
      sent.push(request);
      return { accepted: true, orderId: String(sent.length), status, clientOrderId: request.clientOrderId } as OrderAck;
    },
    subscribe(listener: BrokerListener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async getLatestPrice() {
      return 100;
    },
  } as unknown as Broker;
  const fill = (clientOrderId: string, amount: number, id: string): void => {
    const event: Fill = {
      id,
      orderId: clientOrderId,
      clientOrderId,
      symbol: 'BTC/USDT',
      side: 'buy',
      amount,
      price: 100,
      fee: 0,
      feeCurrency: 'USDT',
      maker: false,
      timestamp: 0,
    };
    for (const listener of listeners) listener({ type: 'fill', fill: event });
  };
  return { broker, sent, fill };
}

const order = (clientOrderId: string, extra: Partial<OrderRequest> = {}): OrderRequest => ({
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'market',
  amount: 1,
  clientOrderId,
  ...extra,
});

/**
 * Runs `script` on a broker armed at `point:count` whose death only counts (the script goes on);
 * returns how often it died and how many requests the venue had got at the death.
 */
async function run(point: CrashPoint, count: number, script: (b: Broker, venue: ReturnType<typeof scriptedVenue>) => Promise<void>) {
  const venue = scriptedVenue();
  let deaths = 0;
  let sent: number | undefined;
  const broker = withCrashPoint(venue.broker, { point, count }, () => {
    deaths++;
    sent ??= venue.sent.length;
  });
  await script(broker, venue);
  await new Promise((resolve) => setImmediate(resolve));
  return { deaths, sent };
}

describe('crash points (the test-only hook of the crash matrix)', () => {
  it('reads BT_CRASH_AT, and names the variable and the points on a bad value', () => {
    expect(crashSpecFromEnv({})).toBeUndefined();
    expect(crashSpecFromEnv({ BT_CRASH_AT: 'sent-no-ack' })).toEqual({ point: 'sent-no-ack', count: 1 });
    expect(crashSpecFromEnv({ BT_CRASH_AT: 'partial-fill:3' })).toEqual({ point: 'partial-fill', count: 3 });
    for (const bad of ['nowhere', 'sent-no-ack:0', 'sent-no-ack:x', 'sent-no-ack:1:2']) {
      let error: unknown;
      try {
        crashSpecFromEnv({ BT_CRASH_AT: bad });
      } catch (e) {
        error = e;
      }
      expect(isBtError(error) && error.code === 'CONFIG').toBe(true);
      expect((error as Error).message).toContain(`BT_CRASH_AT="${bad}"`);
      for (const point of CRASH_POINTS) expect((error as Error).message).toContain(point);
    }
  });

  it('dies before the n-th request is sent (intent-journaled) or after it is (sent-no-ack)', async () => {
    const twoOrders = async (b: Broker) => {
      await b.submitOrder(order('c1'));
      await b.submitOrder(order('c2'));
    };
    expect(await run('intent-journaled', 2, twoOrders)).toEqual({ deaths: 1, sent: 1 });
    expect(await run('sent-no-ack', 2, twoOrders)).toEqual({ deaths: 1, sent: 2 });
    expect(await run('sent-no-ack', 3, twoOrders)).toEqual({ deaths: 0, sent: undefined });
  });

  it('dies at an exit (a reduce-only order) only, and after an open ack only on the next turn', async () => {
    const entryThenExit = async (b: Broker) => {
      await b.submitOrder(order('c1'));
      await b.submitOrder(order('c2', { side: 'sell', reduceOnly: true }));
    };
    expect(await run('exit-in-flight', 1, entryThenExit)).toEqual({ deaths: 1, sent: 2 });
    expect(await run('exit-in-flight', 2, entryThenExit)).toEqual({ deaths: 0, sent: undefined });
    let diedBeforeTheTurnEnded = true;
    const venue = scriptedVenue('open');
    let deaths = 0;
    const armed = withCrashPoint(venue.broker, { point: 'acked-not-filled', count: 1 }, () => {
      deaths++;
    });
    await armed.submitOrder(order('c1'));
    diedBeforeTheTurnEnded = deaths > 0;
    await new Promise((resolve) => setImmediate(resolve));
    expect({ diedBeforeTheTurnEnded, deaths }).toEqual({ diedBeforeTheTurnEnded: false, deaths: 1 });
  });

  it('counts each fill once whatever the number of listeners, and hides the fatal one', async () => {
    const venue = scriptedVenue();
    let deaths = 0;
    const broker = withCrashPoint(venue.broker, { point: 'filled-not-seen', count: 2 }, () => {
      deaths++;
    });
    const seenByA: string[] = [];
    const seenByB: string[] = [];
    broker.subscribe((e) => e.type === 'fill' && seenByA.push(e.fill.id));
    broker.subscribe((e) => e.type === 'fill' && seenByB.push(e.fill.id));
    await broker.submitOrder(order('c1'));
    venue.fill('c1', 1, 't1');
    venue.fill('c1', 1, 't2');
    expect(deaths).toBe(1);
    expect(seenByA).toEqual(['t1']);
  });

  it('dies after a partial fill was delivered, not after a full one', async () => {
    const result = await run('partial-fill', 1, async (b, venue) => {
      b.subscribe(() => {});
      await b.submitOrder(order('c1', { amount: 2 }));
      await b.submitOrder(order('c2', { amount: 1 }));
      venue.fill('c2', 1, 't1');
      venue.fill('c1', 1, 't2');
    });
    expect(result.deaths).toBe(1);
    const none = await run('partial-fill', 1, async (b, venue) => {
      b.subscribe(() => {});
      await b.submitOrder(order('c1', { amount: 1 }));
      venue.fill('c1', 1, 't1');
    });
    expect(none.deaths).toBe(0);
  });
});
