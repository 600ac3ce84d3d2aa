import type { Broker, Clock, Logger, Timeframe } from '@bt/core';
import { BtError } from '@bt/core';
import type { PaperBroker } from '@bt/sim-broker';
import { createPaperBroker } from '@bt/sim-broker';
import type { BtConfig, CcxtBrokerConfig, PaperBrokerConfig } from '../config/schema.js';

/** The package that provides the live broker (CcxtBroker), loaded only when a config asks for paper or live trading. */
export const LIVE_BROKER_PACKAGE = '@bt/broker-ccxt';

/**
 * What the runner hands the live broker factory (`createCcxtBroker`) of {@link LIVE_BROKER_PACKAGE}:
 * a subset of its `CcxtBrokerOptions`. Live trading (`ccxt`) trades through that broker; paper
 * trading reads its market data only (no keys) and fills orders with sim-broker's `PaperBroker`.
 */
export interface LiveBrokerOptions {
  /** ccxt exchange id, e.g. `binance`. */
  readonly exchange: string;
  /** Credentials; when absent the broker may read `<EXCHANGE>_API_KEY` etc. from `env`. */
  readonly apiKey?: string;
  readonly secret?: string;
  readonly password?: string;
  /** Where credentials are read from when not given. Paper trading passes `{}`: it never uses keys. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Endpoint origin overrides (e.g. the exchange emulator). */
  readonly urls?: { readonly rest?: string; readonly ws?: string };
  /** Extra ccxt options; `sandbox: true` there when the config asks for the testnet. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** The symbols the run trades. */
  readonly symbols: readonly string[];
  /** The bar timeframe, when every symbol has the same. */
  readonly timeframe?: string;
  /** The run's clock: the wall clock, or the exchange emulator's replay time (`time.clock`). */
  readonly clock: Clock;
  /** Interval of the broker's order poll loop, on `clock` (the config's `time.pollIntervalMs`). */
  readonly pollIntervalMs?: number;
  /** ccxt's client-side rate limiter (the config's `broker.rateLimit`). */
  readonly rateLimit: boolean;
  readonly logger: Logger;
}

/** The live broker factory, as loaded from {@link LIVE_BROKER_PACKAGE}. */
export type LiveBrokerFactory = (options: LiveBrokerOptions) => Broker;

const FACTORY = 'createCcxtBroker';

/**
 * Loads {@link LIVE_BROKER_PACKAGE} and its broker factory, for live (`ccxt`) or paper trading
 * (which reads market data through it).
 *
 * @throws BtError `NOT_SUPPORTED` naming the package or the export when either is missing.
 */
export async function loadLiveBrokerPackage(
  type: 'ccxt' | 'paper',
  importer: (name: string) => Promise<unknown> = (name) => import(name),
): Promise<{ readonly factory: LiveBrokerFactory; readonly module: Readonly<Record<string, unknown>> }> {
  const what = type === 'ccxt' ? 'live trading (broker type "ccxt")' : 'paper trading (broker type "paper")';
  let module: Record<string, unknown>;
  try {
    module = (await importer(LIVE_BROKER_PACKAGE)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new BtError(
        'NOT_SUPPORTED',
        `${what} needs the ${LIVE_BROKER_PACKAGE} package, which is not installed: npm install ${LIVE_BROKER_PACKAGE}`,
        {
          cause: error,
        },
      );
    }
    throw new BtError('NOT_SUPPORTED', `${what}: cannot load ${LIVE_BROKER_PACKAGE}: ${(error as Error).message}`, { cause: error });
  }
  const factory = module[FACTORY];
  if (typeof factory !== 'function') {
    throw new BtError(
      'NOT_SUPPORTED',
      `${what} needs the ${FACTORY} export of ${LIVE_BROKER_PACKAGE}, which the installed version does not provide`,
    );
  }
  return { factory: factory as LiveBrokerFactory, module };
}

/**
 * The live broker's options for a `ccxt` or `paper` broker section. Paper trading gets no
 * credentials, not even from the environment: it reads market data only.
 */
export function liveBrokerOptions(config: BtConfig, clock: Clock, logger: Logger): LiveBrokerOptions {
  const broker = config.broker as CcxtBrokerConfig | PaperBrokerConfig;
  const timeframe = commonTimeframe(config);
  const live = broker.type === 'ccxt';
  return {
    exchange: broker.exchange,
    symbols: config.symbols.map((s) => s.symbol),
    clock,
    rateLimit: broker.rateLimit,
    logger,
    ...(timeframe === undefined ? {} : { timeframe }),
    ...(live && broker.apiKey !== undefined ? { apiKey: broker.apiKey } : {}),
    ...(live && broker.secret !== undefined ? { secret: broker.secret } : {}),
    ...(live && broker.password !== undefined ? { password: broker.password } : {}),
    ...(live ? {} : { env: {} }),
    ...(live && config.time.pollIntervalMs !== undefined ? { pollIntervalMs: config.time.pollIntervalMs } : {}),
    ...(broker.urls === undefined ? {} : { urls: broker.urls }),
    // ccxt switches to the exchange's testnet when its options say `sandbox: true`.
    ...(broker.options === undefined && !broker.sandbox
      ? {}
      : { options: { ...broker.options, ...(broker.sandbox ? { sandbox: true } : {}) } }),
  };
}

/** The timeframe every symbol shares, if they share one. */
export function commonTimeframe(config: BtConfig): Timeframe | undefined {
  const timeframes = new Set(config.symbols.map((s) => s.timeframe ?? config.timeframe));
  return timeframes.size === 1 ? ([...timeframes][0] as Timeframe) : undefined;
}

/**
 * Paper trading: sim-broker's `PaperBroker` over the live broker's market data, filling orders with
 * the backtest's matching engine and the config's simulated account.
 *
 * @throws BtError `CONFIG` when the symbols do not share one timeframe.
 */
export function paperBrokerOver(data: Broker, config: BtConfig, clock: Clock, logger: Logger): PaperBroker {
  const broker = config.broker as PaperBrokerConfig;
  const timeframe = commonTimeframe(config);
  if (timeframe === undefined) {
    throw new BtError(
      'CONFIG',
      'paper trading needs one timeframe for every symbol: remove the symbols\' own "timeframe" or make them equal',
    );
  }
  return createPaperBroker({
    data,
    clock,
    symbols: config.symbols.map((s) => s.symbol),
    timeframe,
    account: {
      currency: broker.currency,
      allowShort: broker.allowShort,
      ...(broker.balances === undefined ? {} : { balances: broker.balances }),
    },
    ...(broker.fees === undefined ? {} : { fees: broker.fees }),
    slippage: broker.slippageBps,
    logger,
  });
}

/**
 * Credentials the broker package would read from the environment when the config gives none
 * (`<EXCHANGE>_API_KEY`, `_SECRET`, `_PASSWORD`, named by its `credentialEnvName` export), so the
 * runner can hide them too.
 */
export function environmentCredentials(module: Readonly<Record<string, unknown>>, exchange: string): (string | undefined)[] {
  const name = module.credentialEnvName;
  if (typeof name !== 'function') return [];
  return (['API_KEY', 'SECRET', 'PASSWORD'] as const).map(
    (field) => process.env[(name as (e: string, f: string) => string)(exchange, field)],
  );
}
