/**
 * Sign-in limits: per client address (route rate limit), globally (bounded
 * password-hashing work), and back-off per username and address that slows a
 * guesser without locking the real user out.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../testing';
import { LoginThrottle } from './LoginThrottle';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.app.close();
});
async function app(perAddress: number, global: number): Promise<TestApp> {
  const a = await createTestApp((c) => {
    c.sfu.rtcMinPort = 50100;
    c.sfu.rtcMaxPort = 50199;
    c.auth.loginAttemptsPerMinute = perAddress;
    c.auth.loginAttemptsPerMinuteGlobal = global;
  });
  apps.push(a);
  return a;
}
const login = (t: TestApp, username: string, password: string, ip: string) =>
  t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress: ip });

describe('sign-in limits', () => {
  it('limits attempts per client address, whatever usernames it tries (password spraying)', async () => {
    const t = await app(5, 1000);
    const codes: string[] = [];
    for (let i = 0; i < 7; i++) codes.push((await login(t, `user${i}`, 'Winter2026!', '203.0.113.7')).json().code);
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('LOGIN_FAILED'));
    expect(codes.slice(5)).toEqual(['LOGIN_THROTTLED', 'LOGIN_THROTTLED']);
    // Another address is not affected.
    expect((await login(t, 'anna', 'demo-agent', '198.51.100.2')).statusCode).toBe(200);
  });

  it('backs off a guesser of one username without locking the real user out from their own address', async () => {
    const t = await app(100, 1000);
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) codes.push((await login(t, 'sara', `guess${i}`, '203.0.113.9')).json().code);
    expect(codes.slice(0, 3)).toEqual(['LOGIN_FAILED', 'LOGIN_FAILED', 'LOGIN_FAILED']);
    expect(codes.slice(3)).toContain('LOGIN_THROTTLED');
    const throttled = await login(t, 'sara', 'demo-supervisor', '203.0.113.9');
    expect(throttled.statusCode).toBe(429);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    // Sara at her desk signs in.
    expect((await login(t, 'sara', 'demo-supervisor', '10.0.0.15')).statusCode).toBe(200);
  });

  it('caps password checks over all addresses, so random usernames cannot buy unbounded hashing work', async () => {
    const t = await app(100, 4);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login(t, `nobody${i}`, 'x', `192.0.2.${i + 1}`)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  });
});

describe('LoginThrottle', () => {
  it('remembers a bounded number of (username, address) pairs, forgetting the oldest first', () => {
    let now = 0;
    const th = new LoginThrottle({ globalPerMinute: 1_000_000, maxEntries: 100, now: () => now });
    for (let i = 0; i < 1000; i++) th.failed(`u${i}`, '203.0.113.1');
    expect(th.tracked).toBe(100);
    for (let i = 0; i < 3; i++) th.failed('u999', '203.0.113.1');
    now += 10;
    expect(th.check('u999', '203.0.113.1').ok).toBe(false);
    expect(th.check('u0', '203.0.113.1').ok).toBe(true);
  });

  it('lets a backed-off pair try again once the wait is over, and doubles the wait per further failure', () => {
    let now = 0;
    const th = new LoginThrottle({ globalPerMinute: 1000, freeFailures: 1, baseDelayMs: 1000, now: () => now });
    th.failed('a', 'ip');
    expect(th.check('a', 'ip')).toMatchObject({ ok: false, retryAfterMs: 1000 });
    now = 1000;
    expect(th.check('a', 'ip').ok).toBe(true);
    th.failed('a', 'ip');
    expect(th.check('a', 'ip')).toMatchObject({ ok: false, retryAfterMs: 2000 });
    th.succeeded('a', 'ip');
    expect(th.check('a', 'ip').ok).toBe(true);
  });
});
