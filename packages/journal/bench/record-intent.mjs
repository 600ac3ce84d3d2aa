// Time of one durable write of the journal on this machine's disk: median, p90 and p99 of N calls
// of recordIntent (the gateway's one journal write before it sends an order), then of the rest
// of an order's life (markSent, recordAck, recordFill), each a commit that is on disk
// (WAL, synchronous=FULL) when the call returns.
// Run with `npm run bench -w @bt/journal` after a build. BENCH_CALLS (default 1000) sets N;
// BENCH_DIR (default: a folder under the OS temp dir) sets where the file is written.
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveClock } from '@bt/core';
import { SqliteJournal } from '../dist/index.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 1000);
const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'bt-journal-bench-'));
const clock = new LiveClock();
const journal = SqliteJournal.open({ file: join(dir, 'bench.journal'), botName: 'bench', clock });

const times = { recordIntent: [], markSent: [], recordAck: [], recordFill: [] };
function timed(name, fn) {
  const started = performance.now();
  const result = fn();
  times[name].push(performance.now() - started);
  return result;
}

for (let i = 0; i < CALLS; i++) {
  const intent = timed('recordIntent', () =>
    journal.recordIntent({ strategy: 'sma', symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: 0.01, price: 30_000 }),
  );
  const id = intent.clientOrderId;
  timed('markSent', () => journal.markSent(id));
  timed('recordAck', () => journal.recordAck(id, { accepted: true, orderId: `v${i}`, status: 'open', clientOrderId: id }));
  timed('recordFill', () =>
    journal.recordFill({
      id: `t${i}`,
      orderId: `v${i}`,
      clientOrderId: id,
      symbol: 'BTC/USDT',
      side: 'buy',
      amount: 0.01,
      price: 30_000,
      fee: 0.01,
      feeCurrency: 'USDT',
      maker: true,
      timestamp: clock.now(),
    }),
  );
}
journal.close();

// The floor: one write and fdatasync of a plain file in the same folder, as often.
const probe = openSync(join(dir, 'fsync-probe'), 'w');
const fsyncs = [];
for (let i = 0; i < CALLS; i++) {
  const started = performance.now();
  writeSync(probe, 'x');
  fdatasyncSync(probe);
  fsyncs.push(performance.now() - started);
}
closeSync(probe);
times['(fdatasync)'] = fsyncs;
rmSync(dir, { recursive: true, force: true });

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
console.log(`${CALLS} calls each, file in ${process.env.BENCH_DIR ?? tmpdir()}, node ${process.version}`);
for (const [name, samples] of Object.entries(times)) {
  const sorted = [...samples].sort((a, b) => a - b);
  const fmt = (ms) => `${ms.toFixed(3)} ms`;
  console.log(
    `${name.padEnd(13)} median ${fmt(quantile(sorted, 0.5))}  p90 ${fmt(quantile(sorted, 0.9))}  p99 ${fmt(quantile(sorted, 0.99))}  max ${fmt(sorted[sorted.length - 1])}`,
  );
}
