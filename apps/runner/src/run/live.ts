import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Broker, Clock, Fill, Logger, OrderJournalEntry, Timeframe } from '@bt/core';
import { BtError, TradingController, toBtError } from '@bt/core';
import type { PaperBroker } from '@bt/sim-broker';
import { buildTrades, createPaperBroker, fillsCsv, tradesCsv } from '@bt/sim-broker';
import type { BtConfig, CcxtBrokerConfig, PaperBrokerConfig } from '../config/schema.js';
import { BarWatch } from './bar-watch.js';
import { buildSymbolConfigs } from './strategies.js';
import type { RunContext, RunOutcome } from './types.js';
import { stopMessage } from './types.js';
import { chooseLiveClock } from './venue-clock.js';

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
function commonTimeframe(config: BtConfig): Timeframe | undefined {
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
function environmentCredentials(module: Readonly<Record<string, unknown>>, exchange: string): (string | undefined)[] {
  const name = module.credentialEnvName;
  if (typeof name !== 'function') return [];
  return (['API_KEY', 'SECRET', 'PASSWORD'] as const).map(
    (field) => process.env[(name as (e: string, f: string) => string)(exchange, field)],
  );
}

/**
 * Paper or live trading: the same TradingController as a backtest, with live pacing on the run's
 * clock (the wall clock, or the exchange emulator's replay time in a dress rehearsal). Stopping
 * through the signal, or after `time.stopAfterBars` bars, stops placing orders, lets in-flight
 * calls finish and leaves open orders and positions as they are. Writes orders.csv (what the
 * controller sent), fills.csv and trades.csv (the fills the broker reported), and results.json.
 */
export async function runLive(context: RunContext): Promise<Omit<RunOutcome, 'reportPath'>> {
  const { loaded, outDir, logger, now } = context;
  const { config } = loaded;
  const brokerConfig = config.broker as CcxtBrokerConfig | PaperBrokerConfig;
  const type = brokerConfig.type;
  const mode = type === 'ccxt' ? 'live' : 'paper';
  const { factory, module } = await loadLiveBrokerPackage(type);
  loaded.redactor.add(environmentCredentials(module, brokerConfig.exchange));
  if (type === 'paper' && [brokerConfig.apiKey, brokerConfig.secret, brokerConfig.password].some((v) => v !== undefined)) {
    logger.warn('paper trading reads market data only: broker.apiKey, secret and password are not used');
  }
  const symbols = await buildSymbolConfigs(config, context.options.loadModule);
  const chosen = await chooseLiveClock({ setting: config.time.clock, rest: brokerConfig.urls?.rest, logger });
  const { clock } = chosen;
  const stopAfter = config.time.stopAfterBars;
  let controller: TradingController | undefined;
  let completed = false;
  const watch = new BarWatch(symbols, stopAfter, () => {
    completed = true;
    logger.info(`time.stopAfterBars reached (${stopAfter} bars of every symbol): stopping; open orders and positions are left as they are`);
    void controller?.stop();
  });
  const connection = factory(liveBrokerOptions(config, clock, logger.child({ component: `broker-${type}` })));
  const broker = type === 'paper' ? paperBrokerOver(connection, config, clock, logger.child({ component: 'paper-broker' })) : connection;
  const fills: Fill[] = [];
  const unsubscribe = broker.subscribe((event) => {
    if (event.type === 'fill') fills.push(event.fill);
  });
  controller = new TradingController({
    broker,
    clock,
    symbols: watch.symbols,
    pacing: {
      kind: 'live',
      ...(config.time.pollIntervalMs === undefined ? {} : { pollIntervalMs: config.time.pollIntervalMs }),
      ...(config.time.monitorIntervalMs === undefined ? {} : { monitorIntervalMs: config.time.monitorIntervalMs }),
    },
    logger,
  });
  const signal = context.options.signal;
  const running = controller;
  const stop = (): void => {
    logger.warn(stopMessage(signal, 'stop requested: no new orders; open orders and positions are left as they are'));
    void running.stop();
  };
  let failure: BtError | undefined;
  const startedAt = new Date().toISOString();
  let connected = false;
  try {
    await controller.initialize();
    connected = true;
    if (signal?.aborted !== true) {
      signal?.addEventListener('abort', stop, { once: true });
      controller.start();
      logger.info(
        `${mode} trading on ${brokerConfig.exchange}: ${symbols.map((s) => s.symbol).join(', ')}; ${stopAfter === undefined ? '' : `stops after ${stopAfter} bars; `}Ctrl-C stops`,
      );
      await controller.done;
    }
  } catch (error) {
    failure = toBtError(error);
    logger.error(`${type} run failed: ${failure.message}`, { code: failure.code });
  } finally {
    signal?.removeEventListener('abort', stop);
    await controller.stop();
    // One last pass, so the fills of orders that executed before the stop are recorded.
    if (connected) await syncOnce(broker).catch((error: unknown) => logger.warn(`the last fill poll failed: ${(error as Error).message}`));
    unsubscribe();
    await broker.close().catch((error: unknown) => logger.warn(`closing the broker failed: ${(error as Error).message}`));
  }
  const orders = controller.orders();
  const trades = buildTrades(fills);
  const closedTrades = trades.filter((t) => t.exitTime !== undefined).length;
  await writeFile(join(outDir, 'orders.csv'), journalCsv(orders), 'utf8');
  await writeFile(join(outDir, 'fills.csv'), fillsCsv(fills), 'utf8');
  await writeFile(join(outDir, 'trades.csv'), tradesCsv(trades), 'utf8');
  const status = failure !== undefined ? 'failed' : completed ? 'completed' : 'stopped';
  const bars = watch.stats();
  await writeFile(
    join(outDir, 'results.json'),
    `${JSON.stringify(
      {
        mode: type,
        name: config.name,
        exchange: brokerConfig.exchange,
        sandbox: brokerConfig.sandbox,
        clock: {
          kind: chosen.kind,
          ...(chosen.speed === undefined ? {} : { speed: chosen.speed }),
          ...(chosen.virtual === undefined ? {} : { virtual: true }),
        },
        startedAt,
        stoppedAt: new Date().toISOString(),
        status,
        partial: false,
        orderCount: orders.length,
        fillCount: fills.length,
        tradeRowCount: trades.length,
        closedTrades,
        bars,
        ...(failure === undefined ? {} : { error: { code: failure.code, message: loaded.redactor.text(failure.message) } }),
      },
      null,
      2,
    )}\n`,
    'utf8',
  );
  return {
    mode: type,
    status,
    outDir,
    partial: false,
    live: { bars: watch.bars, orders: orders.length, fills: fills.length, trades: trades.length, closedTrades },
    ...(failure === undefined ? {} : { error: failure }),
    timings: { endMs: now() },
  };
}

/** Runs the broker's own poll pass when it has one (CcxtBroker and PaperBroker have `sync()`). */
async function syncOnce(broker: Broker): Promise<void> {
  const sync = (broker as { sync?: unknown }).sync;
  if (typeof sync === 'function') await (sync as () => Promise<void>).call(broker);
}

/** The controller's order journal as CSV: one row per order it sent. */
export function journalCsv(entries: readonly OrderJournalEntry[]): string {
  const header =
    'client_order_id,symbol,strategy_id,source,reason,side,type,amount,price,stop_price,submitted_at,accepted,order_id,status,ack_reason,error';
  const rows = entries.map((e) =>
    [
      e.clientOrderId,
      e.symbol,
      e.strategyId,
      e.source,
      e.reason,
      e.request.side,
      e.request.type,
      e.request.amount,
      e.request.price,
      e.request.stopPrice,
      e.submittedAt,
      e.ack?.accepted,
      e.ack?.orderId,
      e.ack?.status,
      e.ack?.reason,
      e.error,
    ]
      .map(csvField)
      .join(','),
  );
  return `${[header, ...rows].join('\n')}\n`;
}

function csvField(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
