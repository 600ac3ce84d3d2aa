import type { BrokerListener, Fill, Order } from '@bt/core';
import type { PlantedBugRow } from './planted-bugs.js';
import { MEMORY, relayVia } from './planted-bugs.js';

/**
 * A relay that loops over its listeners with no guard, so a listener that throws stops the loop;
 * with `unsubscribes: false`, unsubscribing does nothing either.
 */
function unguardedRelay(unsubscribes: boolean) {
  return () => {
    let listeners: BrokerListener[] = [];
    return {
      subscribe: (listener: BrokerListener) => {
        listeners = [...listeners, listener];
        return () => {
          if (unsubscribes) listeners = listeners.filter((l) => l !== listener);
        };
      },
      emit: (event: Parameters<BrokerListener>[0]) => {
        for (const listener of listeners) listener(event);
      },
    };
  };
}

/** The planted bugs of the events.* cases (see conformance-rules.test.ts). */
export const EVENT_BUGS: readonly PlantedBugRow[] = [
  {
    id: 'events.after-ack',
    bug: "submitOrder() emits the order's update before it returns the ack",
    base: MEMORY,
    plant: {
      methods: (inner, relay) => ({
        submitOrder: async (request) => {
          const ack = await inner.submitOrder(request);
          const order = ack.orderId === undefined ? undefined : await inner.fetchOrder({ symbol: request.symbol, orderId: ack.orderId });
          if (order !== undefined) relay.emit({ type: 'order', order });
          return ack;
        },
      }),
    },
    message: /delivered before its ack/,
  },
  {
    id: 'events.fills',
    bug: 'each fill is delivered twice',
    base: MEMORY,
    plant: {
      relay: relayVia(() => (e, next) => {
        next(e);
        if (e.type === 'fill') next(e);
      }),
    },
    message: /must add up to 1/,
  },
  {
    id: 'events.fills',
    bug: 'order updates without their clientOrderId',
    base: MEMORY,
    plant: {
      relay: relayVia(() => (e, next) => {
        if (e.type === 'fill') return next(e);
        const { clientOrderId: _dropped, ...order } = e.order;
        next({ type: 'order', order: order as Order });
      }),
    },
    message: /order update order .* filled/,
  },
  {
    id: 'events.fills-before-update',
    bug: "each fill is delivered after its order's update",
    base: MEMORY,
    plant: {
      relay: relayVia(() => {
        const held: Fill[] = [];
        return (e, next) => {
          if (e.type === 'fill') held.push(e.fill);
          else {
            next(e);
            for (const fill of held.splice(0)) next({ type: 'fill', fill });
          }
        };
      }),
    },
    message: /reports 1 filled, but the fills delivered before it add up to 0/,
  },
  {
    id: 'events.unsubscribe',
    bug: 'unsubscribing does nothing',
    base: MEMORY,
    plant: { relay: unguardedRelay(false) },
    message: /events received after unsubscribing/,
  },
  {
    id: 'events.listener-throws',
    bug: 'a listener that throws stops the delivery to the listeners after it',
    base: MEMORY,
    plant: { relay: unguardedRelay(true) },
    message: /on the listener subscribed after one that throws: not seen after 5/,
  },
];
