import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { CONTROL_TOKEN_HEADER } from '../src/index.js';
import type { Harness } from './helpers.js';
import { controlFetch, startHarness } from './helpers.js';

// A web page must not reach the control API: not without the token, not through DNS rebinding
// (a foreign Host), not from a foreign Origin.
let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** A raw HTTP request to 127.0.0.1:`port` with exactly these headers (fetch would set Host itself). */
function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, setHost: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the control API', () => {
  it('answers only requests that carry the token made at start: 401 with a JSON error otherwise', async () => {
    h = await startHarness();
    const { emulator } = h;
    expect(emulator.controlToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const other = await startHarness();
    try {
      expect(other.emulator.controlToken).not.toBe(emulator.controlToken);
    } finally {
      await other.close();
    }
    for (const [method, path] of [
      ['GET', '/__control/state'],
      ['POST', '/__control/faults'],
      ['GET', '/__control/clock'],
      ['POST', '/__control/restart'],
    ] as const) {
      const none = await fetch(`${emulator.url}${path}`, { method, body: method === 'POST' ? '{}' : null });
      expect(none.status, path).toBe(401);
      expect(await none.json()).toEqual({ error: expect.stringMatching(/no token; send the header x-bt-emulator-token/) });
    }
    const wrong = await fetch(`${emulator.url}/__control/faults`, {
      method: 'POST',
      headers: { [CONTROL_TOKEN_HEADER]: `${emulator.controlToken.slice(1)}A` },
      body: JSON.stringify({ serverError: { count: 1 } }),
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: expect.stringContaining('wrong token') });
    // Nothing was armed by the refused requests; with the token, it answers.
    expect(emulator.control.faults().armed).toEqual({});
    expect((await controlFetch(emulator, '/__control/state')).status).toBe(200);
    // The exchange's own API needs no token.
    expect((await fetch(`${emulator.restUrl}/ping`)).status).toBe(200);
  });

  it('refuses a Host that is not its own (DNS rebinding) with 403, even with the token', async () => {
    h = await startHarness();
    const { emulator } = h;
    const token = { [CONTROL_TOKEN_HEADER]: emulator.controlToken };
    const rebound = await rawRequest(emulator.port, 'GET', '/__control/state', { ...token, Host: `attacker.example:${emulator.port}` });
    expect(rebound).toEqual({ status: 403, body: { error: expect.stringContaining('Host "attacker.example:') } });
    expect((await rawRequest(emulator.port, 'GET', '/__control/state', { ...token, Host: '127.0.0.1:1' })).status).toBe(403);
    // No Host at all: Node's HTTP/1.1 server answers 400 before the emulator sees it.
    expect((await rawRequest(emulator.port, 'GET', '/__control/state', token)).status).toBe(400);
    for (const host of [`127.0.0.1:${emulator.port}`, `localhost:${emulator.port}`, `[::1]:${emulator.port}`]) {
      expect((await rawRequest(emulator.port, 'GET', '/__control/state', { ...token, Host: host })).status, host).toBe(200);
    }
  });

  it('refuses a request from a foreign Origin with 403, and takes its own', async () => {
    h = await startHarness();
    const { emulator } = h;
    const armed = await controlFetch(emulator, '/__control/faults', {
      method: 'POST',
      headers: { Origin: 'http://attacker.example' },
      body: JSON.stringify({ serverError: { count: 1 } }),
    });
    expect(armed.status).toBe(403);
    expect(await armed.json()).toEqual({ error: 'control API: requests from Origin "http://attacker.example" are refused' });
    expect(emulator.control.faults().armed).toEqual({});
    expect((await controlFetch(emulator, '/__control/state', { headers: { Origin: 'null' } })).status).toBe(403);
    expect(
      (await controlFetch(emulator, '/__control/state', { headers: { Origin: `http://localhost:${emulator.port + 1}` } })).status,
    ).toBe(403);
    expect((await controlFetch(emulator, '/__control/state', { headers: { Origin: emulator.url } })).status).toBe(200);
  });
});
