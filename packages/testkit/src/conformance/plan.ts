import type { BrokerCapabilities, OrderType } from '@bt/core';
import type { ConformanceCapabilities, ConformanceCaseId, ConformanceCasePlan, ConformancePlan, ConformancePlanOptions } from './types.js';

/** A flag a case needs, from core's capabilities or the suite's {@link ConformanceCapabilities}. */
type CapabilityFlag = 'shorting' | 'reduceOnly' | 'ioc' | 'fetchByClientOrderId' | keyof ConformanceCapabilities;

/** What a case needs from the broker or the fixture. */
type Requirement =
  | { readonly kind: 'orderType'; readonly anyOf: readonly OrderType[] }
  | { readonly kind: 'capability'; readonly flag: CapabilityFlag }
  | { readonly kind: 'fixture'; readonly field: 'unaffordableAmount' | 'offPrecisionAmount' }
  /** An order type the broker does not declare, to submit and see refused. */
  | { readonly kind: 'undeclaredOrderType' };

interface CaseSpec {
  readonly id: ConformanceCaseId;
  readonly title: string;
  readonly requires: readonly Requirement[];
}

/** The order types `rejects.undeclared-type` tries, in this order: it submits the first the broker does not declare. */
export const UNDECLARABLE: readonly OrderType[] = ['stop', 'stop-limit', 'limit', 'market'];

const market = { kind: 'orderType', anyOf: ['market'] } as const;
const limit = { kind: 'orderType', anyOf: ['limit'] } as const;
const marketOrLimit = { kind: 'orderType', anyOf: ['market', 'limit'] } as const;
const capability = (flag: CapabilityFlag): Requirement => ({ kind: 'capability', flag });

/** The cases in the order they run. */
const CASES: readonly CaseSpec[] = [
  { id: 'lifecycle.connect-idempotent', title: 'connect() twice is harmless', requires: [] },
  { id: 'lifecycle.close-idempotent', title: 'close() twice is harmless', requires: [] },
  { id: 'markets.fixture-symbol', title: 'getMarkets() lists the fixture symbol with its base and quote', requires: [] },
  { id: 'bars.closed-ascending-limited', title: 'getBars() returns closed bars, oldest first, at most limit', requires: [] },
  { id: 'price.latest', title: 'getLatestPrice() is finite and > 0', requires: [] },
  { id: 'balances.consistent', title: 'getBalances(): free + used = total, the quote currency listed', requires: [] },
  { id: 'orders.ack', title: 'a market order is acknowledged with an orderId and its clientOrderId', requires: [market] },
  { id: 'events.after-ack', title: 'no event of an order is delivered before its ack', requires: [marketOrLimit] },
  {
    id: 'events.fills',
    title: "fills and order updates arrive through subscribe() once the driver advances, each fill once, all with the order's ids",
    requires: [market],
  },
  {
    id: 'events.fills-before-update',
    title: 'an order update never counts fills that were not delivered before it',
    requires: [market],
  },
  { id: 'events.unsubscribe', title: 'the unsubscribe function stops events', requires: [market] },
  {
    id: 'events.listener-throws',
    title: 'a listener that throws neither stops the other listeners nor breaks the broker',
    requires: [market],
  },
  { id: 'orders.open-limit', title: 'getOpenOrders() lists a resting limit order', requires: [limit] },
  { id: 'orders.cancel', title: 'cancelOrder() cancels a resting order and removes it from the open orders', requires: [limit] },
  { id: 'orders.fetch-unknown', title: 'fetchOrder() of an unknown order is undefined', requires: [] },
  { id: 'orders.cancel-unknown', title: 'cancelOrder() of an unknown order throws BtError ORDER_NOT_FOUND', requires: [] },
  {
    id: 'orders.fetch-by-client-id',
    title: 'fetchOrder() finds an order by clientOrderId',
    requires: [marketOrLimit, capability('fetchByClientOrderId')],
  },
  { id: 'rejects.zero-amount', title: 'an amount of 0 is rejected in the ack, with a reason', requires: [marketOrLimit] },
  { id: 'rejects.negative-amount', title: 'a negative amount is rejected in the ack, with a reason', requires: [marketOrLimit] },
  {
    id: 'rejects.off-precision',
    title: "an amount off the market's precision is rejected in the ack, with a reason",
    requires: [marketOrLimit, { kind: 'fixture', field: 'offPrecisionAmount' }],
  },
  {
    id: 'rejects.insufficient-funds',
    title: 'an unaffordable order is rejected, in the ack or as a rejected order update',
    requires: [market, capability('fundsCheck'), { kind: 'fixture', field: 'unaffordableAmount' }],
  },
  {
    id: 'rejects.undeclared-type',
    title: 'an order type the broker does not declare is rejected in the ack, with a reason',
    requires: [{ kind: 'undeclaredOrderType' }],
  },
  {
    id: 'orders.client-id-idempotent',
    title: 'a re-submitted clientOrderId does not create a second order',
    requires: [marketOrLimit, capability('uniqueClientOrderIds')],
  },
  { id: 'positions.long-after-buy', title: 'a filled buy shows in getPositions()', requires: [market] },
  { id: 'positions.short-after-sell', title: 'a filled sell from flat opens a short', requires: [market, capability('shorting')] },
  { id: 'orders.reduce-only', title: 'a reduce-only order never opens or grows a position', requires: [market, capability('reduceOnly')] },
  { id: 'orders.ioc', title: 'an IOC limit that cannot fill ends canceled, never resting', requires: [limit, capability('ioc')] },
];

/**
 * Decides which cases run for a broker with `capabilities` (core's, plus any
 * {@link ConformanceCapabilities} flags declared alongside them) and the given fixture facts. The
 * suite registers exactly this plan; tests can assert it.
 *
 * @example
 * ```ts
 * const plan = planBrokerConformance(new MemoryReplayBroker({ bars }).capabilities, { name: 'memory', ...facts });
 * plan.missing; // ['order type limit', 'capability reduceOnly', ...]
 * ```
 */
export function planBrokerConformance(
  capabilities: BrokerCapabilities & ConformanceCapabilities,
  options: ConformancePlanOptions,
): ConformancePlan {
  const flags = resolveFlags(capabilities, options.capabilities);
  const missing: string[] = [];
  const cases = CASES.map((spec): ConformanceCasePlan => {
    const lacks = spec.requires.flatMap((requirement) => {
      const label = lacking(requirement, capabilities, flags, options);
      return label === undefined ? [] : [label];
    });
    for (const label of lacks) if (!missing.includes(label)) missing.push(label);
    const knownFailure = options.knownFailures?.[spec.id];
    return {
      id: spec.id,
      title: spec.title,
      ...(lacks.length === 0 ? {} : { skip: `needs ${lacks.join(', ')}` }),
      ...(knownFailure === undefined ? {} : { knownFailure }),
    };
  });
  return {
    name: options.name,
    cases,
    run: cases.filter((c) => c.skip === undefined),
    skipped: cases.filter((c) => c.skip !== undefined),
    missing,
  };
}

/**
 * The plan as a few lines of text: counts, each skipped case with its reason, and what the broker
 * lacks. What the suite logs after it ran.
 */
export function formatConformancePlan(plan: ConformancePlan): string {
  const lines = [`Broker conformance of ${plan.name}: ${plan.cases.length} cases, ${plan.run.length} run, ${plan.skipped.length} skipped`];
  for (const c of plan.skipped) lines.push(`  skipped ${c.id}: ${c.skip}`);
  for (const c of plan.run) if (c.knownFailure !== undefined) lines.push(`  known failure ${c.id}: ${c.knownFailure}`);
  if (plan.missing.length > 0) lines.push(`  lacking: ${plan.missing.join('; ')}`);
  return lines.join('\n');
}

/** The flags core does not have, resolved: the options win, then the broker's declaration, then true. */
export function resolveFlags(
  capabilities: BrokerCapabilities & ConformanceCapabilities,
  declared: ConformanceCapabilities | undefined,
): Required<ConformanceCapabilities> {
  return {
    fundsCheck: declared?.fundsCheck ?? capabilities.fundsCheck ?? true,
    uniqueClientOrderIds: declared?.uniqueClientOrderIds ?? capabilities.uniqueClientOrderIds ?? true,
  };
}

function lacking(
  requirement: Requirement,
  capabilities: BrokerCapabilities,
  flags: Required<ConformanceCapabilities>,
  options: ConformancePlanOptions,
): string | undefined {
  switch (requirement.kind) {
    case 'orderType':
      return requirement.anyOf.some((type) => capabilities.orderTypes.includes(type))
        ? undefined
        : `order type ${requirement.anyOf.join(' or ')}`;
    case 'capability': {
      const flag = requirement.flag;
      const value = flag === 'fundsCheck' || flag === 'uniqueClientOrderIds' ? flags[flag] : capabilities[flag];
      return value ? undefined : `capability ${flag}`;
    }
    case 'fixture':
      return options[requirement.field] === undefined ? `fixture ${requirement.field}` : undefined;
    case 'undeclaredOrderType':
      return UNDECLARABLE.some((type) => !capabilities.orderTypes.includes(type)) ? undefined : 'an order type it does not declare';
  }
}
