import type { Order } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { type IntentInput, isJournalError, requestOf } from '../src/index.js';
import { scratch, thrown } from './support/journal.js';

const s = scratch();
const BUY: IntentInput = { strategy: 'sma', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 0.5 };

function order(over: Partial<Order> & Pick<Order, 'id' | 'status'>): Order {
  return {
    symbol: 'BTC/USDT',
    side: 'buy',
    type: 'market',
    timeInForce: 'GTC',
    amount: 0.5,
    reduceOnly: false,
    filled: 0,
    remaining: 0.5,
    createdAt: 1,
    updatedAt: 1,
    ...over,
  };
}

describe('recordIntent', () => {
  it('commits the intent under the next client order id of the bot, with every field', () => {
    const journal = s.open();
    const intent = journal.recordIntent({
      strategy: 'breakout',
      symbol: 'ETH/USDT',
      side: 'sell',
      type: 'stop-limit',
      amount: 2,
      price: 1900,
      stopPrice: 1950,
      timeInForce: 'IOC',
      reduceOnly: true,
      tag: 'breakout#1',
      source: 'trade-manager',
      reason: 'stop-loss',
    });
    expect(intent).toEqual({
      clientOrderId: 'gridbot-ETHUSDT-1',
      seq: 1,
      runId: journal.run.id,
      strategy: 'breakout',
      symbol: 'ETH/USDT',
      side: 'sell',
      type: 'stop-limit',
      amount: 2,
      price: 1900,
      stopPrice: 1950,
      timeInForce: 'IOC',
      reduceOnly: true,
      tag: 'breakout#1',
      source: 'trade-manager',
      reason: 'stop-loss',
      status: 'intent',
      filled: 0,
      createdAt: s.clock.now(),
      updatedAt: s.clock.now(),
    });
    expect(journal.intent(intent.clientOrderId)).toEqual(intent);
    expect(requestOf(intent)).toEqual({
      symbol: 'ETH/USDT',
      side: 'sell',
      type: 'stop-limit',
      amount: 2,
      price: 1900,
      stopPrice: 1950,
      timeInForce: 'IOC',
      reduceOnly: true,
      clientOrderId: 'gridbot-ETHUSDT-1',
      tag: 'breakout#1',
    });
    const plain = journal.recordIntent(BUY);
    expect(plain).toMatchObject({
      clientOrderId: 'gridbot-BTCUSDT-2',
      seq: 2,
      tag: 'sma',
      source: 'strategy',
      timeInForce: 'GTC',
      reduceOnly: false,
    });
  });

  it('continues the sequence after a restart, never reusing an id', () => {
    const first = s.open();
    const ids = [first.recordIntent(BUY), first.recordIntent(BUY)].map((i) => i.clientOrderId);
    first.close('restart');
    const second = s.open();
    ids.push(second.recordIntent(BUY).clientOrderId, second.recordIntent({ ...BUY, symbol: 'ETH/USDT' }).clientOrderId);
    expect(ids).toEqual(['gridbot-BTCUSDT-1', 'gridbot-BTCUSDT-2', 'gridbot-BTCUSDT-3', 'gridbot-ETHUSDT-4']);
    expect(second.runs().map((r) => [r.status, r.endReason])).toEqual([
      ['stopped', 'restart'],
      ['running', undefined],
    ]);
  });

  it('gives no id to an intent that could not be recorded', () => {
    const journal = s.open();
    const bad: IntentInput[] = [
      { ...BUY, amount: 0 },
      { ...BUY, amount: Number.NaN },
      { ...BUY, type: 'limit' },
      { ...BUY, type: 'stop', price: 1 },
      { ...BUY, price: -1, type: 'limit' },
      { ...BUY, strategy: '' },
      { ...BUY, side: 'long' as 'buy' },
      { ...BUY, timeInForce: 'FOK' as 'GTC' },
    ];
    for (const input of bad) {
      const error = thrown(() => journal.recordIntent(input));
      expect(isJournalError(error, 'INVALID_INPUT'), JSON.stringify(input)).toBe(true);
      expect(error).toMatchObject({ code: 'INVALID_ORDER' });
    }
    expect(journal.recordIntent(BUY).seq).toBe(1);
  });
});

describe('the lifecycle updates', () => {
  it('take an order from intent to filled, each step an event', () => {
    const journal = s.open();
    const { clientOrderId: id } = journal.recordIntent(BUY);
    s.clock.set(s.clock.now() + 10);
    expect(journal.markSent(id)).toMatchObject({ status: 'sent', sentAt: s.clock.now() });
    s.clock.set(s.clock.now() + 10);
    expect(journal.recordAck(id, { accepted: true, orderId: 'v1', status: 'open', clientOrderId: id })).toMatchObject({
      status: 'open',
      venueOrderId: 'v1',
      ackedAt: s.clock.now(),
    });
    expect(journal.recordOrder(order({ id: 'v1', clientOrderId: id, status: 'open', filled: 0.2, averagePrice: 100 }))).toMatchObject({
      status: 'partially-filled',
      filled: 0.2,
      averagePrice: 100,
    });
    // A stale report (less filled) keeps what is recorded.
    expect(journal.recordOrder(order({ id: 'v1', status: 'partially-filled', filled: 0.1, averagePrice: 99 }))).toMatchObject({
      filled: 0.2,
      averagePrice: 100,
    });
    s.clock.set(s.clock.now() + 10);
    const filled = journal.recordOrder(order({ id: 'v1', clientOrderId: id, status: 'filled', filled: 0.5, averagePrice: 101 }));
    expect(filled).toMatchObject({ status: 'filled', filled: 0.5, averagePrice: 101, finalAt: s.clock.now() });
    expect(journal.openIntents()).toEqual([]);
    expect(journal.events({ kind: 'intent.status' }).map((e) => e.payload)).toEqual([
      { clientOrderId: id, from: 'intent', to: 'sent' },
      { clientOrderId: id, from: 'sent', to: 'open' },
      { clientOrderId: id, from: 'open', to: 'partially-filled' },
      { clientOrderId: id, from: 'partially-filled', to: 'filled' },
    ]);
  });

  it('refuse an illegal transition with a typed error and change nothing', () => {
    const journal = s.open();
    const { clientOrderId: id } = journal.recordIntent(BUY);
    journal.recordAck(id, { accepted: true, orderId: 'v1', status: 'filled', clientOrderId: id });
    const before = journal.intent(id);
    for (const attempt of [() => journal.markSent(id), () => journal.markUnknown(id, 'timeout'), () => journal.markAbsent(id)]) {
      const error = thrown(attempt);
      expect(isJournalError(error, 'ILLEGAL_TRANSITION')).toBe(true);
      expect(error).toMatchObject({ code: 'STATE', details: { from: 'filled', clientOrderId: id } });
    }
    expect(journal.intent(id)).toEqual(before);
    expect(
      isJournalError(
        thrown(() => journal.recordOrder(order({ id: 'v1', clientOrderId: id, status: 'open' }))),
        'ILLEGAL_TRANSITION',
      ),
    ).toBe(true);
  });

  it('record rejections, unknown outcomes and proven absence', () => {
    const journal = s.open();
    const rejected = journal.recordIntent(BUY).clientOrderId;
    expect(journal.recordAck(rejected, { accepted: false, status: 'rejected', reason: 'insufficient balance' })).toMatchObject({
      status: 'rejected',
      lastError: 'insufficient balance',
    });
    const lost = journal.recordIntent(BUY).clientOrderId;
    journal.markSent(lost);
    expect(journal.markUnknown(lost, 'ETIMEDOUT')).toMatchObject({ status: 'unknown', lastError: 'ETIMEDOUT' });
    const never = journal.recordIntent(BUY).clientOrderId;
    const resent = journal.recordIntent(BUY).clientOrderId;
    journal.markSent(resent);
    journal.markUnknown(resent, 'socket hang up');
    expect(journal.markSent(resent).status).toBe('sent');
    expect(journal.openIntents().map((i) => [i.clientOrderId, i.status])).toEqual([
      [lost, 'unknown'],
      [never, 'intent'],
      [resent, 'sent'],
    ]);
    expect(journal.markAbsent(lost, 'fetchOrder: not found')).toMatchObject({ status: 'absent', lastError: 'fetchOrder: not found' });
    journal.updateIntent(never, { status: 'absent' });
    journal.updateIntent(resent, { status: 'expired', venueOrderId: 'v9' });
    expect(journal.openIntents()).toEqual([]);
    expect(journal.intentByVenueOrderId('v9')?.clientOrderId).toBe(resent);
  });

  it('refuse what is not the bot’s or does not match', () => {
    const journal = s.open();
    const { clientOrderId: id } = journal.recordIntent(BUY);
    const unknown = thrown(() => journal.markSent('gridbot-BTCUSDT-99'));
    expect(isJournalError(unknown, 'UNKNOWN_ORDER')).toBe(true);
    expect(unknown).toMatchObject({ code: 'ORDER_NOT_FOUND' });
    expect(
      isJournalError(
        thrown(() => journal.recordOrder(order({ id: 'nobody', status: 'open' }))),
        'UNKNOWN_ORDER',
      ),
    ).toBe(true);
    expect(
      isJournalError(
        thrown(() => journal.recordAck(id, { accepted: true, status: 'open', clientOrderId: 'x' })),
        'INVALID_INPUT',
      ),
    ).toBe(true);
    journal.recordAck(id, { accepted: true, orderId: 'v1', status: 'open' });
    expect(
      isJournalError(
        thrown(() => journal.updateIntent(id, { status: 'open', venueOrderId: 'v2' })),
        'INVALID_INPUT',
      ),
    ).toBe(true);
    // Another bot of the same file sees none of it.
    const other = s.open({ botName: 'other' });
    expect(other.intent(id)).toBeUndefined();
    expect(
      isJournalError(
        thrown(() => other.markSent(id)),
        'UNKNOWN_ORDER',
      ),
    ).toBe(true);
  });
});
