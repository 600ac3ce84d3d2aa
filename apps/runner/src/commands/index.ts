import type { Command } from 'commander';
import { emulateCommand } from './emulate.js';
import { initCommand } from './init.js';
import { reportCommand } from './report.js';
import { runCommand } from './run.js';
import { unlockCommand } from './unlock.js';
import { validateCommand } from './validate.js';

/**
 * Every `bt` command, one module each. A command module exports a function that builds its
 * commander `Command`; its action imports what it needs on demand, so `bt --help` stays instant.
 * To add a command, write `commands/<name>.ts` and list it here.
 */
export const commands: readonly (() => Command)[] = [
  runCommand,
  validateCommand,
  initCommand,
  reportCommand,
  unlockCommand,
  emulateCommand,
];
