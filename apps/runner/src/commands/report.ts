import { Command } from 'commander';
import { ExitCode, exitCodeFor, printError } from './exit-codes.js';

/** `bt report DIR`: rebuilds report.html from a results folder. */
export function reportCommand(): Command {
  return new Command('report')
    .description('Rebuild report.html from a results folder (results.json, trades.csv, equity.csv, prices.json).')
    .argument('<dir>', 'results folder of a backtest')
    .option('-o, --out <file>', 'where to write the report (default: <dir>/report.html)')
    .addHelpText('after', '\nExit codes: 0 written, 1 failed, 2 not a results folder.')
    .action(async (dir: string, flags: { out?: string }) => {
      const { writeReport } = await import('../report/report.js');
      try {
        const path = await writeReport(dir, flags.out);
        process.stdout.write(`Report: ${path}\n`);
        process.exitCode = ExitCode.OK;
      } catch (error) {
        printError(error);
        process.exitCode = exitCodeFor(error);
      }
    });
}
