import type { Broker, BrokerEvent, BrokerListener, Fill, OrderAck, OrderRequest, Unsubscribe } from '@bt/core';
import { BtError } from '@bt/core';

/**
 * The points of a live run where the crash tests kill the bot (issue 12's crash-point matrix):
 * - `intent-journaled`: the order's intent is on disk, the request is not sent;
 * - `sent-no-ack`: the venue received the order, the bot has not seen the answer;
 * - `acked-not-filled`: the ack is journaled, the order has not filled;
 * - `filled-not-seen`: the venue filled the order, the bot has not seen the fill;
 * - `exit-in-flight`: an exit (a reduce-only order) was sent, its answer not seen;
 * - `partial-fill`: a part of an order filled and is journaled, the rest is still to come.
 */
export const CRASH_POINTS = [
  'intent-journaled',
  'sent-no-ack',
  'acked-not-filled',
  'filled-not-seen',
  'exit-in-flight',
  'partial-fill',
] as const;

/** One of {@link CRASH_POINTS}. */
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** Where to crash: at the `count`-th time the run reaches `point` (1 = the first). */
export interface CrashSpec {
  readonly point: CrashPoint;
  readonly count: number;
}

/** The environment variable that arms a crash point in a test: `BT_CRASH_AT=<point>[:<count>]`. */
export const CRASH_AT_VARIABLE = 'BT_CRASH_AT';

/**
 * The crash point `BT_CRASH_AT` names, if it is set. Test-only: a run never sets it itself.
 *
 * @throws BtError `CONFIG` naming the variable, the value and the points it accepts.
 */
export function crashSpecFromEnv(env: Readonly<Record<string, string | undefined>>): CrashSpec | undefined {
  const value = env[CRASH_AT_VARIABLE];
  if (value === undefined || value === '') return undefined;
  const [point, count = '1', ...rest] = value.split(':');
  const n = Number(count);
  if (!CRASH_POINTS.includes(point as CrashPoint) || rest.length > 0 || !Number.isInteger(n) || n < 1) {
    throw new BtError(
      'CONFIG',
      `${CRASH_AT_VARIABLE}="${value}": expected <point>[:<count>], a point among ${CRASH_POINTS.join(', ')} and a count of at least 1`,
    );
  }
  return { point: point as CrashPoint, count: n };
}

/** How the process dies at a crash point: `kill -9` of itself, so nothing runs after it. */
export const killSelf = (): void => {
  process.kill(process.pid, 'SIGKILL');
};

/**
 * Wraps `broker` so that the run dies at `spec`'s point (see {@link CRASH_POINTS}), through
 * `die` (default {@link killSelf}). Deaths that must come after the controller journaled what it
 * just got (`acked-not-filled`, `partial-fill`) happen on the next macrotask, after the
 * continuations of the current one.
 */
export function withCrashPoint(broker: Broker, spec: CrashSpec, die: () => void = killSelf): Broker {
  let reached = 0;
  /** Counts one arrival at `point`; true when it is the one to die at. */
  const at = (point: CrashPoint): boolean => spec.point === point && ++reached === spec.count;
  const dieLater = (): void => {
    setImmediate(die);
  };
  const requested = new Map<string, number>();
  const filled = new Map<string, number>();

  const submitOrder = async (request: OrderRequest): Promise<OrderAck> => {
    if (request.clientOrderId !== undefined) requested.set(request.clientOrderId, request.amount);
    if (at('intent-journaled')) die();
    const ack = await broker.submitOrder(request);
    if (at('sent-no-ack')) die();
    if (request.reduceOnly === true && at('exit-in-flight')) die();
    if (ack.accepted && ack.status !== 'filled' && at('acked-not-filled')) dieLater();
    return ack;
  };

  /** Whether `fill` leaves part of its order to fill. */
  const partial = (fill: Fill): boolean => {
    const key = fill.clientOrderId ?? fill.orderId;
    const total = (filled.get(key) ?? 0) + fill.amount;
    filled.set(key, total);
    const amount = fill.clientOrderId === undefined ? undefined : requested.get(fill.clientOrderId);
    return amount !== undefined && total < amount * (1 - 1e-9);
  };

  // Every listener sees each fill: a fill counts once, when its first listener gets it.
  const seen = new Set<string>();
  const firstSight = (fill: Fill): boolean => {
    const key = `${fill.symbol}|${fill.id}|${fill.orderId}|${fill.clientOrderId ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };

  const subscribe = (listener: BrokerListener): Unsubscribe =>
    broker.subscribe((event: BrokerEvent) => {
      if (event.type !== 'fill' || !firstSight(event.fill)) {
        listener(event);
        return;
      }
      if (at('filled-not-seen')) {
        die();
        return;
      }
      const dieAfter = partial(event.fill) && at('partial-fill');
      listener(event);
      if (dieAfter) dieLater();
    });

  return new Proxy(broker, {
    get(target, property, receiver) {
      if (property === 'submitOrder') return submitOrder;
      if (property === 'subscribe') return subscribe;
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
