import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BtError, isBtError } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../src/config/check.js';
import { embeddedDefaultConfig } from '../src/config/default-config.js';
import { interpolateEnv } from '../src/config/interpolate.js';
import { loadConfig, parseConfig } from '../src/config/load.js';
import { configSchema } from '../src/config/schema.js';
import { Redactor } from '../src/config/secrets.js';
import { suggest } from '../src/util/suggest.js';
import { SAMPLE, tempDir } from './helpers/cli.js';

/** Writes `text` as a config file in a fresh folder and returns its path. */
function configFile(text: string, name = 'bt.yaml'): string {
  const dir = tempDir();
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** The problems `loadConfig` reports for `text` (fails the test if it loads). */
async function problemsOf(text: string, env: Record<string, string> = {}, name = 'bt.yaml'): Promise<string[]> {
  try {
    await loadConfig(configFile(text, name), { env });
  } catch (error) {
    if (!isBtError(error, 'CONFIG')) throw error;
    return error.details.problems as string[];
  }
  throw new Error('expected the config to be rejected');
}

const VALID = `
symbols:
  - symbol: BTCUSDT
    data: ${SAMPLE.BTCUSDT}
    strategies:
      - use: sma-cross
broker:
  type: sim
`;

describe('loadConfig', () => {
  it('fills in defaults and resolves relative paths against the config file', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'x.csv'), 'timestamp,open,high,low,close,volume\n');
    writeFileSync(join(dir, 'strategy.ts'), 'export default () => ({ onTick() {} });');
    const file = join(dir, 'bt.yaml');
    writeFileSync(
      file,
      'symbols:\n  - { symbol: X, data: data/x.csv, strategies: [{ use: ./strategy.ts }] }\nbroker: { type: sim }\nresults: { dir: out }\n',
    );
    const { config, baseDir } = await loadConfig(file);
    expect(baseDir).toBe(dir);
    expect(config.symbols[0]?.data).toBe(join(dir, 'data', 'x.csv'));
    expect(config.symbols[0]?.strategies?.[0]?.use).toBe(join(dir, 'strategy.ts'));
    expect(config.results.dir).toBe(join(dir, 'out'));
    expect(config.timeframe).toBe('1m');
    expect(config.time.mode).toBe('max-speed');
    expect(config.logging).toEqual({ level: 'info', file: 'run.log', fileLevel: 'debug' });
    expect(config.broker).toMatchObject({ type: 'sim', currency: 'USD', slippageBps: 0, allowShort: false, fillTiming: 'next-open' });
  });

  it('reads JSON configs too', async () => {
    const json = JSON.stringify({
      symbols: [{ symbol: 'BTCUSDT', data: SAMPLE.BTCUSDT, strategies: [{ use: 'sma-cross' }] }],
      broker: { type: 'sim' },
    });
    const { config } = await loadConfig(configFile(json, 'bt.json'));
    expect(config.symbols[0]?.symbol).toBe('BTCUSDT');
  });

  it('names the path, what was expected and what was found, with the line', async () => {
    const problems = await problemsOf(`${VALID}  fees:\n    taker: 0.1%\n`);
    expect(problems).toEqual(['line 10: broker.fees.taker: expected a number between 0 and 1, got "0.1%"']);
  });

  it('suggests the nearest key for an unknown key', async () => {
    const problems = await problemsOf(`${VALID}  slipageBps: 5\n`);
    expect(problems).toEqual(['line 9: broker.slipageBps: unknown key; did you mean "slippageBps"?']);
    const top = await problemsOf(`${VALID}tiem: { mode: fast }\n`);
    expect(top).toEqual(['line 9: tiem: unknown key; did you mean "time"?']);
  });

  it('lists the accepted keys when no key is close', async () => {
    const problems = await problemsOf(`${VALID}  zzzzzz: 1\n`);
    expect(problems[0]).toMatch(/^line 9: broker\.zzzzzz: unknown key; expected one of: type, currency, balances, fees, slippageBps/);
  });

  it('knows the keys of the broker type in use', async () => {
    const problems = await problemsOf(`
symbols: [{ symbol: BTC/USDT }]
strategies: [{ use: sma-cross }]
broker: { type: ccxt, exchange: binance, sandbx: true }
`);
    expect(problems).toEqual(['line 4: broker.sandbx: unknown key; did you mean "sandbox"?']);
  });

  it('suggests a broker type and lists the three', async () => {
    const problems = await problemsOf(VALID.replace('type: sim', 'type: simm'));
    expect(problems).toEqual(['line 8: broker.type: expected one of "sim", "paper", "ccxt", got "simm"; did you mean "sim"?']);
  });

  it('reports every problem at once, including missing fields and bad enums', async () => {
    const problems = await problemsOf(`
symbols:
  - symbol: BTCUSDT
    timeframe: 1 minute
broker: { type: paper }
time: { mode: turbo }
`);
    expect(problems).toEqual([
      expect.stringMatching(/^line 4: symbols\[0\]\.timeframe: expected a timeframe: .*, got "1 minute"$/),
      'line 5: broker.exchange: missing; expected a ccxt exchange id such as "binance"',
      'line 6: time.mode: expected one of "max-speed", "fast", "realtime", got "turbo"',
    ]);
  });

  it('checks the paper/live settings: time.clock, time.stopAfterBars and broker.rateLimit', async () => {
    const problems = await problemsOf(`
symbols: [{ symbol: BTC/USDT, strategies: [{ use: sma-cross }] }]
broker: { type: ccxt, exchange: binance, rateLimit: "no" }
time: { clock: emulater, stopAfterBars: 0 }
`);
    expect(problems).toEqual([
      'line 3: broker.rateLimit: expected true or false, got "no"',
      'line 4: time.stopAfterBars: expected an integer >= 1, got 0',
      'line 4: time.clock: expected one of "auto", "wall", "emulator", got "emulater"',
    ]);
    const { config } = await loadConfig(
      configFile('symbols: [{ symbol: BTC/USDT }]\nstrategies: [{ use: sma-cross }]\nbroker: { type: paper, exchange: binance }\n'),
    );
    expect(config.time).toMatchObject({ clock: 'auto' });
    expect(config.time.stopAfterBars).toBeUndefined();
    expect(config.broker).toMatchObject({ rateLimit: true });
  });

  it('reports a missing environment variable with its name and path', async () => {
    const text = `${VALID.replace('type: sim', `type: ccxt\n  exchange: binance\n  apiKey: \${BT_TEST_KEY}\n  secret: \${BT_TEST_SECRET}`)}`;
    const problems = await problemsOf(text, { BT_TEST_KEY: 'k-123456' });
    expect(problems).toEqual([
      expect.stringMatching(
        /^line 11: broker\.secret: environment variable BT_TEST_SECRET is not set \(the config uses \$\{BT_TEST_SECRET\}\)/,
      ),
    ]);
  });

  it('never shows a secret in an error', async () => {
    const secret = 'sk-live-0123456789abcdef';
    const text = `
symbols: [{ symbol: BTC/USDT, strategies: [{ use: sma-cross }] }]
broker:
  type: ccxt
  exchange: binance
  apiKey: \${BT_TEST_KEY}
  secret: \${BT_TEST_SECRET}
  password: 12345
  sandbox: \${BT_TEST_SECRET}
`;
    let message = '';
    try {
      await loadConfig(configFile(text), { env: { BT_TEST_KEY: 'key-abcdef', BT_TEST_SECRET: secret } });
    } catch (error) {
      message = (error as BtError).message;
    }
    expect(message).toContain('broker.password: expected a string, got 12345');
    // A secret pasted into the wrong field is still hidden.
    expect(message).toContain('broker.sandbox: expected true or false, got "[redacted]"');
    expect(message).not.toContain(secret);
    expect(message).toContain('[redacted]');
  });

  it('checks built-in strategy names and parameters, and strategy files', async () => {
    const problems = await problemsOf(`
symbols:
  - symbol: BTCUSDT
    data: ${SAMPLE.BTCUSDT}
    strategies:
      - use: sma-crss
      - use: sma-cross
        params: { fast: 0 }
      - use: ./missing-strategy.ts
broker: { type: sim }
`);
    expect(problems).toEqual([
      expect.stringMatching(/^line 6: symbols\[0\]\.strategies\[0\]\.use: unknown strategy "sma-crss"; did you mean "sma-cross"\?/),
      'line 8: symbols[0].strategies[1].params.fast: fast must be a positive integer, got 0',
      expect.stringMatching(/^line 9: symbols\[0\]\.strategies\[2\]\.use: strategy module not found: .*missing-strategy\.ts$/),
    ]);
  });

  it('needs a data file per symbol for the sim broker only', async () => {
    const problems = await problemsOf(`
symbols:
  - { symbol: A, strategies: [{ use: sma-cross }] }
  - { symbol: B, data: nowhere.csv, strategies: [{ use: sma-cross }] }
broker: { type: sim }
`);
    expect(problems).toEqual([
      'line 3: symbols[0]: missing "data": broker type "sim" needs a CSV file of bars for each symbol',
      expect.stringMatching(/^line 4: symbols\[1\]\.data: file not found: .*nowhere\.csv$/),
    ]);
    const paper = await loadConfig(
      configFile(
        'symbols: [{ symbol: A, data: nowhere.csv }]\nstrategies: [{ use: sma-cross }]\nbroker: { type: paper, exchange: binance }\n',
      ),
    );
    expect(paper.config.broker.type).toBe('paper');
  });

  it('rejects duplicate strategy ids on a symbol and symbols without strategies', async () => {
    const problems = await problemsOf(`
symbols:
  - { symbol: A, data: ${SAMPLE.BTCUSDT}, strategies: [{ use: sma-cross }, { use: sma-cross }] }
  - { symbol: B, data: ${SAMPLE.BTCUSDT} }
broker: { type: sim }
`);
    expect(problems).toEqual([
      'line 3: symbols[0].strategies[1].id: strategy id "sma-cross" is used twice on A; give each an "id"',
      'line 4: symbols[1]: no strategies: give this symbol "strategies", or list top-level "strategies" for every symbol',
    ]);
  });

  it('reports YAML syntax errors with line and column, the first few only', async () => {
    const problems = await problemsOf('symbols: [\nbroker: {type: sim\n');
    expect(problems[0]).toMatch(/^line \d+, column \d+: /);
    const flow = await problemsOf(`broker: { type: ccxt, apiKey: \${KEY}, exchange: binance, a: 1, b: 2 }\n`);
    expect(flow).toHaveLength(5);
    expect(flow[3]).toMatch(/^\(\d+ more syntax errors follow from these\)$/);
    expect(flow[4]).toMatch(/^hint: inside \{ \.\.\. \} write "\$\{NAME\}" in quotes: YAML reads a bare \{ as the start of a map$/);
  });

  it('reports a missing file', async () => {
    await expect(loadConfig(join(tempDir(), 'nope.yaml'))).rejects.toThrow(/cannot read config .*nope\.yaml: file not found/);
  });
});

describe('parseConfig', () => {
  it('validates a value built in code, relative to baseDir', () => {
    const dir = tempDir();
    const { config, source } = parseConfig(
      { symbols: [{ symbol: 'X', data: 'x.csv' }], strategies: [{ use: 'sma-cross' }], broker: { type: 'sim' } },
      { baseDir: dir, skipFileChecks: true },
    );
    expect(source).toBe('(config)');
    expect(config.symbols[0]?.data).toBe(join(dir, 'x.csv'));
  });
});

describe('the embedded default config', () => {
  it('passes the schema and the checks unchanged, with the bundled sample data', () => {
    const { config } = embeddedDefaultConfig('/tmp');
    expect(configSchema.parse(config)).toEqual(config);
    expect(checkConfig(config)).toEqual([]);
    expect(config.symbols.map((s) => s.symbol)).toEqual(['BTCUSDT']);
  });
});

describe('interpolateEnv', () => {
  it(`replaces \${NAME}, uses \${NAME:-fallback} when unset, keeps $\${ literal, and reports what is missing`, () => {
    const result = interpolateEnv({ a: `x-\${ONE}-y`, b: [`\${TWO:-two}`, `$\${ONE}`], c: { d: `\${NOPE}` }, e: 3 }, { ONE: '1' });
    expect(result.value).toEqual({ a: 'x-1-y', b: ['two', `\${ONE}`], c: { d: '' }, e: 3 });
    expect(result.missing).toEqual([{ name: 'NOPE', path: ['c', 'd'] }]);
  });
});

describe('Redactor', () => {
  it('hides secret fields and every occurrence of their values', () => {
    const redactor = Redactor.forConfig({ broker: { apiKey: 'AKIA-123456', secret: 's3cr3t-value', exchange: 'binance' } });
    expect(redactor.text('auth failed for AKIA-123456 / s3cr3t-value')).toBe('auth failed for [redacted] / [redacted]');
    expect(redactor.value({ apiKey: 'AKIA-123456', note: 'key AKIA-123456', n: 1 })).toEqual({
      apiKey: '[redacted]',
      note: 'key [redacted]',
      n: 1,
    });
  });
});

describe('suggest', () => {
  it('proposes close names only', () => {
    expect(suggest('feez', ['fees', 'type'])).toBe('fees');
    expect(suggest('SLIPPAGEBPS', ['slippageBps'])).toBe('slippageBps');
    expect(suggest('tiem', ['time', 'name'])).toBe('time');
    expect(suggest('banana', ['fees', 'type'])).toBeUndefined();
  });
});
