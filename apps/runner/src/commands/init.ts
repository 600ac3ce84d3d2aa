import { Command } from 'commander';
import { ExitCode, printError } from './exit-codes.js';

/** `bt init [dir]`: writes a starter config, an example strategy and sample data; never overwrites. */
export function initCommand(): Command {
  return new Command('init')
    .description(
      'Write a commented starter config (bt.yaml), an example strategy (strategies/momentum.ts) and two sample data files (data/). Refuses to overwrite anything.',
    )
    .argument('[dir]', 'folder to write into', '.')
    .addHelpText('after', '\nThen: bt run --config bt.yaml\n\nExit codes: 0 written, 1 failed, 2 a file already exists.')
    .action(async (dir: string) => {
      const { scaffold } = await import('../init/scaffold.js');
      try {
        const result = await scaffold(dir);
        if (result.existing.length > 0) {
          process.stderr.write(`bt: init writes nothing, these files already exist:\n${result.existing.map((f) => `  ${f}`).join('\n')}\n`);
          process.exitCode = ExitCode.USAGE;
          return;
        }
        process.stdout.write(`Wrote:\n${result.written.map((f) => `  ${f}`).join('\n')}\n\nNext: bt run --config ${result.config}\n`);
        process.exitCode = ExitCode.OK;
      } catch (error) {
        printError(error);
        process.exitCode = ExitCode.FAILED;
      }
    });
}
