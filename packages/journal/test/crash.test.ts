import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratch } from './support/journal.js';
import { bundleChild, startChild } from './support/processes.js';

/**
 * Crash safety with a real SIGKILL: a child process records intents, acks, fills and events in
 * a loop and prints each one's id once the call returned; the parent kills it mid-stream, three
 * times in a row (each child takes over from the dead one), then checks that everything printed
 * is in the file exactly once and that the file is sound.
 */
const s = scratch();
let bundle: { path: string; remove: () => void };

beforeAll(async () => {
  bundle = await bundleChild('write');
});
afterAll(() => bundle?.remove());

const ROUNDS = 3;

describe('kill -9 in the middle of writing', () => {
  it('loses nothing that returned, duplicates nothing, and leaves a sound file', async () => {
    const file = s.file();
    const printed: string[][] = [];
    const pids: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const child = await startChild(bundle.path, ['write', file, 'grid-bot']);
      pids.push(child.pid);
      // Let it write a few hundred records, a different number each round, then kill it while it writes.
      await child.waitForLines(100 + 100 * round);
      const lines = await child.kill9();
      const exited = await child.exited;
      expect(exited.signal).toBe('SIGKILL');
      printed.push(lines.slice(1));
    }

    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      const countIntent = db.prepare('SELECT count(*) AS n FROM intents WHERE client_order_id = ?');
      const statusOf = db.prepare('SELECT status, venue_order_id FROM intents WHERE client_order_id = ?');
      const countFill = db.prepare('SELECT count(*) AS n FROM fills WHERE trade_id = ? AND venue_order_id = ? AND client_order_id = ?');
      const countEvent = db.prepare('SELECT count(*) AS n FROM events WHERE seq = ?');
      let intents = 0;
      let fills = 0;
      for (const lines of printed) {
        for (const line of lines) {
          const [what, a, b, c] = line.split(' ');
          if (what === 'intent') {
            intents++;
            expect((countIntent.get(a) as { n: number }).n, line).toBe(1);
          } else if (what === 'ack') {
            expect(statusOf.get(a), line).toMatchObject({ status: 'open' });
          } else if (what === 'fill') {
            fills++;
            expect((countFill.get(a, b, c) as { n: number }).n, line).toBe(1);
          } else if (what === 'event') {
            expect((countEvent.get(Number(a)) as { n: number }).n, line).toBe(1);
          }
        }
      }
      expect(intents).toBeGreaterThan(50);

      // The sequence went on across the kills: ids 1..N, none reused, none skipped; at most one
      // intent per kill committed but not yet printed.
      const seqs = (db.prepare('SELECT seq FROM intents ORDER BY seq').all() as { seq: number }[]).map((r) => r.seq);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      expect(seqs.length - intents).toBeGreaterThanOrEqual(0);
      expect(seqs.length - intents).toBeLessThanOrEqual(ROUNDS);
      // Every run's trade ids started again at 1, and every run's fills were kept.
      expect((db.prepare(`SELECT count(*) AS n FROM fills WHERE trade_id = '1'`).get() as { n: number }).n).toBe(ROUNDS);
      const rows = (db.prepare('SELECT count(*) AS n FROM fills').get() as { n: number }).n;
      expect(rows - fills).toBeGreaterThanOrEqual(0);
      expect(rows - fills).toBeLessThanOrEqual(ROUNDS);
    } finally {
      db.close();
    }

    // The next open takes over from the last dead child and sees every run as interrupted.
    const journal = s.open({ file });
    expect(journal.opened.tookOverFrom?.pid).toBe(pids[ROUNDS - 1]);
    expect(journal.runs().map((r) => [r.pid, r.status])).toEqual([...pids.map((pid) => [pid, 'interrupted']), [process.pid, 'running']]);
    const next = journal.recordIntent({ strategy: 'loop', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: 1 });
    expect(next.seq).toBe(journal.intents({ limit: 100_000 }).length);
    // The net position is that of the journaled fills.
    const net = journal
      .fills({ limit: 100_000 })
      .reduce((sum, f) => (f.symbol === 'BTC/USDT' ? sum + (f.side === 'buy' ? f.amount : -f.amount) : sum), 0);
    expect(journal.netPosition('BTC/USDT')).toBeCloseTo(net, 9);
  });
});
