import { afterEach, describe, expect, it, vi } from 'vitest';
import { kioskId, userId } from '@citizen/protocol';
import { CLOSE, SessionRegistry, type Peer } from './sessions';

const kiosk = { id: kioskId('k-unit-1'), name: 'K', location: 'L', languages: ['da'], credentialHash: 'h', publicKey: null, revokedAt: null, enrolledAt: new Date(), lastSeenAt: null };
const user = { id: userId('u-0123456789abcdef'), username: 'anna', displayName: 'Anna', role: 'agent' as const, skills: { languages: { da: 3 }, topics: {} }, passwordHash: 'x' };
const peer = (): Peer & { closed: number | null } => {
  const p = { closed: null as number | null, notify: () => {}, close: (code?: number) => void (p.closed = code ?? 1000) };
  return p;
};

const registries: SessionRegistry[] = [];
const registry = (graceMs = 50): SessionRegistry => {
  const r = new SessionRegistry(graceMs);
  registries.push(r);
  return r;
};
afterEach(() => {
  for (const r of registries.splice(0)) r.close();
  vi.useRealTimers();
});

describe('SessionRegistry', () => {
  it('resumes a session with its token and ends it when the grace period runs out', async () => {
    vi.useFakeTimers();
    const r = registry(1000);
    const ended = vi.fn();
    r.on('ended', ended);
    const a = peer();
    const { session } = r.open({ kind: 'kiosk', kiosk }, a);
    r.detach(session, a);
    vi.advanceTimersByTime(999);
    const b = peer();
    expect(r.open({ kind: 'kiosk', kiosk }, b, session.resumeToken)).toMatchObject({ session, resumed: true });
    vi.advanceTimersByTime(5000);
    expect(ended).not.toHaveBeenCalled();
    r.detach(session, b);
    vi.advanceTimersByTime(1000);
    expect(ended).toHaveBeenCalledWith(session, 'connection-lost');
    expect(r.isOpen(session)).toBe(false);
  });

  it('a resume takes the session from a socket the server still holds; that socket closing later changes nothing', () => {
    vi.useFakeTimers();
    const r = registry(1000);
    const ended = vi.fn();
    r.on('ended', ended);
    const stale = peer();
    const { session } = r.open({ kind: 'kiosk', kiosk }, stale);
    const fresh = peer();
    r.open({ kind: 'kiosk', kiosk }, fresh, session.resumeToken);
    expect(stale.closed).toBe(CLOSE.RESUMED_ELSEWHERE);
    r.detach(session, stale); // the stale socket's close event, arriving after the resume
    vi.advanceTimersByTime(10_000);
    expect(ended).not.toHaveBeenCalled();
    expect(session.peer).toBe(fresh);
  });

  it('does not hand a session to another client with its token', () => {
    const r = registry();
    const { session } = r.open({ kind: 'kiosk', kiosk }, peer());
    const other = r.open({ kind: 'staff', user, authTokenHash: 'h' }, peer(), session.resumeToken);
    expect(other.resumed).toBe(false);
    expect(other.session).not.toBe(session);
  });

  it('gives a kiosk one session at a time: a new one ends the old', () => {
    const r = registry();
    const ended = vi.fn();
    r.on('ended', ended);
    const first = peer();
    const { session: old } = r.open({ kind: 'kiosk', kiosk }, first);
    r.open({ kind: 'kiosk', kiosk }, peer());
    expect(ended).toHaveBeenCalledWith(old, 'connection-lost');
    expect(first.closed).toBe(CLOSE.SESSION_ENDED);
  });

  it('revokes matching sessions with 4003, keeps the rest, and a throwing listener does not stop the others', () => {
    const r = registry();
    const errors: string[] = [];
    r.onListenerError = (event) => errors.push(event);
    const seen: string[] = [];
    r.on('ended', () => {
      throw new Error('listener bug');
    });
    r.on('ended', (s) => seen.push(s.id));
    const a = peer();
    const b = peer();
    const { session: sa } = r.open({ kind: 'staff', user, authTokenHash: 'token-a' }, a);
    r.open({ kind: 'staff', user: { ...user, id: userId('u-fedcba9876543210') }, authTokenHash: 'token-b' }, b);
    expect(r.revoke((s) => s.kind === 'staff' && s.authTokenHash === 'token-a')).toBe(1);
    expect(a.closed).toBe(CLOSE.AUTH_REVOKED);
    expect(b.closed).toBeNull();
    expect(seen).toEqual([sa.id]);
    expect(errors).toEqual(['ended']);
  });
});
