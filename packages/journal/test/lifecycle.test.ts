import { describe, expect, it } from 'vitest';
import {
  canTransition,
  FINAL_STATUSES,
  INTENT_STATUSES,
  type IntentStatus,
  isFinalStatus,
  isJournalError,
  transition,
} from '../src/index.js';
import { thrown } from './support/journal.js';

describe('the lifecycle transition function', () => {
  it('walks the happy paths', () => {
    const paths: IntentStatus[][] = [
      ['intent', 'sent', 'open', 'partially-filled', 'partially-filled', 'filled'],
      ['intent', 'sent', 'open', 'canceled'],
      ['intent', 'sent', 'rejected'],
      ['intent', 'sent', 'open', 'expired'],
      ['intent', 'sent', 'unknown', 'unknown', 'sent', 'open'],
      ['intent', 'sent', 'unknown', 'absent'],
      ['intent', 'absent'],
      // A crash between recording and marking sent, and the venue has it.
      ['intent', 'filled'],
      // A fill reported before the ack.
      ['sent', 'partially-filled', 'filled'],
    ];
    for (const path of paths) {
      for (let i = 1; i < path.length; i++) expect(transition(path[i - 1] as IntentStatus, path[i] as IntentStatus)).toBe(path[i]);
    }
  });

  it('never walks back, never leaves a final status, and never re-enters intent', () => {
    const illegal: [IntentStatus, IntentStatus][] = [
      ['open', 'sent'],
      ['open', 'unknown'],
      ['open', 'absent'],
      ['partially-filled', 'open'],
      ['partially-filled', 'rejected'],
      ['sent', 'sent'],
      ['intent', 'intent'],
      ['sent', 'intent'],
      ['unknown', 'intent'],
    ];
    for (const final of FINAL_STATUSES) for (const to of INTENT_STATUSES) if (to !== final) illegal.push([final, to]);
    for (const [from, to] of illegal) {
      expect(canTransition(from, to), `${from} -> ${to}`).toBe(false);
      const error = thrown(() => transition(from, to, 'gridbot-BTCUSDT-1'));
      expect(isJournalError(error, 'ILLEGAL_TRANSITION'), `${from} -> ${to}`).toBe(true);
      expect(error).toMatchObject({ code: 'STATE', retryable: false, details: { from, to, clientOrderId: 'gridbot-BTCUSDT-1' } });
      expect((error as Error).message).toContain(`from ${from} to ${to}`);
    }
  });

  it('takes a final status again as an idempotent replay', () => {
    for (const final of FINAL_STATUSES) expect(transition(final, final)).toBe(final);
  });

  it('knows the finals', () => {
    expect(INTENT_STATUSES.filter(isFinalStatus)).toEqual(['filled', 'canceled', 'rejected', 'expired', 'absent']);
  });

  it('refuses a status outside the union', () => {
    expect(
      isJournalError(
        thrown(() => transition('open', 'done' as IntentStatus)),
        'INVALID_INPUT',
      ),
    ).toBe(true);
  });
});
