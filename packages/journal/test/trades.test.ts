import { describe, expect, it } from 'vitest';
import { type ExitInFlight, isJournalError, type TradeInput } from '../src/index.js';
import { scratch, thrown } from './support/journal.js';

const s = scratch();
const TRADE: TradeInput = {
  symbol: 'BTC/USDT',
  strategy: 'sma',
  side: 'long',
  amount: 0.5,
  entryPrice: 30_000,
  entryTime: 1_000,
  bestPrice: 30_500,
  exits: { stopLoss: 0.02, trailingStop: 0.01, maxHoldingMs: 3_600_000 },
};

describe("the trade manager's state", () => {
  it('keeps each open position with its exit in flight as typed state, across a restart', () => {
    const journal = s.open();
    expect(journal.saveTrade(TRADE)).toEqual({ ...TRADE, exit: { kind: 'none' }, updatedAt: s.clock.now() });
    const exit = journal.recordIntent({
      strategy: 'sma',
      symbol: 'BTC/USDT',
      side: 'sell',
      type: 'market',
      amount: 0.5,
      reduceOnly: true,
      source: 'trade-manager',
      reason: 'trailing-stop',
    });
    const submitting: ExitInFlight = {
      kind: 'submitting',
      clientOrderId: exit.clientOrderId,
      reason: 'trailing-stop',
      attempts: 1,
      nextAttemptAt: s.clock.now() + 5_000,
    };
    expect(journal.setTradeExit('BTC/USDT', 'sma', submitting).exit).toEqual(submitting);
    journal.saveTrade({ ...TRADE, symbol: 'ETH/USDT', side: 'short', exits: { takeProfit: 0.05 } });
    journal.close();

    const next = s.open();
    expect(next.openTrades().map((t) => [t.symbol, t.side, t.exit])).toEqual([
      ['BTC/USDT', 'long', submitting],
      ['ETH/USDT', 'short', { kind: 'none' }],
    ]);
    expect(next.trade('BTC/USDT', 'sma')?.exits).toEqual(TRADE.exits);
    expect(next.setTradeExit('BTC/USDT', 'sma', { kind: 'working', clientOrderId: exit.clientOrderId }).exit).toEqual({
      kind: 'working',
      clientOrderId: exit.clientOrderId,
    });
    expect(next.removeTrade('BTC/USDT', 'sma')).toBe(true);
    expect(next.removeTrade('BTC/USDT', 'sma')).toBe(false);
    expect(next.openTrades().map((t) => t.symbol)).toEqual(['ETH/USDT']);
  });

  it("refuses an exit that is not one of the bot's intents, a malformed exit, or a malformed trade", () => {
    const journal = s.open();
    journal.saveTrade(TRADE);
    expect(
      isJournalError(
        thrown(() => journal.setTradeExit('BTC/USDT', 'sma', { kind: 'working', clientOrderId: 'nope' })),
        'UNKNOWN_ORDER',
      ),
    ).toBe(true);
    const { clientOrderId } = journal.recordIntent({ strategy: 'sma', symbol: 'BTC/USDT', side: 'sell', type: 'market', amount: 0.5 });
    const malformed = [
      { kind: 'submitting', clientOrderId, reason: 'stop-loss', attempts: 0, nextAttemptAt: 1 },
      { kind: 'submitting', clientOrderId, attempts: 1, nextAttemptAt: 1 },
      { kind: 'pending:stop-loss' },
    ] as unknown as ExitInFlight[];
    for (const exit of malformed)
      expect(
        isJournalError(
          thrown(() => journal.setTradeExit('BTC/USDT', 'sma', exit)),
          'INVALID_INPUT',
        ),
      ).toBe(true);
    expect(
      isJournalError(
        thrown(() => journal.setTradeExit('SOL/USDT', 'sma', { kind: 'none' })),
        'INVALID_INPUT',
      ),
    ).toBe(true);
    for (const bad of [
      { ...TRADE, amount: 0 },
      { ...TRADE, side: 'buy' as 'long' },
      { ...TRADE, entryTime: 1.5 },
      { ...TRADE, strategy: '' },
    ]) {
      expect(
        isJournalError(
          thrown(() => journal.saveTrade(bad)),
          'INVALID_INPUT',
        ),
      ).toBe(true);
    }
    expect(journal.trade('BTC/USDT', 'sma')?.exit).toEqual({ kind: 'none' });
  });

  it('writes an exit intent and the trade that awaits it in one transaction, or neither', () => {
    const journal = s.open();
    journal.saveTrade(TRADE);
    const exitIntent = () =>
      journal.recordIntent({ strategy: 'sma', symbol: 'BTC/USDT', side: 'sell', type: 'market', amount: 0.5, source: 'trade-manager' });
    expect(
      thrown(() =>
        journal.transaction(() => {
          const intent = exitIntent();
          journal.setTradeExit('BTC/USDT', 'sma', {
            kind: 'submitting',
            clientOrderId: intent.clientOrderId,
            reason: 'stop-loss',
            attempts: 1,
            nextAttemptAt: 0,
          });
          throw new Error('the process is told to stop');
        }),
      ),
    ).toBeInstanceOf(Error);
    expect(journal.intents()).toEqual([]);
    expect(journal.trade('BTC/USDT', 'sma')?.exit).toEqual({ kind: 'none' });

    const intent = journal.transaction(() => {
      const recorded = exitIntent();
      journal.setTradeExit('BTC/USDT', 'sma', {
        kind: 'submitting',
        clientOrderId: recorded.clientOrderId,
        reason: 'stop-loss',
        attempts: 1,
        nextAttemptAt: 0,
      });
      return recorded;
    });
    // The rolled-back id was never given: the sequence has no hole.
    expect(intent.seq).toBe(1);
    expect(journal.trade('BTC/USDT', 'sma')?.exit).toMatchObject({ kind: 'submitting', clientOrderId: intent.clientOrderId });
    expect(
      isJournalError(
        thrown(() => journal.transaction(() => Promise.resolve(1))),
        'INVALID_INPUT',
      ),
    ).toBe(true);
  });
});
