import { Command } from 'commander';
import type { ScaffoldResult } from '../init/scaffold.js';
import { ExitCode, exitCodeFor, printError } from './exit-codes.js';

/** `bt init [dir]`: writes a starter project (package.json, tsconfig, config, strategy, sample data); never overwrites without --force. */
export function initCommand(): Command {
  return new Command('init')
    .description(
      'Write a starter project: package.json (the @bt packages and TypeScript), tsconfig.json, a commented config (bt.yaml), an example strategy (strategies/momentum.ts) and sample data (data/). Refuses to overwrite anything unless --force; an existing package.json only gains the entries it lacks.',
    )
    .argument('[dir]', 'folder to write into', '.')
    .option('--force', 'overwrite the starter files that exist (package.json is still only added to)', false)
    .addHelpText(
      'after',
      '\nThen: npm install, then npx bt run --config bt.yaml\n\nExit codes: 0 written, 1 failed, 2 a file already exists or package.json is not valid.',
    )
    .action(async (dir: string, options: { force: boolean }) => {
      const { scaffold } = await import('../init/scaffold.js');
      try {
        const result = await scaffold(dir, { force: options.force });
        if (result.written.length === 0 && result.overwritten.length === 0) {
          process.stderr.write(
            `bt: init writes nothing, these files already exist:\n${result.existing.map((f) => `  ${f}`).join('\n')}\n(bt init --force overwrites them)\n`,
          );
          process.exitCode = ExitCode.USAGE;
          return;
        }
        process.stdout.write(summary(result));
        process.exitCode = ExitCode.OK;
      } catch (error) {
        printError(error);
        process.exitCode = exitCodeFor(error);
      }
    });
}

/** What init did and the commands to run next. */
function summary(result: ScaffoldResult): string {
  const list = (files: readonly string[]) => files.map((f) => `  ${f}`).join('\n');
  const lines: string[] = [];
  if (result.written.length > 0) lines.push(`Wrote:\n${list(result.written)}`);
  if (result.overwritten.length > 0) lines.push(`Overwrote (--force):\n${list(result.overwritten)}`);
  const manifest = result.manifest;
  if (manifest?.action === 'updated') lines.push(`Added to ${manifest.path}:\n${list(manifest.added)}`);
  if (manifest?.action === 'unchanged') lines.push(`${manifest.path} already lists every @bt package, tool and script: left as it was`);
  const cd = result.dir === '.' ? [] : [`cd ${result.dir}`];
  const config = result.dir === '.' ? result.config : 'bt.yaml';
  const next: [string, string][] = [
    ['npm install', 'the @bt packages and TypeScript, as package.json lists them'],
    [`npx bt run --config ${config}`, 'a backtest on the sample data; results under results/'],
    ['npx tsc --noEmit', 'type-checks strategies/'],
  ];
  const width = Math.max(...next.map(([command]) => command.length)) + 3;
  lines.push(`Next:\n${list([...cd, ...next.map(([command, note]) => `${command.padEnd(width)}# ${note}`)])}`);
  return `${lines.join('\n\n')}\n`;
}
