import { readdir, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Timeframe } from '@bt/core';
import { Command, InvalidArgumentError, Option } from 'commander';
import { importOptionalPackage } from '../util/optional-package.js';
import { ExitCode, printError } from './exit-codes.js';

/** The package `bt emulate` runs: an optional dependency of the runner, loaded by this command only. */
export const EMULATOR_PACKAGE = '@bt/exchange-emulator';

/** The API key and secret `bt emulate` accepts unless `--keys` says otherwise. */
export const DEFAULT_EMULATOR_KEY = { apiKey: 'emulator-key', secret: 'emulator-secret' } as const;

/** Starting balance of each quote currency when `--balances` is not given. */
const DEFAULT_QUOTE_BALANCE = 1_000_000;

interface EmulateFlags {
  readonly data: string;
  readonly port: number;
  readonly speed: number;
  readonly start?: number;
  readonly keys: readonly { apiKey: string; secret: string }[];
  readonly balances?: Readonly<Record<string, number>>;
  readonly fee?: number;
  readonly clientOrderIds: 'open-only' | 'unique';
}

/**
 * `bt emulate --data DIR`: a Binance-compatible exchange on 127.0.0.1 replaying CSV bars
 * (`@bt/exchange-emulator`, imported only by this command), until Ctrl-C.
 */
export function emulateCommand(): Command {
  return new Command('emulate')
    .description(
      'Run a Binance-compatible exchange on 127.0.0.1 that replays OHLCV CSV files and fills orders with the backtest matching engine. Point a paper or live config at it (broker.urls) to rehearse it. Runs until Ctrl-C.',
    )
    .requiredOption(
      '-d, --data <path>',
      'a CSV file, or a folder of CSVs named after their market (BTCUSDT.csv, binance-BTCUSDT-1m-2023.csv)',
    )
    .option('-p, --port <port>', 'port on 127.0.0.1; 0 picks a free one', parseInteger('port', 0, 65_535), 8080)
    .option('--speed <n>', 'replay speed: simulated time runs n times as fast as real time', parsePositive('speed'), 1)
    .option('--start <time>', "simulated time at start, ISO-8601 (default: the first bar's open)", parseTime)
    .addOption(
      new Option('--keys <key:secret,...>', 'API keys that may sign requests')
        .argParser(parseKeys)
        .default([DEFAULT_EMULATOR_KEY], `${DEFAULT_EMULATOR_KEY.apiKey}:${DEFAULT_EMULATOR_KEY.secret}`),
    )
    .option(
      '--balances <asset=amount,...>',
      `starting balances, e.g. USDT=10000,BTC=0.5 (default: ${DEFAULT_QUOTE_BALANCE} of each quote currency)`,
      parseBalances,
    )
    .option('--fee <rate>', 'maker and taker fee rate, 0.001 = 0.1 % (default 0.001, as Binance)', parseFee)
    .addOption(
      new Option(
        '--client-order-ids <rule>',
        'when a client order id is a duplicate: open-only (Binance: while an open order has it) or unique (ever used)',
      )
        .choices(['open-only', 'unique'])
        .default('open-only'),
    )
    .addHelpText(
      'after',
      `
Examples:
  bt emulate --data data/                          replay in real time from the first bar, on port 8080
  bt emulate --data data/ --speed 60 --fee 0       a minute of data per second, no fees
  bt emulate --data data/BTCUSDT.csv --port 0 --start 2023-03-01T12:00:00Z

Then, in a paper or live config (the urls are origins: ccxt's paths are kept):
  broker: { type: ccxt, exchange: binance, apiKey: "\${EMULATOR_KEY}", secret: "\${EMULATOR_SECRET}",
            urls: { rest: "http://127.0.0.1:8080", ws: "ws://127.0.0.1:8080" }, rateLimit: false }
bt run follows the emulator's replay time (time.clock: auto): give it the control token printed at
start, in the environment (BT_EMULATOR_TOKEN=... bt run -c live.yaml).

Exit codes: 0 stopped by Ctrl-C, 1 failed (e.g. the port is taken, or @bt/exchange-emulator is not installed), 2 bad usage or bad data.`,
    )
    .action(async (flags: EmulateFlags) => {
      process.exitCode = await emulate(flags);
    });
}

async function emulate(flags: EmulateFlags): Promise<number> {
  let emulatorPackage: typeof import('@bt/exchange-emulator');
  try {
    emulatorPackage = await importOptionalPackage(EMULATOR_PACKAGE, 'bt emulate');
  } catch (error) {
    printError(error);
    return ExitCode.FAILED;
  }
  const { startEmulator, symbolFromFileName } = emulatorPackage;
  const path = resolve(flags.data);
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  try {
    const isFile = (await stat(path).catch(() => undefined))?.isFile() === true;
    const names = isFile ? [basename(path)] : (await readdir(path).catch(() => [])).filter((n) => /\.csv$/i.test(n));
    const symbols = names.map((n) => symbolFromFileName(n)).filter((s): s is string => s !== undefined);
    let data: Parameters<typeof startEmulator>[0]['data'] = path;
    if (isFile) {
      const symbol = symbols[0];
      if (symbol === undefined) {
        process.stderr.write(`bt: --data ${path}: cannot tell its market; name it like BTCUSDT.csv or binance-BTCUSDT-1m-2023.csv\n`);
        return ExitCode.USAGE;
      }
      const timeframe = /(?:^|[-_. ])(\d+[smhdw])(?=[-_. ]|$)/.exec(basename(path).replace(/\.csv$/i, ''))?.[1];
      data = [{ symbol, file: path, ...(timeframe === undefined ? {} : { timeframe: timeframe as Timeframe }) }];
    }
    const quotes = [...new Set(symbols.map((s) => s.split('/')[1] as string))];
    emulator = await startEmulator({
      data,
      port: flags.port,
      speed: flags.speed,
      ...(flags.start === undefined ? {} : { startTime: flags.start }),
      keys: flags.keys,
      balances: flags.balances ?? Object.fromEntries(quotes.map((q) => [q, DEFAULT_QUOTE_BALANCE])),
      ...(flags.fee === undefined ? {} : { fees: { maker: flags.fee, taker: flags.fee } }),
      clientOrderIds: flags.clientOrderIds,
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      process.stderr.write(
        `bt: cannot listen on 127.0.0.1:${flags.port}: ${(error as Error).message}; try another --port (0 picks a free one)\n`,
      );
      return ExitCode.FAILED;
    }
    printError(error);
    return isInputError(error) ? ExitCode.USAGE : ExitCode.FAILED;
  }

  const ws = emulator.url.replace(/^http:/, 'ws:');
  const key = flags.keys[0] as { apiKey: string; secret: string };
  process.stdout.write(
    [
      `Exchange emulator (Binance spot API) on 127.0.0.1, port ${emulator.port}`,
      `  markets:    ${emulator.symbols.join(', ')}`,
      `  time:       ${new Date(emulator.now()).toISOString()}, ${flags.speed === 1 ? 'real time' : `${flags.speed}x real time`}`,
      `  REST:       ${emulator.url}   (ccxt: ${emulator.restUrl})`,
      `  WebSocket:  ${ws}   (ccxt pro: ${emulator.wsUrl})`,
      `  API key:    ${key.apiKey}`,
      `  API secret: ${key.secret}`,
      `  control:    ${emulator.url}/__control/...   (header x-bt-emulator-token; bt run reads it from BT_EMULATOR_TOKEN)`,
      `  client ids: ${flags.clientOrderIds === 'unique' ? 'unique: never used twice' : 'open-only: a duplicate while an open order has it (Binance)'}`,
      `  balances:   ${
        emulator
          .balances()
          .map((b) => `${b.currency} ${b.total}`)
          .join(', ') || 'none'
      }`,
      '',
      'The control token (bt run needs it in its environment):',
      `BT_EMULATOR_TOKEN=${emulator.controlToken}`,
      '',
      'In a bt config:',
      `  broker: { type: ccxt, exchange: binance, apiKey: ${key.apiKey}, secret: ${key.secret}, urls: { rest: "${emulator.url}", ws: "${ws}" }, rateLimit: false }`,
      'Ctrl-C stops.',
      '',
    ].join('\n'),
  );

  const signal = await new Promise<NodeJS.Signals>((resolveSignal) => {
    process.once('SIGINT', resolveSignal);
    process.once('SIGTERM', resolveSignal);
  });
  process.stderr.write(`${signal}: stopping the emulator\n`);
  await emulator.close();
  process.stdout.write('Emulator stopped.\n');
  return ExitCode.OK;
}

/** Bad options (`CONFIG`) and bad data files (`DATA`) are the user's input: exit 2. */
function isInputError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'CONFIG' || code === 'DATA';
}

function parseInteger(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(Number.isInteger(n) && n >= min && n <= max))
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max} for ${name}.`);
    return n;
  };
}

function parsePositive(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(Number.isFinite(n) && n > 0)) throw new InvalidArgumentError(`expected a positive number for ${name}, such as 60.`);
    return n;
  };
}

function parseFee(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n >= 0 && n < 1)) throw new InvalidArgumentError('expected a fee rate from 0 to 1, such as 0.001 (0.1 %).');
  return n;
}

function parseTime(value: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError('expected an ISO-8601 time such as 2023-03-01T12:00:00Z.');
  return ms;
}

function parseKeys(value: string): { apiKey: string; secret: string }[] {
  return value.split(',').map((pair) => {
    const at = pair.indexOf(':');
    const apiKey = pair.slice(0, at).trim();
    const secret = pair.slice(at + 1).trim();
    if (at < 0 || apiKey === '' || secret === '') throw new InvalidArgumentError('expected key:secret pairs separated by commas.');
    return { apiKey, secret };
  });
}

function parseBalances(value: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of value.split(',')) {
    const [asset, amount] = item.split('=').map((s) => s.trim());
    const n = Number(amount);
    if (asset === undefined || !/^[A-Za-z0-9]+$/.test(asset) || !(Number.isFinite(n) && n >= 0)) {
      throw new InvalidArgumentError('expected asset=amount pairs separated by commas, such as USDT=10000,BTC=0.5.');
    }
    out[asset.toUpperCase()] = n;
  }
  return out;
}
