import type { Broker, Market, Timeframe } from '@bt/core';

/**
 * How the conformance suite makes time pass on a venue. A live venue and a replay venue fill
 * orders at different moments, so the suite never waits on wall time: it calls
 * {@link ConformanceDriver.advance}, then looks again, at most `maxAdvances` times.
 *
 * @example
 * ```ts
 * // A ReplayBroker: use replayDriver(broker), which does this.
 * const driver: ConformanceDriver = {
 *   advance: async () => { for (const s of symbols) await broker.advanceTime(s); },
 *   now: () => broker.currentTime(),
 * };
 * ```
 */
export interface ConformanceDriver {
  /**
   * Moves the venue on by one step: a replay broker's `advanceTime` for every symbol; for a live
   * adapter against the exchange emulator, one tick of the emulator's clock. Resolve only once
   * the fills and order updates this step causes have reached the broker's listeners.
   */
  advance(): Promise<void>;
  /** The venue's notion of now (ms), when it has one: bars must have closed by then, fills not be later. */
  now?(): number;
  /** Releases what the driver holds (an emulator, a socket). Called after each case, after `broker.close()`. */
  dispose?(): void | Promise<void>;
}

/** What {@link BrokerConformanceOptions.create} returns: a fresh, unconnected broker and its driver. */
export interface BrokerConformanceFixture {
  readonly broker: Broker;
  readonly driver: ConformanceDriver;
}

/**
 * Behaviour the conformance suite checks that core's `BrokerCapabilities` does not (yet) declare.
 * A broker may declare these next to its core capabilities (`broker.capabilities.fundsCheck`), or
 * the suite's options may ({@link BrokerConformanceOptions.capabilities}, which wins). Each
 * defaults to true: an adapter opts out, and the opt-out is reported as a skip.
 */
export interface ConformanceCapabilities {
  /** The venue refuses an order it cannot fund: in the ack, or as a `rejected` order update. */
  readonly fundsCheck?: boolean;
  /** Re-submitting a client order id never creates a second order. */
  readonly uniqueClientOrderIds?: boolean;
}

/**
 * Options of {@link describeBrokerConformance}: the factory, and facts about the fixture venue
 * that only the adapter's author knows.
 */
export interface BrokerConformanceOptions {
  /** Name shown in the suite's title and its skip report, e.g. `SimulatedBroker`. */
  readonly name: string;
  /**
   * Makes a fresh broker (not connected) and its driver. Called once per case, and once while the
   * suite is collected, to read `broker.capabilities` (that probe is closed without connecting).
   */
  readonly create: () => BrokerConformanceFixture | Promise<BrokerConformanceFixture>;
  /** A tradable symbol of the fixture venue, e.g. `BTC/USDT`. */
  readonly symbol: string;
  /** A timeframe the venue has bars of for `symbol`. Default `1m`. */
  readonly timeframe?: Timeframe;
  /** A small amount of `symbol` that is valid (precision, minimums) and affordable, twice over. */
  readonly amount: number;
  /** An amount that is on the market's precision but certainly unaffordable; without it, that case is skipped. */
  readonly unaffordableAmount?: number;
  /** An amount off the market's amount precision (e.g. half a step); without it, that case is skipped. */
  readonly offPrecisionAmount?: number;
  /**
   * Limit price of a buy that rests without filling while the suite runs. Default: half the latest
   * price, rounded down to the market's price step. Override it for a venue with price bands or a
   * minimum notional that half the price breaks.
   */
  readonly restingPrice?: (latestPrice: number, market: Market) => number;
  /** An order id the venue certainly does not have, in the venue's id format. Default `987654321987`. */
  readonly unknownOrderId?: string;
  /** `driver.advance()` calls after `connect()`, before each case, so bars and a latest price exist. Default 3. */
  readonly warmup?: number;
  /** Most `driver.advance()` calls a case makes while it waits for an event. Default 5. */
  readonly maxAdvances?: number;
  /** Declarations that win over `broker.capabilities` for the flags core does not have. */
  readonly capabilities?: ConformanceCapabilities;
  /**
   * Cases known to fail, each with why: registered with `it.fails`, so they fail the run once they
   * pass. Meant for a tracked bug, not as a way to skip.
   */
  readonly knownFailures?: Readonly<Partial<Record<ConformanceCaseId, string>>>;
  /** Receives the plan after the suite ran. Default: logs {@link formatConformancePlan} with `console.info`. */
  readonly report?: (plan: ConformancePlan) => void;
}

/** Every case of the conformance suite, by id. */
export type ConformanceCaseId =
  | 'lifecycle.connect-idempotent'
  | 'lifecycle.close-idempotent'
  | 'markets.fixture-symbol'
  | 'bars.closed-ascending-limited'
  | 'price.latest'
  | 'balances.consistent'
  | 'orders.ack'
  | 'events.after-ack'
  | 'events.fills'
  | 'events.fills-before-update'
  | 'events.unsubscribe'
  | 'events.listener-throws'
  | 'orders.open-limit'
  | 'orders.cancel'
  | 'orders.fetch-unknown'
  | 'orders.cancel-unknown'
  | 'orders.fetch-by-client-id'
  | 'rejects.zero-amount'
  | 'rejects.negative-amount'
  | 'rejects.off-precision'
  | 'rejects.insufficient-funds'
  | 'rejects.undeclared-type'
  | 'orders.client-id-idempotent'
  | 'positions.long-after-buy'
  | 'positions.short-after-sell'
  | 'orders.reduce-only'
  | 'orders.ioc';

/** One case of a {@link ConformancePlan}. */
export interface ConformanceCasePlan {
  readonly id: ConformanceCaseId;
  readonly title: string;
  /** Why the case is skipped, e.g. `needs capability shorting`; undefined when it runs. */
  readonly skip?: string;
  /** Why the case is expected to fail (from `knownFailures`); it runs with `it.fails`. */
  readonly knownFailure?: string;
}

/** What the suite runs and skips for one broker, and why. */
export interface ConformancePlan {
  /** The suite's name. */
  readonly name: string;
  /** Every case, in run order. */
  readonly cases: readonly ConformanceCasePlan[];
  /** The cases that run (known failures included). */
  readonly run: readonly ConformanceCasePlan[];
  /** The cases that are skipped. */
  readonly skipped: readonly ConformanceCasePlan[];
  /**
   * What the broker or the fixture lacks, one entry per missing capability, order type or fixture
   * fact, in case order: `capability shorting`, `order type limit`, `fixture offPrecisionAmount`.
   */
  readonly missing: readonly string[];
}

/** The inputs of {@link planBrokerConformance} besides the capabilities. */
export type ConformancePlanOptions = Pick<
  BrokerConformanceOptions,
  'name' | 'capabilities' | 'unaffordableAmount' | 'offPrecisionAmount' | 'knownFailures'
>;
