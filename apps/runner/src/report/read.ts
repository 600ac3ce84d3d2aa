import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BtError } from '@bt/core';
import type { PriceSeries } from '../run/output.js';
import { PRICES_FILE } from '../run/output.js';

/** One row of trades.csv (docs/semantics.md §7); exit fields are undefined while the trade is open. */
export interface TradeRecord {
  readonly symbol: string;
  readonly entryTime: number;
  readonly entryPrice: number;
  readonly exitTime?: number;
  readonly exitPrice?: number;
  readonly size: number;
  readonly pnl?: number;
}

/** Everything a report is built from, as read back from a results folder. */
export interface ResultsFolder {
  readonly dir: string;
  /** results.json as written by the run. */
  readonly summary: Readonly<Record<string, unknown>>;
  readonly trades: readonly TradeRecord[];
  readonly equity: { readonly times: readonly number[]; readonly values: readonly number[] };
  /** Per symbol; empty when prices.json is missing. */
  readonly prices: Readonly<Record<string, PriceSeries>>;
}

/**
 * Reads a results folder: results.json, trades.csv, equity.csv and (if present) prices.json.
 *
 * @throws BtError `CONFIG` when the folder has no results.json; `DATA` when a file is malformed.
 */
export async function readResultsFolder(dir: string): Promise<ResultsFolder> {
  const file = (name: string) => join(dir, name);
  if (!existsSync(file('results.json'))) {
    throw new BtError('CONFIG', `${dir} is not a results folder: results.json is missing`, { details: { file: dir } });
  }
  const summary = JSON.parse(await readFile(file('results.json'), 'utf8')) as Record<string, unknown>;
  const trades = existsSync(file('trades.csv')) ? parseTrades(await readFile(file('trades.csv'), 'utf8'), file('trades.csv')) : [];
  const equity = existsSync(file('equity.csv')) ? parseEquity(await readFile(file('equity.csv'), 'utf8')) : { times: [], values: [] };
  const prices = existsSync(file(PRICES_FILE))
    ? (JSON.parse(await readFile(file(PRICES_FILE), 'utf8')) as Record<string, PriceSeries>)
    : {};
  return { dir, summary, trades, equity, prices };
}

/** Splits one CSV line into fields (quoted fields may hold commas and doubled quotes). */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) {
          value += line.slice(i);
          i = line.length;
          break;
        }
        value += line.slice(i, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      fields.push(value);
    } else {
      const comma = line.indexOf(',', i);
      fields.push(line.slice(i, comma < 0 ? line.length : comma));
      i = comma < 0 ? line.length : comma;
    }
    if (line[i] !== ',') return fields;
    i++;
  }
}

const optional = (text: string | undefined): number | undefined => (text === undefined || text === '' ? undefined : Number(text));

/** Parses trades.csv (header `symbol,entry_time,entry_price,exit_time,exit_price,size,pnl`). */
export function parseTrades(text: string, source = 'trades.csv'): TradeRecord[] {
  const lines = text.split(/\r?\n/).filter((l) => l !== '');
  const header = lines.shift();
  if (header !== 'symbol,entry_time,entry_price,exit_time,exit_price,size,pnl') {
    throw new BtError('DATA', `${source}: unexpected header ${JSON.stringify(header)}`, { details: { file: source } });
  }
  return lines.map((line) => {
    const [symbol, entryTime, entryPrice, exitTime, exitPrice, size, pnl] = splitCsvLine(line);
    const exit = optional(exitTime);
    return {
      symbol: symbol ?? '',
      entryTime: Number(entryTime),
      entryPrice: Number(entryPrice),
      ...(exit === undefined ? {} : { exitTime: exit, exitPrice: optional(exitPrice) as number, pnl: optional(pnl) as number }),
      size: Number(size),
    };
  });
}

/** Parses equity.csv (`time,equity`). */
export function parseEquity(text: string): { times: number[]; values: number[] } {
  const times: number[] = [];
  const values: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const comma = line.indexOf(',');
    times.push(Number(line.slice(0, comma)));
    values.push(Number(line.slice(comma + 1)));
  }
  return { times, values };
}
