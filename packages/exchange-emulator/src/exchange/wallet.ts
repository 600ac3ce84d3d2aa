import type { Order, OrderSide } from '@bt/core';
import { isTerminal } from '@bt/core';
import type { Account } from '@bt/sim-broker';
import { INSUFFICIENT_BALANCE_MSG, orderRejected } from '../binance/errors.js';
import type { EmulatedMarket } from './markets.js';
import type { OrderRecord } from './records.js';

/** One asset of the spot wallet. */
export interface WalletBalance {
  readonly asset: string;
  readonly free: number;
  readonly locked: number;
}

/** What the wallet is computed from: the engine's account, the markets and the open orders. */
export interface WalletView {
  readonly account: Account;
  readonly markets: readonly EmulatedMarket[];
  readonly orders: readonly OrderRecord[];
  /** The order as the engine knows it now. */
  readonly state: (record: OrderRecord) => Order;
  /** The larger of the maker and taker rates: what a buy holds on top of its cost. */
  readonly feeRate: number;
}

/** What open orders hold: per asset, and the base amount of open sells per market. */
export function holdsOf(view: WalletView): { byAsset: Map<string, number>; sellByMarket: number[] } {
  const byAsset = new Map<string, number>();
  const sellByMarket = view.markets.map(() => 0);
  for (const record of view.orders) {
    const state = view.state(record);
    if (isTerminal(state.status)) continue;
    const m = record.market;
    if (state.side === 'buy') {
      const asset = m.market.quote;
      byAsset.set(asset, (byAsset.get(asset) ?? 0) + state.remaining * record.holdPrice * (1 + view.feeRate));
    } else {
      const asset = m.market.base;
      byAsset.set(asset, (byAsset.get(asset) ?? 0) + state.remaining);
      sellByMarket[m.index] = (sellByMarket[m.index] ?? 0) + state.remaining;
    }
  }
  return { byAsset, sellByMarket };
}

/** The spot wallet: every asset of the account and of the markets, sorted by asset. */
export function walletOf(view: WalletView): WalletBalance[] {
  const total = new Map<string, number>();
  const locked = new Map<string, number>();
  const add = (map: Map<string, number>, asset: string, amount: number): void => {
    map.set(asset, (map.get(asset) ?? 0) + amount);
  };
  for (const b of view.account.balances()) {
    add(total, b.currency, b.total);
    add(locked, b.currency, b.used);
  }
  for (const m of view.markets) {
    add(total, m.market.base, Math.max(0, view.account.signedSize(m.index)));
    add(locked, m.market.base, 0);
  }
  for (const [asset, amount] of holdsOf(view).byAsset) add(locked, asset, amount);
  return [...total.keys()].sort().map((asset) => {
    const held = locked.get(asset) ?? 0;
    return { asset, free: (total.get(asset) ?? 0) - held, locked: held };
  });
}

/** @throws BinanceError -2010 with Binance's insufficient-balance message when the order may spend more than is free. */
export function checkFunds(view: WalletView, market: EmulatedMarket, side: OrderSide, quantity: number, holdPrice: number): void {
  if (side === 'buy') {
    const quote = market.market.quote;
    const free = walletOf(view).find((w) => w.asset === quote)?.free ?? 0;
    const need = quantity * holdPrice * (1 + view.feeRate);
    if (need > free + 1e-9 * Math.max(1, free)) throw orderRejected(INSUFFICIENT_BALANCE_MSG);
  } else {
    // The engine's account sells only the position of the same market.
    const free = Math.max(0, view.account.signedSize(market.index)) - (holdsOf(view).sellByMarket[market.index] ?? 0);
    if (quantity > free + 1e-9 * Math.max(1, free)) throw orderRejected(INSUFFICIENT_BALANCE_MSG);
  }
}
