import { BtError } from '@bt/core';
import { compareSymbols } from './symbol-order.js';

/** One round trip (or an open position at the end of data), as docs/semantics.md §6 and §7 list it. */
export interface ReferenceTrade {
  readonly symbol: string;
  /** Timestamp (epoch ms) of the bar whose open filled the entry. */
  readonly entryTime: number;
  readonly entryPrice: number;
  /** Timestamp of the bar whose open filled the exit; null while the position is still open. */
  readonly exitTime: number | null;
  readonly exitPrice: number | null;
  readonly size: number;
  /** `(exitPrice - entryPrice) * size`; null while open. */
  readonly pnl: number | null;
}

/** The header line of a trades CSV. */
export const TRADES_CSV_HEADER = 'symbol,entry_time,entry_price,exit_time,exit_price,size,pnl';

/** Trades sorted by symbol (byte order), then entry time: the row order of docs/semantics.md §7. */
export function sortTrades(trades: readonly ReferenceTrade[]): ReferenceTrade[] {
  return [...trades].sort((a, b) => compareSymbols(a.symbol, b.symbol) || a.entryTime - b.entryTime);
}

const field = (value: number | null): string => (value === null ? '' : String(value));

/**
 * Writes trades as the CSV of docs/semantics.md §7: the header, then one line per trade sorted by symbol
 * and entry time, numbers as JavaScript's `Number#toString` writes them (`24.2`, `1`), and empty
 * exit fields for an open position. Every line, the last included, ends with `\n`.
 *
 * @throws BtError `DATA` for a symbol the unquoted format cannot hold (a comma, quote or line break).
 *
 * @example
 * ```ts
 * formatTradesCsv([{ symbol: 'BTCUSDT', entryTime: 60000, entryPrice: 24.2, exitTime: null, exitPrice: null, size: 1, pnl: null }]);
 * // 'symbol,entry_time,entry_price,exit_time,exit_price,size,pnl\nBTCUSDT,60000,24.2,,,1,\n'
 * ```
 */
export function formatTradesCsv(trades: readonly ReferenceTrade[]): string {
  const lines = [TRADES_CSV_HEADER];
  for (const t of sortTrades(trades)) {
    if (/[",\r\n]/.test(t.symbol)) {
      throw new BtError('DATA', `trades CSV: symbol ${JSON.stringify(t.symbol)} contains a comma, quote or line break`, {
        details: { symbol: t.symbol },
      });
    }
    lines.push(
      [t.symbol, field(t.entryTime), field(t.entryPrice), field(t.exitTime), field(t.exitPrice), field(t.size), field(t.pnl)].join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}
