import { z } from 'zod';
import { envReference } from './interpolate.js';

/*
 * The bt config file, as a strict zod schema. Every field's error message is the "expected ..."
 * phrase a user reads after the field's path (see `formatIssues`), so fields that share a rule
 * share a helper. Nothing here transforms values: the schema converts to JSON Schema as it is, and
 * paths are resolved after validation (`resolveConfig`).
 */

const number = (expected: string) => z.number({ error: expected });

/** A number between `min` and `max` inclusive. */
function between(min: number, max: number): z.ZodNumber {
  const expected = `expected a number between ${min} and ${max}`;
  return number(expected).min(min, { error: expected }).max(max, { error: expected });
}

/** A number >= 0. */
function nonNegative(): z.ZodNumber {
  const expected = 'expected a number >= 0';
  return number(expected).min(0, { error: expected });
}

/** An integer >= `min`. */
function integerFrom(min: number): z.ZodNumber {
  const expected = `expected an integer >= ${min}`;
  return z.int({ error: expected }).min(min, { error: expected });
}

function text(expected: string): z.ZodString {
  return z.string({ error: expected }).min(1, { error: expected });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T): z.ZodEnum<{ [K in T[number]]: K }> {
  return z.enum(values, { error: `expected one of ${values.map((v) => JSON.stringify(v)).join(', ')}` });
}

const TIMEFRAME_EXPECTED = 'expected a timeframe: a positive count and a unit s|m|h|d|w, such as "1m", "15m", "4h" or "1d"';
const timeframe = () => text(TIMEFRAME_EXPECTED).regex(/^[1-9]\d*[smhdw]$/, { error: TIMEFRAME_EXPECTED });

const flag = () => z.boolean({ error: 'expected true or false' });

/** Exit rules the trade manager applies to every position the strategy opens (fractions: 0.02 is 2 %). */
export const exitsSchema = z
  .strictObject(
    {
      stopLoss: between(0, 1).optional().meta({ description: 'Exit when price moves this fraction against the entry (0.02 = 2 %).' }),
      takeProfit: nonNegative().optional().meta({ description: 'Exit when price moves this fraction in favour of the entry.' }),
      trailingStop: between(0, 1)
        .optional()
        .meta({ description: 'Exit when price retreats this fraction from the best price since entry.' }),
      maxHoldingMs: integerFrom(1).optional().meta({ description: 'Exit after holding this many milliseconds.' }),
    },
    { error: 'expected a map of exit rules (stopLoss, takeProfit, trailingStop, maxHoldingMs)' },
  )
  .meta({ description: 'Exit rules applied by the position monitor.' });

/** One strategy on a symbol: a built-in by name, or the path of the user's own module. */
export const strategyEntrySchema = z.strictObject(
  {
    use: text('expected a built-in strategy name such as "sma-cross", or a path to a .ts/.js strategy module').meta({
      description:
        'A built-in strategy name (sma-cross), or a path to a .ts/.js/.mjs module, relative to the config file, whose default export is a strategy factory or StrategySpec.',
    }),
    id: text('expected a non-empty string')
      .optional()
      .meta({ description: 'Unique id within the symbol (logs, order tags). Default: the built-in name or the file name.' }),
    params: z
      .record(z.string(), z.unknown(), { error: 'expected a map of parameter names to values' })
      .optional()
      .meta({ description: 'Parameters handed to the strategy (ctx.params).' }),
    exits: exitsSchema.optional(),
    lookback: integerFrom(1).optional().meta({ description: 'How many recent bars the strategy reads through ctx.bars.' }),
  },
  { error: 'expected a strategy: { use: sma-cross | ./path/to/strategy.ts, params: {...} }' },
);

/** One traded symbol. */
export const symbolEntrySchema = z.strictObject(
  {
    symbol: text('expected a symbol such as "BTC/USDT"').meta({ description: 'The market symbol, e.g. BTC/USDT.' }),
    data: text('expected the path of an OHLCV CSV file')
      .optional()
      .meta({ description: 'Historical bars (CSV) for broker type sim, relative to the config file. Ignored by paper and ccxt.' }),
    timeframe: timeframe().optional().meta({ description: "Bar length of this symbol; default: the config's timeframe." }),
    strategies: z
      .array(strategyEntrySchema, { error: 'expected a list of strategies' })
      .min(1, { error: 'expected at least one strategy' })
      .optional()
      .meta({ description: "The symbol's strategies, called in this order; default: the top-level strategies." }),
  },
  { error: 'expected a symbol: { symbol: BTC/USDT, data: ./BTCUSDT.csv, strategies: [...] }' },
);

const feesSchema = z
  .strictObject(
    {
      maker: between(0, 1).optional().meta({ description: 'Maker fee rate (0.001 = 0.1 %).' }),
      taker: between(0, 1).optional().meta({ description: 'Taker fee rate (0.001 = 0.1 %).' }),
      perOrder: nonNegative().optional().meta({ description: 'Fixed fee per order, in quote currency.' }),
    },
    { error: 'expected a map of fee rates: { maker: 0.0002, taker: 0.001 }' },
  )
  .meta({ description: 'Fee rates as fractions of the notional.' });

/** Account and fill settings shared by the simulated and paper brokers. */
const simulatedFills = {
  currency: text('expected a currency code such as "USD"').default('USD').meta({ description: 'Currency the account is valued in.' }),
  balances: z
    .record(z.string(), nonNegative(), { error: 'expected a map of currency to starting balance, e.g. { USD: 1000000 }' })
    .optional()
    .meta({ description: 'Starting cash per currency. Default: 1,000,000 of the account currency.' }),
  fees: feesSchema.optional(),
  slippageBps: between(0, 10_000).default(0).meta({ description: 'Slippage of taker fills, in basis points.' }),
  allowShort: flag().default(false).meta({ description: 'Whether sells may open short positions.' }),
};

const exchangeConnection = {
  exchange: text('expected a ccxt exchange id such as "binance"').meta({ description: 'ccxt exchange id, e.g. binance.' }),
  apiKey: text(`expected a string, usually "${envReference('API_KEY_VARIABLE')}"`)
    .optional()
    .meta({ description: `API key; write "${envReference('ENV_VAR')}" and keep the key in the environment.` }),
  secret: text(`expected a string, usually "${envReference('SECRET_VARIABLE')}"`)
    .optional()
    .meta({ description: `API secret; use "${envReference('ENV_VAR')}".` }),
  password: text('expected a string')
    .optional()
    .meta({ description: `API passphrase, for exchanges that need one; use "${envReference('ENV_VAR')}".` }),
  sandbox: flag().default(false).meta({ description: "Use the exchange's testnet (ccxt's options.sandbox)." }),
  urls: z
    .strictObject(
      {
        rest: text('expected an origin such as "http://127.0.0.1:8080"')
          .regex(/^https?:\/\//, { error: 'expected an origin such as "http://127.0.0.1:8080"' })
          .optional()
          .meta({ description: 'Replaces the origin of every REST endpoint (ccxt paths kept), e.g. a local exchange emulator.' }),
        ws: text('expected an origin such as "ws://127.0.0.1:8080"')
          .regex(/^wss?:\/\//, { error: 'expected an origin such as "ws://127.0.0.1:8080"' })
          .optional()
          .meta({ description: 'Replaces the origin of every WebSocket endpoint.' }),
      },
      { error: 'expected endpoint overrides: { rest: http://127.0.0.1:8080, ws: ws://127.0.0.1:8080 }' },
    )
    .optional()
    .meta({ description: 'Endpoint overrides, e.g. to rehearse against the exchange emulator.' }),
  options: z
    .record(z.string(), z.unknown(), { error: 'expected a map of ccxt options' })
    .optional()
    .meta({ description: 'Extra ccxt exchange options.' }),
  rateLimit: flag().default(true).meta({
    description:
      "ccxt's client-side rate limiter (wall time). Turn it off only against a local exchange emulator replaying faster than real time.",
  }),
};

/** Backtest on history with the SimulatedBroker. */
export const simBrokerSchema = z
  .strictObject({
    type: z.literal('sim'),
    ...simulatedFills,
    fillTiming: oneOf(['next-open', 'cheat-on-close'] as const)
      .default('next-open')
      .meta({ description: 'Market orders fill at the next bar open (default) or, optimistically, at the current close.' }),
    intrabarPriority: oneOf(['stop-first', 'limit-first'] as const)
      .default('stop-first')
      .meta({ description: 'Which fills first when one bar reaches both a stop and a limit.' }),
    volumeShare: between(0, 1).optional().meta({ description: "Largest share of each bar's volume orders may take." }),
    latencyBars: integerFrom(0).optional().meta({ description: 'Bars an order waits before it can match.' }),
  })
  .meta({ title: 'sim', description: 'Backtest on historical CSV data with the simulated broker.' });

/** Live data from the exchange, simulated fills. */
export const paperBrokerSchema = z
  .strictObject({ type: z.literal('paper'), ...exchangeConnection, ...simulatedFills })
  .meta({ title: 'paper', description: 'Paper trading: live market data through ccxt, simulated fills.' });

/** Live orders on the exchange. */
export const ccxtBrokerSchema = z
  .strictObject({ type: z.literal('ccxt'), ...exchangeConnection })
  .meta({ title: 'ccxt', description: 'Live trading: real orders on the exchange through ccxt.' });

/** The broker section: its `type` alone decides the mode of the run. */
export const brokerSchema = z.discriminatedUnion('type', [simBrokerSchema, paperBrokerSchema, ccxtBrokerSchema], {
  error: 'expected a broker: { type: sim | paper | ccxt, ... }',
});

/** Pacing of backtests (mode, step delay) and of paper/live trading (poll intervals, clock, when to stop). */
export const timeSchema = z
  .strictObject(
    {
      mode: oneOf(['max-speed', 'fast', 'realtime'] as const)
        .default('max-speed')
        .meta({ description: 'Backtest pacing: max-speed (no delay), fast (100 ms per step) or realtime (1 s per step).' }),
      stepDelayMs: nonNegative().optional().meta({ description: "Backtest: a custom delay per step (ms); overrides the mode's." }),
      pollIntervalMs: integerFrom(1).optional().meta({
        description:
          "Paper/live: pause between two ticks of a symbol, and between two order polls of the live broker (ms, on the run's clock: the emulator's replay time when following it). Default 1000.",
      }),
      monitorIntervalMs: integerFrom(1)
        .optional()
        .meta({ description: 'Paper/live: pause between two position-monitor passes (ms). Default 5000.' }),
      stopAfterBars: integerFrom(1).optional().meta({
        description:
          'Paper/live: end the run (status completed) once every symbol has processed this many bars that closed after the start. Default: run until Ctrl-C.',
      }),
      clock: oneOf(['auto', 'wall', 'emulator'] as const)
        .default('auto')
        .meta({
          description:
            "Paper/live: where time comes from. wall: this machine's clock; emulator: the replay time of the exchange emulator at broker.urls.rest (bt emulate), which the run follows at the emulator's speed; auto (default): the emulator's when broker.urls.rest is one, else the wall clock.",
        }),
    },
    { error: 'expected time settings: { mode: max-speed | fast | realtime }' },
  )
  .meta({ description: 'Pacing.' });

/** Where a run's results folder goes. */
export const resultsSchema = z
  .strictObject(
    {
      dir: text('expected a folder path')
        .default('results')
        .meta({ description: 'Parent folder of the results, relative to the config file.' }),
      name: text('expected a folder name made of letters, digits, ".", "_" and "-"')
        .regex(/^[\w.-]+$/, { error: 'expected a folder name made of letters, digits, ".", "_" and "-"' })
        .optional()
        .meta({ description: "Sub-folder of this run; default: the config's name and a timestamp." }),
    },
    { error: 'expected results settings: { dir: ./results, name: my-run }' },
  )
  .meta({ description: 'Where results go.' });

const BOT_NAME_EXPECTED = 'expected a bot name made of letters, digits, ".", "_" and "-"';
const PREFIX_EXPECTED = 'expected 1 to 12 ASCII letters and digits, such as "grid1"';

/** Where a paper or live run keeps its durable state (the @bt/journal SQLite file), and whose it is. */
export const stateSchema = z
  .strictObject(
    {
      file: text('expected a file path').optional().meta({
        description:
          'The SQLite journal of the bot (orders, fills, trade state, its one-instance lock), relative to the config file. Default: state/<botName>.sqlite next to the config file (state/<botName>.paper.sqlite for paper trading).',
      }),
      botName: text(BOT_NAME_EXPECTED)
        .regex(/^[\w.-]+$/, { error: BOT_NAME_EXPECTED })
        .optional()
        .meta({
          description:
            "The bot whose state this is: one running instance per bot; its orders, fills and positions are its own. Default: the config's name, else the config file's name.",
        }),
      clientIdPrefix: text(PREFIX_EXPECTED)
        .regex(/^[A-Za-z0-9]{1,12}$/, { error: PREFIX_EXPECTED })
        .optional()
        .meta({
          description:
            "Prefix of the bot's client order ids, fixed at the bot's first run (orders at the venue with it and no journal row are adopted). Default: the letters and digits of the bot name, at most 12.",
        }),
    },
    { error: 'expected state settings: { file: ./state/my-bot.sqlite, botName: my-bot }' },
  )
  .meta({
    description: 'Paper/live: the durable state of the bot (journal file, bot name, client order id prefix). Ignored by backtests.',
  });

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;

/** Console and log-file levels, and the log file's name. */
export const loggingSchema = z
  .strictObject(
    {
      level: oneOf(LEVELS).default('info').meta({ description: 'Console log level.' }),
      file: text('expected a file name').default('run.log').meta({ description: 'Log file (JSON lines), relative to the results folder.' }),
      fileLevel: oneOf(LEVELS).default('debug').meta({ description: 'Log file level.' }),
    },
    { error: 'expected logging settings: { level: info, file: run.log }' },
  )
  .meta({ description: 'Structured logs (pino).' });

/**
 * The bt config: what to trade, with which strategies, through which broker. The `broker` section
 * alone decides whether a run is a backtest (`sim`), paper trading (`paper`) or live (`ccxt`).
 */
export const configSchema = z
  .strictObject(
    {
      $schema: z.string({ error: 'expected a string' }).optional().meta({ description: 'JSON Schema of this file, for editors.' }),
      name: text('expected a non-empty string')
        .regex(/^[\w.-]+$/, { error: 'expected a name made of letters, digits, ".", "_" and "-"' })
        .optional()
        .meta({ description: 'Name of the run, used in the results folder name.' }),
      timeframe: timeframe().default('1m').meta({ description: 'Bar length of every symbol unless the symbol sets its own.' }),
      symbols: z
        .array(symbolEntrySchema, { error: 'expected a list of symbols' })
        .min(1, { error: 'expected at least one symbol' })
        .meta({ description: 'The symbols to trade.' }),
      strategies: z
        .array(strategyEntrySchema, { error: 'expected a list of strategies' })
        .min(1, { error: 'expected at least one strategy' })
        .optional()
        .meta({ description: 'Strategies of every symbol that lists none of its own.' }),
      broker: brokerSchema,
      time: timeSchema.prefault({}),
      results: resultsSchema.prefault({}),
      logging: loggingSchema.prefault({}),
      state: stateSchema.optional(),
    },
    { error: 'expected a config object (a YAML or JSON map)' },
  )
  .meta({ title: 'bt config', description: 'Configuration of the bt runner (@bt/runner).' });

/** A validated config, with defaults filled in. Paths are as written (relative to the config file). */
export type BtConfig = z.output<typeof configSchema>;
/** A config as written in a file, before defaults. */
export type BtConfigInput = z.input<typeof configSchema>;
/** The broker section of a validated config. */
export type BrokerConfig = BtConfig['broker'];
/** A simulated broker section. */
export type SimBrokerConfig = z.output<typeof simBrokerSchema>;
/** A paper broker section. */
export type PaperBrokerConfig = z.output<typeof paperBrokerSchema>;
/** A live ccxt broker section. */
export type CcxtBrokerConfig = z.output<typeof ccxtBrokerSchema>;
/** One strategy entry. */
export type StrategyEntry = z.output<typeof strategyEntrySchema>;
/** One symbol entry. */
export type SymbolEntry = z.output<typeof symbolEntrySchema>;
/** The state section of a validated config (paper and live runs). */
export type StateConfig = z.output<typeof stateSchema>;
/** Log levels of the console and the log file. */
export type LogLevel = (typeof LEVELS)[number];
/** Backtest pacing modes. */
export type TimeModeName = BtConfig['time']['mode'];
/** Where paper and live trading take time from. */
export type LiveClockSetting = BtConfig['time']['clock'];
