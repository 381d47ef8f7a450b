import { describe, expect, it } from 'vitest';
import { FifoRouting } from './routing';

const call = (callId: string, queuedAt: number) => ({ callId, queuedAt, request: { language: 'da' } });
const agent = { userId: 'u-1', languages: ['da'] };

describe('FifoRouting', () => {
  it('serves calls in arrival order and reports positions', () => {
    const r = new FifoRouting();
    r.enqueue(call('a', 1));
    r.enqueue(call('b', 2));
    r.enqueue(call('a', 1));
    expect(r.size).toBe(2);
    expect(r.position('b')).toBe(2);
    expect(r.nextFor(agent, new Set())?.callId).toBe('a');
    r.remove('a');
    expect(r.position('b')).toBe(1);
    expect(r.position('a')).toBeUndefined();
  });

  it('puts a returned call back at its original place', () => {
    const r = new FifoRouting();
    r.enqueue(call('b', 2));
    r.enqueue(call('c', 3));
    r.requeue(call('a', 1));
    expect(r.position('a')).toBe(1);
    r.requeue(call('b', 2));
    expect([r.position('a'), r.position('b'), r.position('c')]).toEqual([1, 2, 3]);
  });

  it('skips calls the agent declined', () => {
    const r = new FifoRouting();
    r.enqueue(call('a', 1));
    r.enqueue(call('b', 2));
    expect(r.nextFor(agent, new Set(['a']))?.callId).toBe('b');
    expect(r.nextFor(agent, new Set(['a', 'b']))).toBeUndefined();
  });
});
