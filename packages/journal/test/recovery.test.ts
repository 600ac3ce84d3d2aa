import { createMemoryLogger, type Fill, type LogRecord } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { journalOrderStore, recoverFromVenue, type SqliteJournal } from '../src/index.js';
import { drive } from './support/drive.js';
import { scratch } from './support/journal.js';
import { RecoveryVenue } from './support/recovery-venue.js';

const s = scratch();
const SYMBOL = 'BTC/USDT';

function buy(journal: SqliteJournal, amount = 1): string {
  return journal.recordIntent({ strategy: 'sma', symbol: SYMBOL, side: 'buy', type: 'market', amount }).clientOrderId;
}

/** A venue whose BTC balance is what its fills of the bot's orders bought. */
function venueHolding(venue: RecoveryVenue, btc: number): void {
  venue.balances = [{ currency: 'BTC', free: btc, used: 0, total: btc }];
}

function recover(journal: SqliteJournal, venue: RecoveryVenue, extra: { receiveWindowMs?: number; logs?: LogRecord[] } = {}) {
  return drive(
    s.clock,
    recoverFromVenue({
      journal,
      broker: venue,
      symbols: [SYMBOL],
      clock: s.clock,
      ...(extra.receiveWindowMs === undefined ? {} : { receiveWindowMs: extra.receiveWindowMs }),
      ...(extra.logs === undefined ? {} : { logger: createMemoryLogger(extra.logs) }),
    }),
  );
}

/** Every venue fill of the bot's orders, journaled exactly once: (trade, order, client order) → count. */
function journaledCounts(journal: SqliteJournal): Map<string, number> {
  const counts = new Map<string, number>();
  for (const f of journal.fills()) {
    const key = `${f.tradeId}|${f.venueOrderId}|${f.clientOrderId}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function expectEveryVenueFillOnce(journal: SqliteJournal, venue: RecoveryVenue): void {
  const counts = journaledCounts(journal);
  for (const f of venue.fills) expect(counts.get(`${f.id}|${f.orderId}|${f.clientOrderId}`), `fill ${f.id} of ${f.orderId}`).toBe(1);
  expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(venue.fills.length);
}

describe('recoverFromVenue: kill points, each settled to what the venue says, every fill once', () => {
  it('(a) intent journaled, never sent: proven absent only after look-ups spanning the receive window, and not re-sent', async () => {
    const journal = s.open();
    const id = buy(journal);
    const venue = new RecoveryVenue(s.clock);
    const report = await recover(journal, venue, { receiveWindowMs: 5000 });

    expect(report.settled).toEqual([{ clientOrderId: id, symbol: SYMBOL, from: 'intent', to: 'absent' }]);
    expect(journal.intent(id)?.status).toBe('absent');
    const lookups = venue.calls.filter((c) => c.method === 'fetchOrder');
    expect(lookups.length).toBeGreaterThanOrEqual(2);
    expect((lookups.at(-1)?.at as number) - (lookups[0]?.at as number)).toBeGreaterThan(5000);
    expect(venue.submissions).toEqual([]);
    expect(report.missedFills).toEqual([]);
    expect(report.summary).toContain('1 open intent looked up (1 proven absent)');
  });

  it('(b) sent, no ack, still in flight: found when it reaches the venue inside the window, never proven absent', async () => {
    const journal = s.open();
    const id = buy(journal);
    journal.markSent(id);
    const venue = new RecoveryVenue(s.clock);
    venue.place({ clientOrderId: id, amount: 1, fills: [1], arrivesAt: s.clock.now() + 3000 });
    venueHolding(venue, 1);
    const report = await recover(journal, venue);

    expect(report.settled).toEqual([{ clientOrderId: id, symbol: SYMBOL, from: 'sent', to: 'filled' }]);
    expect(journal.intent(id)).toMatchObject({ status: 'filled', filled: 1, venueOrderId: '1' });
    expect(report.missedFills).toEqual([expect.objectContaining({ id: '1', orderId: '1', clientOrderId: id, amount: 1 })]);
    expectEveryVenueFillOnce(journal, venue);
    expect(journal.events({ kind: 'intent.status' }).map((e) => e.payload)).not.toContainEqual(expect.objectContaining({ to: 'absent' }));
  });

  it('(b) outcome unknown (a timeout), filled at the venue: filled, its fill recorded once', async () => {
    const journal = s.open();
    const id = buy(journal, 0.5);
    journal.markSent(id);
    journal.markUnknown(id, 'ETIMEDOUT');
    const venue = new RecoveryVenue(s.clock);
    venue.place({ clientOrderId: id, amount: 0.5, fills: [0.5] });
    venueHolding(venue, 0.5);
    const report = await recover(journal, venue);
    expect(report.settled).toEqual([{ clientOrderId: id, symbol: SYMBOL, from: 'unknown', to: 'filled' }]);
    expect(report.positions).toEqual([{ symbol: SYMBOL, bot: 0.5, venue: 0.5, heldBefore: 0, ok: true }]);
    expectEveryVenueFillOnce(journal, venue);
    expect(venue.submissions).toEqual([]);
  });

  it('(c) acked, not filled: still open, or canceled when the venue canceled it', async () => {
    const journal = s.open();
    const working = buy(journal);
    journal.recordAck(working, { accepted: true, orderId: '1', status: 'open', clientOrderId: working });
    const canceled = buy(journal);
    journal.recordAck(canceled, { accepted: true, orderId: '2', status: 'open', clientOrderId: canceled });
    const venue = new RecoveryVenue(s.clock);
    venue.place({ clientOrderId: working, amount: 1 });
    venue.place({ clientOrderId: canceled, amount: 1, status: 'canceled' });
    const report = await recover(journal, venue);
    expect(report.settled.map((x) => [x.clientOrderId, x.from, x.to])).toEqual([
      [working, 'open', 'open'],
      [canceled, 'open', 'canceled'],
    ]);
    expect(journal.openIntents().map((i) => i.clientOrderId)).toEqual([working]);
    expect(report.positions).toEqual([{ symbol: SYMBOL, bot: 0, venue: 0, heldBefore: 0, ok: true }]);
  });

  it('(d) filled at the venue, not yet seen by the bot: the missed fills recorded once, in time order, and handed over once', async () => {
    const journal = s.open();
    const id = buy(journal, 1);
    journal.recordAck(id, { accepted: true, orderId: '1', status: 'open', clientOrderId: id });
    const venue = new RecoveryVenue(s.clock);
    venue.place({ clientOrderId: id, amount: 1, fills: [0.25, 0.75] });
    venueHolding(venue, 1);
    const report = await recover(journal, venue);

    expect(report.missedFills.map((f: Fill) => [f.id, f.amount, f.tag])).toEqual([
      ['1', 0.25, 'sma'],
      ['2', 0.75, 'sma'],
    ]);
    expect(report.missedFills.map((f) => f.timestamp)).toEqual([...report.missedFills.map((f) => f.timestamp)].sort((a, b) => a - b));
    expect(journal.intent(id)).toMatchObject({ status: 'filled', filled: 1 });
    expectEveryVenueFillOnce(journal, venue);
    expect(report.summary).toContain('2 missed fills recorded');

    // The controller's replay through the order store takes each as new once; the stream's copy later is a duplicate.
    const store = journalOrderStore(journal);
    const outcomes = report.missedFills.map((f) => store.recordFill(f));
    expect(outcomes.map((o) => (o === 'duplicate' ? o : o?.clientOrderId))).toEqual([id, id]);
    expect(report.missedFills.map((f) => store.recordFill(f))).toEqual(['duplicate', 'duplicate']);
    expect(journal.pendingFills()).toEqual([]);

    // A second recovery finds nothing new.
    const again = await recover(journal, venue);
    expect(again.missedFills).toEqual([]);
    expect(again.settled).toEqual([]);
    expectEveryVenueFillOnce(journal, venue);
  });

  it('hands over again, at the next start, missed fills that a crash kept from the strategies', async () => {
    const journal = s.open();
    const id = buy(journal, 1);
    journal.markSent(id);
    const venue = new RecoveryVenue(s.clock);
    venue.place({ clientOrderId: id, amount: 1, fills: [1] });
    venueHolding(venue, 1);
    const first = await recover(journal, venue);
    // Killed before controller.replayFills: the next recovery returns the same fill, still not duplicated in the journal.
    const second = await recover(journal, venue);
    expect(second.missedFills).toEqual(first.missedFills);
    expectEveryVenueFillOnce(journal, venue);
  });

  it('(f) during a partial fill: the journaled part kept, the rest recorded, the intent partially filled and still working', async () => {
    const journal = s.open();
    const id = buy(journal, 1);
    journal.recordAck(id, { accepted: true, orderId: '1', status: 'open', clientOrderId: id });
    const venue = new RecoveryVenue(s.clock);
    venue.place({ clientOrderId: id, amount: 1, fills: [0.3, 0.2] });
    const seen = venue.fills[0] as Fill;
    journal.recordFill(seen);
    venueHolding(venue, 0.5);
    const report = await recover(journal, venue);
    expect(report.settled).toEqual([{ clientOrderId: id, symbol: SYMBOL, from: 'open', to: 'partially-filled' }]);
    expect(report.missedFills.map((f) => [f.id, f.amount])).toEqual([['2', 0.2]]);
    expect(journal.intent(id)).toMatchObject({ status: 'partially-filled', filled: 0.5 });
    expectEveryVenueFillOnce(journal, venue);
    expect(report.positions[0]).toMatchObject({ bot: 0.5, venue: 0.5, ok: true });
  });

  it('an acked order the venue no longer has, without fills, is canceled; with fills, settled from them', async () => {
    const journal = s.open();
    const gone = buy(journal);
    journal.recordAck(gone, { accepted: true, orderId: '7', status: 'open', clientOrderId: gone });
    const pruned = buy(journal, 0.5);
    journal.markSent(pruned);
    const venue = new RecoveryVenue(s.clock);
    // The venue pruned the filled order but keeps its trade.
    venue.fills.push({
      id: '1',
      orderId: '9',
      clientOrderId: pruned,
      symbol: SYMBOL,
      side: 'buy',
      amount: 0.5,
      price: 100,
      fee: 0,
      feeCurrency: 'USDT',
      maker: false,
      timestamp: s.clock.now(),
    });
    venueHolding(venue, 0.5);
    const report = await recover(journal, venue);
    expect(report.settled.map((x) => [x.clientOrderId, x.to])).toEqual([
      [gone, 'canceled'],
      [pruned, 'filled'],
    ]);
    expectEveryVenueFillOnce(journal, venue);
  });

  it('without fetchFills: rebuilds the fill from the order, once, marked reconstructed', async () => {
    const journal = s.open();
    const id = buy(journal, 2);
    journal.markSent(id);
    const logs: LogRecord[] = [];
    const venue = new RecoveryVenue(s.clock, { listsFills: false });
    venue.place({ clientOrderId: id, amount: 2, fills: [2], price: 101 });
    venueHolding(venue, 2);
    const report = await recover(journal, venue, { logs });
    expect(report.missedFills).toEqual([expect.objectContaining({ id: 'reconstructed-2', amount: 2, price: 101, clientOrderId: id })]);
    expect(journal.fillsOf(id)).toEqual([expect.objectContaining({ origin: 'reconstructed', amount: 2 })]);
    await recover(journal, venue);
    expect(journal.fillsOf(id)).toHaveLength(1);
    expect(logs.map((l) => l.message)).toContainEqual(expect.stringContaining('cannot list fills'));
  });

  it('adopts an open order with the bot prefix and no journal row as an orphan; ignores other ids', async () => {
    const journal = s.open();
    buy(journal); // seq 1, proven absent below
    const venue = new RecoveryVenue(s.clock);
    venue.place({ clientOrderId: 'gridbot-BTCUSDT-40', amount: 0.1 });
    venue.place({ clientOrderId: 'someoneelse-BTCUSDT-3', amount: 0.1 });
    venue.place({ clientOrderId: 'web_abc123', amount: 0.1 });
    const report = await recover(journal, venue);
    expect(report.orphans).toEqual(['gridbot-BTCUSDT-40']);
    expect(journal.intent('gridbot-BTCUSDT-40')).toMatchObject({ status: 'open', venueOrderId: '1', strategy: 'orphan' });
    expect(journal.intent('someoneelse-BTCUSDT-3')).toBeUndefined();
    expect(journal.events({ kind: 'intent.adopted' })).toHaveLength(1);
    // The sequence moves past the orphan's number: no later id repeats it.
    expect(buy(journal)).toBe('gridbot-BTCUSDT-42');
    expect(report.summary).toContain('1 orphan,');
    expect((await recover(journal, venue)).orphans).toEqual([]);
  });

  it('never proves an order absent through a broker that cannot look orders up by client order id', async () => {
    const journal = s.open();
    const id = buy(journal);
    journal.markSent(id);
    const logs: LogRecord[] = [];
    const venue = new RecoveryVenue(s.clock, { fetchByClientOrderId: false });
    const report = await recover(journal, venue, { logs });
    expect(report.settled).toEqual([{ clientOrderId: id, symbol: SYMBOL, from: 'sent', to: 'sent' }]);
    expect(journal.intent(id)?.status).toBe('sent');
    expect(venue.calls.filter((c) => c.method === 'fetchOrder')).toEqual([]);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringContaining(`${id} could not be settled`) }));
    expect(journal.events({ kind: 'recovery.unresolved' })).toHaveLength(1);
  });

  it('logs and journals what it compared', async () => {
    const journal = s.open();
    const id = buy(journal);
    journal.markSent(id);
    const venue = new RecoveryVenue(s.clock);
    venue.place({ clientOrderId: id, amount: 1, fills: [1] });
    venueHolding(venue, 3);
    const logs: LogRecord[] = [];
    const report = await recover(journal, venue, { logs });
    expect(report.summary).toBe(
      'reconciled with the venue: 1 open intent looked up (1 filled), 1 missed fill recorded, 0 orphans, ' +
        'positions BTC/USDT bot 1 = venue 3 (2 held before the bot, not traded)',
    );
    expect(logs).toContainEqual(expect.objectContaining({ message: report.summary }));
    expect(journal.events().map((e) => e.kind)).toEqual(
      expect.arrayContaining(['recovery.started', 'recovery.settled', 'recovery.positions', 'recovery.completed']),
    );
  });
});
