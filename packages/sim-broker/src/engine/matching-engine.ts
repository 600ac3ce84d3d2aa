import type { BrokerEvent, Fill, Order, OrderAck, OrderRef, OrderRequest } from '@bt/core';
import type { Account } from '../account/account.js';
import type { MarketTable } from '../markets.js';
import type { ExecutionSource } from '../results/trades.js';
import type { BarQuote, FeeModel, FillTiming, IntrabarPriority, LatencyModel, SlippageModel, VolumeCapModel } from '../models/types.js';

/** Receives the engine's fills and order updates, synchronously, in canonical order. */
export type EngineListener = (event: BrokerEvent) => void;

/**
 * A bar-driven order book and matcher. It knows nothing of timelines: it is fed orders and, per
 * market, that market's bars in order as each one closes; it emits fills and order updates. Funds
 * and positions are the {@link Account}'s, shared with whoever drives the engine (the
 * SimulatedBroker, paper trading, the exchange emulator).
 *
 * Markets are named by their index in {@link MatchingEngine.markets} (canonical order).
 */
export interface MatchingEngine {
  readonly markets: MarketTable;
  readonly account: Account;
  /**
   * Checks a request (stateless rules: symbol, amount, prices, precision, minimums, duplicate
   * client order id) and, when it passes, books it. Never throws for a business rejection.
   */
  submit(request: OrderRequest, now: number): OrderAck;
  /** Cancels an open order; returns it as it now stands (terminal orders unchanged), undefined when unknown. */
  cancel(ref: OrderRef, now: number): Order | undefined;
  /** An order by venue id or client order id, undefined when unknown. */
  fetch(ref: OrderRef): Order | undefined;
  /** Open orders, of one symbol or all, in canonical order. */
  openOrders(symbol?: string): readonly Order[];
  /** Every order ever accepted, in canonical order (market, then sequence). */
  orders(): readonly Order[];
  /** Every execution so far, in execution order. */
  fills(): readonly Fill[];
  /** The orders and fills as they stand now, built only when read (see {@link EngineRecord}). */
  record(): EngineRecord;
  /**
   * Feeds market `m`'s next bar, at its close: the market's resting orders that may execute
   * within it are matched against its open, high and low.
   */
  onBar(m: number, bar: BarQuote): void;
  /**
   * Cheat-on-close pass of market `m`: its market orders due at `bar` (the market's latest bar,
   * already fed through {@link MatchingEngine.onBar}) execute at the bar's close. `now` stamps the updates.
   */
  onClose(m: number, bar: BarQuote, now: number): void;
  /** True when market `m` has cheat-on-close orders waiting for {@link MatchingEngine.onClose}. */
  hasCloseOrders(m: number): boolean;
  /** Number of bars of market `m` fed so far. */
  barsSeen(m: number): number;
}

/**
 * The orders and fills of a {@link MatchingEngine} at one moment. The counts are fixed when the
 * record is taken; orders and fills are built on first call (then kept), equal to what they were
 * at that moment, however the engine has moved on since.
 */
export interface EngineRecord {
  /** Orders open or partially filled at that moment. */
  readonly unfilled: number;
  /** The executions up to that moment, read by index (for building round trips). */
  readonly executions: ExecutionSource;
  /** Every accepted order, in canonical order (market, then sequence). */
  orders(): readonly Order[];
  /** Every execution, in execution order. */
  fills(): readonly Fill[];
}

/** Options of the default {@link MatchingEngine}. */
export interface MatchingEngineOptions {
  readonly markets: MarketTable;
  readonly account: Account;
  /** Default: no fees. */
  readonly fees?: FeeModel;
  /** Default: no slippage. */
  readonly slippage?: SlippageModel;
  /** Default: no cap. */
  readonly volumeCap?: VolumeCapModel;
  /** Default: 0 steps. */
  readonly latency?: LatencyModel;
  /** Default `next-open`. */
  readonly fillTiming?: FillTiming;
  /** Default `stop-first`. */
  readonly intrabarPriority?: IntrabarPriority;
  /** Where fills and order updates go. */
  readonly onEvent?: EngineListener;
}
