/**
 * A configuration profile pushed end to end: a real booth-server on a real
 * socket, the browser-shell host with its real ControlClient and hardware
 * service, and the bridge the page uses. The version is applied between
 * residents only, acknowledged, rolled back and applied again; a version
 * whose printer port does not open is acknowledged as failed and the kiosk
 * keeps the one before; revocation closes the control channel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { kioskId, type ProfileBody } from '@citizen/protocol';
import { createTestApp, readCredentialFile, signInHeaders, type TestApp } from '../../../booth-server/src/testing';
import { fixedIdentity } from '../identity';
import { buildKioskHost } from '../host/KioskHost';

let server: TestApp;
let host: FastifyInstance;
let hostUrl: string;
const KIOSK = kioskId('k-demo-central-1');

const body: ProfileBody = {
  flows: ['talk', 'case-status'],
  languages: ['en', 'da'],
  session: { idleWarnSeconds: 45, idleWipeSeconds: 15, readAloudOnArrival: true },
  openingHours: null,
  call: { maxVideoBitrate: 400_000, iceTransportPolicy: 'relay' },
};

const bridge = async <T,>(call: string): Promise<T> => (await (await fetch(`${hostUrl}/bridge/${call}`, { method: 'POST' })).json()) as T;
const tech = () => signInHeaders(server.app, 'tech', 'demo-tech');
const state = async () => server.store.findKioskProfile(KIOSK);

beforeAll(async () => {
  server = await createTestApp((c) => {
    c.sfu.rtcMinPort = 44650;
    c.sfu.rtcMaxPort = 44699;
  });
  const serverUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const credential = readCredentialFile(server.credentialFile);
  if (!credential) throw new Error('no demo kiosk credential');
  host = await buildKioskHost({ kiosk: { ...server.config.kiosk, serverUrl }, identity: fixedIdentity(credential), control: { backoff: { minMs: 50, maxMs: 200 } } });
  hostUrl = await host.listen({ host: '127.0.0.1', port: 0 });
  for (let i = 0; i < 100 && !server.app.kioskControl.registry.isConnected(KIOSK); i++) await new Promise((r) => setTimeout(r, 50));
});
afterAll(async () => {
  await host.close();
  await server.app.close();
});

describe('configuration profile over the control channel', () => {
  it('opens the control channel with the kiosk credential', () => {
    expect(server.app.kioskControl.registry.isConnected(KIOSK)).toBe(true);
  });

  it('applies a version between residents only, acknowledges it, and re-applies after a rollback', async () => {
    const h = await tech();
    const v2 = await server.app.inject({ method: 'POST', url: '/api/profiles/station-default/versions', headers: h, payload: { body } });
    expect(v2.statusCode, v2.body).toBe(201);

    // A resident is at the kiosk: the assignment waits.
    expect(await bridge('sessionStart')).toBeNull();
    const assign = await server.app.inject({ method: 'PUT', url: `/api/kiosks/${KIOSK}/profile`, headers: h, payload: { profile: 'station-default' } });
    expect(assign.json()).toMatchObject({ desiredVersion: 2, appliedVersion: null, connected: true });
    await new Promise((r) => setTimeout(r, 300));
    expect((await state())?.appliedVersion).toBeNull();
    expect((await bridge<{ session: unknown; profile?: unknown }>('info')).profile).toBeNull();
    // The local configuration says nothing: direct paths first.
    expect((await bridge<{ iceTransportPolicy?: string }>('info')).iceTransportPolicy).toBe('all');
    const before = await bridge<{ languages: { code: string }[] }>('content');
    expect(before.languages.length).toBeGreaterThan(2);

    // The session ends: applied, acknowledged, and the page gets the profile's languages, flows and time-outs.
    await bridge('endSession');
    await expect.poll(async () => (await state())?.appliedVersion).toBe(2);
    expect(await bridge('info')).toMatchObject({ profile: { name: 'station-default', version: 2 }, session: body.session, maxVideoBitrate: 400_000, openingHours: null, iceTransportPolicy: 'relay' });
    const after = await bridge<{ languages: { code: string }[]; flows: { id: string }[] }>('content');
    // The demo kiosk's record lists da, en, ar, …: the profile's languages it lists, in the profile's order.
    expect(after.languages.map((l) => l.code)).toEqual(['en', 'da']);
    expect(after.flows.map((f) => f.id)).toEqual(['talk', 'case-status']);

    // Between residents, a rollback applies at once.
    const back = await server.app.inject({ method: 'POST', url: '/api/profiles/station-default/rollback', headers: h, payload: { toVersion: 1 } });
    expect(back.json()).toMatchObject({ version: 3, rolledBackFrom: 1 });
    await expect.poll(async () => (await state())?.appliedVersion).toBe(3);
    expect((await bridge<{ flows: unknown[] }>('content')).flows.length).toBe(9);
    expect((await bridge<{ session: unknown }>('info')).session).toEqual({ idleWarnSeconds: 90, idleWipeSeconds: 20, readAloudOnArrival: false });
    expect((await bridge<{ iceTransportPolicy?: string }>('info')).iceTransportPolicy).toBe('all');
  });

  it('acknowledges a version whose printer port does not open as failed, and keeps the one before', async () => {
    const h = await tech();
    const printer = { ...server.config.kiosk.printer, path: '/dev/no-such-printer' };
    const bad = await server.app.inject({ method: 'POST', url: '/api/profiles/station-default/versions', headers: h, payload: { body: { ...body, hardware: { printer } } } });
    expect(bad.statusCode, bad.body).toBe(201);
    await expect.poll(async () => (await state())?.failedVersion, { timeout: 15_000 }).toBe(4);
    expect((await state())?.failure).toMatch(/printer port \/dev\/no-such-printer did not open/);
    expect((await state())?.appliedVersion).toBe(3);
    expect((await bridge<{ profile: unknown }>('info')).profile).toEqual({ name: 'station-default', version: 3 });
    expect((await bridge<{ printer: { configuredPath: string } }>('hardwareStatus')).printer.configuredPath).toBe(server.config.kiosk.printer.path);
  });

  it('closes the control channel when the kiosk is revoked', async () => {
    const res = await server.app.inject({ method: 'POST', url: `/api/kiosks/${KIOSK}/revoke`, headers: await tech() });
    expect(res.statusCode).toBe(200);
    expect(server.app.kioskControl.registry.isConnected(KIOSK)).toBe(false);
    // The shell keeps trying; the server refuses the revoked kiosk, so it stays out.
    await new Promise((r) => setTimeout(r, 400));
    expect(server.app.kioskControl.registry.isConnected(KIOSK)).toBe(false);
  });
});
