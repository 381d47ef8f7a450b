/**
 * The cache of sign-ins: on its own (TTL, the session's ends, eviction, the
 * epoch that keeps a read racing with a sign-out out of the cache), and in the
 * app on an injected clock, where every request that follows a change of
 * access must see it although the sign-in was cached just before: sign-out,
 * sign-out everywhere, an account disabled, its role or skills changed, its
 * sessions ended, its password reset, its second factor turned off, and the
 * idle and absolute ends. A change made behind this process's back is seen
 * once the entry is SESSION_CACHE_MS old.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { userId, type UserId } from '@citizen/protocol';
import { createTestApp, signIn, signInHeaders, type TestApp } from '../testing';
import { SessionCache, type SignIn } from './SessionCache';
import { SESSION_CACHE_MS } from './plugin';
import { hashSecret } from './secrets';
import type { SessionRecord, UserAccount } from '../store/Store';

const MINUTE = 60_000;

function signInAt(user: UserId, at: number, { idleMs = 30 * MINUTE, absoluteMs = 120 * MINUTE } = {}): SignIn {
  const session: SessionRecord = {
    tokenHash: `hash-${user}-${at}`,
    userId: user,
    createdAt: new Date(at),
    expiresAt: new Date(at + absoluteMs),
    lastSeenAt: new Date(at),
    idleExpiresAt: new Date(at + Math.min(idleMs, absoluteMs)),
  };
  const account: UserAccount = {
    id: user,
    username: user,
    displayName: user,
    role: 'agent',
    skills: { languages: {}, topics: {} },
    passwordHash: 'x',
    disabledAt: null,
    totp: null,
  };
  return { session, user: account };
}

describe('SessionCache', () => {
  const u1 = userId('u-0000000000000001');
  const u2 = userId('u-0000000000000002');

  it('answers for ttlMs after the read, and never past the session’s idle or absolute end', () => {
    const c = new SessionCache({ ttlMs: 5000, maxEntries: 10 });
    const t0 = 1_000_000;
    c.set('a', signInAt(u1, t0), t0, c.epoch());
    expect(c.get('a', t0 + 4999)).toBeDefined();
    expect(c.get('a', t0 + 5000)).toBeUndefined();
    // Gone for good, not just hidden.
    expect(c.size).toBe(0);

    const idle = signInAt(u1, t0, { idleMs: 1000 });
    c.set('b', idle, t0, c.epoch());
    expect(c.get('b', t0 + 999)).toBeDefined();
    expect(c.get('b', t0 + 1000)).toBeUndefined();

    const absolute = signInAt(u1, t0, { idleMs: 3000, absoluteMs: 2000 });
    c.set('c', absolute, t0, c.epoch());
    expect(c.get('c', t0 + 2000)).toBeUndefined();
  });

  it('does not stretch the TTL when the clock goes back', () => {
    const c = new SessionCache({ ttlMs: 5000, maxEntries: 10 });
    c.set('a', signInAt(u1, 10_000), 10_000, c.epoch());
    expect(c.get('a', 9_999)).toBeUndefined();
  });

  it('refuses what was read before a forget (a sign-out racing with a store read)', () => {
    const c = new SessionCache({ ttlMs: 5000, maxEntries: 10 });
    const before = c.epoch();
    c.forgetSession('a');
    c.set('a', signInAt(u1, 0), 0, before);
    expect(c.get('a', 1)).toBeUndefined();
    const afterUser = c.epoch();
    c.forgetUser(u2);
    c.set('a', signInAt(u1, 0), 0, afterUser);
    expect(c.get('a', 1)).toBeUndefined();
    c.set('a', signInAt(u1, 0), 0, c.epoch());
    expect(c.get('a', 1)).toBeDefined();
  });

  it('forgets every session of a user, and only theirs', () => {
    const c = new SessionCache({ ttlMs: 5000, maxEntries: 10 });
    c.set('a1', signInAt(u1, 0), 0, c.epoch());
    c.set('a2', signInAt(u1, 0), 0, c.epoch());
    c.set('b1', signInAt(u2, 0), 0, c.epoch());
    c.forgetUser(u1);
    expect([c.get('a1', 1), c.get('a2', 1)]).toEqual([undefined, undefined]);
    expect(c.get('b1', 1)?.user.id).toBe(u2);
  });

  it('keeps at most maxEntries, dropping the oldest read', () => {
    const c = new SessionCache({ ttlMs: 5000, maxEntries: 2 });
    for (const k of ['a', 'b', 'c']) c.set(k, signInAt(u1, 0), 0, c.epoch());
    expect(c.size).toBe(2);
    expect(c.get('a', 1)).toBeUndefined();
    expect(c.get('c', 1)).toBeDefined();
  });

  it('records a use without extending the time it may answer', () => {
    const c = new SessionCache({ ttlMs: 5000, maxEntries: 10 });
    const s = signInAt(u1, 0, { idleMs: 1000 });
    c.set('a', s, 0, c.epoch());
    c.recordUse('a', { ...s.session, lastSeenAt: new Date(900), idleExpiresAt: new Date(1900) });
    expect(c.get('a', 1500)?.session.idleExpiresAt).toEqual(new Date(1900));
    expect(c.get('a', 5000)).toBeUndefined();
  });

  it('checks its options', () => {
    expect(() => new SessionCache({ ttlMs: -1, maxEntries: 1 })).toThrow(TypeError);
    expect(() => new SessionCache({ ttlMs: 1, maxEntries: 0 })).toThrow(TypeError);
  });
});

describe('a cached sign-in in the app', () => {
  let clock = Date.now();
  let t: TestApp;
  let admin: { cookie: string; 'x-csrf-token': string };

  beforeAll(async () => {
    t = await createTestApp(
      (c) => {
        c.sfu.rtcMinPort = 52600;
        c.sfu.rtcMaxPort = 52699;
        c.auth.idleTimeoutMinutes = 30;
        c.auth.absoluteTimeoutMinutes = 120;
      },
      { now: () => new Date(clock) },
    );
    admin = await signInHeaders(t.app, 'admin', 'demo-admin');
  });
  afterAll(async () => {
    await t.app.close();
  });

  const get = (url: string, cookie: string) => t.app.inject({ method: 'GET', url, headers: { cookie } });
  const me = (cookie: string) => get('/api/auth/me', cookie);
  const adminApi = (method: 'POST' | 'PATCH' | 'DELETE', path: string, payload?: object) =>
    t.app.inject({ method, url: `/api/admin/users${path}`, headers: admin, ...(payload === undefined ? {} : { payload }) });
  const idOf = async (username: string): Promise<UserId> => (await t.store.findUserByUsername(username))!.id;
  const tokenHash = (cookie: string): string => hashSecret(cookie.split('; ')[0]!.slice('sid='.length));

  /** Signs in and makes one request, so the sign-in is in the cache. */
  async function cachedSignIn(username: string, password: string): Promise<{ cookie: string; 'x-csrf-token': string }> {
    const headers = await signInHeaders(t.app, username, password);
    expect((await me(headers.cookie)).statusCode).toBe(200);
    expect(t.app.sessionCache.get(tokenHash(headers.cookie), clock), 'cached after one request').toBeDefined();
    return headers;
  }

  it('answers from the cache, so a change behind this process’s back shows within SESSION_CACHE_MS', async () => {
    const { cookie } = await cachedSignIn('omar', 'demo-agent');
    // As another booth-server node on a shared store would: straight to the store.
    await t.store.deleteSession(tokenHash(cookie));
    clock += SESSION_CACHE_MS - 1;
    expect((await me(cookie)).statusCode).toBe(200);
    clock += 1;
    expect((await me(cookie)).statusCode).toBe(401);
  });

  it('signing out ends the cached sign-in at once', async () => {
    const headers = await cachedSignIn('anna', 'demo-agent');
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers })).statusCode).toBe(204);
    expect((await me(headers.cookie)).statusCode).toBe(401);
  });

  it('signing out everywhere ends every cached sign-in of the user at once', async () => {
    const first = await cachedSignIn('anna', 'demo-agent');
    const second = await cachedSignIn('anna', 'demo-agent');
    const other = await cachedSignIn('omar', 'demo-agent');
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout-everywhere', headers: first })).statusCode).toBe(200);
    expect((await me(first.cookie)).statusCode).toBe(401);
    expect((await me(second.cookie)).statusCode).toBe(401);
    expect((await me(other.cookie)).statusCode).toBe(200);
  });

  it('disabling an account ends its cached sign-ins at once', async () => {
    const { cookie } = await cachedSignIn('omar', 'demo-agent');
    const id = await idOf('omar');
    expect((await adminApi('POST', `/${id}/disable`)).statusCode).toBe(200);
    try {
      expect((await me(cookie)).statusCode).toBe(401);
    } finally {
      await adminApi('POST', `/${id}/enable`);
    }
  });

  it('a role change applies to the next request of a cached sign-in', async () => {
    const { cookie } = await cachedSignIn('tech', 'demo-tech');
    const id = await idOf('tech');
    expect((await get('/api/kiosks', cookie)).statusCode).toBe(200);
    expect((await adminApi('PATCH', `/${id}`, { role: 'agent' })).statusCode).toBe(200);
    try {
      expect((await get('/api/kiosks', cookie)).statusCode).toBe(403);
      expect((await me(cookie)).json().user.role).toBe('agent');
    } finally {
      await adminApi('PATCH', `/${id}`, { role: 'technician' });
    }
    expect((await get('/api/kiosks', cookie)).statusCode).toBe(200);
  });

  it('a skills change applies to the next request of a cached sign-in', async () => {
    const { cookie } = await cachedSignIn('anna', 'demo-agent');
    const id = await idOf('anna');
    const before = (await me(cookie)).json().user.skills;
    const skills = { languages: { da: 3, uk: 2 }, topics: { housing: 2 } };
    expect((await adminApi('PATCH', `/${id}`, { skills })).statusCode).toBe(200);
    try {
      expect((await me(cookie)).json().user.skills).toEqual(skills);
    } finally {
      await adminApi('PATCH', `/${id}`, { skills: before });
    }
  });

  it('ending a user’s sessions ends their cached sign-ins at once', async () => {
    const { cookie } = await cachedSignIn('sara', 'demo-supervisor');
    expect((await adminApi('DELETE', `/${await idOf('sara')}/sessions`)).statusCode).toBe(200);
    expect((await me(cookie)).statusCode).toBe(401);
  });

  it('resetting a user’s password ends their cached sign-ins at once', async () => {
    const { cookie } = await cachedSignIn('sara', 'demo-supervisor');
    expect((await adminApi('POST', `/${await idOf('sara')}/password`, { password: 'demo-supervisor' })).statusCode).toBe(204);
    expect((await me(cookie)).statusCode).toBe(401);
  });

  it('an administrator turning off a second factor shows on the next request of a cached sign-in', async () => {
    const id = await idOf('sara');
    const { cookie } = await cachedSignIn('sara', 'demo-supervisor');
    await t.store.setTotp(id, { secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', lastStep: 1 });
    clock += SESSION_CACHE_MS;
    // Read again, with the factor on, and cached so.
    expect((await me(cookie)).json().totpEnabled).toBe(true);
    expect((await adminApi('DELETE', `/${id}/totp`)).statusCode).toBe(200);
    expect((await me(cookie)).json().totpEnabled).toBe(false);
  });

  it('ends a cached sign-in at its absolute end', async () => {
    const signedInAt = clock;
    const { cookie } = await cachedSignIn('omar', 'demo-agent');
    for (const at of [25, 50, 75, 100].map((m) => signedInAt + m * MINUTE)) {
      clock = at;
      expect((await me(cookie)).statusCode).toBe(200);
    }
    // Read from the store two seconds before the end: still cached (and fresh) when the end comes.
    clock = signedInAt + 120 * MINUTE - 2000;
    expect((await me(cookie)).statusCode).toBe(200);
    clock += 2000;
    expect(t.app.sessionCache.size).toBeGreaterThan(0);
    expect((await me(cookie)).statusCode).toBe(401);
  });

  it('reads the store again when recording a use failed', async () => {
    const { cookie } = await cachedSignIn('anna', 'demo-agent');
    const touch = vi.spyOn(t.store, 'touchSession').mockRejectedValueOnce(new Error('disk full'));
    try {
      clock += MINUTE;
      expect((await me(cookie)).statusCode).toBe(200);
      await vi.waitFor(() => expect(t.app.sessionCache.get(tokenHash(cookie), clock)).toBeUndefined());
    } finally {
      touch.mockRestore();
    }
  });

  it('keeps out of the cache a sign-in read while it was being signed out', async () => {
    const headers = await signInHeaders(t.app, 'omar', 'demo-agent');
    const findUser = t.store.findUserById.bind(t.store);
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = vi.spyOn(t.store, 'findUserById').mockImplementationOnce(async (id) => {
      await gate;
      return findUser(id);
    });
    try {
      const during = me(headers.cookie);
      await vi.waitFor(() => expect(slow).toHaveBeenCalled());
      expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers })).statusCode).toBe(204);
      release();
      // It read the session before the sign-out, as it would have without a cache; it must not keep it.
      expect((await during).statusCode).toBe(200);
      expect((await me(headers.cookie)).statusCode).toBe(401);
    } finally {
      slow.mockRestore();
    }
  });

  it('caches no refusal: a new sign-in works at once', async () => {
    const cookie = await signIn(t.app, 'anna', 'demo-agent');
    expect((await me(cookie)).statusCode).toBe(200);
  });
});

describe('the idle end of a cached sign-in', () => {
  let clock = Date.now();
  let t: TestApp;

  beforeAll(async () => {
    // One minute, the shortest: only then can a fresh entry reach its session's idle end
    // (a use is recorded once a minute, and an entry is at most SESSION_CACHE_MS old).
    t = await createTestApp(
      (c) => {
        c.sfu.rtcMinPort = 52700;
        c.sfu.rtcMaxPort = 52799;
        c.auth.idleTimeoutMinutes = 1;
      },
      { now: () => new Date(clock) },
    );
  });
  afterAll(async () => {
    await t.app.close();
  });

  it('is refused from the cache', async () => {
    const cookie = await signIn(t.app, 'anna', 'demo-agent');
    const me = () => t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
    clock += MINUTE - 2000;
    expect((await me()).statusCode).toBe(200);
    clock += 2000;
    expect(t.app.sessionCache.size).toBe(1);
    expect((await me()).statusCode).toBe(401);
  });
});
