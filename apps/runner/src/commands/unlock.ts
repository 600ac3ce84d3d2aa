import { Command } from 'commander';
import { ExitCode, exitCodeFor, printError } from './exit-codes.js';

/** `bt unlock -c FILE`: removes the bot's journal lock left by a process that is gone. */
export function unlockCommand(): Command {
  return new Command('unlock')
    .description(
      "Remove the journal lock of a config's bot, left by an instance that is gone (on another host, or a replaced container). A dead process on this host is taken over by bt run itself.",
    )
    .requiredOption('-c, --config <file>', 'the config whose bot to unlock (its state section)')
    .addHelpText(
      'after',
      '\nOnly when you are sure that instance no longer runs: two instances of a bot would trade the same account.\n\nExit codes: 0 done (or nothing to remove), 1 failed, 2 bad config.',
    )
    .action(async (flags: { config: string }) => {
      try {
        const { loadConfig } = await import('../config/load.js');
        const { stateLocation } = await import('../run/state/location.js');
        const { LiveClock, formatIsoTime } = await import('@bt/core');
        const { SqliteJournal } = await import('@bt/journal');
        const location = stateLocation(await loadConfig(flags.config));
        const { existsSync } = await import('node:fs');
        if (!existsSync(location.file)) {
          process.stdout.write(`bot "${location.botName}" has no journal yet (${location.file}): nothing to unlock\n`);
          return;
        }
        const owner = SqliteJournal.breakLock({ file: location.file, botName: location.botName, clock: new LiveClock() });
        process.stdout.write(
          owner === undefined
            ? `bot "${location.botName}" held no lock in ${location.file}\n`
            : `removed the lock of bot "${location.botName}" in ${location.file}: pid ${owner.pid} on ${owner.host}, last heartbeat ${formatIsoTime(owner.heartbeatAt)}\n`,
        );
        process.exitCode = ExitCode.OK;
      } catch (error) {
        printError(error);
        process.exitCode = exitCodeFor(error);
      }
    });
}
