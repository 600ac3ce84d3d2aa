import { describe, expect, it } from 'vitest';
import type { BrokerEvent } from '../src/broker.js';
import { BrokerEventHub } from '../src/broker-events.js';
import { createMemoryLogger } from '../src/logger.js';

const event = { type: 'order', order: { id: '1' } } as unknown as BrokerEvent;

describe('BrokerEventHub', () => {
  it('delivers to every listener in subscription order and skips, with a log line, one that throws', () => {
    const log = createMemoryLogger();
    const hub = new BrokerEventHub(log);
    const seen: string[] = [];
    hub.subscribe(() => seen.push('a'));
    hub.subscribe(() => {
      throw new Error('listener bug');
    });
    hub.subscribe(() => seen.push('c'));
    hub.emit(event);
    expect(seen).toEqual(['a', 'c']);
    expect(log.records).toMatchObject([{ level: 'warn', fields: { type: 'order', cause: 'listener bug' } }]);
  });

  it('unsubscribes, and unsubscribing twice is harmless', () => {
    const hub = new BrokerEventHub();
    let calls = 0;
    const stop = hub.subscribe(() => calls++);
    stop();
    stop();
    hub.emit(event);
    expect(calls).toBe(0);
    expect(hub.size).toBe(0);
  });
});
