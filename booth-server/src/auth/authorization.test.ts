/**
 * Authorization sweep: every route the app registers, collected as it is
 * registered (onRoute), called by every kind of caller. Who may call what is
 * written out below by hand, one entry per route, and not read back from the
 * routes' own declarations: a route added without an entry here fails the
 * sweep, so nobody adds one without deciding who may call it.
 */
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSRF_HEADER, userId, type Role } from '@citizen/protocol';
import { createTestApp, kioskAuthHeader, type TestApp } from '../testing';
import { hashPassword, hashSecret, newSecret } from './secrets';

type Caller = Role | 'kiosk' | 'anonymous' | 'metrics-token';
const CALLERS: readonly Caller[] = ['agent', 'supervisor', 'technician', 'admin', 'kiosk', 'anonymous', 'metrics-token'];
const STAFF: readonly Caller[] = ['agent', 'supervisor', 'technician', 'admin'];
const PUBLIC = 'public';

/** Who may call each route; everyone else is refused (401 without credentials, 403 with the wrong ones). */
const EXPECTED: Record<string, readonly Caller[] | typeof PUBLIC> = {
  'GET /health': PUBLIC,
  'GET /ready': PUBLIC,
  'GET /metrics': ['technician', 'metrics-token'],
  'GET /api/diagnostics/call-setup': ['technician', 'metrics-token'],
  'POST /api/auth/login': PUBLIC,
  'POST /api/auth/login/totp': PUBLIC,
  'POST /api/auth/logout': STAFF,
  'POST /api/auth/logout-everywhere': STAFF,
  'GET /api/auth/me': STAFF,
  'POST /api/auth/totp/enrol': STAFF,
  'POST /api/auth/totp/confirm': STAFF,
  'POST /api/auth/totp/disable': STAFF,
  // Kiosk records and device identity (booth-server/src/kiosks): agents may not create, re-enrol or revoke kiosks.
  'GET /api/kiosks': ['technician', 'supervisor', 'admin'],
  'POST /api/kiosks': ['technician', 'admin'],
  'POST /api/kiosks/:id/enrolment-code': ['technician', 'admin'],
  'POST /api/kiosks/:id/revoke': ['technician', 'admin'],
  'GET /api/kiosks/:id/audit': ['technician', 'admin'],
  'POST /api/kiosk/enrol': PUBLIC,
  'POST /api/kiosk/challenge': PUBLIC,
  'POST /api/kiosk/token': PUBLIC,
  'GET /api/kiosk/self': ['kiosk'],
  'GET /ws/kiosk': ['kiosk'],
  'GET /ws/agent': ['agent', 'supervisor'],
  'GET /api/admin/users': ['admin'],
  'POST /api/admin/users': ['admin'],
  'PATCH /api/admin/users/:id': ['admin'],
  'POST /api/admin/users/:id/password': ['admin'],
  'POST /api/admin/users/:id/disable': ['admin'],
  'POST /api/admin/users/:id/enable': ['admin'],
  'DELETE /api/admin/users/:id/sessions': ['admin'],
  'DELETE /api/admin/users/:id/totp': ['admin'],
  // Inquiry cases and the public status page (booth-server/src/inquiries).
  'GET /status': PUBLIC,
  'GET /status/style.css': PUBLIC,
  'GET /status/:reference': PUBLIC,
  'GET /api/status/:reference': PUBLIC,
  'GET /api/kiosk/status/:reference': ['kiosk'],
  'GET /api/inquiries': ['agent', 'supervisor'],
  'GET /api/inquiries/outcome-codes': ['agent', 'supervisor'],
  'GET /api/inquiries/:id': ['agent', 'supervisor'],
  'PATCH /api/inquiries/:id': ['agent', 'supervisor'],
  'POST /api/inquiries/:id/notes': ['agent', 'supervisor'],
  // Supervisors' live view and reports (booth-server/src/supervision).
  'GET /api/supervision/live': ['supervisor'],
  'GET /api/reports/daily': ['supervisor'],
  'GET /api/reports/daily.csv': ['supervisor'],
  // Fleet health (booth-server/src/fleet): kiosks report, technicians and administrators watch; agents and supervisors do not.
  'POST /api/kiosk/heartbeat': ['kiosk'],
  'GET /api/fleet': ['technician', 'admin'],
  'GET /api/fleet/kiosks/:id': ['technician', 'admin'],
  'GET /ws/fleet': ['technician', 'admin'],
  // Kiosk configuration profiles (booth-server/src/profiles) and the kiosk control channel (booth-server/src/control).
  'GET /api/profiles': ['technician', 'admin'],
  'GET /api/profiles/kiosks': ['technician', 'admin'],
  'GET /api/profiles/:name/versions': ['technician', 'admin'],
  'GET /api/profiles/:name/versions/:version': ['technician', 'admin'],
  'POST /api/profiles/:name/versions': ['technician', 'admin'],
  'POST /api/profiles/:name/rollback': ['technician', 'admin'],
  'PUT /api/kiosks/:id/profile': ['technician', 'admin'],
  // Remote actions (booth-server/src/actions): an agent cannot run remote actions.
  'POST /api/kiosks/:id/actions': ['technician', 'admin'],
  'GET /api/kiosks/:id/actions': ['technician', 'admin'],
  'GET /api/kiosk/profile': ['kiosk'],
  'GET /ws/kiosk/control': ['kiosk'],
};
/** Swagger UI's own routes (the API document and its page): public, and carry no data. */
const isDocs = (url: string): boolean => url === '/docs' || url.startsWith('/docs/');

const USERS: Record<Role, string> = { agent: 'anna', supervisor: 'sara', technician: 'tech', admin: 'admin' };

const routes: { method: string; url: string }[] = [];
let t: TestApp;
let targetId: string;

beforeAll(async () => {
  t = await createTestApp(
    (c) => {
      c.sfu.rtcMinPort = 52300;
      c.sfu.rtcMaxPort = 52399;
    },
    {
      onRoute: (r: RouteOptions) => {
        for (const method of [r.method].flat()) routes.push({ method, url: r.url });
      },
    },
  );
  // The account the administrator routes act on, so the sweep disables nobody it signs in as.
  targetId = 'u-00000000005eeb00';
  await t.store.createUser({ id: userId(targetId), username: 'sweep-target', displayName: 'Sweep Target', role: 'agent', skills: { languages: {}, topics: {} }, passwordHash: await hashPassword('sweep-target-password') });
});
afterAll(async () => {
  await t.app.close();
});

/** A fresh session for the role's demo user, straight in the store (no sign-in limits, no scrypt), with its CSRF token. */
async function staffHeaders(role: Role): Promise<Record<string, string>> {
  const user = await t.store.findUserByUsername(USERS[role]);
  if (!user) throw new Error(`no demo user for ${role}`);
  const token = newSecret();
  const now = new Date();
  const later = new Date(now.getTime() + 3_600_000);
  await t.store.createSession({ tokenHash: hashSecret(token), userId: user.id, createdAt: now, expiresAt: later, lastSeenAt: now, idleExpiresAt: later });
  const me = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: `sid=${token}` } });
  const csrf = me.cookies.find((c) => c.name === 'csrf');
  if (me.statusCode !== 200 || !csrf) throw new Error(`session for ${role} not usable: ${me.statusCode}`);
  return { cookie: `sid=${token}; csrf=${csrf.value}`, [CSRF_HEADER]: (me.json() as { csrfToken: string }).csrfToken };
}

async function headersOf(caller: Caller): Promise<Record<string, string>> {
  switch (caller) {
    case 'anonymous':
      return {};
    case 'kiosk':
      return { authorization: kioskAuthHeader(t.credentialFile) };
    case 'metrics-token':
      return { authorization: `Bearer ${t.config.auth.metricsToken}` };
    default:
      return staffHeaders(caller);
  }
}

const concrete = (url: string): string => url.replace(/:id\b/g, targetId).replace(/:[A-Za-z]+/g, 'x').replace(/\*$/, 'index.html');

describe('authorization sweep', () => {
  it('collects the routes and has an expectation for every one', () => {
    expect(routes.length).toBeGreaterThan(20);
    const unknown = routes.filter((r) => r.method !== 'HEAD' && !isDocs(r.url) && !(`${r.method} ${r.url}` in EXPECTED));
    expect(unknown, 'routes without an entry in EXPECTED: decide who may call them').toEqual([]);
  });

  it('lets exactly the expected callers through each route', async () => {
    const wrong: string[] = [];
    for (const route of routes) {
      // HEAD answers as its GET does.
      const key = `${route.method === 'HEAD' ? 'GET' : route.method} ${route.url}`;
      const expected = isDocs(route.url) ? PUBLIC : EXPECTED[key];
      if (!expected) continue; // reported by the test above
      for (const caller of CALLERS) {
        const allowed = expected === PUBLIC || expected.includes(caller);
        const res = await t.app.inject({ method: route.method as 'GET', url: concrete(route.url), headers: await headersOf(caller) });
        // A HEAD answer has no body to read the code from; its status says as much.
        const refused = res.statusCode === 401 || res.statusCode === 403;
        const outcome = !refused ? 'through' : res.body ? (res.json() as { code?: string }).code : res.statusCode === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN';
        // The metrics token is a credential for the metrics routes only; elsewhere it is no credential at all.
        const want = allowed ? 'through' : caller === 'anonymous' || caller === 'metrics-token' ? 'UNAUTHENTICATED' : 'FORBIDDEN';
        if (outcome !== want) wrong.push(`${route.method} ${route.url} as ${caller}: ${res.statusCode} ${outcome}, expected ${want}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
