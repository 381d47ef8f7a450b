/**
 * Session lifetimes on an injected clock: the idle end moves with use, the
 * absolute end does not; an open signalling socket counts as use; signing out
 * everywhere ends every session of the user and closes their sockets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignalClient } from '@citizen/call-client';
import type { StaffRequests } from '@citizen/protocol';
import { createTestApp, next, signIn, signInHeaders, staffClient, type TestApp } from '../testing';
import { SessionPolicy, TOUCH_RESOLUTION_MS } from './sessions';

const MINUTE = 60_000;
let clock = Date.now();
let t: TestApp;
let url: string;

beforeAll(async () => {
  t = await createTestApp(
    (c) => {
      c.sfu.rtcMinPort = 52000;
      c.sfu.rtcMaxPort = 52099;
      c.auth.idleTimeoutMinutes = 30;
      c.auth.absoluteTimeoutMinutes = 120;
    },
    { now: () => new Date(clock) },
  );
  url = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await t.app.close();
});

const me = (cookie: string) => t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });

describe('SessionPolicy', () => {
  it('refuses an idle timeout longer than the absolute one', () => {
    expect(() => new SessionPolicy({ idleTimeoutMinutes: 60, absoluteTimeoutMinutes: 30 })).toThrow(TypeError);
  });

  it('records use at most once per resolution, and never moves the idle end past the absolute end', () => {
    const p = new SessionPolicy({ idleTimeoutMinutes: 30, absoluteTimeoutMinutes: 60 });
    const t0 = new Date('2026-05-01T08:00:00Z');
    const { token, record } = p.start('u-0000000000000001' as never, t0);
    expect(record.tokenHash).not.toBe(token);
    expect(record.idleExpiresAt).toEqual(new Date(t0.getTime() + 30 * MINUTE));
    expect(p.touched(record, new Date(t0.getTime() + TOUCH_RESOLUTION_MS - 1))).toBeNull();
    expect(p.touched(record, new Date(t0.getTime() + 45 * MINUTE))?.idleExpiresAt).toEqual(record.expiresAt);
  });
});

describe('session lifetimes', () => {
  it('ends a session left unused for the idle timeout', async () => {
    const cookie = await signIn(t.app, 'anna', 'demo-agent');
    clock += 29 * MINUTE;
    expect((await me(cookie)).statusCode).toBe(200);
    // The use at 29 minutes moved the idle end to 59 minutes.
    clock += 29 * MINUTE;
    const r = await me(cookie);
    expect(r.statusCode).toBe(200);
    expect(new Date(r.json().idleExpiresAt).getTime()).toBe(clock + 30 * MINUTE);
    clock += 30 * MINUTE;
    const gone = await me(cookie);
    expect(gone.statusCode).toBe(401);
    expect(gone.json().code).toBe('UNAUTHENTICATED');
  });

  it('ends a session at its absolute end however busy it is', async () => {
    const cookie = await signIn(t.app, 'sara', 'demo-supervisor');
    const signedInAt = clock;
    for (let i = 0; i < 11; i++) {
      clock += 10 * MINUTE;
      expect((await me(cookie)).statusCode, `after ${(i + 1) * 10} minutes`).toBe(200);
    }
    const last = await me(cookie);
    expect(new Date(last.json().expiresAt).getTime()).toBe(signedInAt + 120 * MINUTE);
    // Close to the end the idle end is the absolute end.
    expect(last.json().idleExpiresAt).toBe(last.json().expiresAt);
    clock = signedInAt + 120 * MINUTE;
    expect((await me(cookie)).statusCode).toBe(401);
  });

  it('keeps the session of an open signalling socket alive, and closes the socket when the session ends', async () => {
    const cookie = await signIn(t.app, 'omar', 'demo-agent');
    const agent: SignalClient<StaffRequests> = staffClient(url, cookie);
    try {
      await next(agent as never, 'session');
      clock += 25 * MINUTE;
      await t.app.keepSocketSessionsAlive();
      clock += 25 * MINUTE;
      // 50 minutes without a request, but the socket was open.
      expect((await me(cookie)).statusCode).toBe(200);
      clock += 25 * MINUTE;
      await t.app.keepSocketSessionsAlive();
      // Past the absolute end (two hours after sign-in) the socket does not help.
      clock += 50 * MINUTE;
      expect((await me(cookie)).statusCode).toBe(401);
    } finally {
      agent.close();
    }
  });

  it('signs a user out everywhere: every session ends and their sockets close at once', async () => {
    const first = await signInHeaders(t.app, 'anna', 'demo-agent');
    const second = await signIn(t.app, 'anna', 'demo-agent');
    const other = await signIn(t.app, 'omar', 'demo-agent');
    const agent = staffClient(url, second);
    try {
      await next(agent as never, 'session');
      const ended = next<{ code: number }>(agent as never, 'ended');
      const res = await t.app.inject({ method: 'POST', url: '/api/auth/logout-everywhere', headers: first });
      expect(res.statusCode).toBe(200);
      expect(res.json().revoked).toBeGreaterThanOrEqual(2);
      expect((await ended).code).toBe(4003);
      expect((await me(first.cookie)).statusCode).toBe(401);
      expect((await me(second)).statusCode).toBe(401);
      expect((await me(other)).statusCode).toBe(200);
    } finally {
      agent.close();
    }
  });
});
