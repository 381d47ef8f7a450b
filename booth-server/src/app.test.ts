import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from './demo/seed';
import { buildApp } from './app';
import { SqliteStore } from './store/SqliteStore';
import { createTestApp, enrolWithCode, readCredentialFile, signIn, signInHeaders, type TestApp } from './testing';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.app.close();
});

const kioskAuth = (): string => {
  const c = readCredentialFile(t.credentialFile);
  if (!c) throw new Error('demo kiosk credential missing');
  return `Kiosk ${c.kioskId}:${c.credential}`;
};

describe('authentication', () => {
  it('refuses to register a route that declares no auth (deny by default)', async () => {
    const store = new SqliteStore(':memory:');
    const app = await buildApp({ config: t.config, store, sfu: t.sfu });
    expect(() => app.get('/api/forgotten', async () => 'open')).toThrow(/GET \/api\/forgotten declares no config.auth/);
    expect(() => app.get('/api/declared', { config: { auth: 'public' } }, async () => 'open')).not.toThrow();
    // A role list nobody can satisfy is a mistake too, not a route nobody may call.
    expect(() => app.get('/api/nobody', { config: { auth: { roles: [] } } }, async () => 'open')).toThrow(/GET \/api\/nobody/);
    await store.close();
  });

  it('checks the caller before a route’s own onRequest hooks, and the CSRF token right after', async () => {
    const store = new SqliteStore(':memory:');
    await seedDemo(store, `${t.credentialFile}.order`);
    const app = await buildApp({ config: t.config, store, sfu: t.sfu });
    const seen: string[] = [];
    app.post(
      '/api/probe/order',
      {
        config: { auth: { roles: ['agent'] } },
        onRequest: (request, _reply, done) => {
          seen.push(request.principal?.kind ?? 'nobody');
          done();
        },
      },
      async () => ({ ok: true }),
    );
    await app.ready();
    const url = '/api/probe/order';
    expect((await app.inject({ method: 'POST', url })).statusCode).toBe(401);
    const anna = await signInHeaders(app, 'anna', 'demo-agent');
    expect((await app.inject({ method: 'POST', url, headers: { cookie: anna.cookie } })).json()).toMatchObject({ code: 'CSRF_TOKEN_INVALID' });
    // Neither refusal reached the route's own hook; the accepted call reached it with the caller known.
    expect(seen).toEqual([]);
    expect((await app.inject({ method: 'POST', url, headers: anna })).statusCode).toBe(200);
    expect(seen).toEqual(['user']);
    // Not app.close(): that would close t's SFU too.
    await store.close();
  });

  it('signs in an agent with a HttpOnly, SameSite=Strict cookie and identifies them', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'anna', password: 'demo-agent' } });
    expect(res.statusCode).toBe(200);
    expect(res.json().user).toMatchObject({ username: 'anna', role: 'agent' });
    const cookie = res.cookies.find((c) => c.name === 'sid');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    const me = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: `sid=${cookie!.value}` } });
    expect(me.json().user.displayName).toBe('Anna Holm');
  });

  it('refuses a wrong password and an unknown user with the same error', async () => {
    for (const payload of [
      { username: 'anna', password: 'nope' },
      { username: 'nobody', password: 'nope' },
    ]) {
      const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'LOGIN_FAILED' });
    }
  });

  it('ends the session on logout', async () => {
    const headers = await signInHeaders(t.app, 'omar', 'demo-agent');
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers })).statusCode).toBe(204);
    const me = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers });
    expect(me.statusCode).toBe(401);
    expect(me.json().code).toBe('UNAUTHENTICATED');
  });

  it('authenticates the demo kiosk by its credential and rejects a wrong one', async () => {
    const ok = await t.app.inject({ method: 'GET', url: '/api/kiosk/self', headers: { authorization: kioskAuth() } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().kiosk.id).toBe('k-demo-central-1');
    const bad = await t.app.inject({ method: 'GET', url: '/api/kiosk/self', headers: { authorization: 'Kiosk k-demo-central-1:wrong-secret-value' } });
    expect(bad.statusCode).toBe(401);
  });
});

describe('authorization', () => {
  it('lets technicians create kiosks (enrolment code shown once) and refuses agents and kiosks', async () => {
    const tech = await signInHeaders(t.app, 'tech', 'demo-tech');
    const agent = await signInHeaders(t.app, 'anna', 'demo-agent');
    const body = { id: 'k-library-2', name: 'Main library', location: 'Ground floor', languages: ['da', 'en'] };
    const denied = await t.app.inject({ method: 'POST', url: '/api/kiosks', headers: agent, payload: body });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('FORBIDDEN');
    const asKiosk = await t.app.inject({ method: 'GET', url: '/api/kiosks', headers: { authorization: kioskAuth() } });
    expect(asKiosk.statusCode).toBe(403);

    const created = await t.app.inject({ method: 'POST', url: '/api/kiosks', headers: tech, payload: body });
    expect(created.statusCode).toBe(201);
    const { enrolment } = created.json();
    expect(enrolment.code).toMatch(/^[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}$/);
    const again = await t.app.inject({ method: 'POST', url: '/api/kiosks', headers: tech, payload: body });
    expect(again.json().code).toBe('KIOSK_EXISTS');
    const { credential } = await enrolWithCode(t.app, enrolment.code);
    const self = await t.app.inject({ method: 'GET', url: '/api/kiosk/self', headers: { authorization: `Kiosk k-library-2:${credential}` } });
    expect(self.json().kiosk.name).toBe('Main library');
    const list = await t.app.inject({ method: 'GET', url: '/api/kiosks', headers: tech });
    expect(list.json().kiosks.map((k: { id: string }) => k.id)).toEqual(['k-demo-central-1', 'k-library-2']);
  });

  it('keeps staff routes closed to anonymous callers', async () => {
    for (const [method, url] of [
      ['GET', '/api/kiosks'],
      ['GET', '/api/auth/me'],
      ['GET', '/api/kiosk/self'],
      ['GET', '/metrics'],
    ] as const) {
      const res = await t.app.inject({ method, url });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
    }
  });
});

describe('bad input', () => {
  it('answers a malformed body with a coded error and keeps serving', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'anna' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'BAD_REQUEST' });
    expect(bad.json().message).toMatch(/password/);
    const notJson = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"username":' });
    expect(notJson.statusCode).toBe(400);
    const extra = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'anna', password: 'demo-agent', admin: true } });
    expect(extra.statusCode).toBe(400);
    const ok = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'anna', password: 'demo-agent' } });
    expect(ok.statusCode).toBe(200);
  });

  it('refuses bodies over the configured limit', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'anna', password: 'x'.repeat(70_000) } });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('answers unknown routes with a coded 404', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('NOT_FOUND');
  });
});

describe('operations', () => {
  it('reports liveness and readiness with the SFU worker count', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { store: true, sfu: { workers: 1, alive: 1 } } });
  });

  it('serves Prometheus metrics to the metrics token and to technicians only', async () => {
    const withToken = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer test-metrics-token' } });
    expect(withToken.statusCode).toBe(200);
    expect(withToken.body).toContain('booth_sfu_workers{state="alive"} 1');
    expect(withToken.body).toContain('booth_store_up 1');
    expect(withToken.body).toContain('booth_http_request_duration_seconds_bucket');
    const agent = await signIn(t.app, 'anna', 'demo-agent');
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: { cookie: agent } })).statusCode).toBe(403);
    const tech = await signIn(t.app, 'tech', 'demo-tech');
    expect((await t.app.inject({ method: 'GET', url: '/metrics', headers: { cookie: tech } })).statusCode).toBe(200);
  });

  it('sends the document security headers, with the Content-Security-Policy the UIs run under, on every response outside the API', async () => {
    for (const [method, url] of [
      ['GET', '/health'],
      ['GET', '/console/'],
      ['GET', '/nothing-here'],
    ] as const) {
      const res = await t.app.inject({ method, url });
      const csp = String(res.headers['content-security-policy']);
      for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "img-src 'self' data: blob:", "media-src 'self' blob:", "object-src 'none'", "frame-ancestors 'none'"]) {
        expect(csp, `${url}: ${directive}`).toContain(directive);
      }
      // Neither inline code nor an upgrade to HTTPS the demo could not follow.
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|upgrade-insecure-requests/);
      expect(res.headers).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-resource-policy': 'same-origin',
      });
      expect(res.headers['strict-transport-security'], 'no HSTS over plain HTTP').toBeUndefined();
    }
  });

  it('sends the API headers on every /api response, answered or refused: nothing may run, frame, sniff, cache or read it cross-origin', async () => {
    for (const [method, url] of [
      ['GET', '/api/auth/me'],
      ['POST', '/api/auth/login'],
      ['GET', '/api/kiosks'],
      ['GET', '/api/no-such-route'],
    ] as const) {
      const res = await t.app.inject({ method, url });
      expect(res.headers, url).toMatchObject({
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cross-origin-resource-policy': 'same-origin',
        'cache-control': 'no-store',
      });
      expect(res.headers['strict-transport-security'], 'no HSTS over plain HTTP').toBeUndefined();
    }
  });

  it('lets Swagger UI alone use inline styles', async () => {
    const csp = String((await t.app.inject({ method: 'GET', url: '/docs/static/index.html' })).headers['content-security-policy']);
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("script-src 'self';");
  });

  it('sends HSTS when served over HTTPS (auth.secureCookies)', async () => {
    const store = new SqliteStore(':memory:');
    const app = await buildApp({ config: { ...t.config, auth: { ...t.config.auth, secureCookies: true } }, store, sfu: t.sfu });
    try {
      await app.ready();
      const res = await app.inject({ method: 'GET', url: '/health' });
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await store.close();
    }
  });

  it('publishes an OpenAPI document of the REST API', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/kiosks', '/api/kiosk/self', '/ready']));
  });
});


describe('housekeeping', () => {
  it('removes expired sign-in sessions when the app starts (and periodically after)', async () => {
    const store = new SqliteStore(':memory:');
    await seedDemo(store, `${t.credentialFile}.housekeeping`);
    const anna = await store.findUserByUsername('anna');
    const at = (ms: number): Date => new Date(ms);
    await store.createSession({ tokenHash: 'expired-hash', userId: anna!.id, createdAt: at(0), expiresAt: at(1000), lastSeenAt: at(0), idleExpiresAt: at(1000) });
    // Idle for too long, though its absolute end is still ahead.
    await store.createSession({ tokenHash: 'idle-hash', userId: anna!.id, createdAt: at(0), expiresAt: at(Date.now() + 60_000), lastSeenAt: at(0), idleExpiresAt: at(1500) });
    const live = { createdAt: new Date(), expiresAt: at(Date.now() + 60_000), lastSeenAt: new Date(), idleExpiresAt: at(Date.now() + 60_000) };
    await store.createSession({ tokenHash: 'live-hash', userId: anna!.id, ...live });
    const app = await buildApp({ config: t.config, store, sfu: t.sfu });
    try {
      await app.ready();
      // Nothing expired by t=2 s is left for a sweep to find: the start-up sweep removed it.
      expect(await store.deleteExpiredSessions(new Date(2000))).toBe(0);
      expect(await store.findSession('live-hash', new Date())).toBeDefined();
    } finally {
      await store.close();
    }
  });

  it('does not refuse a kiosk when recording its last-seen time fails', async () => {
    const original = t.store.touchKiosk.bind(t.store);
    t.store.touchKiosk = async () => {
      throw new Error('database is locked');
    };
    try {
      const res = await t.app.inject({ method: 'GET', url: '/api/kiosk/self', headers: { authorization: kioskAuth() } });
      expect(res.statusCode).toBe(200);
    } finally {
      t.store.touchKiosk = original;
    }
  });
});
