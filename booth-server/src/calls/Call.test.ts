import { describe, expect, it } from 'vitest';
import { kioskId } from '@citizen/protocol';
import { Call } from './Call';
import type { KioskSession, StaffSession } from './sessions';

const kiosk = { kind: 'kiosk', id: 'p1', resumeToken: 't', peer: null, kiosk: { id: kioskId('k-unit-1') } } as unknown as KioskSession;
const agent = (id: string) => ({ kind: 'staff', id, resumeToken: id, peer: null, available: true, declined: new Set() }) as unknown as StaffSession;
const newCall = () => new Call({ id: 'c1', reference: 'BS-0000-001Y', queueId: 'general', kiosk, request: { language: 'da' }, queuedAt: 0 });
const timer = () => setTimeout(() => {}, 60_000);

describe('Call state machine', () => {
  it('goes queued → offered → connecting, and back to queued when set-up fails', () => {
    const c = newCall();
    const a = agent('a');
    c.offer(a, timer());
    expect(c.state.step).toBe('offered');
    expect(c.agent).toBe(a);
    c.accept(a);
    expect(c.state).toEqual({ step: 'connecting', agent: a });
    c.requeue();
    expect(c.state).toEqual({ step: 'queued' });
    expect(c.agent).toBeNull();
    expect(c.waiting).toBe(true);
  });

  it('refuses transitions from the wrong state with WRONG_STATE', () => {
    const c = newCall();
    expect(() => c.accept(agent('a'))).toThrow(expect.objectContaining({ code: 'WRONG_STATE' }));
    c.offer(agent('a'), timer());
    expect(() => c.accept(agent('b'))).toThrow(expect.objectContaining({ code: 'WRONG_STATE' }));
    expect(() => c.offer(agent('b'), timer())).toThrow(expect.objectContaining({ code: 'WRONG_STATE' }));
  });

  it('clears the offer timer whenever the offer ends, by any path', async () => {
    const fired: string[] = [];
    const paths: [string, (c: Call, a: StaffSession) => void][] = [
      ['requeue', (c) => c.requeue()],
      ['accept', (c, a) => c.accept(a)],
      ['end', (c) => c.end('left-queue')],
    ];
    for (const [name, leave] of paths) {
      const c = newCall();
      const a = agent('a');
      c.offer(a, setTimeout(() => fired.push(name), 5));
      leave(c, a);
    }
    await new Promise((r) => setTimeout(r, 30));
    expect(fired).toEqual([]);
  });

  it('ends once; ending again returns null', () => {
    const c = newCall();
    expect(c.end('left-queue')).toEqual({ step: 'queued' });
    expect(c.end('hangup-agent')).toBeNull();
    expect(c.state).toEqual({ step: 'ended', reason: 'left-queue' });
  });
});
