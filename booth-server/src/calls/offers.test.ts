import { afterEach, describe, expect, it, vi } from 'vitest';
import { kioskId, userId } from '@citizen/protocol';
import { Call } from './Call';
import { OfferDispatcher } from './offers';
import { FifoRouting } from '../routing/FifoRouting';
import type { KioskSession, StaffSession } from './sessions';

const kiosk = { kind: 'kiosk', id: 'pk', resumeToken: 'tk', peer: null, kiosk: { id: kioskId('k-unit-1'), name: 'K', location: 'L' } } as unknown as KioskSession;
function agent(name: string, hex: string): StaffSession {
  return {
    kind: 'staff',
    id: `p-${name}`,
    resumeToken: `t-${name}`,
    peer: { notify: () => {}, close: () => {} },
    user: { id: userId(`u-${hex}`), username: name, displayName: name, role: 'agent', skills: { languages: { da: 3 }, topics: {} }, passwordHash: '' },
    authTokenHash: 'h',
    presence: { chosen: 'available', since: 0, freeSince: 0, wrapUpUntil: null },
    declined: new Set(),
  };
}

function setup(timeoutMs = 1000) {
  const routing = new FifoRouting();
  const calls = new Map<string, Call>();
  const agents: StaffSession[] = [];
  const notes: [string, string, unknown][] = [];
  const offers = new OfferDispatcher({
    routing,
    items: () => calls.values(),
    get: (id) => calls.get(id),
    agents: () => agents,
    isFree: (a) => a.presence.chosen === 'available',
    idleSince: (a) => a.presence.since,
    timeoutMs,
    notify: (s, method, data) => notes.push([s.id, method, data]),
    log: () => {},
  });
  const enqueue = (id: string, at: number): Call => {
    const c = new Call({ id, reference: 'BS-0000-001Y', queueId: 'fifo', kiosk, request: { language: 'da' }, queuedAt: at });
    calls.set(id, c);
    routing.enqueue({ callId: id, request: c.request, queuedAt: at });
    return c;
  };
  return { routing, calls, agents, notes, offers, enqueue };
}
afterEach(() => vi.useRealTimers());

describe('OfferDispatcher', () => {
  it('offers the first waiting call to each idle available agent, one offer each', () => {
    const s = setup();
    const anna = agent('anna', '0000000000000001');
    const omar = agent('omar', '0000000000000002');
    s.agents.push(anna, omar);
    const c1 = s.enqueue('c1', 1);
    const c2 = s.enqueue('c2', 2);
    s.offers.dispatch();
    expect(s.offers.offerFor(anna)).toBe(c1);
    expect(s.offers.offerFor(omar)).toBe(c2);
    s.offers.dispatch();
    expect(s.notes.filter(([, m]) => m === 'callOffered')).toHaveLength(2);
  });

  it('skips agents who are away, disconnected, or busy', () => {
    const s = setup();
    const away = agent('away', '0000000000000003');
    away.presence = { ...away.presence, chosen: 'away' };
    const gone = { ...agent('gone', '0000000000000004'), peer: null };
    const busy = agent('busy', '0000000000000005');
    s.agents.push(away, gone, busy);
    const c0 = s.enqueue('c0', 0);
    c0.offer(busy, setTimeout(() => {}, 10_000));
    s.enqueue('c1', 1);
    s.offers.dispatch();
    expect(s.notes).toEqual([]);
    c0.end('left-queue');
  });

  it('takes back an unanswered offer after the timeout, tells the agent, and offers the call to someone else', () => {
    vi.useFakeTimers();
    const s = setup(20_000);
    const anna = agent('anna', '0000000000000001');
    s.agents.push(anna);
    const c1 = s.enqueue('c1', 1);
    s.offers.dispatch();
    const omar = agent('omar', '0000000000000002');
    s.agents.push(omar);
    vi.advanceTimersByTime(20_000);
    expect(s.notes.map(([who, m]) => `${who}:${m}`)).toEqual(['p-anna:callOffered', 'p-anna:offerWithdrawn', 'p-omar:callOffered']);
    expect(s.offers.offerFor(omar)).toBe(c1);
    expect(anna.declined.has('c1')).toBe(true);
    expect(s.routing.position('c1')).toBe(1);
  });

  it('a declined call keeps its place and goes to the next agent, never back to the one who declined', () => {
    const s = setup();
    const anna = agent('anna', '0000000000000001');
    s.agents.push(anna);
    const c1 = s.enqueue('c1', 1);
    s.offers.dispatch();
    s.offers.decline(anna, c1);
    expect(c1.state.step).toBe('queued');
    expect(s.offers.offerFor(anna)).toBeUndefined();
    const omar = agent('omar', '0000000000000002');
    s.agents.push(omar);
    s.offers.dispatch();
    expect(s.offers.offerFor(omar)).toBe(c1);
    s.offers.forget('c1');
    expect(anna.declined.size).toBe(0);
  });
});
