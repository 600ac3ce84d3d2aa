import { Command } from 'commander';
import { ExitCode, exitCodeFor, printError } from './exit-codes.js';

/** `bt report DIR`: rebuilds report.html from a results folder (a paper or live one from its journal first). */
export function reportCommand(): Command {
  return new Command('report')
    .description(
      'Rebuild report.html from a results folder. For a paper or live run, first rebuilds its orders, fills, trades, equity and results.json from the bot journal (also for a run that was killed).',
    )
    .argument('<dir>', 'results folder of a backtest, paper or live run')
    .option('-o, --out <file>', 'where to write the report (default: <dir>/report.html)')
    .option('--state <file>', 'paper/live: the bot journal to read (default: the one results.json names)')
    .addHelpText('after', '\nExit codes: 0 written, 1 failed, 2 not a results folder.')
    .action(async (dir: string, flags: { out?: string; state?: string }) => {
      try {
        const { rebuildLiveResults } = await import('../report/live-rebuild.js');
        const rebuilt = await rebuildLiveResults(dir, flags.state);
        if (rebuilt !== undefined) process.stdout.write(`Rebuilt from ${rebuilt.journal} (run ${rebuilt.status})\n`);
        const { writeReport } = await import('../report/report.js');
        const path = await writeReport(dir, flags.out);
        process.stdout.write(`Report: ${path}\n`);
        process.exitCode = ExitCode.OK;
      } catch (error) {
        printError(error);
        process.exitCode = exitCodeFor(error);
      }
    });
}
