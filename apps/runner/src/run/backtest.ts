import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BtError, Timeframe } from '@bt/core';
import { BacktestController, toBtError } from '@bt/core';
import type { BarColumns, SimulationResults } from '@bt/sim-broker';
import { loadOhlcvCsv, SimulatedBroker, summarizeResults, toStableJson, writeResults } from '@bt/sim-broker';
import { TimeController } from '@bt/time-controller';
import type { SimBrokerConfig } from '../config/schema.js';
import { writePrices } from './output.js';
import { buildSymbolConfigs } from './strategies.js';
import type { RunContext, RunOutcome, RunSummary } from './types.js';
import { stopMessage } from './types.js';

/**
 * A backtest: bars from each symbol's CSV, the SimulatedBroker, a TimeController in the config's
 * mode, and core's BacktestController running the same TradingController as live trading. Stopping
 * through the signal ends it after the current step; the results written are then marked partial.
 */
export async function runBacktest(context: RunContext): Promise<Omit<RunOutcome, 'reportPath'>> {
  const { loaded, outDir, logger, progress, now } = context;
  const { config } = loaded;
  const broker = config.broker as SimBrokerConfig;
  const signal = context.options.signal;

  const symbols = await buildSymbolConfigs(config, context.options.loadModule);
  const data: BarColumns[] = await Promise.all(
    config.symbols.map((s) =>
      loadOhlcvCsv(s.data as string, { symbol: s.symbol, timeframe: (s.timeframe ?? config.timeframe) as Timeframe }),
    ),
  );
  logger.info('data loaded', { symbols: data.map((d) => `${d.symbol}:${d.length}`).join(' ') });

  const sim = new SimulatedBroker({
    data,
    account: {
      currency: broker.currency,
      allowShort: broker.allowShort,
      ...(broker.balances === undefined ? {} : { balances: broker.balances }),
    },
    ...(broker.fees === undefined ? {} : { fees: broker.fees }),
    slippage: broker.slippageBps,
    fillTiming: broker.fillTiming,
    intrabarPriority: broker.intrabarPriority,
    ...(broker.volumeShare === undefined ? {} : { volumeCap: broker.volumeShare }),
    ...(broker.latencyBars === undefined ? {} : { latencySteps: broker.latencyBars }),
    logger: logger.child({ component: 'sim-broker' }),
  });
  const timeController = new TimeController({
    participants: symbols.map((s) => s.symbol),
    includePositionMonitor: true,
    mode: config.time.mode,
    ...(config.time.stepDelayMs === undefined ? {} : { stepDelayMs: config.time.stepDelayMs }),
    timeSource: () => sim.currentTime(),
    totalSteps: sim.totalSteps,
  });
  let firstBarMs: number | undefined;
  const offStep = timeController.on('step', () => {
    firstBarMs = now();
    offStep();
  });
  const backtest = new BacktestController({ broker: sim, timeController, symbols, logger });

  let failure: BtError | undefined;
  let results: SimulationResults | undefined;
  const stop = (): void => {
    logger.warn(stopMessage(signal, 'stop requested: ending after the current step; results will be partial'));
    void backtest.stop();
  };
  // Read through a function: the signal may abort while awaiting.
  const aborted = (): boolean => signal?.aborted === true;
  if (!aborted()) {
    try {
      await backtest.initialize();
      if (!aborted()) {
        signal?.addEventListener('abort', stop, { once: true });
        progress.start(() => timeController.metrics());
        results = await backtest.run();
      }
    } catch (error) {
      // The controller has logged a run failure already; the outcome carries it to the caller.
      failure = toBtError(error);
      logger.debug('backtest ended with an error', { code: failure.code });
    } finally {
      signal?.removeEventListener('abort', stop);
      progress.stop();
    }
  }
  results ??= await sim.getResults();
  const partial = !results.complete;
  const status = failure !== undefined ? 'failed' : partial ? 'stopped' : 'completed';

  await writeResults(outDir, results);
  await writeFile(
    join(outDir, 'results.json'),
    toStableJson({
      ...summarizeResults(results),
      mode: 'sim',
      name: config.name,
      partial,
      status,
      ...(failure === undefined ? {} : { error: { code: failure.code, message: loaded.redactor.text(failure.message) } }),
      strategies: Object.fromEntries(symbols.map((s) => [s.symbol, s.strategies.map((x) => ({ id: x.id, params: x.params ?? {} }))])),
    }),
    'utf8',
  );
  await writePrices(outDir, data, results.endTime);
  const summary: RunSummary = {
    steps: results.steps,
    totalSteps: results.totalSteps,
    trades: results.trades.length,
    closedTrades: results.metrics.tradeCount,
    initialEquity: results.initialEquity,
    finalEquity: results.finalEquity,
    totalReturn: results.metrics.totalReturn,
    maxDrawdown: results.metrics.maxDrawdown,
    currency: results.currency,
  };
  logger.info('results written', {
    dir: outDir,
    status,
    steps: results.steps,
    trades: results.trades.length,
    ...(failure === undefined ? {} : { error: failure.message }),
  });
  return {
    mode: 'sim',
    status,
    outDir,
    partial,
    summary,
    ...(failure === undefined ? {} : { error: failure }),
    timings: { ...(firstBarMs === undefined ? {} : { firstBarMs }), endMs: now() },
  };
}
