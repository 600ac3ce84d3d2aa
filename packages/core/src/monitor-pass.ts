import type { Broker } from './broker.js';
import type { Clock } from './clock.js';
import type { SymbolOrchestrator } from './symbol-orchestrator.js';
import type { TradeManager } from './trade-manager.js';

/** What a {@link MonitorPass} reads. */
export interface MonitorPassDeps {
  readonly broker: Broker;
  readonly clock: Clock;
  readonly tradeManager: TradeManager;
  /** The controller's orchestrators, in configured order, and by symbol. */
  readonly orchestrators: readonly SymbolOrchestrator[];
  readonly bySymbol: ReadonlyMap<string, SymbolOrchestrator>;
  /** Replay pacing: positions and prices may be read through the orchestrators' feeds. */
  readonly replay: boolean;
}

/**
 * One pass of the position monitor, paced by the controller's monitor loop: reads positions and
 * prices and hands them to the trade manager. In a replay whose feeds read position sizes it
 * reads them synchronously and builds no position; otherwise it goes through the broker's async
 * reads. A replayed symbol whose data has ended is left alone (its exits could never fill).
 */
export class MonitorPass {
  readonly #deps: MonitorPassDeps;
  /** Replay: symbols whose data has ended. */
  readonly #ended = new Set<string>();
  /** Every orchestrator reads through a feed that has position sizes (see #feedsReadPositions). */
  #feedsReady = false;
  readonly #isOpen: (symbol: string) => boolean;
  readonly #priceOf: (symbol: string) => number | Promise<number>;

  constructor(deps: MonitorPassDeps) {
    this.#deps = deps;
    const { bySymbol, broker } = deps;
    const ended = this.#ended;
    this.#isOpen = (symbol) => !ended.has(symbol) && (bySymbol.get(symbol)?.feed?.positionSize?.() ?? 0) !== 0;
    this.#priceOf = (symbol) => bySymbol.get(symbol)?.feed?.latestPrice?.() ?? broker.getLatestPrice(symbol);
  }

  /** Replay: `symbol`'s data has ended; the trade manager leaves its position alone from now on. */
  symbolEnded(symbol: string): void {
    this.#ended.add(symbol);
  }

  /** Runs one pass; undefined when it ran to the end synchronously, else the promise of the rest. */
  run(): Promise<void> | undefined {
    if (!this.#feedsReadPositions()) return this.#runAsync();
    return this.#deps.tradeManager.manage(this.#isOpen, this.#priceOf, this.#deps.clock.now());
  }

  /** A pass through the broker's async reads. */
  async #runAsync(): Promise<void> {
    const { broker, tradeManager, clock } = this.#deps;
    const ended = this.#ended;
    const all = await broker.getPositions();
    const positions = ended.size === 0 ? all : all.filter((p) => !ended.has(p.symbol));
    await tradeManager.manage(positions, (symbol) => broker.getLatestPrice(symbol), clock.now());
  }

  /**
   * True when every symbol's replay feed is open and reads position sizes (then trades on symbols
   * the controller does not run have no position the monitor could see, as with getPositions).
   */
  #feedsReadPositions(): boolean {
    if (this.#feedsReady) return true;
    if (!this.#deps.replay) return false;
    for (const o of this.#deps.orchestrators) if (o.feed?.positionSize === undefined) return false;
    // Feeds stay open for the rest of the run.
    this.#feedsReady = true;
    return true;
  }
}
