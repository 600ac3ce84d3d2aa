import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Json } from '../binance/format.js';

/** The request header that carries the control token (`emulator.controlToken`). */
export const CONTROL_TOKEN_HEADER = 'x-bt-emulator-token';

/** The environment variable `bt emulate` prints the token as, and `bt run` reads it from. */
export const CONTROL_TOKEN_ENV = 'BT_EMULATOR_TOKEN';

/** A new random control token: 32 bytes from node:crypto, base64url. */
export function newControlToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Why a control request is refused: 403 (Host or Origin not the emulator's own) or 401 (no or wrong token). */
export interface ControlRefusal {
  readonly status: 401 | 403;
  readonly body: Json;
}

/**
 * Checks a request to `/__control/...`, so that a web page cannot reach the control API (not even
 * through DNS rebinding): the `Host` must be the emulator's own (`127.0.0.1:<port>`,
 * `localhost:<port>` or `[::1]:<port>`), an `Origin`, when sent, must be the emulator's own origin,
 * and the request must carry the control token in {@link CONTROL_TOKEN_HEADER}.
 * Returns undefined when the request may go on.
 */
export function refuseControlRequest(headers: IncomingHttpHeaders, port: number, token: string): ControlRefusal | undefined {
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`];
  const host = headers.host?.toLowerCase();
  if (host === undefined || !hosts.includes(host)) {
    return {
      status: 403,
      body: { error: `control API: Host ${JSON.stringify(headers.host ?? null)} refused; expected one of ${hosts.join(', ')}` },
    };
  }
  const origin = headers.origin;
  if (origin !== undefined && !hosts.some((h) => origin.toLowerCase() === `http://${h}`)) {
    return { status: 403, body: { error: `control API: requests from Origin ${JSON.stringify(origin)} are refused` } };
  }
  const sent = headers[CONTROL_TOKEN_HEADER];
  const given = Array.isArray(sent) ? sent[0] : sent;
  if (given === undefined || !sameToken(given, token)) {
    return {
      status: 401,
      body: {
        error: `control API: ${given === undefined ? 'no' : 'wrong'} token; send the header ${CONTROL_TOKEN_HEADER} with the token the emulator printed at start (${CONTROL_TOKEN_ENV}=..., emulator.controlToken)`,
      },
    };
  }
  return undefined;
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
