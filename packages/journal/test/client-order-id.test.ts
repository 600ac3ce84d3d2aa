import { describe, expect, it } from 'vitest';
import { CLIENT_ORDER_ID_PATTERN, formatClientOrderId, isJournalError, parseClientOrderId, symbolTag } from '../src/index.js';
import { defaultPrefix } from '../src/client-order-id.js';
import { scratch, thrown } from './support/journal.js';

const s = scratch();

describe('client order ids', () => {
  it('are <prefix>-<symbolTag>-<seq>', () => {
    expect(formatClientOrderId({ prefix: 'grid', symbolTag: symbolTag('ETH/USDT'), seq: 3 })).toBe('grid-ETHUSDT-3');
    expect(symbolTag('BTC/USDT:USDT')).toBe('BTCUSDTUSDT');
    expect(symbolTag('1000SHIB/USDT:USDT')).toBe('1000SHIBUSDT');
    expect(symbolTag('/')).toBe('x');
    expect(defaultPrefix('mean-revert #2')).toBe('meanrevert2');
    expect(defaultPrefix('--')).toBe('bot');
    expect(parseClientOrderId('grid-ETHUSDT-3')).toEqual({ prefix: 'grid', symbolTag: 'ETHUSDT', seq: 3 });
    expect(parseClientOrderId('someone-else')).toBeUndefined();
  });

  it("stay within Binance's 36 characters and alphabet at the longest", () => {
    const id = formatClientOrderId({ prefix: 'a'.repeat(12), symbolTag: symbolTag('VERYLONGBASECOIN/VERYLONGQUOTE'), seq: 9_999_999_999 });
    expect(id.length).toBeLessThanOrEqual(36);
    expect(id).toMatch(CLIENT_ORDER_ID_PATTERN);
    expect(
      isJournalError(
        thrown(() => formatClientOrderId({ prefix: 'a'.repeat(12), symbolTag: 'b'.repeat(12), seq: 1e11 })),
        'INVALID_INPUT',
      ),
    ).toBe(true);
  });

  it('come from the bot name, or a prefix fixed at the first open', () => {
    const journal = s.open({ botName: 'A very long bot name, with spaces!' });
    const intent = journal.recordIntent({ strategy: 's', symbol: 'DOGE/USDT:USDT', side: 'buy', type: 'market', amount: 1 });
    expect(intent.clientOrderId).toBe('Averylongbot-DOGEUSDTUSDT-1');
    expect(intent.clientOrderId).toMatch(CLIENT_ORDER_ID_PATTERN);
    journal.close();
    // A bot keeps its prefix: asking for another is refused.
    expect(
      isJournalError(
        thrown(() => s.open({ botName: 'A very long bot name, with spaces!', clientIdPrefix: 'other' })),
        'INVALID_INPUT',
      ),
    ).toBe(true);
    // Two bots of one file never share a prefix.
    const error = thrown(() => s.open({ botName: 'A very long bot name too' }));
    expect(isJournalError(error, 'INVALID_INPUT')).toBe(true);
    expect((error as Error).message).toContain('clientIdPrefix');
    const other = s.open({ botName: 'A very long bot name too', clientIdPrefix: 'long2' });
    expect(other.recordIntent({ strategy: 's', symbol: 'BTC/USDT', side: 'sell', type: 'market', amount: 1 }).clientOrderId).toBe(
      'long2-BTCUSDT-1',
    );
    expect(
      isJournalError(
        thrown(() => s.open({ botName: 'third', clientIdPrefix: 'bad-prefix' })),
        'INVALID_INPUT',
      ),
    ).toBe(true);
  });
});
