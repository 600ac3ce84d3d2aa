import { Command } from 'commander';
import { ExitCode, exitCodeFor, printError } from './exit-codes.js';

/** `bt validate FILE`: checks a config without running it. */
export function validateCommand(): Command {
  return new Command('validate')
    .description('Check a config file: schema, environment variables, strategies and data files. Prints every problem with its line.')
    .argument('<file>', 'YAML or JSON config file')
    .addHelpText('after', '\nExit codes: 0 valid, 2 invalid.')
    .action(async (file: string) => {
      const { loadConfig } = await import('../config/load.js');
      try {
        const { config } = await loadConfig(file);
        const mode = { sim: 'backtest (sim)', paper: 'paper trading (paper)', ccxt: 'live trading (ccxt)' }[config.broker.type];
        const symbols = config.symbols.map((s) => s.symbol).join(', ');
        process.stdout.write(`${file} is valid: ${mode} of ${symbols}\n`);
        process.exitCode = ExitCode.OK;
      } catch (error) {
        printError(error);
        process.exitCode = exitCodeFor(error);
      }
    });
}
