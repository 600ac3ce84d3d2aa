import type { BrokerEvent, OrderAck } from '@bt/core';
import { assert, expect } from 'vitest';
import type { ConformanceSession } from './session.js';

/** The body of one case, run against a fresh {@link ConformanceSession}. */
export type ConformanceCaseBody = (s: ConformanceSession) => Promise<void>;

/** Asserts that `ack` accepted the order, and returns its order id. */
export function accepted(ack: OrderAck, what: string): string {
  assert(ack.accepted, `${what} was rejected: ${ack.reason ?? '(no reason)'}`);
  expect(ack.status, `${what}: status of an accepted ack`).not.toBe('rejected');
  assert(typeof ack.orderId === 'string' && ack.orderId.length > 0, `${what}: an accepted ack needs an orderId, got ${ack.orderId}`);
  return ack.orderId;
}

/** Asserts a business rejection in the ack: `accepted: false`, status `rejected`, a reason. */
export function rejectedInAck(ack: OrderAck, what: string): void {
  expect(ack.accepted, `${what} must be rejected in the ack`).toBe(false);
  expect(ack.status, `${what}: status`).toBe('rejected');
  assert(typeof ack.reason === 'string' && ack.reason.length > 0, `${what}: a rejection needs a reason in words`);
}

/** Submits an order with a bad amount and checks that it is rejected in the ack and opens nothing. */
export async function rejectsAmount(s: ConformanceSession, amount: number, what: string): Promise<void> {
  const before = (await s.broker.getOpenOrders(s.symbol)).length;
  const ack = await s.submitAnyBuy(amount, { clientOrderId: s.clientOrderId('bad') });
  rejectedInAck(ack, `${what} (${amount})`);
  expect((await s.broker.getOpenOrders(s.symbol)).length, `${what}: open orders after the rejection`).toBe(before);
}

/** Asserts that `lookup` resolves to undefined: a lookup of what the venue does not have neither finds nor throws. */
export async function findsNothing(lookup: Promise<unknown>, what: string): Promise<void> {
  let found: unknown;
  try {
    found = await lookup;
  } catch (error) {
    assert.fail(`${what} must resolve to undefined, but it threw ${String(error)}`);
  }
  expect(found, `${what} must resolve to undefined`).toBeUndefined();
}

/** Order updates and fills of `orderId` in `events`. */
export function eventsOf(events: readonly BrokerEvent[], orderId: string): BrokerEvent[] {
  return events.filter((e) => (e.type === 'fill' ? e.fill.orderId : e.order.id) === orderId);
}

/** An event in a few words, for failure messages: `fill 0.5 of o-1` or `order o-1 filled`. */
export function describeEvent(e: BrokerEvent): string {
  return e.type === 'fill' ? `fill ${e.fill.amount} of ${e.fill.orderId}` : `order ${e.order.id} ${e.order.status}`;
}
