import { Command, Option } from 'commander';
import type { LoadedConfig } from '../config/load.js';
import type { LogLevel } from '../config/schema.js';
import type { ProgressKind } from '../progress/display.js';
import { progressKindFor } from '../progress/display.js';
import type { RunOutcome } from '../run/types.js';
import { ExitCode, exitCodeFor, printError } from './exit-codes.js';

interface RunFlags {
  readonly config?: string;
  readonly out?: string;
  readonly quiet?: boolean;
  readonly progress: 'auto' | ProgressKind;
  readonly logLevel?: LogLevel;
  readonly report: boolean;
  readonly timings?: boolean;
  readonly acceptVenueState?: boolean;
}

/** `bt run [--config FILE]`: backtest, paper-trade or trade live, as the config's broker section says. */
export function runCommand(): Command {
  return new Command('run')
    .description(
      'Run a config: the broker section decides the mode (sim: backtest on history, paper: live data with simulated fills, ccxt: live orders). Without --config, backtests the built-in sma-cross on the bundled sample data.',
    )
    .option('-c, --config <file>', 'YAML or JSON config file')
    .option('-o, --out <dir>', 'results folder (default: from the config, else ./results/<name>-<timestamp>)')
    .option('-q, --quiet', 'no progress display; console logs at warn and above')
    .addOption(new Option('--progress <kind>', 'progress display').choices(['auto', 'tty', 'plain', 'none']).default('auto'))
    .addOption(
      new Option('--log-level <level>', 'console log level (overrides logging.level)').choices([
        'trace',
        'debug',
        'info',
        'warn',
        'error',
        'silent',
      ]),
    )
    .option('--no-report', 'do not write report.html')
    .option('--timings', 'print milliseconds from process start to the first bar and to the end')
    .option(
      '--accept-venue-state',
      "paper/live: when the bot's positions (its journaled fills) disagree with the venue's, take the venue's instead of refusing to trade",
    )
    .addHelpText(
      'after',
      `
Examples:
  bt run                         backtest sma-cross on the bundled sample data
  bt run --config bt.yaml        run a config (bt init writes a starter)
  bt run -c bt.yaml --quiet      no progress display

Ctrl-C stops gracefully: a backtest writes partial results (results.json "partial": true, exit 130);
live trading stops placing orders and leaves orders and positions as they are (exit 0).
A second Ctrl-C exits at once.

Paper and live runs keep their state in a journal (state.file, default state/<bot>.sqlite next to the
config), recover from the venue before any strategy runs, and show a status line on a terminal.

Exit codes: 0 ok, 1 run failed, 2 bad usage or bad config, 3 refused because of the bot's state
(another instance runs, or positions disagree with the venue), 130 backtest interrupted.`,
    )
    .action(async (flags: RunFlags) => {
      process.exitCode = await run(flags);
    });
}

async function run(flags: RunFlags): Promise<number> {
  let loaded: LoadedConfig;
  try {
    if (flags.config === undefined) {
      const { embeddedDefaultConfig } = await import('../config/default-config.js');
      loaded = embeddedDefaultConfig();
    } else {
      const { loadConfig } = await import('../config/load.js');
      loaded = await loadConfig(flags.config);
    }
  } catch (error) {
    printError(error);
    return exitCodeFor(error);
  }

  const stop = new AbortController();
  const removeSignals = onStopSignals(stop, loaded.config.broker.type === 'sim');
  let outcome: RunOutcome;
  try {
    const { runFromConfig } = await import('../run/run-from-config.js');
    const progress = flags.progress === 'auto' ? progressKindFor(process.stderr, flags.quiet === true) : flags.progress;
    outcome = await runFromConfig(loaded, {
      signal: stop.signal,
      progress,
      // The status line of paper/live runs: on a terminal, or when asked for (--progress plain|tty).
      status: flags.progress === 'auto' ? (progress === 'tty' ? 'tty' : 'none') : flags.progress,
      ...(flags.acceptVenueState === true ? { acceptVenueState: true } : {}),
      report: flags.report,
      ...(flags.out === undefined ? {} : { outDir: flags.out }),
      ...(flags.logLevel !== undefined ? { consoleLevel: flags.logLevel } : flags.quiet === true ? { consoleLevel: 'warn' as const } : {}),
    });
  } catch (error) {
    printError(error, (t) => loaded.redactor.text(t));
    return exitCodeFor(error);
  } finally {
    removeSignals();
  }
  printOutcome(outcome, loaded);
  if (flags.timings === true) {
    const first = outcome.timings.firstBarMs;
    process.stderr.write(
      `timings: first bar ${first === undefined ? 'n/a' : `${first.toFixed(0)} ms`}, end ${outcome.timings.endMs.toFixed(0)} ms (since process start)\n`,
    );
  }
  if (outcome.status === 'failed') return exitCodeFor(outcome.error);
  if (outcome.status === 'stopped' && outcome.mode === 'sim') return ExitCode.INTERRUPTED;
  return ExitCode.OK;
}

/**
 * The first SIGINT/SIGTERM aborts `stop` (a graceful stop); the run logs the reason, which says
 * what happens, above the progress display. The second exits at once. Returns a function that
 * removes the handlers.
 */
function onStopSignals(stop: AbortController, backtest: boolean): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count === 1) {
      const what = backtest
        ? 'stopping after the current step; partial results will be written'
        : 'stopping: no new orders, open orders and positions are left as they are';
      stop.abort(`${signal}: ${what} (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to exit at once)`);
    } else {
      // Show the cursor again (the progress display hides it) and leave.
      process.stderr.write(`${process.stderr.isTTY ? '\x1b[?25h' : ''}\n${signal} again: exiting now\n`);
      process.exit(ExitCode.INTERRUPTED);
    }
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

function printOutcome(outcome: RunOutcome, loaded: LoadedConfig): void {
  const out = process.stdout;
  const s = outcome.summary;
  if (outcome.status === 'failed' && outcome.error !== undefined) printError(outcome.error, (t) => loaded.redactor.text(t));
  if (outcome.mode === 'sim' && s !== undefined) {
    const state =
      outcome.status === 'completed' ? 'completed' : outcome.status === 'stopped' ? 'stopped early (partial results)' : 'failed';
    const money = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    out.write(
      `Backtest ${state}: ${s.steps} of ${s.totalSteps} steps, ${s.trades} trades (${s.closedTrades} closed), final equity ${money(s.finalEquity)} ${s.currency} (${(s.totalReturn * 100).toFixed(2)} %), max drawdown ${(s.maxDrawdown * 100).toFixed(2)} %\n`,
    );
  } else {
    const l = outcome.live;
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    const detail =
      l === undefined
        ? ''
        : ` ${plural(l.bars, 'bar')} processed, ${plural(l.orders, 'order')}, ${plural(l.fills, 'fill')}, ${plural(l.trades, 'trade')} (${l.closedTrades} closed).`;
    out.write(`${outcome.mode === 'ccxt' ? 'Live' : 'Paper'} trading ${outcome.status}.${detail}\n`);
  }
  out.write(`Results: ${outcome.outDir}\n`);
  if (outcome.reportPath !== undefined) out.write(`Report:  ${outcome.reportPath}\n`);
}
