import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Broker, BtError } from '@bt/core';
import { TradingController, toBtError } from '@bt/core';
import { journalOrderStore, journalPositions, type SqliteJournal } from '@bt/journal';
import type { CcxtBrokerConfig, PaperBrokerConfig } from '../config/schema.js';
import { BarWatch } from './bar-watch.js';
import { crashSpecFromEnv, withCrashPoint } from './crash-points.js';
import { environmentCredentials, liveBrokerOptions, loadLiveBrokerPackage, paperBrokerOver } from './live.js';
import { LiveMonitor } from './live-monitor.js';
import { type LiveResultsHeader, writeLiveResults } from './live-results.js';
import { stateLocation } from './state/location.js';
import { openRunJournal } from './state/open-journal.js';
import { recoverAtStart, type StartRecovery } from './state/recovery.js';
import type { StatusDisplay } from './status-line.js';
import { buildSymbolConfigs } from './strategies.js';
import type { RunContext, RunOutcome } from './types.js';
import { stopMessage } from './types.js';
import { chooseLiveClock } from './venue-clock.js';
import { VenueHealth } from './venue-health.js';

/** Default pause between two passes of the status and heartbeat loop (ms, on the run's clock). */
const MONITOR_INTERVAL_MS = 1000;

/**
 * Paper or live trading: the same TradingController as a backtest, with live pacing on the run's
 * clock, and durable state. Before any strategy runs it opens the bot's journal (refused when
 * another instance holds its lock), recovers from the venue (refusing to trade when positions
 * disagree, unless `acceptVenueState`), re-arms exits and replays missed fills. Orders, fills and
 * the trade manager's state reach the journal as they happen; orders.csv, fills.csv, trades.csv,
 * equity.csv and results.json are built from it (results.json is written at the start too, so
 * `bt report` can rebuild a killed run). Stopping leaves open orders and positions as they are.
 */
export async function runLive(context: RunContext): Promise<Omit<RunOutcome, 'reportPath'>> {
  const { loaded, outDir, logger } = context;
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
  const location = stateLocation(loaded);
  const journal = openRunJournal(location, { clock, mode, logger, configSource: loaded.source });
  const startedAt = new Date().toISOString();
  const header = (fields: Readonly<Record<string, unknown>>): LiveResultsHeader => ({
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
    partial: false,
    journal: { file: location.file, botName: location.botName, runId: journal.run.id },
    initialEquity: type === 'paper' ? ((brokerConfig as PaperBrokerConfig).balances?.[brokerConfig.currency] ?? 1_000_000) : 0,
    currency: type === 'paper' ? brokerConfig.currency : (config.symbols[0]?.symbol.split('/')[1]?.split(':')[0] ?? 'quote'),
    equityBasis: type === 'paper' ? 'the paper account cash plus the bot net PnL' : 'the bot net PnL (realized + unrealized - fees)',
    ...fields,
  });
  let outcome: Omit<RunOutcome, 'reportPath'> | undefined;
  try {
    await writeFile(join(outDir, 'results.json'), `${JSON.stringify(header({ status: 'running' }), null, 2)}\n`, 'utf8');
    outcome = await trade(context, journal, { factory, clock, symbols, type, mode, header });
    return outcome;
  } finally {
    try {
      journal.close(outcome === undefined ? 'failed' : outcome.status);
    } catch (error) {
      // The lock was lost: the run cannot be ended in the journal (the file is closed all the same).
      logger.warn(`closing the journal: ${(error as Error).message}`);
    }
  }
}

interface TradeSetup {
  readonly factory: Awaited<ReturnType<typeof loadLiveBrokerPackage>>['factory'];
  readonly clock: Awaited<ReturnType<typeof chooseLiveClock>>['clock'];
  readonly symbols: Awaited<ReturnType<typeof buildSymbolConfigs>>;
  readonly type: 'ccxt' | 'paper';
  readonly mode: 'live' | 'paper';
  readonly header: (fields: Readonly<Record<string, unknown>>) => LiveResultsHeader;
}

/** The run between the journal's open and close: connect, recover, trade, stop, write the results. */
async function trade(context: RunContext, journal: SqliteJournal, setup: TradeSetup): Promise<Omit<RunOutcome, 'reportPath'>> {
  const { loaded, outDir, logger, now } = context;
  const { config } = loaded;
  const { clock, symbols, type, mode } = setup;
  const brokerConfig = config.broker as CcxtBrokerConfig | PaperBrokerConfig;
  const stopAfter = config.time.stopAfterBars;
  let controller: TradingController | undefined;
  let completed = false;
  const watch = new BarWatch(symbols, stopAfter, () => {
    completed = true;
    logger.info(`time.stopAfterBars reached (${stopAfter} bars of every symbol): stopping; open orders and positions are left as they are`);
    void controller?.stop();
  });
  const connection = setup.factory(liveBrokerOptions(config, clock, logger.child({ component: `broker-${type}` })));
  const venue: Broker =
    type === 'paper' ? paperBrokerOver(connection, config, clock, logger.child({ component: 'paper-broker' })) : connection;
  // Test-only: BT_CRASH_AT makes the run kill itself at one of the crash points (crash-points.ts).
  const crash = crashSpecFromEnv(process.env);
  const health = new VenueHealth(crash === undefined ? venue : withCrashPoint(venue, crash), clock);
  let failure: BtError | undefined;
  const running = new TradingController({
    broker: journalPositions(health.broker, journal),
    clock,
    symbols: watch.symbols,
    pacing: {
      kind: 'live',
      ...(config.time.pollIntervalMs === undefined ? {} : { pollIntervalMs: config.time.pollIntervalMs }),
      ...(config.time.monitorIntervalMs === undefined ? {} : { monitorIntervalMs: config.time.monitorIntervalMs }),
    },
    logger,
    orderStore: journalOrderStore(journal),
  });
  controller = running;
  const status = context.progress as Partial<StatusDisplay>;
  const monitor = new LiveMonitor({
    clock,
    journal,
    intervalMs: config.time.pollIntervalMs ?? MONITOR_INTERVAL_MS,
    marks: () => watch.marks(),
    health: () => health.state(),
    show: (line) => status.show?.(line),
    onLockLost: (error) => {
      failure ??= error;
      logger.error(`stopping: ${error.message}`, { code: error.code });
      void running.stop();
    },
    logger,
  });
  const signal = context.options.signal;
  const stop = (): void => {
    logger.warn(stopMessage(signal, 'stop requested: no new orders; open orders and positions are left as they are'));
    void running.stop();
  };
  let connected = false;
  let recovery: StartRecovery | undefined;
  try {
    await running.initialize();
    connected = true;
    recovery = await recoverAtStart({
      journal,
      broker: health.broker,
      controller: running,
      symbols: symbols.map((s) => s.symbol),
      clock,
      logger,
      acceptVenue: context.options.acceptVenueState === true,
    });
    if (signal?.aborted !== true && failure === undefined) {
      signal?.addEventListener('abort', stop, { once: true });
      running.start();
      monitor.start();
      logger.info(
        `${mode} trading on ${brokerConfig.exchange}: ${symbols.map((s) => s.symbol).join(', ')}; ${stopAfter === undefined ? '' : `stops after ${stopAfter} bars; `}Ctrl-C stops`,
      );
      await running.done;
    }
  } catch (error) {
    failure ??= toBtError(error);
    logger.error(`${type} run failed: ${loaded.redactor.text(failure.message)}`, { code: failure.code });
  } finally {
    signal?.removeEventListener('abort', stop);
    await running.stop();
    // One last pass, so the fills of orders that executed before the stop are journaled.
    if (connected)
      await syncOnce(health.broker).catch((error: unknown) => logger.warn(`the last fill poll failed: ${(error as Error).message}`));
    await monitor.stop();
    await venue.close().catch((error: unknown) => logger.warn(`closing the broker failed: ${(error as Error).message}`));
  }
  const runStatus = failure !== undefined ? 'failed' : completed ? 'completed' : 'stopped';
  const written = await writeLiveResults(
    outDir,
    journal,
    setup.header({
      status: runStatus,
      stoppedAt: new Date().toISOString(),
      bars: watch.stats(),
      ...(recovery === undefined ? {} : { recovery }),
      ...(failure === undefined ? {} : { error: { code: failure.code, message: loaded.redactor.text(failure.message) } }),
    }),
  );
  return {
    mode: type,
    status: runStatus,
    outDir,
    partial: false,
    live: { bars: watch.bars, orders: written.orders, fills: written.fills, trades: written.trades, closedTrades: written.closedTrades },
    ...(failure === undefined ? {} : { error: failure }),
    timings: { endMs: now() },
  };
}

/** Runs the broker's own poll pass when it has one (CcxtBroker and PaperBroker have `sync()`). */
async function syncOnce(broker: Broker): Promise<void> {
  const sync = (broker as { sync?: unknown }).sync;
  if (typeof sync === 'function') await (sync as () => Promise<void>).call(broker);
}
