#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { ExitCode, printError } from './commands/exit-codes.js';
import { packageVersion } from './util/package-root.js';

/**
 * The `bt` command line. Commands live one per module in `commands/`; each imports its heavy
 * parts (config validation, brokers, pino, the report) only when it runs.
 */
async function main(argv: readonly string[]): Promise<void> {
  const program = new Command('bt')
    .description('@bt: backtest on history, paper-trade on live data, or trade live: the same strategy, only the config changes.')
    .version(packageVersion(), '-v, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showSuggestionAfterError()
    .exitOverride();
  program.addHelpText(
    'after',
    '\nExit codes: 0 ok, 1 run failed, 2 bad usage or bad config.\nRun "bt <command> --help" for a command\'s options.',
  );
  for (const make of commands) program.addCommand(make().copyInheritedSettings(program));
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
      return;
    }
    printError(error);
    process.exitCode = ExitCode.FAILED;
  }
}

await main(process.argv);
