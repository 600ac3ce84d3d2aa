import { basename, extname, join } from 'node:path';
import type { LoadedConfig } from '../../config/load.js';

/** Where a paper or live run keeps its state, and whose it is (the config's `state` section, defaults filled in). */
export interface StateLocation {
  /** Absolute path of the bot's SQLite journal. */
  readonly file: string;
  /** The bot: one running instance per bot; its orders, fills and positions are its own. */
  readonly botName: string;
  /** Prefix of the bot's client order ids, when the config sets one. */
  readonly clientIdPrefix?: string;
}

/** Folder, next to the config file, that holds the default journal of each bot. */
export const STATE_DIR = 'state';

/**
 * The state of a run: `state.botName`, else the config's `name`, else the config file's name (no
 * extension), else `bot`; `state.file`, else `state/<botName>.sqlite` next to the config file for
 * live trading and `state/<botName>.paper.sqlite` for paper trading (simulated fills never mix
 * with the real ones of the same bot).
 *
 * @example
 * ```ts
 * stateLocation(await loadConfig('bots/grid.yaml')); // { file: '/…/bots/state/grid.sqlite', botName: 'grid' }
 * ```
 */
export function stateLocation(loaded: LoadedConfig): StateLocation {
  const { state, name } = loaded.config;
  const fromFile = basename(loaded.source, extname(loaded.source)).replace(/[^\w.-]/g, '');
  const botName = state?.botName ?? name ?? (fromFile === '' || loaded.source.startsWith('(') ? 'bot' : fromFile);
  return {
    file: state?.file ?? join(loaded.baseDir, STATE_DIR, `${botName}${loaded.config.broker.type === 'paper' ? '.paper' : ''}.sqlite`),
    botName,
    ...(state?.clientIdPrefix === undefined ? {} : { clientIdPrefix: state.clientIdPrefix }),
  };
}
