import { describe, expect, it } from 'vitest';
import { limitExecution, stopExecution, stopLimitExecution } from '../src/index.js';

const bar = (open: number, high: number, low: number, close: number) => ({
  openTime: 0,
  closeTime: 60_000,
  open,
  high,
  low,
  close,
  volume: 1,
});

describe('limitExecution', () => {
  it('buy fills when low <= limit, at min(open, limit)', () => {
    // open 10 above limit 9.5, low 9 reaches it: fills at the limit, inside the bar.
    expect(limitExecution('buy', 9.5, bar(10, 10.5, 9, 9.8))).toEqual({ price: 9.5, moment: 'limit' });
    // low 9.6 never reaches 9.5.
    expect(limitExecution('buy', 9.5, bar(10, 10.5, 9.6, 9.8))).toBeUndefined();
    // open 9 already below 9.5: min(9, 9.5) = 9, at the open.
    expect(limitExecution('buy', 9.5, bar(9, 9.6, 8.5, 9.2))).toEqual({ price: 9, moment: 'open' });
  });

  it('sell mirrors: fills when high >= limit, at max(open, limit)', () => {
    expect(limitExecution('sell', 11.8, bar(11, 12, 10, 11.5))).toEqual({ price: 11.8, moment: 'limit' });
    expect(limitExecution('sell', 12.5, bar(11, 12, 10, 11.5))).toBeUndefined();
    // gap up through the limit: max(13, 11.8) = 13.
    expect(limitExecution('sell', 11.8, bar(13, 14, 12.5, 13.5))).toEqual({ price: 13, moment: 'open' });
  });
});

describe('stopExecution', () => {
  it('buy triggers when high >= stop, at max(open, stop)', () => {
    expect(stopExecution('buy', 12, bar(11, 12, 10, 11.5))).toEqual({ price: 12, moment: 'stop' });
    expect(stopExecution('buy', 12.01, bar(11, 12, 10, 11.5))).toBeUndefined();
    // gap: open 13 >= 12, fills at the open 13.
    expect(stopExecution('buy', 12, bar(13, 14, 12.5, 13.5))).toEqual({ price: 13, moment: 'open' });
  });

  it('sell triggers when low <= stop, at min(open, stop)', () => {
    expect(stopExecution('sell', 9.5, bar(10, 10.5, 9, 9.8))).toEqual({ price: 9.5, moment: 'stop' });
    expect(stopExecution('sell', 8.9, bar(10, 10.5, 9, 9.8))).toBeUndefined();
    expect(stopExecution('sell', 9.5, bar(9, 9.6, 8.5, 9.2))).toEqual({ price: 9, moment: 'open' });
  });
});

describe('stopLimitExecution', () => {
  it('triggers inside the bar and fills at the stop when the limit allows it', () => {
    // buy stop 11.5 limit 11.8: high 12 triggers; 11.8 >= 11.5 so it fills at the stop 11.5.
    expect(stopLimitExecution('buy', 11.5, 11.8, false, bar(11, 12, 10, 11.5))).toEqual({
      triggered: true,
      execution: { price: 11.5, moment: 'stop' },
    });
  });

  it('triggers inside the bar without filling when the limit is beyond the stop, then acts as a limit', () => {
    const first = stopLimitExecution('buy', 11.5, 10.5, false, bar(11, 12, 10, 11.5));
    expect(first).toEqual({ triggered: true });
    // next bar, as a limit buy at 10.5: open 10 <= 10.5, fills at the open.
    expect(stopLimitExecution('buy', 11.5, 10.5, true, bar(10, 10.5, 9, 9.8))).toEqual({
      triggered: true,
      execution: { price: 10, moment: 'open' },
    });
  });

  it('gapping through the stop makes it a limit for the whole bar', () => {
    // sell stop 9.5 limit 8.8; open 9 <= 9.5 triggers at the open; as a sell limit 8.8: max(9, 8.8) = 9.
    expect(stopLimitExecution('sell', 9.5, 8.8, false, bar(9, 9.6, 8.5, 9.2))).toEqual({
      triggered: true,
      execution: { price: 9, moment: 'open' },
    });
    // sell stop 9.5 limit 9.55: open 9 is below the limit, high 9.6 reaches it: fills at 9.55 as a maker.
    expect(stopLimitExecution('sell', 9.5, 9.55, false, bar(9, 9.6, 8.5, 9.2))).toEqual({
      triggered: true,
      execution: { price: 9.55, moment: 'limit' },
    });
  });

  it('does nothing while the stop is not reached', () => {
    expect(stopLimitExecution('buy', 12.5, 12.6, false, bar(11, 12, 10, 11.5))).toEqual({ triggered: false });
  });
});
