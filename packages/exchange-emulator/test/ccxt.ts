import type { binance } from 'ccxt';
import type { RunningEmulator } from '../src/index.js';
import { ccxtOptions } from '../src/index.js';
import { API_KEY, SECRET } from './helpers.js';

/** The ccxt module, imported once per test file (it costs ~0.4 s and 130 MB). */
export type Ccxt = typeof import('ccxt')['default'];

/** A ccxt.pro binance client. */
export type ProBinance = InstanceType<Ccxt['pro']['binance']>;

/** Imports ccxt. */
export async function loadCcxt(): Promise<Ccxt> {
  return (await import('ccxt')).default;
}

/** An unmodified ccxt binance pointed at the emulator: only its URLs and options are set. */
export function restClient(ccxt: Ccxt, emulator: RunningEmulator, credentials: { apiKey?: string; secret?: string } = {}): binance {
  const exchange = new ccxt.binance({
    apiKey: credentials.apiKey ?? API_KEY,
    secret: credentials.secret ?? SECRET,
    enableRateLimit: false,
    timeout: 5_000,
  });
  exchange.urls.api.public = emulator.restUrl;
  exchange.urls.api.private = emulator.restUrl;
  Object.assign(exchange.options, ccxtOptions());
  return exchange;
}

/** An unmodified ccxt.pro binance pointed at the emulator (REST and WebSocket). */
export async function proClient(ccxt: Ccxt, emulator: RunningEmulator): Promise<ProBinance> {
  const exchange = new ccxt.pro.binance({ apiKey: API_KEY, secret: SECRET, enableRateLimit: false, timeout: 5_000 });
  exchange.urls.api.public = emulator.restUrl;
  exchange.urls.api.private = emulator.restUrl;
  exchange.urls.api.ws.spot = emulator.wsUrl;
  Object.assign(exchange.options, ccxtOptions());
  // ccxt needs an http agent for ws:// (plain-text) URLs in node.
  await exchange.loadHttpProxyAgent();
  return exchange;
}
