import { describe, expect, it } from 'vitest';
import { Account, MarketTable } from '../src/index.js';

const markets = new MarketTable(['BTC/USDT', 'ETH/USDT', 'file-BTCUSD-1m'], 'USDT');
const BTC = markets.indexOf('BTC/USDT');

describe('MarketTable', () => {
  it('sorts symbols, derives base and quote, and uses the account currency for symbols without a slash', () => {
    expect(markets.list.map((m) => [m.symbol, m.base, m.quote])).toEqual([
      ['BTC/USDT', 'BTC', 'USDT'],
      ['ETH/USDT', 'ETH', 'USDT'],
      ['file-BTCUSD-1m', 'file-BTCUSD-1m', 'USDT'],
    ]);
    expect(Object.isFrozen(markets.list[0])).toBe(true);
  });

  it('rejects duplicate symbols and specs for unknown symbols', () => {
    expect(() => new MarketTable(['A', 'A'], 'USD')).toThrow(/appears twice/);
    expect(() => new MarketTable(['A'], 'USD', [{ symbol: 'B' }])).toThrow(/markets\[0\]\.symbol: "B" has no data/);
    expect(() => new MarketTable(['A'], 'USD', [{ symbol: 'A', amountStep: 0 }])).toThrow(/markets\[0\]\.amountStep/);
  });
});

describe('Account', () => {
  it('averages the entry, realizes pnl on reduction and marks the rest', () => {
    const account = new Account(markets, { currency: 'USDT', balances: { USDT: 1000 } });
    account.apply(BTC, 'buy', 2, 10, 0, 1);
    account.apply(BTC, 'buy', 1, 13, 0, 2);
    // entry (2 x 10 + 1 x 13) / 3 = 11
    expect(account.position(BTC)).toMatchObject({ side: 'long', size: 3, entryPrice: (2 * 10 + 1 * 13) / 3, openedAt: 1 });
    account.apply(BTC, 'sell', 1, 15, 0, 3);
    // realized (15 - 11) x 1 = 4; 2 left at entry 11
    account.mark(BTC, 12);
    expect(account.position(BTC)).toMatchObject({ size: 2, entryPrice: 11, realizedPnl: 4, markPrice: 12, unrealizedPnl: (12 - 11) * 2 });
    // cash 1000 - 20 - 13 + 15 = 982; equity 982 + 2 x 12
    expect(account.cash('USDT')).toBe(1000 - 20 - 13 + 15);
    expect(account.equity()).toBe(1000 - 20 - 13 + 15 + 2 * 12);
  });

  it('flips from long to short through zero at the fill price', () => {
    const account = new Account(markets, { currency: 'USDT', balances: { USDT: 1000 }, allowShort: true });
    account.apply(BTC, 'buy', 2, 10, 0, 1);
    expect(account.check(BTC, 'sell', 3, 12, 0)).toBeUndefined();
    account.apply(BTC, 'sell', 3, 12, 0, 5);
    // closes 2 with (12 - 10) x 2 = 4, opens a short of 1 at 12
    expect(account.position(BTC)).toMatchObject({ side: 'short', size: 1, entryPrice: 12, realizedPnl: 4, openedAt: 5 });
  });

  it('secures a short with its proceeds plus the same amount again, and refuses what free cash cannot cover', () => {
    const account = new Account(markets, { currency: 'USDT', balances: { USDT: 100 }, allowShort: true });
    account.apply(BTC, 'sell', 6, 10, 0, 1);
    // total 100 + 60 = 160; used 2 x 6 x 10 = 120; free 40
    expect(account.balances().find((b) => b.currency === 'USDT')).toEqual({ currency: 'USDT', free: 40, used: 120, total: 160 });
    // another 5 at 10: total 210, used 220, free -10 < 0
    expect(account.check(BTC, 'sell', 5, 10, 0)).toBe(
      'insufficient USDT: selling short 5 BTC/USDT at 10 (fee 0) needs 50 USDT free, but 40 is free',
    );
    // covering is never refused: buy 6 back at 8, realized (8 - 10) x 6 x -1 = 12
    expect(account.check(BTC, 'buy', 6, 8, 0)).toBeUndefined();
    account.apply(BTC, 'buy', 6, 8, 0, 2);
    expect(account.position(BTC)).toMatchObject({ side: 'flat', size: 0, realizedPnl: 12 });
    expect(account.balances().find((b) => b.currency === 'USDT')).toEqual({ currency: 'USDT', free: 160 - 48, used: 0, total: 160 - 48 });
  });

  it('hands out frozen snapshots, replaced on change', () => {
    const account = new Account(markets, { currency: 'USDT' });
    const flat = account.positionList(BTC);
    expect(account.positionList(BTC)).toBe(flat);
    expect(Object.isFrozen(flat) && Object.isFrozen(flat[0])).toBe(true);
    account.apply(BTC, 'buy', 1, 10, 0, 1);
    const open = account.positionList(BTC);
    expect(open).not.toBe(flat);
    expect(flat[0]?.side).toBe('flat');
    expect(() => {
      (open[0] as unknown as { size: number }).size = 5;
    }).toThrow(TypeError);
    expect(account.openPositions().map((p) => p.symbol)).toEqual(['BTC/USDT']);
    expect(account.balances()).toEqual([{ currency: 'USDT', free: 1_000_000 - 10, used: 0, total: 1_000_000 - 10 }]);
  });
});
