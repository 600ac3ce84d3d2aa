import { formatIsoTime } from '@bt/core';
import type { ProgressDisplay, ProgressKind } from '../progress/display.js';
import type { BookPosition } from './live-book.js';
import type { VenueHealthState } from './venue-health.js';

/** What the status line of a paper or live run shows. */
export interface LiveStatus {
  /** Run's clock time. */
  readonly now: number;
  readonly positions: readonly BookPosition[];
  readonly netPnl: number;
  readonly realizedPnl: number;
  readonly unrealizedPnl: number;
  readonly fees: number;
  /** Orders not yet final (in flight or working at the venue). */
  readonly openOrders: number;
  /** Close time of the newest bar processed, over every symbol. */
  readonly lastBarClose?: number;
  readonly venue: VenueHealthState;
}

const amount = (n: number): string => Number(n.toPrecision(8)).toString();
const money = (n: number): string => `${n >= 0 ? '+' : ''}${n.toFixed(2)}`;
const minute = (ms: number): string => formatIsoTime(ms).slice(0, 16).replace('T', ' ');

/** The venue's health in a few words: `venue ok`, `venue failing 3x since 12:01 (NETWORK: ...)`. */
export function venueWords(venue: VenueHealthState): string {
  if (venue.status === 'unknown') return 'venue ?';
  if (venue.status === 'ok') return 'venue ok';
  const since = venue.failingSince === undefined ? '' : ` since ${minute(venue.failingSince)}`;
  const why =
    venue.lastError === undefined ? '' : ` (${venue.lastError.length > 60 ? `${venue.lastError.slice(0, 57)}...` : venue.lastError})`;
  return `venue FAILING ${venue.failures}x${since}${why}`;
}

/**
 * One line: positions, PnL (net, realized, unrealized, fees), open orders, last bar, venue health.
 *
 * @example
 * ```ts
 * statusLine(status); // 'BTC/USDT +0.5 @ 23100.00 | PnL +12.30 (real +10.00, unreal +4.30, fees 2.00) | 1 open order | bar 2023-03-01 12:05 | venue ok'
 * ```
 */
export function statusLine(s: LiveStatus): string {
  const positions =
    s.positions.length === 0
      ? 'flat'
      : s.positions.map((p) => `${p.symbol} ${p.amount > 0 ? '+' : ''}${amount(p.amount)} @ ${p.entryPrice.toFixed(2)}`).join(', ');
  const pnl = `PnL ${money(s.netPnl)} (real ${money(s.realizedPnl)}, unreal ${money(s.unrealizedPnl)}, fees ${s.fees.toFixed(2)})`;
  const orders = `${s.openOrders} open order${s.openOrders === 1 ? '' : 's'}`;
  const bar = s.lastBarClose === undefined ? 'no bar yet' : `bar ${minute(s.lastBarClose)}`;
  return [positions, pnl, orders, bar, venueWords(s.venue)].join(' | ');
}

/** A console for paper and live runs: log lines, and a status line below them. */
export interface StatusDisplay extends ProgressDisplay {
  /** Shows `line` as the status: redrawn in place on a terminal, printed when it changed otherwise. */
  show(line: string): void;
}

/**
 * The status display of a paper or live run on `stream`: `tty` keeps the status on the last line
 * (log lines print above it), `plain` prints `[bt] status: ...` whenever it changes, `none` only
 * prints log lines.
 */
export function createStatusDisplay(kind: ProgressKind, stream: NodeJS.WritableStream): StatusDisplay {
  let current: string | undefined;
  let stopped = false;
  const columns = (): number => (stream as { columns?: number }).columns ?? 120;
  const draw = (): void => {
    if (current !== undefined) stream.write(`\r\x1b[2K${current.slice(0, Math.max(10, columns() - 1))}`);
  };
  const clear = (): void => {
    if (current !== undefined) stream.write('\r\x1b[2K');
  };
  return {
    log(line) {
      if (kind === 'tty' && !stopped) {
        clear();
        stream.write(`${line}\n`);
        draw();
      } else {
        stream.write(`${line}\n`);
      }
    },
    start() {},
    show(line) {
      if (stopped || kind === 'none' || line === current) return;
      if (kind === 'tty') {
        current = line;
        draw();
      } else {
        current = line;
        stream.write(`[bt] status: ${line}\n`);
      }
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (kind === 'tty' && current !== undefined) stream.write('\n');
    },
  };
}
