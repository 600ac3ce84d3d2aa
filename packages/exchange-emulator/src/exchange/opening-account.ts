import { BtError } from '@bt/core';
import type { BarColumns, MarketTable } from '@bt/sim-broker';
import { Account } from '@bt/sim-broker';
import type { EmulatedMarket } from './markets.js';

/**
 * The engine's account with the starting balances: a quote asset is cash; a pure base asset (not
 * any market's quote) is a long position of the first market of that base, bought at the last close
 * before `startTime` (else the first open) with cash given for that purpose.
 *
 * @throws BtError `CONFIG` naming `balances.<asset>` when an amount is not a finite number >= 0.
 */
export function openingAccount(
  table: MarketTable,
  markets: readonly EmulatedMarket[],
  balances: Readonly<Record<string, number>>,
  startTime: number,
): Account {
  const quotes = new Set(markets.map((m) => m.market.quote));
  const cash: Record<string, number> = {};
  const seeds: { market: EmulatedMarket; amount: number; price: number }[] = [];
  for (const [asset, amount] of Object.entries(balances)) {
    if (!(Number.isFinite(amount) && amount >= 0)) {
      throw new BtError('CONFIG', `balances.${asset}: expected a finite number >= 0, got ${amount}`, {
        details: { field: `balances.${asset}` },
      });
    }
    const market = quotes.has(asset) ? undefined : markets.find((m) => m.market.base === asset);
    if (market === undefined || amount === 0) {
      cash[asset] = (cash[asset] ?? 0) + amount;
      continue;
    }
    const price = seedPrice(market.columns, startTime);
    seeds.push({ market, amount, price });
    cash[market.market.quote] = (cash[market.market.quote] ?? 0) + amount * price;
  }
  const currency = markets[0]?.market.quote ?? 'USDT';
  const account = new Account(table, { currency, balances: cash, allowShort: false });
  for (const seed of seeds) account.apply(seed.market.index, 'buy', seed.amount, seed.price, 0, startTime);
  return account;
}

/** The price a starting base balance is valued at: the last close at `startTime`, else the first open. */
function seedPrice(columns: BarColumns, startTime: number): number {
  let i = 0;
  while (i < columns.length && (columns.openTime[i] as number) + columns.timeframeMs <= startTime) i++;
  return i > 0 ? (columns.close[i - 1] as number) : (columns.open[0] as number);
}
