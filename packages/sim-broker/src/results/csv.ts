import type { Fill, Order } from '@bt/core';
import type { EquityCurve, TradeRow } from './types.js';

/** Header of `trades.csv` (docs/semantics.md §7). */
export const TRADES_HEADER = 'symbol,entry_time,entry_price,exit_time,exit_price,size,pnl';

/**
 * `trades.csv`: the docs/semantics.md §7 format. Numbers are written like `Number.prototype.toString`;
 * an open trade has empty `exit_time`, `exit_price` and `pnl`. Rows keep the given order (sorted
 * by symbol, then entry time, by {@link buildTrades}).
 */
export function tradesCsv(trades: readonly TradeRow[]): string {
  const lines = [TRADES_HEADER];
  for (const t of trades) {
    lines.push(row([t.symbol, t.entryTime, t.entryPrice, t.exitTime, t.exitPrice, t.size, t.pnl]));
  }
  return `${lines.join('\n')}\n`;
}

/** `equity.csv`: `time,equity`, one row per step. */
export function equityCsv(equity: EquityCurve): string {
  const lines = ['time,equity'];
  for (let k = 0; k < equity.times.length; k++) lines.push(`${equity.times[k]},${equity.values[k]}`);
  return `${lines.join('\n')}\n`;
}

/** `orders.csv`: one row per order, in the given order. */
export function ordersCsv(orders: readonly Order[]): string {
  const lines = [
    'id,client_order_id,symbol,side,type,time_in_force,amount,price,stop_price,reduce_only,status,filled,remaining,average_price,created_at,updated_at,tag,reason',
  ];
  for (const o of orders) {
    lines.push(
      row([
        o.id,
        o.clientOrderId,
        o.symbol,
        o.side,
        o.type,
        o.timeInForce,
        o.amount,
        o.price,
        o.stopPrice,
        o.reduceOnly,
        o.status,
        o.filled,
        o.remaining,
        o.averagePrice,
        o.createdAt,
        o.updatedAt,
        o.tag,
        o.reason,
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `fills.csv`: one row per fill, in execution order. */
export function fillsCsv(fills: readonly Fill[]): string {
  const lines = ['id,order_id,client_order_id,symbol,side,amount,price,fee,fee_currency,maker,timestamp,tag'];
  for (const f of fills) {
    lines.push(
      row([f.id, f.orderId, f.clientOrderId, f.symbol, f.side, f.amount, f.price, f.fee, f.feeCurrency, f.maker, f.timestamp, f.tag]),
    );
  }
  return `${lines.join('\n')}\n`;
}

function row(fields: readonly (string | number | boolean | undefined)[]): string {
  return fields.map(field).join(',');
}

/** One CSV field: empty for undefined, numbers by `toString`, text quoted when it holds `,`, `"` or a line break. */
function field(value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
