import { describe, expect, it } from 'vitest';
import { consoleIcePolicy } from './deskState';

describe('console ICE transport policy', () => {
  it('is relay only when the workstation says so, else all', () => {
    const store = (v: string | null) => ({ getItem: (k: string) => (k === 'console.iceTransportPolicy' ? v : null) });
    expect(consoleIcePolicy(store('relay'))).toBe('relay');
    expect(consoleIcePolicy(store('all'))).toBe('all');
    expect(consoleIcePolicy(store('RELAY!'))).toBe('all');
    expect(consoleIcePolicy(store(null))).toBe('all');
    expect(consoleIcePolicy(undefined)).toBe('all');
    expect(consoleIcePolicy({ getItem: () => { throw new Error('SecurityError'); } })).toBe('all');
  });
});
