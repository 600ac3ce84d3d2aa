import { BtError } from '@bt/core';
import type { CcxtExchange, CcxtModule } from './ccxt-types.js';
import type { ResolvedOptions } from './options.js';
import { profileOf } from './profiles.js';
import { overrideUrls } from './urls.js';

/** A ccxt exchange instance and what was learned while making it. */
export interface LoadedExchange {
  readonly exchange: CcxtExchange;
  /** True when the instance is a ccxt pro one (has working `watch*` methods). */
  readonly pro: boolean;
}

type ExchangeConstructor = new (config: Record<string, unknown>) => CcxtExchange;

/**
 * Loads ccxt (the first call in a process pays for the import; later ones reuse Node's module
 * cache) and makes the exchange instance: credentials, ccxt's own rate limiter, the venue
 * profile's options under the user's, and URL overrides. Nothing else in the package imports
 * ccxt at run time.
 *
 * @throws BtError `CONFIG` for an exchange id ccxt does not know.
 */
export async function loadExchange(options: ResolvedOptions): Promise<LoadedExchange> {
  const ccxt: CcxtModule = await import('ccxt');
  const id = options.exchange;
  const rest = lookup(ccxt as unknown as Record<string, unknown>, id);
  const pro = options.useWebSocket ? lookup(ccxt.pro as unknown as Record<string, unknown>, id) : undefined;
  const Ctor = pro ?? rest;
  if (Ctor === undefined) {
    throw new BtError('CONFIG', `exchange: ccxt has no exchange "${id}"; expected one of ccxt.exchanges, e.g. "binance"`, {
      details: { exchange: id },
    });
  }
  const profile = profileOf(id);
  const { apiKey, secret, password } = options.credentials;
  const exchange = new Ctor({
    enableRateLimit: options.rateLimit,
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(secret === undefined ? {} : { secret }),
    ...(password === undefined ? {} : { password }),
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    options: { ...profile.ccxtOptions(options.marketType, options.receiveWindowMs), ...options.ccxtOptions },
  });
  // Never setSandboxMode after this point: it replaces `urls.api` and drops these overrides.
  overrideUrls(exchange.urls.api as Record<string, unknown>, options.urls);
  if (options.urls.ws?.startsWith('ws://') === true) {
    // ccxt refuses plain ws:// URLs until its HTTP agent is loaded.
    await exchange.loadHttpProxyAgent();
  }
  return { exchange, pro: pro !== undefined };
}

function lookup(registry: Record<string, unknown>, id: string): ExchangeConstructor | undefined {
  const value = Object.hasOwn(registry, id) ? registry[id] : undefined;
  return typeof value === 'function' ? (value as ExchangeConstructor) : undefined;
}
