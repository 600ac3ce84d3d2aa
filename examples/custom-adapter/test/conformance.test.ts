import { describeBrokerConformance } from '@bt/testkit/conformance';
import { afterAll } from 'vitest';
import { startVenue, SYMBOL, writeBars } from './venue.js';

// The whole Broker conformance suite against the exchange emulator, a fresh one per case. The
// driver moves the emulator's ManualClock one bar (the bar closes, the engine fills what it
// reached) and then polls the adapter, which emits those fills and order updates.
const bars = await writeBars();
afterAll(() => bars.remove());

describeBrokerConformance({
  name: 'RestBinanceBroker',
  create: async () => {
    const venue = await startVenue(bars.file);
    return {
      broker: venue.broker,
      driver: {
        advance: () => venue.advance(),
        now: () => venue.emulator.now(),
        dispose: () => venue.emulator.close(),
      },
    };
  },
  symbol: SYMBOL,
  amount: 0.001, // about 42 USDT: above the 5 USDT minimum notional, affordable twice over
  unaffordableAmount: 1, // about 42,000 USDT, with 10,000 in the account
  offPrecisionAmount: 0.00105, // between two amount steps of 0.0001
});
