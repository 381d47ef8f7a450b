/**
 * CSRF: every POST, PATCH, PUT and DELETE the session cookie authenticates
 * needs the token of that session in `x-csrf-token`; reads, sign-in, kiosks
 * (Authorization header) and the metrics token do not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app';
import { createTestApp, kioskToken, signInHeaders, type TestApp } from '../testing';

let t: TestApp;
/** The same store and SFU as `t`, with extra write routes for each kind of caller (registered before ready). */
let probe: FastifyInstance;

beforeAll(async () => {
  t = await createTestApp((c) => {
    c.sfu.rtcMinPort = 52200;
    c.sfu.rtcMaxPort = 52299;
  });
  probe = await buildApp({ config: t.config, store: t.store, sfu: t.sfu });
  for (const auth of ['kiosk', 'public', 'metrics'] as const) {
    probe.post(`/api/probe/${auth}`, { config: { auth } }, async () => ({ ok: true }));
  }
  await probe.ready();
});
afterAll(async () => {
  await t.app.close();
  // probe shares t's store and SFU; closing them again is a no-op.
  await probe.close();
});

const logout = (app: FastifyInstance, headers: Record<string, string>) => app.inject({ method: 'POST', url: '/api/auth/logout', headers });

describe('CSRF protection', () => {
  it('refuses a cookie-authenticated write without the token, with a wrong one, or with another session’s', async () => {
    const anna = await signInHeaders(t.app, 'anna', 'demo-agent');
    const omar = await signInHeaders(t.app, 'omar', 'demo-agent');
    const attempts = {
      none: { cookie: anna.cookie },
      wrong: { cookie: anna.cookie, 'x-csrf-token': 'abc-def-ghi' },
      otherSession: { cookie: anna.cookie, 'x-csrf-token': omar['x-csrf-token'] },
      // The token alone, without the secret cookie it was made from.
      noSecretCookie: { cookie: anna.cookie.split('; ').filter((c) => c.startsWith('sid=')).join(''), 'x-csrf-token': anna['x-csrf-token'] },
    };
    for (const [name, headers] of Object.entries(attempts)) {
      const res = await logout(t.app, headers);
      expect(res.statusCode, name).toBe(403);
      expect(res.json(), name).toMatchObject({ code: 'CSRF_TOKEN_INVALID', fix: expect.stringContaining('x-csrf-token') });
    }
    // Still signed in: none of them got through.
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: anna.cookie } })).statusCode).toBe(200);
    expect((await logout(t.app, anna)).statusCode).toBe(204);
  });

  it('guards PATCH and DELETE as well', async () => {
    const admin = await signInHeaders(t.app, 'admin', 'demo-admin');
    const anna = await t.store.findUserByUsername('anna');
    for (const method of ['PATCH', 'DELETE'] as const) {
      const url = method === 'PATCH' ? `/api/admin/users/${anna!.id}` : `/api/admin/users/${anna!.id}/sessions`;
      const payload = method === 'PATCH' ? { displayName: 'Anna H.' } : undefined;
      const refused = await t.app.inject({ method, url, headers: { cookie: admin.cookie }, ...(payload ? { payload } : {}) });
      expect(refused.json().code, method).toBe('CSRF_TOKEN_INVALID');
      const ok = await t.app.inject({ method, url, headers: admin, ...(payload ? { payload } : {}) });
      expect(ok.statusCode, method).toBe(200);
    }
  });

  it('needs no token for reads, sign-in, kiosks or the metrics token', async () => {
    const anna = await signInHeaders(t.app, 'anna', 'demo-agent');
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: anna.cookie } })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'omar', password: 'demo-agent' } })).statusCode).toBe(200);
    // The probe app keeps its own kiosk tokens (in memory, one per node): the demo kiosk signs one of its challenges.
    const probeAuth = `Kiosk ${t.demoKiosk.kioskId}:${await kioskToken(probe, t.demoKiosk.kioskId, t.demoKiosk.privateKey)}`;
    const kiosk = await probe.inject({ method: 'POST', url: '/api/probe/kiosk', headers: { authorization: probeAuth } });
    expect(kiosk.statusCode).toBe(200);
    // A kiosk's request is the kiosk's even if a cookie rides along: the Authorization header decides.
    expect((await probe.inject({ method: 'POST', url: '/api/probe/kiosk', headers: { authorization: probeAuth, cookie: anna.cookie } })).statusCode).toBe(200);
    expect((await probe.inject({ method: 'POST', url: '/api/probe/metrics', headers: { authorization: `Bearer ${t.config.auth.metricsToken}` } })).statusCode).toBe(200);
    expect((await probe.inject({ method: 'POST', url: '/api/probe/public' })).statusCode).toBe(200);
  });

  it('refuses a token issued before a restart, and GET /api/auth/me hands out a fresh one', async () => {
    const anna = await signInHeaders(t.app, 'anna', 'demo-agent');
    // `probe` is another process as far as tokens go: its own HMAC key, the same sessions.
    const stale = await logout(probe, anna);
    expect(stale.json().code).toBe('CSRF_TOKEN_INVALID');
    const me = await probe.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: anna.cookie } });
    expect((await logout(probe, { cookie: anna.cookie, 'x-csrf-token': me.json().csrfToken })).statusCode).toBe(204);
  });
});
