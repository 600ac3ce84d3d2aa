import type { Clock } from '@bt/core';
import type { Db } from './db.js';
import type { EventLog } from './events.js';
import type { FillStore } from './fills.js';
import type { IntentStore } from './intents.js';
import type { TradeStore } from './trades.js';
import type { OpenReport, RunRow } from './types.js';

/** The parts a journal is made of: the connection and one store per table. */
export interface Parts {
  readonly db: Db;
  readonly file: string;
  readonly botName: string;
  readonly intents: IntentStore;
  readonly fills: FillStore;
  readonly trades: TradeStore;
  readonly events: EventLog;
}

/** What only a writer has. */
export interface Writer {
  readonly clock: Pick<Clock, 'now'>;
  readonly prefix: string;
  readonly token: string;
  readonly run: RunRow;
  readonly report: OpenReport;
}
