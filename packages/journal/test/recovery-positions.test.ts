import { BtError, type Fill } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { isJournalError, journalPositions, recoverFromVenue, type SqliteJournal } from '../src/index.js';
import { drive } from './support/drive.js';
import { scratch } from './support/journal.js';
import { RecoveryVenue } from './support/recovery-venue.js';

const s = scratch();

/** Journals a filled order of the bot (as a run before the restart saw it) and places it at the venue. */
function filled(
  journal: SqliteJournal,
  venue: RecoveryVenue,
  side: 'buy' | 'sell',
  amount: number,
  symbol = 'BTC/USDT',
  price = 100,
): void {
  const id = journal.recordIntent({ strategy: 'sma', symbol, side, type: 'market', amount }).clientOrderId;
  const order = venue.place({ clientOrderId: id, symbol, side, amount, fills: [amount], price });
  journal.recordAck(id, { accepted: true, orderId: order.id, status: 'open', clientOrderId: id });
  journal.recordFill(venue.fills.at(-1) as Fill);
  journal.updateIntent(id, { status: 'filled', filled: amount, averagePrice: price });
}

function btc(venue: RecoveryVenue, total: number): void {
  venue.balances = [{ currency: 'BTC', free: total, used: 0, total }];
}

function recover(journal: SqliteJournal, venue: RecoveryVenue, options: { acceptVenue?: boolean; symbols?: string[] } = {}) {
  return drive(s.clock, recoverFromVenue({ journal, broker: venue, symbols: options.symbols ?? ['BTC/USDT'], clock: s.clock, ...options }));
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('positions at start: the bot owns the net of its own fills', () => {
  it('reports holdings that were there before the bot, and never counts them as the bot', async () => {
    const journal = s.open();
    const venue = new RecoveryVenue(s.clock);
    filled(journal, venue, 'buy', 0.5);
    btc(venue, 2.5);
    const report = await recover(journal, venue);
    expect(report.positions).toEqual([{ symbol: 'BTC/USDT', bot: 0.5, venue: 2.5, heldBefore: 2, ok: true }]);
    expect(report.summary).toContain('BTC/USDT bot 0.5 = venue 2.5 (2 held before the bot, not traded)');

    // The controller's broker: a position of 0.5, not the 2.5 of the account.
    venue.price = 120;
    const broker = journalPositions(venue, journal);
    expect(await broker.getPositions('BTC/USDT')).toEqual([
      expect.objectContaining({ symbol: 'BTC/USDT', side: 'long', size: 0.5, entryPrice: 100, markPrice: 120, unrealizedPnl: 10 }),
    ]);
    expect(await broker.getBalances()).toEqual(venue.balances);
    filled(journal, venue, 'sell', 0.5, 'BTC/USDT', 110);
    expect(await broker.getPositions()).toEqual([]);
  });

  it('fails closed when the venue holds less than the bot bought, naming the symbol, both figures and the fix', async () => {
    const journal = s.open();
    const venue = new RecoveryVenue(s.clock);
    filled(journal, venue, 'buy', 0.5);
    btc(venue, 0.2); // someone sold 0.3 by hand
    const error = await rejection(recover(journal, venue));
    expect(isJournalError(error, 'POSITION_MISMATCH')).toBe(true);
    expect(error).toMatchObject({ code: 'STATE', retryable: false });
    const message = (error as Error).message;
    expect(message).toContain('BTC/USDT');
    expect(message).toContain('0.5 BTC');
    expect(message).toContain('balance is 0.2');
    expect(message).toContain('bt run --accept-venue-state');
    expect(message).toContain('fix the venue by hand');
    expect(journal.events({ kind: 'recovery.refused' })).toHaveLength(1);
    expect(venue.submissions).toEqual([]);
  });

  it('fails closed when a derivatives position differs from the bot fills', async () => {
    const journal = s.open();
    const venue = new RecoveryVenue(s.clock);
    filled(journal, venue, 'sell', 1, 'BTC/USDT:USDT');
    venue.positions = [
      { symbol: 'BTC/USDT:USDT', side: 'short', size: 3, entryPrice: 100, realizedPnl: 0, unrealizedPnl: 0, markPrice: 100 },
    ];
    // Handed the controller's broker (positions from the journal), it still compares with the venue's own figures.
    const error = await rejection(
      drive(s.clock, recoverFromVenue({ journal, broker: journalPositions(venue, journal), symbols: ['BTC/USDT:USDT'], clock: s.clock })),
    );
    expect(isJournalError(error, 'POSITION_MISMATCH')).toBe(true);
    expect((error as Error).message).toContain("BTC/USDT:USDT: the bot's own fills make a position of -1, the venue's position is -3");

    venue.positions = [
      { symbol: 'BTC/USDT:USDT', side: 'short', size: 1, entryPrice: 100, realizedPnl: 0, unrealizedPnl: 0, markPrice: 100 },
    ];
    const report = await recover(journal, venue, { symbols: ['BTC/USDT:USDT'] });
    expect(report.positions).toEqual([{ symbol: 'BTC/USDT:USDT', bot: -1, venue: -1, heldBefore: 0, ok: true }]);
  });

  it('with acceptVenue, records an adjustment so the bot position is what the venue proves, and goes on', async () => {
    const journal = s.open();
    const venue = new RecoveryVenue(s.clock);
    filled(journal, venue, 'buy', 0.5);
    btc(venue, 0.2);
    venue.price = 90;
    const report = await recover(journal, venue, { acceptVenue: true });
    expect(report.positions).toEqual([{ symbol: 'BTC/USDT', bot: 0.2, venue: 0.2, heldBefore: 0, ok: true }]);
    expect(report.summary).toContain("BTC/USDT bot 0.2 = venue 0.2 (the venue's state accepted: the bot's position adjusted by -0.3)");
    expect(journal.netPosition('BTC/USDT')).toBeCloseTo(0.2, 12);
    const adjustment = journal.fills().find((f) => f.origin === 'adjustment');
    expect(adjustment).toMatchObject({ side: 'sell', price: 90, strategy: 'venue-adjustment', pendingDelivery: false });
    expect(adjustment?.amount).toBeCloseTo(0.3, 12);
    expect(journal.events({ kind: 'recovery.venue-state-accepted' })[0]?.payload).toMatchObject({
      symbol: 'BTC/USDT',
      bot: 0.5,
      venue: 0.2,
    });
    // Not a trade of a strategy: nothing to hand over.
    expect(report.missedFills).toEqual([]);
    // The next start agrees with the venue.
    expect((await recover(journal, venue)).positions[0]).toMatchObject({ ok: true, bot: expect.closeTo(0.2, 12) });
  });

  it('fails closed on a spot bot that sold more than it bought; acceptVenue on a derivative takes the venue position', async () => {
    const journal = s.open();
    const venue = new RecoveryVenue(s.clock);
    filled(journal, venue, 'sell', 0.4);
    btc(venue, 1);
    const error = await rejection(recover(journal, venue));
    expect((error as Error).message).toContain(
      "hold -0.4 BTC, the venue's BTC balance is 1 (a spot bot cannot have sold more than it bought)",
    );

    filled(journal, venue, 'buy', 1, 'BTC/USDT:USDT');
    venue.positions = [
      { symbol: 'BTC/USDT:USDT', side: 'long', size: 1.5, entryPrice: 100, realizedPnl: 0, unrealizedPnl: 0, markPrice: 100 },
    ];
    const report = await recover(journal, venue, { acceptVenue: true, symbols: ['BTC/USDT', 'BTC/USDT:USDT'] });
    expect(report.positions).toEqual([
      { symbol: 'BTC/USDT', bot: 0, venue: 1, heldBefore: 1, ok: true },
      { symbol: 'BTC/USDT:USDT', bot: 1.5, venue: 1.5, heldBefore: 0, ok: true },
    ]);
    expect(journal.netPosition('BTC/USDT:USDT')).toBe(1.5);
    expect(journal.netPosition('BTC/USDT')).toBe(0);
  });

  it('counts fees taken in the base currency: the bot holds what its fills left', async () => {
    const journal = s.open();
    const venue = new RecoveryVenue(s.clock);
    const id = journal.recordIntent({ strategy: 'sma', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 1 }).clientOrderId;
    journal.recordFill({
      id: '1',
      orderId: 'o1',
      clientOrderId: id,
      symbol: 'BTC/USDT',
      side: 'buy',
      amount: 1,
      price: 100,
      fee: 0.001,
      feeCurrency: 'BTC',
      maker: false,
      timestamp: 1,
    });
    journal.updateIntent(id, { status: 'filled', filled: 1, venueOrderId: 'o1' });
    btc(venue, 0.999);
    const report = await recover(journal, venue);
    expect(report.positions).toEqual([{ symbol: 'BTC/USDT', bot: 0.999, venue: 0.999, heldBefore: 0, ok: true }]);
    expect((await journalPositions(venue, journal).getPositions())[0]?.size).toBeCloseTo(0.999, 12);
  });
});

describe('venue calls during recovery', () => {
  it('survive 429s and 5xxs with backoff on the clock', async () => {
    const journal = s.open();
    const id = journal.recordIntent({ strategy: 'sma', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 1 }).clientOrderId;
    journal.markSent(id);
    const venue = new RecoveryVenue(s.clock);
    venue.place({ clientOrderId: id, amount: 1, fills: [1] });
    btc(venue, 1);
    const tooMany = () => new BtError('RATE_LIMIT', '429 Too Many Requests');
    venue.fail('getOpenOrders', tooMany(), tooMany(), tooMany());
    venue.fail('fetchOrder', new BtError('NETWORK', '503 Service Unavailable'), tooMany());
    venue.fail('fetchFills', tooMany());
    venue.fail('getBalances', new BtError('EXCHANGE', '502 Bad Gateway', { retryable: true }));
    venue.fail('getMarkets', tooMany());
    const started = s.clock.now();
    const report = await recover(journal, venue);
    expect(report.settled).toEqual([{ clientOrderId: id, symbol: 'BTC/USDT', from: 'sent', to: 'filled' }]);
    expect(report.missedFills).toHaveLength(1);
    const opens = venue.calls.filter((c) => c.method === 'getOpenOrders').map((c) => c.at - started);
    // 500, 1000, 2000 ms between tries (within one drive step).
    expect(opens).toHaveLength(4);
    const gaps = opens.slice(1).map((t, i) => t - (opens[i] as number));
    for (const [i, gap] of gaps.entries()) expect(gap).toBeGreaterThanOrEqual(500 * 2 ** i);
    expect(journal.events({ kind: 'recovery.completed' })).toHaveLength(1);
  });

  it('stops with a clear error on a failure that is not transient, or when the venue stays down', async () => {
    const journal = s.open();
    journal.recordIntent({ strategy: 'sma', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 1 });
    const venue = new RecoveryVenue(s.clock);
    venue.fail('getOpenOrders', new BtError('AUTHENTICATION', 'invalid API key'));
    const error = await rejection(recover(journal, venue));
    expect(error).toMatchObject({ code: 'AUTHENTICATION', retryable: false });
    expect((error as Error).message).toBe('recovery stopped: open orders of BTC/USDT at recovery-venue failed: invalid API key');
    expect(venue.calls.filter((c) => c.method === 'getOpenOrders')).toHaveLength(1);

    const down = Array.from({ length: 20 }, () => new BtError('NETWORK', 'ECONNRESET'));
    venue.fail('getOpenOrders', ...down);
    const stillDown = await rejection(recover(journal, venue));
    expect(stillDown).toMatchObject({ code: 'NETWORK' });
    expect((stillDown as Error).message).toContain('still failing after 8 tries');
    expect(journal.intents()[0]?.status).toBe('intent');
  });
});
