import type { Broker, BrokerCapabilities, BrokerListener, Fill, Market, OrderRef, OrderRequest, Position, Timeframe } from '@bt/core';
import type { SqliteJournal } from './journal.js';
import { OwnLedger } from './own-position.js';

/** The broker of {@link journalPositions}. */
class JournalPositionsBroker implements Broker {
  readonly #inner: Broker;
  readonly #journal: SqliteJournal;
  #markets: readonly Market[] | undefined;
  #ledger: OwnLedger | undefined;
  readonly fetchFills?: (symbol: string, since: number) => Promise<readonly Fill[]>;

  constructor(inner: Broker, journal: SqliteJournal) {
    this.#inner = inner;
    this.#journal = journal;
    const fetchFills = inner.fetchFills;
    if (fetchFills !== undefined) this.fetchFills = (symbol, since) => fetchFills.call(inner, symbol, since);
  }

  /** The broker it decorates. */
  get inner(): Broker {
    return this.#inner;
  }

  get id(): string {
    return this.#inner.id;
  }
  get capabilities(): BrokerCapabilities {
    return this.#inner.capabilities;
  }
  connect(): Promise<void> {
    return this.#inner.connect();
  }
  close(): Promise<void> {
    return this.#inner.close();
  }
  async getMarkets(): Promise<readonly Market[]> {
    this.#markets = await this.#inner.getMarkets();
    return this.#markets;
  }
  getBars(symbol: string, timeframe: Timeframe, limit: number) {
    return this.#inner.getBars(symbol, timeframe, limit);
  }
  getLatestPrice(symbol: string): Promise<number> {
    return this.#inner.getLatestPrice(symbol);
  }
  getBalances() {
    return this.#inner.getBalances();
  }
  getOpenOrders(symbol?: string) {
    return this.#inner.getOpenOrders(symbol);
  }
  submitOrder(request: OrderRequest) {
    return this.#inner.submitOrder(request);
  }
  cancelOrder(ref: OrderRef) {
    return this.#inner.cancelOrder(ref);
  }
  fetchOrder(ref: OrderRef) {
    return this.#inner.fetchOrder(ref);
  }
  subscribe(listener: BrokerListener) {
    return this.#inner.subscribe(listener);
  }

  /** The bot's own positions: the net of its journaled fills, marked at the inner broker's latest price. */
  async getPositions(symbol?: string): Promise<readonly Position[]> {
    this.#markets ??= await this.#inner.getMarkets();
    this.#ledger ??= new OwnLedger(this.#markets);
    const positions: Position[] = [];
    for (const own of this.#ledger.read(this.#journal).values()) {
      if (own.amount === 0 || (symbol !== undefined && own.symbol !== symbol)) continue;
      const markPrice = await this.#inner.getLatestPrice(own.symbol);
      positions.push({
        symbol: own.symbol,
        side: own.amount > 0 ? 'long' : 'short',
        size: Math.abs(own.amount),
        entryPrice: own.entryPrice,
        realizedPnl: own.realizedPnl,
        unrealizedPnl: (markPrice - own.entryPrice) * own.amount,
        markPrice,
        ...(own.openedAt === undefined ? {} : { openedAt: own.openedAt }),
      });
    }
    return positions;
  }
}

/**
 * A {@link Broker} whose `getPositions(symbol?)` is the bot's own: the net of its journaled fills
 * (average entry price from those fills, for spot less fees taken in the base currency, marked at
 * the inner broker's latest price), never the account's balance. Every other method delegates to
 * `broker`. A controller over it closes and exits what the bot bought, never coins it did not.
 *
 * @example
 * ```ts
 * const controller = new TradingController({ broker: journalPositions(broker, journal), orderStore: journalOrderStore(journal), ... });
 * ```
 */
export function journalPositions(broker: Broker, journal: SqliteJournal): Broker {
  return new JournalPositionsBroker(broker, journal);
}

/** The venue's own broker under a {@link journalPositions} decorator (or `broker` itself): recovery compares with the venue's figures. */
export function venueBroker(broker: Broker): Broker {
  return broker instanceof JournalPositionsBroker ? broker.inner : broker;
}
