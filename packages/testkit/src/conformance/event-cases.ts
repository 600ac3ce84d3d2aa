import type { BrokerEvent } from '@bt/core';
import { assert, expect } from 'vitest';
import type { ConformanceCaseBody } from './checks.js';
import { accepted, describeEvent, eventsOf } from './checks.js';
import { near, sum } from './session.js';
import type { ConformanceCaseId } from './types.js';

/** The ids of the cases about events. */
export type EventCaseId = Extract<ConformanceCaseId, `events.${string}`>;

/** What a listener that throws throws: the message names the suite, so a leak is easy to trace. */
export const PLANTED_LISTENER_ERROR = 'a listener that throws, subscribed by the conformance suite (events.listener-throws)';

/** The bodies of the cases about events, by id. */
export const EVENT_CASE_BODIES: Readonly<Record<EventCaseId, ConformanceCaseBody>> = {
  async 'events.after-ack'(s) {
    const clientOrderId = s.clientOrderId('early');
    const from = s.events.length;
    const ack = await s.submitAnyBuy(s.options.amount, { clientOrderId });
    // Everything delivered by the time the caller's await resumes came before the ack.
    const early = s.events
      .slice(from)
      .filter((e) =>
        e.type === 'fill'
          ? e.fill.clientOrderId === clientOrderId || e.fill.orderId === ack.orderId
          : e.order.clientOrderId === clientOrderId || e.order.id === ack.orderId,
      );
    expect(early.map(describeEvent), `events of order ${clientOrderId} delivered before its ack`).toEqual([]);
    accepted(ack, 'a buy');
  },

  async 'events.fills'(s) {
    const clientOrderId = s.clientOrderId('fill');
    const orderId = accepted(await s.submitMarket('buy', s.options.amount, { clientOrderId }), 'a market buy');
    const fills = await s.filled(orderId, s.options.amount);
    assert(near(sum(fills.map((f) => f.amount)), s.options.amount), `fills of ${orderId} must add up to ${s.options.amount}`);
    const now = s.driver.now?.();
    for (const fill of fills) {
      expect(fill, 'fill').toMatchObject({ orderId, clientOrderId, symbol: s.symbol, side: 'buy' });
      assert(Number.isFinite(fill.price) && fill.price > 0, `fill ${fill.id}: price must be finite and > 0, got ${fill.price}`);
      assert(Number.isFinite(fill.fee), `fill ${fill.id}: fee must be finite, got ${fill.fee}`);
      if (now !== undefined) expect(fill.timestamp, `fill ${fill.id} must not be later than now`).toBeLessThanOrEqual(now);
    }
    expect(new Set(fills.map((f) => f.id)).size, `fills of ${orderId}: each fill once, by id`).toBe(fills.length);
    await s.advanceUntil(() => s.lastUpdateOf(orderId)?.status === 'filled', `an order update with status filled for ${orderId}`);
    for (const e of eventsOf(s.events, orderId)) {
      if (e.type === 'order')
        expect(e.order, `order update ${describeEvent(e)}`).toMatchObject({ id: orderId, clientOrderId, symbol: s.symbol });
    }
    const order = await s.broker.fetchOrder({ symbol: s.symbol, orderId });
    expect(order, `fetchOrder(${orderId}) after its fills`).toMatchObject({ id: orderId, status: 'filled' });
    assert(order !== undefined && near(order.filled, s.options.amount), `order ${orderId}: filled must be ${s.options.amount}`);
  },

  async 'events.fills-before-update'(s) {
    const orderId = accepted(await s.submitMarket('buy', s.options.amount, { clientOrderId: s.clientOrderId('order') }), 'a market buy');
    await s.advanceUntil(() => s.lastUpdateOf(orderId)?.status === 'filled', `an order update with status filled for ${orderId}`);
    let delivered = 0;
    for (const e of eventsOf(s.events, orderId)) {
      if (e.type === 'fill') delivered += e.fill.amount;
      else {
        assert(
          e.order.filled <= delivered * (1 + 1e-9) + 1e-12,
          `order update "${describeEvent(e)}" reports ${e.order.filled} filled, but the fills delivered before it add up to ${delivered}: send an order's fills before the update that counts them`,
        );
      }
    }
  },

  async 'events.unsubscribe'(s) {
    const stopped: BrokerEvent[] = [];
    const kept: BrokerEvent[] = [];
    const stop = s.broker.subscribe((e) => stopped.push(e));
    const keep = s.broker.subscribe((e) => kept.push(e));
    stop();
    stop();
    const orderId = accepted(await s.submitMarket('buy', s.options.amount, { clientOrderId: s.clientOrderId('unsub') }), 'a market buy');
    await s.advanceUntil(
      () => eventsOf(kept, orderId).some((e) => e.type === 'fill'),
      `a fill of ${orderId} on the listener still subscribed`,
    );
    keep();
    expect(stopped, 'events received after unsubscribing').toEqual([]);
  },

  async 'events.listener-throws'(s) {
    const after: BrokerEvent[] = [];
    const stopThrowing = s.broker.subscribe(() => {
      throw new Error(PLANTED_LISTENER_ERROR);
    });
    const stopAfter = s.broker.subscribe((e) => after.push(e));
    try {
      const orderId = accepted(await s.submitMarket('buy', s.options.amount, { clientOrderId: s.clientOrderId('throw') }), 'a market buy');
      await s.advanceUntil(
        () => eventsOf(after, orderId).some((e) => e.type === 'fill'),
        `a fill of ${orderId} on the listener subscribed after one that throws`,
      );
      assert(s.fillsOf(orderId).length > 0, `a fill of ${orderId} on the listener subscribed before the one that throws`);
    } finally {
      stopThrowing();
      stopAfter();
    }
  },
};
