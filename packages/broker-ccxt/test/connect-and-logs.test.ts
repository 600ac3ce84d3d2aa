import { afterEach, describe, expect, it } from 'vitest';
import type { RecordingProxy, Venue } from './helpers.js';
import { API_KEY, recordedBroker, SECRET, startProxy, startVenue, SYMBOL } from './helpers.js';

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function venueWithProxy(): Promise<{ venue: Venue; proxy: RecordingProxy }> {
  const venue = await startVenue();
  const proxy = await startProxy(venue.emulator.url);
  cleanup.push(
    () => venue.close(),
    () => proxy.close(),
  );
  return { venue, proxy };
}

const CONNECT_RETRY = { attempts: 6, baseMs: 500, maxMs: 2_000 };

describe('connect survives a 429 burst, 5xx and network errors', () => {
  it('a 429 burst at start (every request, longer than one call’s retries) is waited out on the clock', async () => {
    const { venue, proxy } = await venueWithProxy();
    venue.emulator.control.setFaults({ rateLimit: { count: 10, retryAfterSeconds: 1 } });
    const recorded = recordedBroker(venue.brokerOptions({ urls: { rest: proxy.url }, connectRetry: CONNECT_RETRY }));
    cleanup.push(() => recorded.broker.close());
    const started = venue.clock.now();
    await venue.drive(recorded.broker.connect());
    expect(recorded.broker.connected).toBe(true);
    expect(venue.emulator.control.faults().injected.rateLimit).toBe(10);
    // 4 tries per call: 2 whole connection attempts failed, the third went through; every retry of
    // a call waited the 1 s each 429 asked for (8 of them), on the clock.
    expect(recorded.records.filter((r) => r.message === 'connect failed; trying again')).toHaveLength(2);
    expect(venue.clock.now() - started).toBeGreaterThanOrEqual(8_000);
    expect((await recorded.broker.getBalances()).find((b) => b.currency === 'USDT')?.total).toBe(10_000);
  }, 60_000);

  it('5xx on the markets and dropped connections on the first reads are retried; bad keys are not', async () => {
    const { venue, proxy } = await venueWithProxy();
    venue.emulator.control.setFaults({
      serverError: { method: 'GET', path: '/api/v3/exchangeInfo', count: 6, status: 503 },
      timeout: { method: 'GET', path: '/api/v3/openOrders', count: 5, mode: 'drop' },
    });
    const recorded = recordedBroker(venue.brokerOptions({ urls: { rest: proxy.url }, connectRetry: CONNECT_RETRY }));
    cleanup.push(() => recorded.broker.close());
    await venue.drive(recorded.broker.connect());
    expect(recorded.broker.connected).toBe(true);
    expect(venue.emulator.control.faults().injected).toMatchObject({ serverError: 6, timeout: 5 });
    expect(await recorded.broker.getOpenOrders(SYMBOL)).toEqual([]);

    const refused = recordedBroker(
      venue.brokerOptions({ urls: { rest: proxy.url }, secret: 'not-the-secret', connectRetry: CONNECT_RETRY }),
    );
    cleanup.push(() => refused.broker.close());
    await expect(venue.drive(refused.broker.connect())).rejects.toMatchObject({ code: 'AUTHENTICATION' });
    expect(refused.records.filter((r) => r.message === 'connect failed; trying again')).toEqual([]);
  }, 60_000);
});

describe('secrets stay out of logs', () => {
  it('no signature, key or secret in any log line or error, through signed calls and their failures', async () => {
    const { venue, proxy } = await venueWithProxy();
    const recorded = recordedBroker(venue.brokerOptions({ urls: { rest: proxy.url }, logger: undefined }));
    cleanup.push(() => recorded.broker.close());
    const { broker } = recorded;
    await venue.drive(broker.connect());
    const errors: string[] = [];
    const keep = (error: unknown): void => {
      errors.push(
        error instanceof Error
          ? `${error.message} ${String((error as { cause?: unknown }).cause)} ${JSON.stringify(error)}`
          : String(error),
      );
    };
    await broker.getBalances();
    await broker.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', amount: 0.01, price: 30_000, clientOrderId: 'quiet-1' });
    // Signed requests that fail: retried (logged), then given up on (thrown), and a submission of unknown outcome.
    venue.emulator.control.setFaults({ serverError: { method: 'GET', path: '/api/v3/openOrders', count: 2, status: 503 } });
    await venue.drive(broker.getOpenOrders(SYMBOL));
    venue.emulator.control.setFaults({ serverError: { method: 'GET', path: '/api/v3/account', count: 10, status: 502 } });
    await venue.drive(broker.getBalances()).catch(keep);
    venue.emulator.control.setFaults({ serverError: { method: 'POST', path: '/api/v3/order', count: 1, status: 500, execute: true } });
    await venue
      .drive(broker.submitOrder({ symbol: SYMBOL, side: 'buy', type: 'limit', amount: 0.01, price: 30_000, clientOrderId: 'quiet-2' }))
      .catch(keep);
    venue.emulator.control.setFaults({ serverError: { method: 'DELETE', path: '/api/v3/order', count: 10, status: 503 } });
    await venue.drive(broker.cancelOrder({ symbol: SYMBOL, clientOrderId: 'quiet-1' })).catch(keep);
    expect(errors.length).toBeGreaterThanOrEqual(2);

    const text = [JSON.stringify(recorded.records), ...errors].join('\n');
    // URLs of signed requests did reach the logs, redacted.
    expect(text).toContain('signature=[REDACTED]');
    expect(text).not.toMatch(/signature=(?!\[REDACTED\])/);
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(SECRET);
    const signatures = proxy.requests.flatMap((r) => r.params.getAll('signature'));
    expect(signatures.length).toBeGreaterThan(5);
    for (const signature of signatures) expect(text).not.toContain(signature);
  }, 60_000);
});
