/** Where the starter config's `$schema` points: the JSON Schema in the installed runner, relative to the project folder. */
export const SCHEMA_PATH = './node_modules/@bt/runner/schema/bt-config.schema.json';

/** One symbol of the starter config; `data` is relative to the project folder. */
export interface StarterSymbol {
  readonly symbol: string;
  readonly data: string;
}

const SMA_CROSS_ENTRY = `      - use: sma-cross       # a built-in strategy
        params: { fast: 10, slow: 30, amount: 1 }
`;
const MOMENTUM_ENTRY = `      - use: ./strategies/momentum.ts   # your own strategy module
        params: { period: 60, threshold: 0.002, amount: 0.5 }
        exits: { stopLoss: 0.01, takeProfit: 0.02 }   # applied by the position monitor
`;

/**
 * The `symbols` section: the built-in `sma-cross` on the first symbol and the example strategy on
 * the second, or both on the only one.
 */
function symbolsSection(symbols: readonly StarterSymbol[]): string {
  const [first, second] = symbols;
  if (first === undefined) throw new Error('bt init: the runner ships no sample data to start from (assets/sample is empty)');
  const entry = (s: StarterSymbol, strategies: string, note = '') =>
    `  - symbol: ${s.symbol}\n    data: ${s.data}${note}\n    strategies:\n${strategies}`;
  const note = '   # bars for the sim broker (ignored by paper and ccxt)';
  if (second === undefined) return `symbols:\n${entry(first, SMA_CROSS_ENTRY + MOMENTUM_ENTRY, note)}`;
  return `symbols:\n${entry(first, SMA_CROSS_ENTRY, note)}${entry(second, MOMENTUM_ENTRY)}`;
}

/**
 * The starter config `bt init` writes, every section commented, for the sample `symbols` it
 * copies (one or two). Its `$schema` is {@link SCHEMA_PATH}.
 */
export function starterConfig(symbols: readonly StarterSymbol[]): string {
  return `# yaml-language-server: $schema=${SCHEMA_PATH}
#
# bt config. Run it with:   npx bt run --config bt.yaml   (or: npm start)
# Check it with:            npx bt validate bt.yaml
# Paths are relative to this file. \${NAME} is replaced by the environment variable NAME.

name: starter                # used in the results folder name
timeframe: 1m                # bar length of every symbol (a symbol may set its own)

${symbolsSection(symbols)}
# The broker section alone decides the mode.
broker:
  type: sim                  # sim: backtest on the data above
  currency: USD
  balances: { USD: 1000000 }
  fees: { maker: 0.0002, taker: 0.001 }   # fractions: 0.001 is 0.1 %
  slippageBps: 1
  allowShort: false
  fillTiming: next-open      # or cheat-on-close (optimistic)

# Paper trading (live data through ccxt, no keys; simulated fills):
# broker:
#   type: paper
#   exchange: binanceus
#   currency: USDT
#   balances: { USDT: 10000 }
#   fees: { taker: 0.001 }
#
# Live trading (real orders!). Keep keys in the environment:
# broker:
#   type: ccxt
#   exchange: binance
#   apiKey: \${BINANCE_API_KEY}
#   secret: \${BINANCE_SECRET}
#   sandbox: true            # the exchange's testnet
#
# Rehearse either one against a local exchange replaying your data
# (bt emulate --data data/ --speed 60 prints its URLs and a test key):
#   urls: { rest: "http://127.0.0.1:8080", ws: "ws://127.0.0.1:8080" }
#   rateLimit: false         # the replay runs faster than the venue's rate limits assume
# (symbols are then written as the exchange does: BTC/USDT)

time:
  mode: max-speed            # backtest pacing: max-speed, fast (100 ms/step) or realtime (1 s/step)
  # pollIntervalMs: 1000     # paper/live: pause between ticks
  # stopAfterBars: 240       # paper/live: end the run after this many new bars (a rehearsal)

results:
  dir: results               # each run gets its own sub-folder
  # name: my-run             # fixed sub-folder name instead of name + timestamp

logging:
  level: info                # console: trace, debug, info, warn, error, silent
  file: run.log              # JSON lines, in the results folder
  fileLevel: debug
`;
}

/** The example strategy module `bt init` writes: it imports from the installed @bt packages, and `tsc --noEmit` checks it. */
export const EXAMPLE_STRATEGY = `import { BtError, type Strategy, type StrategyContext } from '@bt/core';

/**
 * An example strategy for bt. The module's default export is a factory: bt calls it once per
 * symbol with the config's \`params\` and the symbol, and it returns a core Strategy. (It may also
 * default-export a StrategySpec: { create(symbol) { return strategy; }, lookback?, exits? }.)
 * bt runs this file as it is (no build step); \`npx tsc --noEmit\` type-checks it.
 *
 * Momentum: buy when the close is \`threshold\` above its \`period\`-bar average, close the position
 * when it falls back below the average. The same code backtests, paper-trades and trades live.
 * Exact indicators to build on: import { ExactSma, CrossOver } from '@bt/strategies'.
 */
export interface MomentumParams {
  readonly period?: number;
  readonly threshold?: number;
  readonly amount?: number;
}

export default function momentum(params: MomentumParams, symbol: string): Strategy {
  const period = params.period ?? 60;
  const threshold = params.threshold ?? 0.002;
  const amount = params.amount ?? 1;
  if (!Number.isSafeInteger(period) || period < 1) {
    throw new BtError('CONFIG', \`momentum params: period must be a positive integer, got \${period}\`, { details: { field: 'period' } });
  }
  if (!(amount > 0)) {
    throw new BtError('CONFIG', \`momentum params: amount must be a positive number, got \${amount}\`, { details: { field: 'amount' } });
  }
  return {
    init(ctx: StrategyContext) {
      ctx.log.info('momentum ready', { symbol, period, threshold, amount });
    },
    async onTick(ctx: StrategyContext) {
      // Act once per closed bar, when enough bars are visible (ctx.bars holds the recent closed bars).
      if (!ctx.isNewBar || ctx.bars.length < period) return;
      let sum = 0;
      for (let i = 1; i <= period; i++) sum += ctx.bars.close(-i);
      const average = sum / period;
      const close = ctx.bars.close(-1);
      // Live, an order can take a while to fill: act only while none of ours is in flight, or a
      // second buy would go out before the first shows in the position.
      if (ctx.pendingExposure !== 0) return;
      if (ctx.position.side === 'flat' && close > average * (1 + threshold)) {
        await ctx.orders.buy(amount);
      } else if (ctx.position.side === 'long' && close < average) {
        await ctx.orders.close();
      }
    },
  };
}
`;

/** The tsconfig.json `bt init` writes: strict, Node's module resolution, type-checking only (bt runs the .ts files itself). */
export const TSCONFIG = `{
  // bt runs strategies/*.ts as they are; TypeScript only checks them: npx tsc --noEmit (npm run typecheck).
  "compilerOptions": {
    "target": "es2022",
    "lib": ["es2023"],
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "types": ["node"],
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "forceConsistentCasingInFileNames": true
  },
  "include": ["strategies"]
}
`;
