import type { ReplayBroker } from '@bt/core';
import { BtError } from '@bt/core';
import type { BrokerConformanceFixture, ConformanceDriver } from './types.js';

/**
 * The {@link ConformanceDriver} of a {@link ReplayBroker}: each `advance()` calls
 * `advanceTime(symbol)` once for every symbol (by default every market the broker lists, read at
 * the first advance), so one global step is taken; `now()` is `currentTime()`.
 *
 * @throws BtError `DATA` from `advance()` once no symbol has data left: give the fixture more bars
 * (at least `warmup + 2 * maxAdvances + 2` steps, 15 with the defaults).
 *
 * @example
 * ```ts
 * const driver = replayDriver(broker, ['BTC/USDT']);
 * ```
 */
export function replayDriver(broker: ReplayBroker, symbols?: readonly string[]): ConformanceDriver {
  let list = symbols;
  return {
    async advance() {
      list ??= (await broker.getMarkets()).map((market) => market.symbol);
      let moved = false;
      for (const symbol of list) moved = (await broker.advanceTime(symbol)) || moved;
      if (!moved) {
        throw new BtError('DATA', `replayDriver(${broker.id}): the replay has no data left; give the conformance fixture more bars`, {
          details: { broker: broker.id, symbols: list },
        });
      }
    },
    now: () => broker.currentTime(),
  };
}

/**
 * A {@link BrokerConformanceFixture} for a {@link ReplayBroker}: the broker and its
 * {@link replayDriver}.
 *
 * @example
 * ```ts
 * describeBrokerConformance({ name: 'memory', create: () => replayFixture(new MemoryReplayBroker({ bars })), symbol: 'BTCUSD', amount: 1 });
 * ```
 */
export function replayFixture(broker: ReplayBroker, symbols?: readonly string[]): BrokerConformanceFixture {
  return { broker, driver: replayDriver(broker, symbols) };
}
