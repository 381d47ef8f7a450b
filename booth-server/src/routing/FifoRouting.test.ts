import { describe, expect, it } from 'vitest';
import { FifoRouting } from './FifoRouting';
import type { FreeAgent } from './CallRouting';

const call = (callId: string, queuedAt: number) => ({ callId, queuedAt, request: { language: 'da' } });
const agent = (userId: string, idleSince: number, declined: string[] = []): FreeAgent => ({ userId, idleSince, declined: new Set(declined), skills: { languages: {}, topics: {} } });

describe('FifoRouting', () => {
  it('keeps calls in arrival order and reports positions', () => {
    const r = new FifoRouting();
    r.enqueue(call('b', 2));
    r.enqueue(call('a', 1));
    r.enqueue(call('a', 1));
    expect(r.size).toBe(2);
    expect([r.position('a'), r.position('b')]).toEqual([1, 2]);
    expect(r.positions()).toEqual(new Map([['a', 1], ['b', 2]]));
    r.remove('a');
    expect(r.position('b')).toBe(1);
    expect(r.position('a')).toBeUndefined();
  });

  it('gives the oldest call to the longest-idle agent, skipping declines and calls already offered', () => {
    const r = new FifoRouting();
    r.enqueue(call('a', 1));
    r.enqueue(call('b', 2));
    r.enqueue(call('c', 3));
    const got = r.assign([agent('new', 50), agent('old', 10, ['a'])], 0, (id) => id === 'b');
    expect(got).toEqual([
      { callId: 'a', userId: 'new' },
      { callId: 'c', userId: 'old' },
    ]);
  });
});
