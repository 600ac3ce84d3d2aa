import type { ReplayBroker } from './broker.js';
import type { RunnableStepCoordinator } from './coordinator.js';
import { POSITION_MONITOR } from './coordinator.js';
import { BtError } from './errors.js';
import type { Logger } from './logger.js';
import type { OrderJournalEntry } from './order-gateway.js';
import { ReplayClock } from './replay-clock.js';
import type { SymbolConfig } from './strategy.js';
import { TradingController } from './trading-controller.js';

/** Options of {@link BacktestController}. */
export interface BacktestControllerOptions<TResults> {
  readonly broker: ReplayBroker<TResults>;
  /** The step barrier and its pacing: a TimeController. */
  readonly timeController: RunnableStepCoordinator;
  readonly symbols: readonly SymbolConfig[];
  readonly logger?: Logger;
  readonly positionMonitor?: boolean;
  readonly onSymbolError?: 'fail' | 'skip';
}

/**
 * Runs a backtest with the live TradingController: it starts the time controller and the trading
 * controller, waits for every loop to end, and returns what the replay broker reports.
 *
 * @example
 * ```ts
 * const backtest = new BacktestController({ broker, timeController, symbols });
 * await backtest.initialize();
 * const results = await backtest.run();
 * ```
 */
export class BacktestController<TResults = unknown> {
  readonly #options: BacktestControllerOptions<TResults>;
  readonly controller: TradingController;
  #stopped = false;

  constructor(options: BacktestControllerOptions<TResults>) {
    this.#options = options;
    this.controller = new TradingController({
      broker: options.broker,
      clock: new ReplayClock(options.broker),
      symbols: options.symbols,
      pacing: { kind: 'replay', coordinator: options.timeController },
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.positionMonitor === undefined ? {} : { positionMonitor: options.positionMonitor }),
      ...(options.onSymbolError === undefined ? {} : { onSymbolError: options.onSymbolError }),
    });
  }

  /** True when {@link BacktestController.stop} ended the run before the data did: results are partial. */
  get stoppedEarly(): boolean {
    return this.#stopped;
  }

  /** Every order the controller sent. */
  orders(): OrderJournalEntry[] {
    return this.controller.orders();
  }

  /** Connects the broker and initializes the trading controller and its strategies. */
  async initialize(): Promise<void> {
    const participants = this.#options.timeController.participants?.();
    if (participants !== undefined) {
      const expected = new Set(this.#options.symbols.map((s) => s.symbol));
      if (this.#options.positionMonitor ?? true) expected.add(POSITION_MONITOR);
      const stray = participants.filter((p) => !expected.has(p));
      if (stray.length > 0) {
        throw new BtError('CONFIG', `time controller has participants no loop will drive: ${stray.join(', ')}`);
      }
    }
    await this.controller.initialize();
  }

  /** Runs to the end of the data (or until stopped) and returns the broker's results. Rejects when a symbol fails. */
  async run(): Promise<TResults> {
    this.#options.timeController.start();
    this.controller.start();
    try {
      await this.controller.done;
    } finally {
      this.#options.timeController.stop();
    }
    return this.#options.broker.getResults();
  }

  /** Stops the run early; {@link BacktestController.run} then resolves with partial results. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.controller.stop();
  }
}
