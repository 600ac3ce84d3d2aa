import type { BarColumns } from '@bt/sim-broker';
import { CrossOver, ExactSma } from '@bt/strategies';
import type { ReferenceTrade } from '@bt/testkit';

/** Starting cash, as in docs/semantics.md §5. */
const INITIAL_CASH = 1_000_000;

/** What {@link runFloor} returns. */
export interface FloorResult {
  /** Closed round trips and positions still open, sorted by symbol then entry time. */
  readonly trades: ReferenceTrade[];
  readonly finalEquity: number;
  readonly ordersUnfilledAtEnd: number;
  /** Bars processed. */
  readonly bars: number;
}

/**
 * The floor: the SMA(fast)/SMA(slow) crossover of docs/semantics.md as one plain sequential loop over
 * the same in-memory columns, with nothing between the data and the strategy. It is the speed a
 * backtest engine could reach with no controller, barrier, broker or async at all.
 *
 * Bars are visited in global timeline order, ties by symbol (a binary heap keyed on open time,
 * then symbol index). Because symbols never interact (cash never binds), running "fills of every
 * ticking symbol, then every strategy" per bar instead of per timestamp gives the same trades.
 * Per bar: the pending order fills at this bar's open, then the exact SMAs and the crossover are
 * updated (the same {@link ExactSma} and {@link CrossOver} the `sma-cross` strategy uses, so the
 * floor measures the loop, not the indicator), then an up-cross while flat sends a buy of
 * `amount`, a down-cross while long a sell of the whole position, to fill at the next bar's open.
 */
export function runFloor(columns: readonly BarColumns[], fast = 10, slow = 30, amount = 1): FloorResult {
  const order = [...columns].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
  const k = order.length;
  const fastSma = order.map(() => new ExactSma(fast));
  const slowSma = order.map(() => new ExactSma(slow));
  const cross = order.map(() => new CrossOver());
  const row = new Int32Array(k).fill(-1);
  /** Pending order per symbol: 0 none, +size buy, -size sell. */
  const pending = new Float64Array(k);
  const position = new Float64Array(k);
  const entryTime = new Float64Array(k);
  const entryPrice = new Float64Array(k);
  /** Trades per symbol, in entry order: concatenated in symbol order they are already sorted. */
  const tradesOf: ReferenceTrade[][] = order.map(() => []);
  let cash = INITIAL_CASH;
  let bars = 0;

  // Min-heap of symbol indices keyed on (next open time, index).
  const heap = new Int32Array(k);
  const key = new Float64Array(k);
  let size = 0;
  const less = (a: number, b: number): boolean => key[a]! < key[b]! || (key[a] === key[b] && a < b);
  const siftDown = (): void => {
    const top = heap[0]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      if (child + 1 < size && less(heap[child + 1]!, heap[child]!)) child++;
      if (!less(heap[child]!, top)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = top;
  };
  for (let s = 0; s < k; s++) {
    if (order[s]!.length === 0) continue;
    key[s] = order[s]!.openTime[0]!;
    let i = size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(s, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = s;
  }

  while (size > 0) {
    const s = heap[0]!;
    const c = order[s]!;
    const i = row[s]! + 1;
    row[s] = i;
    bars++;
    const time = c.openTime[i]!;
    // (a) the pending order fills at this bar's open.
    const want = pending[s]!;
    if (want !== 0) {
      pending[s] = 0;
      const price = c.open[i]!;
      if (want > 0) {
        cash -= price * want;
        position[s] = position[s]! + want;
        entryTime[s] = time;
        entryPrice[s] = price;
      } else {
        const sold = -want;
        cash += price * sold;
        position[s] = position[s]! - sold;
        const entry = entryPrice[s]!;
        tradesOf[s]!.push({
          symbol: c.symbol,
          entryTime: entryTime[s]!,
          entryPrice: entry,
          exitTime: time,
          exitPrice: price,
          size: sold,
          pnl: (price - entry) * sold,
        });
      }
    }
    // (b) the strategy, on the position after this bar's fill.
    const close = c.close[i]!;
    const f = fastSma[s]!;
    const w = slowSma[s]!;
    const fv = f.update(close);
    const sv = w.update(close);
    if (f.ready && w.ready) {
      const signal = cross[s]!.update(fv - sv);
      if (signal === 'up' && position[s] === 0) pending[s] = amount;
      else if (signal === 'down' && position[s]! > 0) pending[s] = -position[s]!;
    }
    // Next bar of this symbol, or drop it from the heap.
    if (i + 1 < c.length) {
      key[s] = c.openTime[i + 1]!;
    } else {
      size--;
      heap[0] = heap[size]!;
    }
    if (size > 0) siftDown();
  }

  let finalEquity = cash;
  let ordersUnfilledAtEnd = 0;
  for (let s = 0; s < k; s++) {
    if (pending[s] !== 0) ordersUnfilledAtEnd++;
    const held = position[s]!;
    const c = order[s]!;
    if (held !== 0) {
      finalEquity += held * c.close[c.length - 1]!;
      tradesOf[s]!.push({
        symbol: c.symbol,
        entryTime: entryTime[s]!,
        entryPrice: entryPrice[s]!,
        exitTime: null,
        exitPrice: null,
        size: held,
        pnl: null,
      });
    }
  }
  return { trades: tradesOf.flat(), finalEquity, ordersUnfilledAtEnd, bars };
}
