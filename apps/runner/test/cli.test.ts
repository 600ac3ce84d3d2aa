import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, csvRows, MARKET, RUNNER_DIR, resultsDirOf, runCli, SAMPLE, spawnCli, tempDir, writeSampleSlice } from './helpers/cli.js';

const HOOKS = ['--import', join(RUNNER_DIR, 'test', 'fixtures', 'register-hooks.mjs')];
const version = (JSON.parse(readFileSync(join(RUNNER_DIR, 'package.json'), 'utf8')) as { version: string }).version;

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

describe('bt: usage', () => {
  it('prints help with every command, and per command', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    for (const command of ['run', 'validate', 'init', 'report', 'unlock', 'emulate'])
      expect(top.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    for (const command of ['run', 'validate', 'init', 'report', 'unlock', 'emulate']) {
      const help = await runCli([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toContain(`Usage: bt ${command}`);
      expect(help.stdout, command).toMatch(/Exit codes:/);
    }
  });

  it('prints the version', async () => {
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('exits 2 on bad usage', async () => {
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    const option = await runCli(['run', '--bogus']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option '--bogus'");
    expect((await runCli([])).code).toBe(2);
    expect((await runCli(['validate'])).code).toBe(2);
  });

  it('is an ESM file with a shebang, launched by the package bin', () => {
    const manifest = readJson(join(RUNNER_DIR, 'package.json')) as { bin: Record<string, string>; version: string };
    const bin = join(RUNNER_DIR, manifest.bin.bt as string);
    expect(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' }).trim()).toBe(manifest.version);
  });
});

describe('bt run with no config: the embedded default', () => {
  let cwd: string;
  let dir: string;
  let result: Awaited<ReturnType<typeof runCli>>;

  beforeAll(async () => {
    cwd = tempDir();
    // The hooks make any import of ccxt, @bt/broker-ccxt or @bt/exchange-emulator fail: a backtest must not load them.
    result = await runCli(['run', '--timings'], { cwd, nodeArgs: HOOKS, env: { BT_TEST_HOOK: 'forbid-ccxt' } });
    dir = resultsDirOf(result.stdout);
  }, 60_000);

  it('backtests sma-cross on the bundled data into ./results/<name>-<timestamp> and says where', () => {
    expect(result.code, result.stderr).toBe(0);
    // 646 rows: the reference trade list of docs/semantics.md on the sample (@bt/testkit's referenceSmaCross gives the same).
    expect(result.stdout).toMatch(/^Backtest completed: 30240 of 30240 steps, 646 trades \(645 closed\)/m);
    expect(dir.startsWith(join(cwd, 'results', 'sma-cross-sample-'))).toBe(true);
    expect(result.stdout).toContain(`Report:  ${join(dir, 'report.html')}`);
    expect(result.stderr).toMatch(/^timings: first bar \d+ ms, end \d+ ms \(since process start\)$/m);
  });

  it('writes results.json, the CSVs, the log, the config and the report', () => {
    const files = readdirSync(dir).sort();
    expect(files).toEqual(
      [
        'config.yaml',
        'equity.csv',
        'fills.csv',
        'orders.csv',
        'prices.json',
        'report.html',
        'results.json',
        'run.log',
        'trades.csv',
      ].sort(),
    );
    const results = readJson(join(dir, 'results.json'));
    expect(results).toMatchObject({ partial: false, complete: true, status: 'completed', mode: 'sim', name: 'sma-cross-sample' });
    const trades = csvRows(join(dir, 'trades.csv'));
    expect(trades.length).toBeGreaterThan(100);
    expect(results.tradeRowCount).toBe(trades.length);
    expect(readFileSync(join(dir, 'trades.csv'), 'utf8').split('\n')[0]).toBe(
      'symbol,entry_time,entry_price,exit_time,exit_price,size,pnl',
    );
    expect(csvRows(join(dir, 'equity.csv'))).toHaveLength(30240);
    expect(csvRows(join(dir, 'orders.csv')).length).toBe(results.orderCount);
    const log = readFileSync(join(dir, 'run.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string });
    expect(log.map((l) => l.msg)).toEqual(expect.arrayContaining(['data loaded', 'results written']));
    expect(readFileSync(join(dir, 'config.yaml'), 'utf8')).toMatch(/use: sma-cross/);
  });

  it('bt report rebuilds report.html from the folder', async () => {
    const report = join(dir, 'report.html');
    const before = readFileSync(report, 'utf8');
    rmSync(report);
    const result = await runCli(['report', dir]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(`Report: ${report}`);
    expect(readFileSync(report, 'utf8')).toBe(before);
    const other = join(tempDir(), 'copy.html');
    expect((await runCli(['report', dir, '--out', other])).code).toBe(0);
    expect(existsSync(other)).toBe(true);
  });

  it('bt report exits 2 for a folder without results', async () => {
    const result = await runCli(['report', tempDir()]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is not a results folder: results\.json is missing/);
  });
});

describe('bt run with a config and a TypeScript strategy', () => {
  it('loads the .ts module (factory or StrategySpec), runs it and writes results where the config says', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'data'));
    mkdirSync(join(dir, 'strategies'));
    writeSampleSlice(SAMPLE.BTCUSDT, join(dir, 'data', 'BTCUSDT.csv'), 3000);
    writeSampleSlice(MARKET.BTCUSD, join(dir, 'data', 'BTCUSD.csv'), 3000);
    // A factory: flips between long and flat every `every` bars.
    writeFileSync(
      join(dir, 'strategies', 'flip.ts'),
      `import type { Strategy } from '@bt/core';
export default function flip(params: { every: number }, symbol: string): Strategy {
  let bars = 0;
  return {
    async onTick(ctx) {
      if (!ctx.isNewBar || ++bars % params.every !== 0) return;
      if (ctx.position.side === 'flat') await ctx.orders.buy(0.5);
      else await ctx.orders.close();
    },
  };
}
`,
    );
    // A StrategySpec: buys once, with a stop-loss from the config.
    writeFileSync(
      join(dir, 'strategies', 'once.ts'),
      `import type { StrategySpec } from '@bt/core';
const spec: Omit<StrategySpec, 'id'> = {
  lookback: 5,
  create: () => {
    let done = false;
    return {
      async onTick(ctx) {
        if (done || !ctx.isNewBar) return;
        done = true;
        await ctx.orders.buy(Number(ctx.params.size));
      },
    };
  },
};
export default spec;
`,
    );
    writeFileSync(
      join(dir, 'bt.yaml'),
      `name: ts-strategy
symbols:
  - symbol: BTCUSDT
    data: data/BTCUSDT.csv
    strategies: [{ use: ./strategies/flip.ts, params: { every: 50 } }]
  - symbol: BTCUSD
    data: data/BTCUSD.csv
    strategies: [{ use: strategies/once.ts, id: buy-once, params: { size: 2 }, exits: { takeProfit: 0.0001 } }]
broker: { type: sim, fees: { taker: 0.001 } }
results: { dir: out, name: fixed }
logging: { level: warn }
`,
    );
    const result = await runCli(['run', '--config', 'bt.yaml', '--no-report'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const out = join(dir, 'out', 'fixed');
    expect(resultsDirOf(result.stdout)).toBe(out);
    expect(existsSync(join(out, 'report.html'))).toBe(false);
    const results = readJson(join(out, 'results.json'));
    expect(results.strategies).toEqual({
      BTCUSD: [{ id: 'buy-once', params: { size: 2 } }],
      BTCUSDT: [{ id: 'flip', params: { every: 50 } }],
    });
    const trades = csvRows(join(out, 'trades.csv'));
    expect(trades.length).toBe(results.tradeRowCount);
    // 3000 bars, a flip every 50: about 30 round trips on BTCUSDT.
    expect(trades.filter((t) => t.startsWith('BTCUSDT,')).length).toBeGreaterThanOrEqual(25);
    // The take-profit closed the one BTCUSD buy.
    const btcusd = trades.filter((t) => t.startsWith('BTCUSD,'));
    expect(btcusd).toHaveLength(1);
    expect(btcusd[0]?.split(',')[3]).not.toBe('');
    expect((results.metrics as { feesPaid: number }).feesPaid).toBeGreaterThan(0);
  });
});

describe('a strategy that throws', () => {
  it('fails the run with exit 1, naming the symbol and step, and still writes the results so far', async () => {
    const dir = tempDir();
    writeSampleSlice(SAMPLE.BTCUSDT, join(dir, 'BTCUSDT.csv'), 500);
    writeFileSync(
      join(dir, 'boom.ts'),
      `export default () => {
  let bars = 0;
  return { onTick(ctx: { isNewBar: boolean }) { if (ctx.isNewBar && ++bars === 100) throw new Error('boom at bar 100'); } };
};
`,
    );
    writeFileSync(
      join(dir, 'bt.yaml'),
      'symbols: [{ symbol: BTCUSDT, data: BTCUSDT.csv, strategies: [{ use: ./boom.ts }] }]\nbroker: { type: sim }\nresults: { name: failed }\n',
    );
    const result = await runCli(['run', '-c', 'bt.yaml', '-q'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/bt: symbol BTCUSDT failed at step \d+ \(bar closing 2023-03-01T01:40:00\.000Z\): boom at bar 100/);
    const results = readJson(join(dir, 'results', 'failed', 'results.json'));
    expect(results).toMatchObject({ status: 'failed', partial: true, error: { code: 'STRATEGY' } });
    expect(existsSync(join(dir, 'results', 'failed', 'report.html'))).toBe(true);
  });
});

describe('bad configs exit 2 with the path and what was expected', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });

  const write = (name: string, broker: string): string => {
    const file = join(dir, name);
    writeFileSync(file, `symbols:\n  - symbol: BTCUSDT\n    data: ${SAMPLE.BTCUSDT}\nstrategies: [{ use: sma-cross }]\nbroker:\n${broker}`);
    return file;
  };

  it('a value of the wrong type', async () => {
    const file = write('type.yaml', '  type: sim\n  fees: { taker: "0.1%" }\n');
    for (const args of [
      ['run', '--config', file],
      ['validate', file],
    ]) {
      const result = await runCli(args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('line 7: broker.fees.taker: expected a number between 0 and 1, got "0.1%"');
      expect(result.stdout).toBe('');
    }
  });

  it('an unknown key, with a suggestion', async () => {
    const result = await runCli(['run', '-c', write('key.yaml', '  type: sim\n  slipageBps: 3\n')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('line 7: broker.slipageBps: unknown key; did you mean "slippageBps"?');
  });

  it('a missing environment variable, naming it and the path, and never printing a secret', async () => {
    const secret = 'very-secret-value-42';
    const file = write('env.yaml', `  type: ccxt\n  exchange: binance\n  apiKey: \${BT_TEST_MISSING_KEY}\n  secret: \${BT_TEST_SECRET}\n`);
    const cwd = tempDir();
    const result = await runCli(['run', '--config', file], { cwd, env: { BT_TEST_SECRET: secret } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('line 8: broker.apiKey: environment variable BT_TEST_MISSING_KEY is not set');
    expect(result.stderr + result.stdout).not.toContain(secret);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('a missing config file', async () => {
    const result = await runCli(['run', '--config', join(dir, 'nope.yaml')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot read config .*nope\.yaml: file not found/);
  });

  it('bt validate accepts a good config, paper and live ones included', async () => {
    const sim = await runCli(['validate', write('ok.yaml', '  type: sim\n')]);
    expect(sim.code, sim.stderr).toBe(0);
    expect(sim.stdout).toContain('is valid: backtest (sim) of BTCUSDT');
    const live = await runCli(
      ['validate', write('live.yaml', `  type: ccxt\n  exchange: binance\n  apiKey: \${BT_K}\n  secret: \${BT_S}\n`)],
      {
        env: { BT_K: 'k', BT_S: 's' },
      },
    );
    expect(live.code, live.stderr).toBe(0);
    expect(live.stdout).toContain('live trading (ccxt)');
  });
});

describe('paper and live modes load @bt/broker-ccxt only when asked', () => {
  const config = (type: string): string => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'bt.yaml'),
      `symbols: [{ symbol: BTC/USDT }]\nstrategies: [{ use: sma-cross }]\nbroker: { type: ${type}, exchange: binance }\n`,
    );
    return join(dir, 'bt.yaml');
  };

  it('fails with exit 1 and a clear message when the package is not installed', async () => {
    const result = await runCli(['run', '--config', config('paper')], { nodeArgs: HOOKS, env: { BT_TEST_HOOK: 'broker-missing' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('paper trading (broker type "paper") needs the @bt/broker-ccxt package, which is not installed');
  });

  it('fails with exit 1 and a clear message when the package lacks the factory', async () => {
    const result = await runCli(['run', '--config', config('ccxt')], { nodeArgs: HOOKS, env: { BT_TEST_HOOK: 'broker-empty' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('live trading (broker type "ccxt") needs the createCcxtBroker export of @bt/broker-ccxt');
  });
});

describe('paper and live trading through the broker package (a fake without network)', () => {
  const key = 'live-key-1234567890';
  const envSecret = 'env-secret-abcdefghij';
  const setup = (broker: string): { dir: string; received: string } => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'buy-once.ts'),
      `import type { Strategy } from '@bt/core';
export default (): Strategy => {
  let sent = false;
  return { async onTick(ctx) { if (!sent) { sent = true; await ctx.orders.buy(1); } } };
};
`,
    );
    writeFileSync(
      join(dir, 'bt.yaml'),
      `symbols: [{ symbol: BTC/USD, strategies: [{ use: ./buy-once.ts }] }]
broker: ${broker}
time: { pollIntervalMs: 50, monitorIntervalMs: 50 }
results: { dir: out, name: run }
`,
    );
    return { dir, received: join(dir, 'options.json') };
  };
  const start = (dir: string, received: string) =>
    spawnCli(['run', '--config', 'bt.yaml'], {
      cwd: dir,
      env: { BT_TEST_HOOK: 'broker-fake', BT_TEST_KEY: key, FAKEX_SECRET: envSecret, BT_FAKE_BROKER_OUT: received },
      nodeArgs: HOOKS,
    });

  it('paper: market data from createCcxtBroker without keys, orders on a simulated account; Ctrl-C stops, exit 0', async () => {
    const { dir, received } = setup(
      `{ type: paper, exchange: fakex, apiKey: "\${BT_TEST_KEY}", sandbox: true, urls: { rest: "http://127.0.0.1:9" }, balances: { USD: 5000 } }`,
    );
    const run = start(dir, received);
    await run.waitFor(/paper trading on fakex: BTC\/USD; Ctrl-C stops/);
    run.child.kill('SIGINT');
    const result = await run.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('SIGINT: stopping: no new orders, open orders and positions are left as they are');
    expect(result.stderr).toContain('paper trading reads market data only: broker.apiKey, secret and password are not used');
    expect(result.stdout).toMatch(/^Paper trading stopped\. \d+ bars? processed, 1 order, 0 fills, 0 trades \(0 closed\)\.$/m);

    // The live broker reads market data only: no key, and none from the environment either.
    const options = readJson(received);
    expect(options).toMatchObject({
      kind: 'ccxt',
      exchange: 'fakex',
      env: {},
      symbols: ['BTC/USD'],
      timeframe: '1m',
      urls: { rest: 'http://127.0.0.1:9' },
      options: { sandbox: true },
      rateLimit: true,
      logger: 'object',
    });
    expect(options).not.toHaveProperty('apiKey');
    const out = join(dir, 'out', 'run');
    // Nothing answers at urls.rest (port 9), so the run keeps the wall clock.
    expect(readJson(join(out, 'results.json'))).toMatchObject({
      mode: 'paper',
      status: 'stopped',
      orderCount: 1,
      fillCount: 0,
      exchange: 'fakex',
      clock: { kind: 'wall' },
    });
    // The order went to the paper account (sim-broker's PaperBroker), never to the fake venue.
    const orders = csvRows(join(out, 'orders.csv'));
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatch(/^bt[^,]*,BTC\/USD,buy-once,strategy,,buy,market,1,,,\d+,true,BTC\/USD:1,/);
    expect(existsSync(join(out, 'fills.csv')) && existsSync(join(out, 'trades.csv'))).toBe(true);
    const everything = [result.stdout, result.stderr, ...readdirSync(out).map((f) => readFileSync(join(out, f), 'utf8'))].join('\n');
    expect(everything).toContain('secret [redacted]');
    expect(everything).not.toContain(key);
    expect(everything).not.toContain(envSecret);
    expect(readFileSync(join(out, 'config.yaml'), 'utf8')).toContain('apiKey: "[redacted]"');
  });

  it('live: passes the connection and keys, stops on Ctrl-C leaving orders as they are, exits 0, and hides every secret', async () => {
    const { dir, received } = setup(`{ type: ccxt, exchange: fakex, apiKey: "\${BT_TEST_KEY}", rateLimit: false }`);
    const run = start(dir, received);
    await run.waitFor(/live trading on fakex: BTC\/USD; Ctrl-C stops/);
    run.child.kill('SIGINT');
    const result = await run.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Live trading stopped.');
    expect(readJson(received)).toMatchObject({
      kind: 'ccxt',
      exchange: 'fakex',
      apiKey: key,
      symbols: ['BTC/USD'],
      timeframe: '1m',
      pollIntervalMs: 50,
      rateLimit: false,
    });
    const out = join(dir, 'out', 'run');
    expect(readJson(join(out, 'results.json'))).toMatchObject({ mode: 'ccxt', status: 'stopped', orderCount: 1, exchange: 'fakex' });
    const orders = csvRows(join(out, 'orders.csv'));
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatch(/^bt[^,]*,BTC\/USD,buy-once,strategy,,buy,market,1,,,\d+,true,fake-1,/);
    const everything = [result.stdout, result.stderr, ...readdirSync(out).map((f) => readFileSync(join(out, f), 'utf8'))].join('\n');
    expect(everything).toContain('connecting with key [redacted] and secret [redacted]');
    expect(everything).not.toContain(key);
    expect(everything).not.toContain(envSecret);
  });
});

describe('Ctrl-C during a backtest', () => {
  it('stops after the current step, writes partial results marked partial, and exits 130', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'bt.yaml'),
      `name: slow
symbols:
  - { symbol: BTCUSDT, data: ${SAMPLE.BTCUSDT} }
  - { symbol: BTCUSD, data: ${MARKET.BTCUSD} }
strategies: [{ use: sma-cross }]
broker: { type: sim }
time: { mode: fast }
results: { dir: out, name: run }
`,
    );
    const run = spawnCli(['run', '--config', 'bt.yaml', '--progress', 'plain'], { cwd: dir });
    // Plain progress lines come every 2 s; the first one shows steps were taken.
    await run.waitFor(/\[bt\] step [1-9]/);
    run.child.kill('SIGINT');
    const result = await run.exited;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain(
      'WARN  SIGINT: stopping after the current step; partial results will be written (Ctrl-C again to exit at once)',
    );
    expect(result.stdout).toMatch(/^Backtest stopped early \(partial results\): \d+ of 30240 steps/m);
    const out = join(dir, 'out', 'run');
    const results = readJson(join(out, 'results.json'));
    expect(results).toMatchObject({ partial: true, complete: false, status: 'stopped', totalSteps: 30240 });
    expect(results.steps).toBeGreaterThan(0);
    expect(results.steps).toBeLessThan(30240);
    expect(csvRows(join(out, 'equity.csv')).length).toBe(results.steps);
    expect(csvRows(join(out, 'trades.csv')).length).toBe(results.tradeRowCount);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('Partial results:');
  });
});
