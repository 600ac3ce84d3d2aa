import type { Balance, Market, Order, Position } from '@bt/core';
import { signedSize } from '@bt/core';

/** What the bot believes it holds, to compare with the venue. */
export interface ExpectedState {
  /** Positions the bot believes it has (flat ones may be omitted). */
  readonly positions?: readonly Pick<Position, 'symbol' | 'side' | 'size'>[];
  /** Open orders the bot believes it has, by venue id or client order id. */
  readonly openOrders?: readonly { readonly symbol: string; readonly id?: string; readonly clientOrderId?: string }[];
}

/** A position that differs between the bot and the venue (signed sizes: long positive). */
export interface PositionDrift {
  readonly symbol: string;
  readonly expected: number;
  readonly actual: number;
  /** `actual - expected`. */
  readonly difference: number;
}

/** An open order only one side knows: `missing` at the venue, or `unexpected` by the bot. */
export interface OrderDrift {
  readonly kind: 'missing' | 'unexpected';
  readonly symbol: string;
  readonly id?: string;
  readonly clientOrderId?: string;
}

/** What the venue says, and how it differs from what the bot expected. */
export interface ReconciliationReport {
  /** Clock time of the check (ms). */
  readonly at: number;
  readonly balances: readonly Balance[];
  readonly positions: readonly Position[];
  readonly openOrders: readonly Order[];
  readonly drift: { readonly positions: readonly PositionDrift[]; readonly orders: readonly OrderDrift[] };
  /** True when nothing drifted (always true without expectations). */
  readonly inSync: boolean;
}

/**
 * Compares the venue's state with `expected`. Position sizes match within half an amount step
 * of the market (or 1e-9 relative when it has none). Without `expected.positions` (or
 * `openOrders`) that side is not compared.
 */
export function diffState(
  actual: { readonly positions: readonly Position[]; readonly openOrders: readonly Order[] },
  expected: ExpectedState,
  markets: ReadonlyMap<string, Market>,
): { positions: PositionDrift[]; orders: OrderDrift[] } {
  const positions: PositionDrift[] = [];
  if (expected.positions !== undefined) {
    const want = new Map<string, number>();
    for (const p of expected.positions) want.set(p.symbol, (want.get(p.symbol) ?? 0) + signedSize(p as Position));
    const have = new Map<string, number>();
    for (const p of actual.positions) have.set(p.symbol, (have.get(p.symbol) ?? 0) + signedSize(p));
    for (const symbol of [...new Set([...want.keys(), ...have.keys()])].sort()) {
      const e = want.get(symbol) ?? 0;
      const a = have.get(symbol) ?? 0;
      const step = markets.get(symbol)?.amountStep;
      const tolerance = step === undefined ? 1e-9 * Math.max(1, Math.abs(e), Math.abs(a)) : step / 2;
      if (Math.abs(a - e) > tolerance) positions.push({ symbol, expected: e, actual: a, difference: a - e });
    }
  }
  const orders: OrderDrift[] = [];
  if (expected.openOrders !== undefined) {
    const matches = (o: Order, e: { id?: string; clientOrderId?: string }): boolean =>
      (e.id !== undefined && e.id === o.id) || (e.clientOrderId !== undefined && e.clientOrderId === o.clientOrderId);
    for (const e of expected.openOrders) {
      if (!actual.openOrders.some((o) => o.symbol === e.symbol && matches(o, e))) {
        orders.push({ kind: 'missing', symbol: e.symbol, ...ids(e) });
      }
    }
    for (const o of actual.openOrders) {
      if (!expected.openOrders.some((e) => e.symbol === o.symbol && matches(o, e))) {
        orders.push({
          kind: 'unexpected',
          symbol: o.symbol,
          id: o.id,
          ...(o.clientOrderId === undefined ? {} : { clientOrderId: o.clientOrderId }),
        });
      }
    }
  }
  return { positions, orders };
}

function ids(e: { id?: string; clientOrderId?: string }): { id?: string; clientOrderId?: string } {
  return { ...(e.id === undefined ? {} : { id: e.id }), ...(e.clientOrderId === undefined ? {} : { clientOrderId: e.clientOrderId }) };
}
