import { type Balance, type Broker, type Clock, type Fill, isBtError, type Logger, type Market, type Order, type Position } from '@bt/core';
import { venueBroker } from './journal-positions.js';
import { type RetryPolicy, withVenueRetry } from './venue-retry.js';

/**
 * What recovery reads from the venue, each call retried on network errors, 429s and 5xxs
 * (see {@link withVenueRetry}), and the account-wide reads made once.
 */
export class VenueReader {
  readonly #broker: Broker;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #policy: RetryPolicy;
  #markets: Promise<readonly Market[]> | undefined;
  #balances: Promise<readonly Balance[]> | undefined;
  #positions: Promise<readonly Position[]> | undefined;
  /** Look-ups made by client order id. */
  lookups = 0;

  constructor(broker: Broker, clock: Clock, logger: Logger, policy: RetryPolicy = {}) {
    this.#broker = venueBroker(broker);
    this.#clock = clock;
    this.#logger = logger;
    this.#policy = policy;
  }

  /** Whether the broker lists the account's fills (`fetchFills`). */
  get listsFills(): boolean {
    return typeof this.#broker.fetchFills === 'function';
  }

  /** Whether the broker looks orders up by client order id. */
  get looksUpByClientOrderId(): boolean {
    return this.#broker.capabilities.fetchByClientOrderId;
  }

  #call<T>(what: string, call: () => Promise<T>): Promise<T> {
    return withVenueRetry(`${what} at ${this.#broker.id}`, call, this.#clock, this.#logger, this.#policy);
  }

  /** The order the venue has under `clientOrderId`, or undefined (a not-found error counts as none). */
  async order(symbol: string, clientOrderId: string): Promise<Order | undefined> {
    this.lookups++;
    return this.#call(`look-up of order ${clientOrderId} (${symbol})`, async () => {
      try {
        return await this.#broker.fetchOrder({ symbol, clientOrderId });
      } catch (error) {
        if (isBtError(error, 'ORDER_NOT_FOUND')) return undefined;
        throw error;
      }
    });
  }

  /** The venue's open orders in `symbol`. */
  openOrders(symbol: string): Promise<readonly Order[]> {
    return this.#call(`open orders of ${symbol}`, () => this.#broker.getOpenOrders(symbol));
  }

  /** The account's fills in `symbol` since `since` (ms); none when the broker cannot list them. */
  fills(symbol: string, since: number): Promise<readonly Fill[]> {
    const fetchFills = this.#broker.fetchFills?.bind(this.#broker);
    if (fetchFills === undefined) return Promise.resolve([]);
    return this.#call(`fills of ${symbol} since ${new Date(since).toISOString()}`, () => fetchFills(symbol, since));
  }

  /** The venue's markets, read once. */
  markets(): Promise<readonly Market[]> {
    this.#markets ??= this.#call('markets', () => this.#broker.getMarkets());
    return this.#markets;
  }

  /** The account's balances, read once. */
  balances(): Promise<readonly Balance[]> {
    this.#balances ??= this.#call('balances', () => this.#broker.getBalances());
    return this.#balances;
  }

  /** The account's positions (derivatives), read once. */
  positions(): Promise<readonly Position[]> {
    this.#positions ??= this.#call('positions', () => this.#broker.getPositions());
    return this.#positions;
  }

  /** The latest price of `symbol` (the price of an adjustment). */
  latestPrice(symbol: string): Promise<number> {
    return this.#call(`latest price of ${symbol}`, () => this.#broker.getLatestPrice(symbol));
  }
}
