/**
 * Fleet health over the API, in memory (inject / injectWS): heartbeats in,
 * overview and history out, who may see them, the offline rule on a fake
 * clock, and alerts pushed over the fleet socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { FLEET_WS_PATH, HEARTBEAT_PATH, type FleetNotification, type FleetOverview, type KioskHealthDetail } from '@citizen/protocol';
import { createTestApp, kioskAuthHeader, signIn, signInHeaders, type TestApp } from '../testing';
import { DEMO_KIOSK } from '../demo/seed';
import { FakeClock, HEALTHY } from './testing';

let t: TestApp;
let kiosk: Record<string, string>;
const clock = new FakeClock(Date.now());

beforeAll(async () => {
  t = await createTestApp(
    (c) => {
      c.sfu.rtcMinPort = 52400;
      c.sfu.rtcMaxPort = 52449;
    },
    { fleetClock: clock },
  );
  kiosk = { authorization: kioskAuthHeader(t.credentialFile) };
});
afterAll(async () => {
  await t.app.close();
});

const beat = (body: unknown) => t.app.inject({ method: 'POST', url: HEARTBEAT_PATH, headers: kiosk, payload: body as object });
const overview = async (cookie: string): Promise<FleetOverview> => {
  const res = await t.app.inject({ method: 'GET', url: '/api/fleet', headers: { cookie } });
  expect(res.statusCode).toBe(200);
  return res.json();
};

/** Opens the fleet socket and collects what it is pushed. */
async function fleetSocket(cookie: string): Promise<{ ws: WebSocket; got: FleetNotification[]; closed: Promise<number> }> {
  const ws = await t.app.injectWS(FLEET_WS_PATH, { headers: { cookie } });
  const got: FleetNotification[] = [];
  ws.on('message', (raw) => got.push(JSON.parse(String(raw)) as FleetNotification));
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  return { ws, got, closed };
}

const until = async (cond: () => boolean, ms = 2000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('POST /api/kiosk/heartbeat', () => {
  it('takes a valid heartbeat and answers with the interval', async () => {
    const res = await beat(HEALTHY);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ intervalSeconds: t.config.fleet.heartbeatSeconds });
  });

  it.each([
    ['an unknown printer state', { ...HEALTHY, printer: 'jammed' }],
    ['an extra field', { ...HEALTHY, residentName: 'Jens' }],
    ['no body', undefined],
  ])('refuses %s with 400 BAD_REQUEST', async (_what, body) => {
    const res = await beat(body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('refuses staff and anonymous callers', async () => {
    const tech = await signInHeaders(t.app, 'tech', 'demo-tech');
    expect((await t.app.inject({ method: 'POST', url: HEARTBEAT_PATH, headers: tech, payload: HEALTHY })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: HEARTBEAT_PATH, payload: HEALTHY })).statusCode).toBe(401);
  });
});

describe('fleet health for technicians and administrators', () => {
  it('shows the demo kiosk online with its devices, to technicians and administrators only', async () => {
    await beat({ ...HEALTHY, rttMs: 17 });
    for (const [user, password] of [
      ['tech', 'demo-tech'],
      ['admin', 'demo-admin'],
    ] as const) {
      const o = await overview(await signIn(t.app, user, password));
      const k = o.kiosks.find((x) => x.id === DEMO_KIOSK.id);
      expect(k).toMatchObject({ status: 'online', site: DEMO_KIOSK.location, last: { printer: 'ok', cardReader: 'connected', camera: 'working', rttMs: 17 }, alerts: [] });
      expect(k!.recent.at(-1)).toMatchObject({ rttMs: 17 });
    }
    for (const [user, password] of [
      ['anna', 'demo-agent'],
      ['sara', 'demo-supervisor'],
    ] as const) {
      const cookie = await signIn(t.app, user, password);
      expect((await t.app.inject({ method: 'GET', url: '/api/fleet', headers: { cookie } })).json()).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
      expect((await t.app.inject({ method: 'GET', url: `/api/fleet/kiosks/${DEMO_KIOSK.id}`, headers: { cookie } })).statusCode).toBe(403);
    }
  });

  it('gives a kiosk’s heartbeat history, newest first, and 404 for an unknown kiosk', async () => {
    const cookie = await signIn(t.app, 'tech', 'demo-tech');
    await beat({ ...HEALTHY, uptimeSeconds: 999 });
    const res = await t.app.inject({ method: 'GET', url: `/api/fleet/kiosks/${DEMO_KIOSK.id}?hours=1`, headers: { cookie } });
    expect(res.statusCode).toBe(200);
    const d = res.json() as KioskHealthDetail;
    expect(d.history.length).toBeGreaterThanOrEqual(2);
    expect(d.history[0]!.heartbeat.uptimeSeconds).toBe(999);
    expect(Date.parse(d.history[0]!.at)).toBeGreaterThanOrEqual(Date.parse(d.history[1]!.at));
    expect((await t.app.inject({ method: 'GET', url: '/api/fleet/kiosks/k-nowhere-9', headers: { cookie } })).json()).toMatchObject({ code: 'NOT_FOUND' });
    expect((await t.app.inject({ method: 'GET', url: '/api/fleet/kiosks/NOT%20AN%20ID', headers: { cookie } })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/api/fleet/kiosks/${DEMO_KIOSK.id}?hours=0`, headers: { cookie } })).statusCode).toBe(400);
  });

  it('pushes paper-out and offline alerts over the fleet socket as they are raised and cleared', async () => {
    const cookie = await signIn(t.app, 'tech', 'demo-tech');
    const { ws, got } = await fleetSocket(cookie);
    const alerts = (): string[] => got.filter((n) => n.method === 'fleetAlert').map((n) => (n.method === 'fleetAlert' ? `${n.data.clearedAt ? 'cleared' : 'raised'} ${n.data.kind}` : ''));

    await beat({ ...HEALTHY, printer: 'paper-out' });
    await until(() => alerts().includes('raised paper-out'));
    expect(got.some((n) => n.method === 'kioskHealth' && n.data.id === DEMO_KIOSK.id && n.data.last?.printer === 'paper-out')).toBe(true);
    expect((await overview(cookie)).kiosks.find((k) => k.id === DEMO_KIOSK.id)!.alerts).toMatchObject([{ kind: 'paper-out', clearedAt: null }]);

    // Three heartbeat periods and a sweep later without a heartbeat: offline.
    clock.advance(t.config.fleet.heartbeatSeconds * 1000 * t.config.fleet.offlineAfterMissed + 10_000);
    await until(() => alerts().includes('raised offline'));
    expect((await overview(cookie)).kiosks.find((k) => k.id === DEMO_KIOSK.id)!.status).toBe('offline');

    await beat(HEALTHY);
    await until(() => alerts().includes('cleared offline') && alerts().includes('cleared paper-out'));
    expect((await overview(cookie)).kiosks.find((k) => k.id === DEMO_KIOSK.id)).toMatchObject({ status: 'online', alerts: [] });
    ws.terminate();
  });

  it('closes the fleet socket at sign-out; agents cannot open one', async () => {
    const headers = await signInHeaders(t.app, 'tech', 'demo-tech');
    const { closed } = await fleetSocket(headers.cookie);
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers })).statusCode).toBe(204);
    expect(await closed).toBe(4003);
    await expect(t.app.injectWS(FLEET_WS_PATH, { headers: { cookie: await signIn(t.app, 'anna', 'demo-agent') } })).rejects.toThrow(/403/);
  });
});
