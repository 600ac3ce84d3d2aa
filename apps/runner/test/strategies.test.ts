import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Strategy, StrategySpec } from '@bt/core';
import { isBtError } from '@bt/core';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { buildSymbolConfigs, jitiLoader, specFromModule } from '../src/run/strategies.js';
import { tempDir } from './helpers/cli.js';

const noop: Strategy = { onTick() {} };

describe('specFromModule', () => {
  it('takes a factory (params, symbol) => Strategy, called per symbol with the config params', () => {
    const calls: unknown[] = [];
    const factory = (params: unknown, symbol: string): Strategy => {
      calls.push([params, symbol]);
      return noop;
    };
    const spec = specFromModule(factory, '/x/my-strat.ts', {
      use: '/x/my-strat.ts',
      params: { n: 3 },
      lookback: 50,
      exits: { stopLoss: 0.02 },
    });
    expect(spec).toMatchObject({ id: 'my-strat', params: { n: 3 }, lookback: 50, exits: { stopLoss: 0.02 } });
    expect(spec.create('BTC/USDT')).toBe(noop);
    expect(calls).toEqual([[{ n: 3 }, 'BTC/USDT']]);
  });

  it('takes a StrategySpec, with the config overriding params key by key, exits and lookback', () => {
    const exported: Omit<StrategySpec, 'id'> & { id: string } = { id: 'mine', create: () => noop, params: { a: 1, b: 2 }, lookback: 10 };
    const spec = specFromModule(exported, '/x/s.ts', { use: '/x/s.ts', params: { b: 3 } });
    expect(spec).toMatchObject({ id: 'mine', params: { a: 1, b: 3 }, lookback: 10 });
    expect(specFromModule(exported, '/x/s.ts', { use: '/x/s.ts', id: 'other', lookback: 99 })).toMatchObject({ id: 'other', lookback: 99 });
  });

  it('rejects other shapes with a message that says what is expected', () => {
    const attempt = (value: unknown) => {
      try {
        specFromModule(value, '/x/s.ts', { use: '/x/s.ts' });
      } catch (error) {
        if (isBtError(error, 'CONFIG')) return error.message;
        throw error;
      }
      return 'accepted';
    };
    expect(attempt(undefined)).toMatch(/\/x\/s\.ts: expected a default export that is a factory .*found no default export/);
    expect(attempt(42)).toMatch(/found a default export of type number/);
    expect(attempt(noop)).toMatch(/export a function that returns one instead/);
    const spec = specFromModule(() => ({ nope: true }), '/x/s.ts', { use: '/x/s.ts' });
    expect(() => spec.create('X')).toThrow(/for X it returned no Strategy/);
  });
});

describe('buildSymbolConfigs', () => {
  it('loads TypeScript strategy modules with jiti once, and built-ins by name', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'count.ts'),
      // A runtime import of @bt/strategies: resolved to the runner's own copy.
      `import type { Strategy } from '@bt/core';
       import { SMA_CROSS_DEFAULTS } from '@bt/strategies';
       export default function (params: { k?: number }, symbol: string): Strategy & Record<string, unknown> {
         return { onTick() {}, symbol, k: params.k, fast: SMA_CROSS_DEFAULTS.fast };
       }`,
    );
    const { config } = parseConfig(
      {
        symbols: [{ symbol: 'A' }, { symbol: 'B', timeframe: '5m' }],
        strategies: [
          { use: './count.ts', params: { k: 7 } },
          { use: 'sma-cross', params: { fast: 5 } },
        ],
        broker: { type: 'paper', exchange: 'x' },
      },
      { baseDir: dir },
    );
    let loads = 0;
    const loader = await jitiLoader();
    const symbols = await buildSymbolConfigs(config, (path) => {
      loads++;
      return loader(path);
    });
    expect(loads).toBe(1);
    expect(symbols.map((s) => [s.symbol, s.timeframe, s.strategies.map((x) => x.id)])).toEqual([
      ['A', '1m', ['count', 'sma-cross']],
      ['B', '5m', ['count', 'sma-cross']],
    ]);
    expect(symbols[1]?.strategies[0]?.create('B')).toMatchObject({ symbol: 'B', k: 7, fast: 10 });
    expect(symbols[0]?.strategies[1]?.params).toEqual({ fast: 5, slow: 30, amount: 1 });
  });

  it('reports a module that cannot be loaded as a STRATEGY error naming the file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'broken.ts'), 'export default function ( {');
    const { config } = parseConfig(
      { symbols: [{ symbol: 'A', strategies: [{ use: './broken.ts' }] }], broker: { type: 'paper', exchange: 'x' } },
      { baseDir: dir },
    );
    await expect(buildSymbolConfigs(config)).rejects.toThrow(/cannot load strategy module .*broken\.ts/);
  });
});
