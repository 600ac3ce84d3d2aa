import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Broker, Logger, OrderJournalEntry } from '@bt/core';
import { BtError, LiveClock, TradingController, toBtError } from '@bt/core';
import type { BtConfig, CcxtBrokerConfig, PaperBrokerConfig } from '../config/schema.js';
import { buildSymbolConfigs } from './strategies.js';
import type { RunContext, RunOutcome } from './types.js';
import { stopMessage } from './types.js';

/** The package that provides the live and paper brokers, loaded only when a config asks for one. */
export const LIVE_BROKER_PACKAGE = '@bt/broker-ccxt';

/**
 * What the runner hands the live broker factory (`createCcxtBroker`) of {@link LIVE_BROKER_PACKAGE}:
 * a subset of its `CcxtBrokerOptions`.
 */
export interface LiveBrokerOptions {
  /** ccxt exchange id, e.g. `binance`. */
  readonly exchange: string;
  /** Credentials; when absent the broker may read `<EXCHANGE>_API_KEY` etc. from the environment. */
  readonly apiKey?: string;
  readonly secret?: string;
  readonly password?: string;
  /** Endpoint origin overrides (e.g. the exchange emulator). */
  readonly urls?: { readonly rest?: string; readonly ws?: string };
  /** Extra ccxt options; `sandbox: true` there when the config asks for the testnet. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** The symbols the run trades. */
  readonly symbols: readonly string[];
  /** The bar timeframe, when every symbol has the same. */
  readonly timeframe?: string;
  readonly logger: Logger;
}

/** What the runner hands the paper broker factory (`createPaperBroker`): the connection plus the simulated account. */
export interface PaperBrokerOptions extends LiveBrokerOptions {
  readonly account: { readonly currency: string; readonly balances?: Readonly<Record<string, number>>; readonly allowShort: boolean };
  readonly fees?: { readonly maker?: number; readonly taker?: number; readonly perOrder?: number };
  readonly slippageBps: number;
}

/** A live or paper broker factory, as loaded from {@link LIVE_BROKER_PACKAGE}. */
export type LiveBrokerFactory = (options: LiveBrokerOptions | PaperBrokerOptions) => Broker;

const FACTORY = { ccxt: 'createCcxtBroker', paper: 'createPaperBroker' } as const;

/**
 * Loads {@link LIVE_BROKER_PACKAGE} and the broker factory for `type`.
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
  const factory = module[FACTORY[type]];
  if (typeof factory !== 'function') {
    throw new BtError(
      'NOT_SUPPORTED',
      `${what} needs the ${FACTORY[type]} export of ${LIVE_BROKER_PACKAGE}, which the installed version does not provide`,
    );
  }
  return { factory: factory as LiveBrokerFactory, module };
}

/** The factory options for a `ccxt` or `paper` broker section. */
export function liveBrokerOptions(config: BtConfig, logger: Logger): LiveBrokerOptions | PaperBrokerOptions {
  const broker = config.broker as CcxtBrokerConfig | PaperBrokerConfig;
  const timeframes = new Set(config.symbols.map((s) => s.timeframe ?? config.timeframe));
  const connection: LiveBrokerOptions = {
    exchange: broker.exchange,
    symbols: config.symbols.map((s) => s.symbol),
    logger,
    ...(timeframes.size === 1 ? { timeframe: [...timeframes][0] as string } : {}),
    ...(broker.apiKey === undefined ? {} : { apiKey: broker.apiKey }),
    ...(broker.secret === undefined ? {} : { secret: broker.secret }),
    ...(broker.password === undefined ? {} : { password: broker.password }),
    ...(broker.urls === undefined ? {} : { urls: broker.urls }),
    // ccxt switches to the exchange's testnet when its options say `sandbox: true`.
    ...(broker.options === undefined && !broker.sandbox
      ? {}
      : { options: { ...broker.options, ...(broker.sandbox ? { sandbox: true } : {}) } }),
  };
  if (broker.type === 'ccxt') return connection;
  return {
    ...connection,
    account: {
      currency: broker.currency,
      allowShort: broker.allowShort,
      ...(broker.balances === undefined ? {} : { balances: broker.balances }),
    },
    ...(broker.fees === undefined ? {} : { fees: broker.fees }),
    slippageBps: broker.slippageBps,
  };
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
 * Paper or live trading: the same TradingController as a backtest, with live pacing on the wall
 * clock. Stopping through the signal stops placing orders, lets in-flight calls finish and leaves
 * open orders and positions as they are.
 */
export async function runLive(context: RunContext): Promise<Omit<RunOutcome, 'reportPath'>> {
  const { loaded, outDir, logger, now } = context;
  const { config } = loaded;
  const brokerConfig = config.broker as CcxtBrokerConfig | PaperBrokerConfig;
  const type = brokerConfig.type;
  const { factory, module } = await loadLiveBrokerPackage(type);
  loaded.redactor.add(environmentCredentials(module, brokerConfig.exchange));
  const symbols = await buildSymbolConfigs(config, context.options.loadModule);
  const broker = factory(liveBrokerOptions(config, logger.child({ component: `broker-${type}` })));
  const controller = new TradingController({
    broker,
    clock: new LiveClock(),
    symbols,
    pacing: {
      kind: 'live',
      ...(config.time.pollIntervalMs === undefined ? {} : { pollIntervalMs: config.time.pollIntervalMs }),
      ...(config.time.monitorIntervalMs === undefined ? {} : { monitorIntervalMs: config.time.monitorIntervalMs }),
    },
    logger,
  });
  const signal = context.options.signal;
  const stop = (): void => {
    logger.warn(stopMessage(signal, 'stop requested: no new orders; open orders and positions are left as they are'));
    void controller.stop();
  };
  let failure: BtError | undefined;
  const startedAt = new Date().toISOString();
  try {
    await controller.initialize();
    if (signal?.aborted !== true) {
      signal?.addEventListener('abort', stop, { once: true });
      controller.start();
      logger.info(
        `${type === 'ccxt' ? 'live' : 'paper'} trading on ${brokerConfig.exchange}: ${symbols.map((s) => s.symbol).join(', ')}; Ctrl-C stops`,
      );
      await controller.done;
    }
  } catch (error) {
    failure = toBtError(error);
    logger.error(`${type} run failed: ${failure.message}`, { code: failure.code });
  } finally {
    signal?.removeEventListener('abort', stop);
    await controller.stop();
    await broker.close().catch((error: unknown) => logger.warn(`closing the broker failed: ${(error as Error).message}`));
  }
  const orders = controller.orders();
  await writeFile(join(outDir, 'orders.csv'), journalCsv(orders), 'utf8');
  const status = failure === undefined ? 'stopped' : 'failed';
  await writeFile(
    join(outDir, 'results.json'),
    `${JSON.stringify(
      {
        mode: type,
        name: config.name,
        exchange: brokerConfig.exchange,
        sandbox: brokerConfig.sandbox,
        startedAt,
        stoppedAt: new Date().toISOString(),
        status,
        partial: false,
        orderCount: orders.length,
        ...(failure === undefined ? {} : { error: { code: failure.code, message: loaded.redactor.text(failure.message) } }),
      },
      null,
      2,
    )}\n`,
    'utf8',
  );
  return { mode: type, status, outDir, partial: false, ...(failure === undefined ? {} : { error: failure }), timings: { endMs: now() } };
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
