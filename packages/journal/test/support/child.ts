/**
 * The program a test runs in a child `node` process (bundled by ./processes.ts), so that a real
 * second process holds a journal or is killed with SIGKILL in the middle of writing.
 *
 *   hold  <file> <bot>   opens the journal, prints `ready <pid>`, then holds it until killed
 *   write <file> <bot>   opens it, prints `ready <pid>`, then records intents, acks, fills and
 *                        events in a loop, printing each one's id after the call returned
 */
import { LiveClock } from '@bt/core';
import { SqliteJournal } from '../../src/index.js';

const [mode, file, botName] = process.argv.slice(2);
if (file === undefined || botName === undefined) throw new Error('usage: child hold|write <file> <bot>');
const clock = new LiveClock();
const journal = SqliteJournal.open({ file, botName, clock });
const print = (line: string): void => {
  // A pipe is written synchronously on Linux: once this returns, the line survives a SIGKILL.
  process.stdout.write(`${line}\n`);
};
print(`ready ${process.pid} ${journal.run.id}`);

if (mode === 'hold') {
  for (;;) await clock.sleep(60_000);
} else if (mode === 'write') {
  const symbols = ['BTC/USDT', 'ETH/USDT'];
  for (let i = 0; ; i++) {
    const symbol = symbols[i % 2] as string;
    const intent = journal.recordIntent({ strategy: 'loop', symbol, side: i % 3 === 0 ? 'sell' : 'buy', type: 'market', amount: 0.5 });
    print(`intent ${intent.clientOrderId}`);
    const venueOrderId = `v-${journal.run.id}-${i}`;
    journal.markSent(intent.clientOrderId);
    journal.recordAck(intent.clientOrderId, { accepted: true, orderId: venueOrderId, status: 'open', clientOrderId: intent.clientOrderId });
    print(`ack ${intent.clientOrderId}`);
    // Trade ids restart at 1 in every run, as on an exchange that resets them: identity is (trade, order, client order).
    const fill = journal.recordFill({
      id: String(i + 1),
      orderId: venueOrderId,
      clientOrderId: intent.clientOrderId,
      symbol,
      side: intent.side,
      amount: 0.5,
      price: 100 + i,
      fee: 0.01,
      feeCurrency: 'USDT',
      maker: false,
      timestamp: clock.now(),
    });
    print(`fill ${fill.fill.tradeId} ${venueOrderId} ${intent.clientOrderId} ${intent.side}`);
    if (i % 10 === 0) print(`event ${journal.appendEvent('loop', { i }).seq}`);
    // A bot writes between other work: leave the file's write lock free for a moment, as a bot
    // would, so that another writer of the file is not starved past its busy timeout.
    await clock.sleep(1);
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
