import { describeBrokerConformance } from '@bt/testkit/conformance';
import { CcxtBroker } from '../src/index.js';
import { startVenue, SYMBOL } from './helpers.js';

/**
 * core's Broker contract, checked by @bt/testkit's conformance suite: CcxtBroker over real ccxt
 * HTTP against the exchange emulator. One `advance()` is one bar of the emulator's ManualClock,
 * then one poll pass so the bar's fills and order updates reach the listeners.
 */
describeBrokerConformance({
  name: 'CcxtBroker (binance, exchange emulator)',
  create: async () => {
    const venue = await startVenue();
    const broker = new CcxtBroker(venue.brokerOptions());
    return {
      broker,
      driver: {
        advance: async () => {
          await venue.clock.advance(60_000);
          await broker.sync();
        },
        now: () => venue.clock.now(),
        dispose: () => venue.close(),
      },
    };
  },
  symbol: SYMBOL,
  amount: 0.001,
  unaffordableAmount: 100,
  // Half an amount step: ccxt's amountToPrecision truncates it to 0, so it is refused before sending.
  offPrecisionAmount: 0.000005,
  // The emulator's minimum notional is 5 USDT: a resting buy at half the price stays above it.
  restingPrice: (latest) => Math.floor(latest * 0.5 * 100) / 100,
  report: () => undefined,
});
