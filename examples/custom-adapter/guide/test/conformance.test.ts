import { describeBrokerConformance } from '@bt/testkit/conformance';
import { createExampleBroker } from '../src/broker.js';
import { MemoryVenue } from './memory-venue.js';

describeBrokerConformance({
  name: 'ExampleBroker',
  // A fresh venue and an unconnected broker for every case.
  create: () => {
    const venue = new MemoryVenue();
    const broker = createExampleBroker({ venue, clock: venue.clock, pollIntervalMs: 0 });
    return {
      broker,
      driver: {
        // One minute later; resolves once that minute's fills and order updates reached the listeners.
        advance: async () => {
          await venue.clock.advance(60_000);
          await broker.poll();
        },
        now: () => venue.clock.now(),
      },
    };
  },
  symbol: 'BTC/USDT',
  amount: 0.01, // about 300 USDT: valid, and affordable twice with 10,000
  unaffordableAmount: 1, // about 30,000 USDT
  offPrecisionAmount: 0.0105, // between two steps of 0.001
});
