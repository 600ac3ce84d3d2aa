import type { Fill } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { type IntentInput, isJournalError, type SqliteJournal } from '../src/index.js';
import { scratch, thrown } from './support/journal.js';

const s = scratch();

function fill(over: Partial<Fill> & Pick<Fill, 'id' | 'orderId'>): Fill {
  return { symbol: 'BTC/USDT', side: 'buy', amount: 1, price: 100, fee: 0.1, feeCurrency: 'USDT', maker: false, timestamp: 1_000, ...over };
}

/** An intent sent and acknowledged as venue order `venueOrderId`. */
function acked(journal: SqliteJournal, venueOrderId: string, over: Partial<IntentInput> = {}): string {
  const { clientOrderId } = journal.recordIntent({ strategy: 'sma', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 5, ...over });
  journal.recordAck(clientOrderId, { accepted: true, orderId: venueOrderId, status: 'open', clientOrderId });
  return clientOrderId;
}

describe('recordFill', () => {
  it('journals a fill once, however often it is reported', () => {
    const journal = s.open();
    const id = acked(journal, 'v1');
    const first = journal.recordFill(fill({ id: 't1', orderId: 'v1', clientOrderId: id }));
    expect(first).toEqual({
      inserted: true,
      fill: {
        seq: 1,
        tradeId: 't1',
        venueOrderId: 'v1',
        clientOrderId: id,
        strategy: 'sma',
        runId: journal.run.id,
        symbol: 'BTC/USDT',
        side: 'buy',
        price: 100,
        amount: 1,
        fee: 0.1,
        feeCurrency: 'USDT',
        maker: false,
        time: 1_000,
        recordedAt: s.clock.now(),
        origin: 'venue',
        pendingDelivery: false,
      },
    });
    // Reported again: by the stream, then by a poll without the client order id.
    expect(journal.recordFill(fill({ id: 't1', orderId: 'v1', clientOrderId: id }))).toEqual({ inserted: false, fill: first.fill });
    expect(journal.recordFill(fill({ id: 't1', orderId: 'v1' }))).toEqual({ inserted: false, fill: first.fill });
    expect(journal.fillsOf(id)).toEqual([first.fill]);
  });

  it('keeps fills that share a venue trade id but not the order (an exchange whose ids restart at 1)', () => {
    const journal = s.open();
    const a = acked(journal, 'v1');
    const b = acked(journal, 'v2');
    expect(journal.recordFill(fill({ id: '1', orderId: 'v1', clientOrderId: a })).inserted).toBe(true);
    expect(journal.recordFill(fill({ id: '1', orderId: 'v2', clientOrderId: b })).inserted).toBe(true);
    // After a venue reset even the order id comes again: our client order id still tells them apart.
    const c = acked(journal, 'v3');
    journal.close();
    const next = s.open();
    const d = next.recordIntent({ strategy: 'sma', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 5 }).clientOrderId;
    expect(next.recordFill(fill({ id: '1', orderId: 'v3', clientOrderId: c })).inserted).toBe(true);
    expect(next.recordFill(fill({ id: '1', orderId: 'v3', clientOrderId: d })).inserted).toBe(true);
    expect(next.fills().map((f) => [f.tradeId, f.venueOrderId, f.clientOrderId])).toEqual([
      ['1', 'v1', a],
      ['1', 'v2', b],
      ['1', 'v3', c],
      ['1', 'v3', d],
    ]);
  });

  it("refuses a fill that is not of one of the bot's intents, or does not match it", () => {
    const journal = s.open();
    const id = acked(journal, 'v1');
    expect(
      isJournalError(
        thrown(() => journal.recordFill(fill({ id: 't', orderId: 'manual' }))),
        'UNKNOWN_ORDER',
      ),
    ).toBe(true);
    expect(
      isJournalError(
        thrown(() => journal.recordFill(fill({ id: 't', orderId: 'v1', clientOrderId: 'web-123' }))),
        'UNKNOWN_ORDER',
      ),
    ).toBe(true);
    for (const bad of [
      fill({ id: 't', orderId: 'v1', clientOrderId: id, symbol: 'ETH/USDT' }),
      fill({ id: 't', orderId: 'v1', clientOrderId: id, side: 'sell' }),
      fill({ id: 't', orderId: 'v2', clientOrderId: id }),
      fill({ id: '', orderId: 'v1', clientOrderId: id }),
      fill({ id: 't', orderId: 'v1', clientOrderId: id, amount: 0 }),
      fill({ id: 't', orderId: 'v1', clientOrderId: id, price: Number.POSITIVE_INFINITY }),
      fill({ id: 't', orderId: 'v1', clientOrderId: id, timestamp: 1.5 }),
    ]) {
      expect(
        isJournalError(
          thrown(() => journal.recordFill(bad)),
          'INVALID_INPUT',
        ),
        JSON.stringify(bad),
      ).toBe(true);
    }
    expect(journal.fills()).toEqual([]);
  });

  it('keeps the fill of an intent proven absent, and logs the contradiction', () => {
    const journal = s.open();
    const { clientOrderId } = journal.recordIntent({ strategy: 'sma', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 1 });
    journal.markAbsent(clientOrderId);
    expect(journal.recordFill(fill({ id: 't', orderId: 'late', clientOrderId })).inserted).toBe(true);
    expect(journal.events({ kind: 'anomaly.fill-of-absent-intent' })).toHaveLength(1);
    expect(journal.netPosition('BTC/USDT')).toBe(1);
  });
});

describe('positions from fills', () => {
  it("are the net of the bot's own fills per symbol, with the last fill time", () => {
    const journal = s.open();
    expect(journal.netPositions()).toEqual([]);
    expect(journal.lastFillTime()).toBeUndefined();
    const buy = acked(journal, 'v1');
    const sell = acked(journal, 'v2', { side: 'sell', strategy: 'mr' });
    const eth = acked(journal, 'v3', { symbol: 'ETH/USDT', side: 'sell' });
    journal.recordFill(fill({ id: 'a', orderId: 'v1', clientOrderId: buy, amount: 0.1, timestamp: 10 }));
    journal.recordFill(fill({ id: 'b', orderId: 'v1', clientOrderId: buy, amount: 0.2, timestamp: 20 }));
    journal.recordFill(fill({ id: 'c', orderId: 'v2', clientOrderId: sell, side: 'sell', amount: 0.3, timestamp: 30 }));
    journal.recordFill(fill({ id: 'd', orderId: 'v3', clientOrderId: eth, symbol: 'ETH/USDT', side: 'sell', amount: 2, timestamp: 25 }));
    // 0.1 + 0.2 - 0.3 is 5.6e-17 in floating point: a flat position.
    expect(journal.netPositions()).toEqual([
      { symbol: 'BTC/USDT', amount: 0, bought: 0.1 + 0.2, sold: 0.3, fills: 3, lastFillTime: 30 },
      { symbol: 'ETH/USDT', amount: -2, bought: 0, sold: 2, fills: 1, lastFillTime: 25 },
    ]);
    expect(journal.netPosition('ETH/USDT')).toBe(-2);
    expect(journal.netPosition('SOL/USDT')).toBe(0);
    expect(journal.netPosition('BTC/USDT', { strategy: 'sma' })).toBeCloseTo(0.3, 12);
    expect(journal.netPosition('BTC/USDT', { strategy: 'mr' })).toBeCloseTo(-0.3, 12);
    expect(journal.lastFillTime()).toBe(30);
    expect(journal.lastFillTime('ETH/USDT')).toBe(25);
    // Another bot's fills in the same file are not this bot's position.
    const other = s.open({ botName: 'other' });
    expect(other.netPositions()).toEqual([]);
  });

  it('pages through fills and intents by sequence', () => {
    const journal = s.open();
    const id = acked(journal, 'v1');
    for (let i = 0; i < 5; i++) journal.recordFill(fill({ id: `t${i}`, orderId: 'v1', clientOrderId: id, amount: 0.5 }));
    expect(journal.fills({ afterSeq: 2, limit: 2 }).map((f) => f.tradeId)).toEqual(['t2', 't3']);
    expect(journal.intents({ afterSeq: 1 })).toEqual([]);
  });
});
