import type { BrokerEvent, BrokerListener, ReplayBroker, Unsubscribe } from '@bt/core';
import { BrokerEventHub } from '@bt/core';
import type { BrokerConformanceOptions, ConformanceCaseId } from '../src/conformance/index.js';
import { replayFixture } from '../src/conformance/index.js';
import { MemoryReplayBroker } from '../src/index.js';
import { fixtureBars, SYMBOL, simulatedBroker } from './conformance-helpers.js';

/** How a wrapper hands events to its listeners: core's BrokerEventHub, or a broken stand-in. */
export interface Relay {
  subscribe(listener: BrokerListener): Unsubscribe;
  emit(event: BrokerEvent): void;
}

/** One broken rule: methods replaced, and/or events delivered by a broken relay. */
export interface PlantedBug {
  /** Replaces methods of the wrapper; `relay.emit` reaches the wrapper's listeners. */
  readonly methods?: (inner: ReplayBroker, relay: Relay) => Partial<ReplayBroker>;
  /** Makes the relay. Default: core's `BrokerEventHub`, which is correct. */
  readonly relay?: () => Relay;
}

/** A correct broker to plant a bug in, and the conformance facts of its fixture. */
export interface Base {
  readonly name: string;
  readonly make: () => ReplayBroker;
  readonly facts: Omit<BrokerConformanceOptions, 'name' | 'create'>;
}

/** `MemoryReplayBroker`: market orders only, shorting, no funds check. */
export const MEMORY: Base = {
  name: 'memory',
  make: () => new MemoryReplayBroker({ bars: fixtureBars() }),
  facts: { symbol: SYMBOL, amount: 1 },
};

/** `SimulatedBroker` on a spot account: every order type, funds checks, no shorting. */
export const SIM: Base = {
  name: 'sim',
  make: () => simulatedBroker(false),
  facts: { symbol: 'BTC/USDT', amount: 0.01, unaffordableAmount: 1000, offPrecisionAmount: 0.0105 },
};

/**
 * A ReplayBroker that forwards every call to `inner` and relays its events through its own
 * listeners, with `bug` planted. Without a bug it is as correct as `inner`.
 */
export function plant(inner: ReplayBroker, bug: PlantedBug = {}): ReplayBroker {
  const relay = bug.relay?.() ?? new BrokerEventHub();
  inner.subscribe((event) => relay.emit(event));
  const base: ReplayBroker = {
    id: `planted(${inner.id})`,
    capabilities: inner.capabilities,
    connect: () => inner.connect(),
    close: () => inner.close(),
    getMarkets: () => inner.getMarkets(),
    getBars: (symbol, timeframe, limit) => inner.getBars(symbol, timeframe, limit),
    getLatestPrice: (symbol) => inner.getLatestPrice(symbol),
    getBalances: () => inner.getBalances(),
    getPositions: (symbol) => inner.getPositions(symbol),
    getOpenOrders: (symbol) => inner.getOpenOrders(symbol),
    submitOrder: (request) => inner.submitOrder(request),
    cancelOrder: (ref) => inner.cancelOrder(ref),
    fetchOrder: (ref) => inner.fetchOrder(ref),
    subscribe: (listener) => relay.subscribe(listener),
    advanceTime: (symbol) => inner.advanceTime(symbol),
    currentTime: () => inner.currentTime(),
    getResults: () => inner.getResults(),
  };
  return { ...base, ...bug.methods?.(inner, relay) };
}

/** The suite's options for `base` with `bug` planted (no bug: the control). */
export function plantedOptions(base: Base, bug?: PlantedBug): BrokerConformanceOptions {
  return {
    name: `${base.name}${bug === undefined ? '' : ' with a planted bug'}`,
    create: () => replayFixture(plant(base.make(), bug)),
    ...base.facts,
    report: () => undefined,
  };
}

/** How a broken relay passes an event on: `next` delivers it correctly. */
export type Deliver = (event: BrokerEvent, next: (event: BrokerEvent) => void) => void;

/** A relay that hands each event to a fresh `deliver` of `makeDeliver()`, which passes it on through a correct relay. */
export function relayVia(makeDeliver: () => Deliver): () => Relay {
  return () => {
    const hub = new BrokerEventHub();
    const deliver = makeDeliver();
    return { subscribe: (listener) => hub.subscribe(listener), emit: (event) => deliver(event, (e) => hub.emit(e)) };
  };
}

/** One planted bug: the case it must fail, the bug in words, where it is planted, and the failure's message. */
export interface PlantedBugRow {
  readonly id: ConformanceCaseId;
  /** The bug, in words. */
  readonly bug: string;
  readonly base: Base;
  readonly plant: PlantedBug;
  /** What the case's failure says. */
  readonly message: RegExp;
}
