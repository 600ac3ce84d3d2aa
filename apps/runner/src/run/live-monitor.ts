import type { BtError, Clock, Fill, Logger } from '@bt/core';
import { LiveClock, toBtError } from '@bt/core';
import { isJournalError, type SqliteJournal } from '@bt/journal';
import { bookOf, fillOf } from './live-book.js';
import { EQUITY_EVENT, type EquitySample } from './live-results.js';
import { statusLine } from './status-line.js';
import type { VenueHealthState } from './venue-health.js';

/** Options of {@link LiveMonitor}. */
export interface LiveMonitorOptions {
  readonly clock: Clock;
  readonly journal: SqliteJournal;
  /** Pause between two passes, on `clock`. */
  readonly intervalMs: number;
  /** The newest bar of each symbol: what positions are marked at. */
  readonly marks: () => Readonly<Record<string, { readonly price: number; readonly closeTime: number }>>;
  readonly health: () => VenueHealthState;
  /** Receives the status line after every pass. */
  readonly show: (line: string) => void;
  /** Called once when the journal's lock was taken by another process: the run must stop. */
  readonly onLockLost: (error: BtError) => void;
  readonly logger: Logger;
  /** Wall time, which spaces the heartbeats (a replay clock may run far faster). Default: a LiveClock. */
  readonly wallClock?: Pick<Clock, 'now'>;
}

/** The heartbeat is written at most this often, in wall time (ms). */
export const HEARTBEAT_WALL_MS = 1000;

/**
 * The runner's loop beside the controller's in a paper or live run, on the run's clock: each pass
 * proves the bot alive (the journal lock's heartbeat), journals an equity sample when a new bar
 * or fill changed the book ({@link EQUITY_EVENT}), and shows the status line.
 */
export class LiveMonitor {
  readonly #options: LiveMonitorOptions;
  readonly #abort = new AbortController();
  readonly #fills: Fill[] = [];
  #lastFillSeq = 0;
  #lastMarkKey = '';
  #loop: Promise<void> | undefined;
  #warned = new Set<string>();
  #lockLost = false;
  readonly #wall: Pick<Clock, 'now'>;
  #lastHeartbeat = Number.NEGATIVE_INFINITY;

  constructor(options: LiveMonitorOptions) {
    this.#options = options;
    this.#wall = options.wallClock ?? new LiveClock();
  }

  /** Starts the loop (one pass at once). */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** Ends the loop, then runs a last pass so the final equity is journaled. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
    if (!this.#lockLost) this.pass();
  }

  /** One pass: heartbeat (at most once per {@link HEARTBEAT_WALL_MS} of wall time), equity sample, status line. Never throws (failures are logged once per kind). */
  pass(): void {
    const { journal, clock } = this.#options;
    try {
      const wall = this.#wall.now();
      if (wall - this.#lastHeartbeat >= HEARTBEAT_WALL_MS) {
        journal.heartbeat();
        this.#lastHeartbeat = wall;
      }
      for (;;) {
        const page = journal.fills({ afterSeq: this.#lastFillSeq, limit: 1000 });
        for (const row of page) this.#fills.push(fillOf(row));
        this.#lastFillSeq = page.at(-1)?.seq ?? this.#lastFillSeq;
        if (page.length < 1000) break;
      }
      const bars = this.#options.marks();
      const marks = Object.fromEntries(Object.entries(bars).map(([symbol, m]) => [symbol, m.price]));
      const book = bookOf(this.#fills, marks);
      const markKey = `${this.#lastFillSeq}|${Object.values(bars)
        .map((m) => m.closeTime)
        .join(',')}`;
      if (markKey !== this.#lastMarkKey) {
        this.#lastMarkKey = markKey;
        const sample: EquitySample = {
          time: Math.round(clock.now()),
          marks,
          realizedPnl: book.realizedPnl,
          unrealizedPnl: book.unrealizedPnl,
          fees: book.fees,
          netPnl: book.netPnl,
        };
        journal.appendEvent(EQUITY_EVENT, sample);
      }
      const closes = Object.values(bars).map((m) => m.closeTime);
      this.#options.show(
        statusLine({
          now: clock.now(),
          positions: book.positions,
          netPnl: book.netPnl,
          realizedPnl: book.realizedPnl,
          unrealizedPnl: book.unrealizedPnl,
          fees: book.fees,
          openOrders: journal.openIntents().length,
          ...(closes.length === 0 ? {} : { lastBarClose: Math.max(...closes) }),
          venue: this.#options.health(),
        }),
      );
    } catch (error) {
      if (isJournalError(error, 'LOCK_LOST') || isJournalError(error, 'CLOSED')) {
        if (!this.#lockLost) {
          this.#lockLost = true;
          this.#abort.abort();
          this.#options.onLockLost(toBtError(error));
        }
        return;
      }
      const e = toBtError(error);
      if (!this.#warned.has(e.code)) {
        this.#warned.add(e.code);
        this.#options.logger.warn(`status pass failed: ${e.message}`, { code: e.code });
      }
    }
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      this.pass();
      if (signal.aborted) return;
      await this.#options.clock.sleep(this.#options.intervalMs, signal).catch(() => undefined);
    }
  }
}
