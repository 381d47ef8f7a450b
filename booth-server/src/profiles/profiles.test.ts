/**
 * Kiosk configuration profiles: the body check (errors name the field), the
 * store's versions and acknowledgements, the REST API with who may call it,
 * and the push over a real control socket (a bare `ws` client speaking the
 * protocol by hand; kiosk/src/control/ControlClient.test.ts runs the real
 * kiosk side).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CONTROL_WS_PATH, checkProfileBody, kioskId, type ProfileBody, type ServerControlMessage } from '@citizen/protocol';
import { loadProfileSeeds } from '@citizen/config/profiles';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../store/SqliteStore';
import { createTestApp, enrolTestKiosk, kioskToken, signInHeaders, type TestApp } from '../testing';
import { configCatalogue } from './plugin';

const catalogue = { flows: ['talk', 'eid-help', 'case-status'], languages: ['da', 'en', 'ar', 'uk'] };
export const body = (over: Partial<ProfileBody> = {}): ProfileBody => ({
  flows: ['talk', 'eid-help'],
  languages: ['da', 'en', 'ar'],
  session: { idleWarnSeconds: 60, idleWipeSeconds: 20, readAloudOnArrival: false },
  openingHours: null,
  call: { maxVideoBitrate: 600_000 },
  ...over,
});

describe('profile body check', () => {
  it('accepts a good body', () => {
    expect(checkProfileBody(body(), catalogue)).toEqual([]);
  });

  it('names the field of each problem', () => {
    expect(checkProfileBody(body({ languages: ['da', 'en', 'xx'] }), catalogue)).toEqual(['languages[2]: unknown language "xx" (known: da, en, ar, uk)']);
    expect(checkProfileBody(body({ flows: ['talk', 'nope'] }), catalogue)[0]).toMatch(/^flows\[1\]: unknown flow "nope"/);
    expect(checkProfileBody(body({ languages: ['da', 'da'] }), catalogue)).toEqual(['languages[1]: "da" is listed twice']);
    expect(checkProfileBody({ ...body(), session: { idleWarnSeconds: 5, idleWipeSeconds: 20, readAloudOnArrival: false } }, catalogue)[0]).toMatch(/^session\.idleWarnSeconds: .*10/);
    expect(checkProfileBody({ ...body(), session: { idleWarnSeconds: 60, readAloudOnArrival: false } }, catalogue)[0]).toMatch(/^session\.idleWipeSeconds: .*missing/);
    expect(checkProfileBody({ ...body(), colour: 'red' }, catalogue)[0]).toMatch(/colour/);
    expect(checkProfileBody({ ...body(), call: { maxVideoBitrate: 'fast' } }, catalogue)[0]).toMatch(/^call\.maxVideoBitrate: /);
  });

  it('checks what the schema cannot: opening spans, the time zone, one port per device', () => {
    const week = { mon: ['16:00-08:00'], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [], closedDates: [] };
    expect(checkProfileBody(body({ openingHours: { timeZone: 'Mars/Olympus', ...week } }), catalogue)).toEqual([
      'openingHours.timeZone: not an IANA time zone: "Mars/Olympus"',
      'openingHours.mon[0]: closes at 08:00, not after it opens at 16:00',
    ]);
    const serial = { path: '/dev/ttyUSB0', baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 } as const;
    const hw = {
      printer: { ...serial, commandSet: 'epson', codePage: 'PC858_EURO', lineWidth: 42, pollIntervalMs: 2000 },
      cardReader: { ...serial, protocol: 'magstripe', checkDigit: 'luhn' },
    } as const;
    expect(checkProfileBody(body({ hardware: hw }), catalogue)).toEqual(['hardware.cardReader.path: "/dev/ttyUSB0" is the printer\'s port too']);
    expect(checkProfileBody(body({ hardware: { ...hw, printer: { ...hw.printer, baudRate: 1200 as 9600 } } }), catalogue)[0]).toMatch(/^hardware\.printer\.baudRate: expected one of 9600/);
  });

  it('loads the shipped seeds, and names file and field in a bad one', () => {
    expect(loadProfileSeeds(configCatalogue()).map((s) => s.name)).toEqual(['library', 'station-default']);
    const dir = mkdtempSync(join(tmpdir(), 'profiles-'));
    try {
      writeFileSync(join(dir, 'ok.json'), JSON.stringify(body()));
      writeFileSync(join(dir, 'bad-one.json'), JSON.stringify(body({ languages: ['da', 'en', 'xx'] })));
      writeFileSync(join(dir, 'Bad_Name.json'), JSON.stringify(body()));
      expect(() => loadProfileSeeds(catalogue, dir)).toThrow(/profiles\/bad-one\.json: languages\[2\]: unknown language "xx"/);
      expect(() => loadProfileSeeds(catalogue, dir)).toThrow(/profiles\/Bad_Name\.json: the file name/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('profile store', () => {
  it('numbers versions per profile, keeps every one, and records what a kiosk acknowledged', async () => {
    const store = new SqliteStore(':memory:');
    const at = new Date('2026-01-01T00:00:00Z');
    const v1 = await store.addProfileVersion({ profile: 'p-a', body: body(), createdAt: at, createdBy: 'system', rolledBackFrom: null, note: '' });
    const v2 = await store.addProfileVersion({ profile: 'p-a', body: body({ flows: ['talk'] }), createdAt: at, createdBy: 'system', rolledBackFrom: null, note: 'fewer' });
    const other = await store.addProfileVersion({ profile: 'p-b', body: body(), createdAt: at, createdBy: 'system', rolledBackFrom: null, note: '' });
    expect([v1.version, v2.version, other.version]).toEqual([1, 2, 1]);
    expect((await store.findProfileVersion('p-a'))?.body.flows).toEqual(['talk']);
    expect((await store.findProfileVersion('p-a', 1))?.body.flows).toEqual(['talk', 'eid-help']);
    expect(await store.findProfileVersion('p-a', 3)).toBeUndefined();
    expect((await store.listProfileVersions('p-a', 10)).map((v) => v.version)).toEqual([2, 1]);
    expect((await store.listCurrentProfileVersions()).map((v) => `${v.profile}@${v.version}`)).toEqual(['p-a@2', 'p-b@1']);

    const id = kioskId('k-store-prof');
    await store.createKiosk({ id, name: 'K', location: 'L', languages: ['da'], credentialHash: '', publicKey: null, revokedAt: null, enrolledAt: at, lastSeenAt: null });
    expect(await store.setKioskProfile(id, 'p-a', at, 'system')).toBe(true);
    expect(await store.setKioskProfile(kioskId('k-nobody-here'), 'p-a', at, 'system')).toBe(false);
    await store.recordProfileAck(id, { profile: 'p-a', version: 2, result: 'failed', reason: 'port', at });
    expect(await store.findKioskProfile(id)).toMatchObject({ profile: 'p-a', appliedVersion: null, failedVersion: 2, failure: 'port' });
    await store.recordProfileAck(id, { profile: 'p-a', version: 1, result: 'applied', reason: null, at });
    expect(await store.findKioskProfile(id)).toMatchObject({ appliedProfile: 'p-a', appliedVersion: 1, failedVersion: null, failure: null, appliedAt: at });
    expect((await store.listKioskAudit(id, 10)).map((a) => a.action)).toEqual(['profile-applied', 'profile-failed', 'profile-assigned']);
    await store.close();
  });
});

describe('profiles API and control channel', () => {
  let t: TestApp;
  let url: string;
  const tech = () => signInHeaders(t.app, 'tech', 'demo-tech');
  beforeAll(async () => {
    t = await createTestApp((c) => {
      c.sfu.rtcMinPort = 44600;
      c.sfu.rtcMaxPort = 44649;
    });
    url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.app.close();
  });

  /** A control socket as the kiosk opens it, with what it received. */
  async function control(id: string, token: string) {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + CONTROL_WS_PATH, { headers: { authorization: `Kiosk ${id}:${token}` } });
    const got: ServerControlMessage[] = [];
    const waiters: (() => void)[] = [];
    ws.on('message', (raw) => {
      got.push(JSON.parse(String(raw)) as ServerControlMessage);
      for (const w of waiters.splice(0)) w();
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const next = async (n: number): Promise<ServerControlMessage> => {
      while (got.length < n) await new Promise<void>((r) => waiters.push(r));
      return got[n - 1]!;
    };
    return { ws, got, next, closed };
  }

  it('seeds the shipped profiles at start-up', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/profiles', headers: await tech() });
    expect(res.statusCode, res.body).toBe(200);
    expect((res.json() as { profiles: { profile: string; current: { version: number; createdBy: string } }[] }).profiles).toMatchObject([
      { profile: 'library', current: { version: 1, createdBy: 'system' } },
      { profile: 'station-default', current: { version: 1, createdBy: 'system' } },
    ]);
  });

  it('refuses a bad version with 400 PROFILE_INVALID naming the field, and stores nothing', async () => {
    const h = await tech();
    const res = await t.app.inject({ method: 'POST', url: '/api/profiles/library/versions', headers: h, payload: { body: body({ languages: ['da', 'en', 'xx'] }) } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'PROFILE_INVALID', message: expect.stringContaining('languages[2]: unknown language "xx"') });
    const hist = await t.app.inject({ method: 'GET', url: '/api/profiles/library/versions', headers: h });
    expect((hist.json() as { versions: unknown[] }).versions).toHaveLength(1);
    expect((await t.app.inject({ method: 'GET', url: '/api/profiles/nothing-here/versions', headers: h })).json()).toMatchObject({ code: 'PROFILE_NOT_FOUND' });
    expect((await t.app.inject({ method: 'GET', url: '/api/profiles/library/versions/9', headers: h })).json()).toMatchObject({ code: 'PROFILE_VERSION_NOT_FOUND' });
  });

  it('refuses agents and supervisors on every profile route, and kiosks get only their own', async () => {
    const k = await enrolTestKiosk(t, { id: 'k-prof-auth', name: 'A', location: 'Library', languages: ['da', 'en'] });
    for (const [user, password] of [['anna', 'demo-agent'], ['sara', 'demo-supervisor']] as const) {
      const h = await signInHeaders(t.app, user, password);
      for (const [method, path, payload] of [
        ['GET', '/api/profiles', undefined],
        ['GET', '/api/profiles/kiosks', undefined],
        ['GET', '/api/profiles/library/versions', undefined],
        ['GET', '/api/profiles/library/versions/1', undefined],
        ['POST', '/api/profiles/library/versions', { body: body() }],
        ['POST', '/api/profiles/library/rollback', { toVersion: 1 }],
        ['PUT', '/api/kiosks/k-prof-auth/profile', { profile: 'library' }],
      ] as const) {
        const res = await t.app.inject({ method, url: path, headers: h, ...(payload ? { payload } : {}) });
        expect(res.statusCode, `${user} ${method} ${path}`).toBe(403);
      }
    }
    const auth = { authorization: `Kiosk ${k.kioskId}:${k.credential}` };
    expect((await t.app.inject({ method: 'GET', url: '/api/profiles', headers: auth })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'PUT', url: '/api/kiosks/k-prof-auth/profile', headers: auth, payload: { profile: 'library' } })).statusCode).toBe(403);
    const own = await t.app.inject({ method: 'GET', url: '/api/kiosk/profile', headers: auth });
    expect(own.json()).toEqual({ desired: null });
  });

  it('pushes on assign, on a new version, on connect and on rollback; records acks; revocation closes the channel', async () => {
    const h = await tech();
    // The record lists uk and da; library offers da, en, ar, pl, uk: the kiosk offers da and uk, in the profile's order.
    const k = await enrolTestKiosk(t, { id: 'k-prof-push', name: 'P', location: 'Library', languages: ['uk', 'da'] });
    const c = await control(k.kioskId, k.credential);
    // Nothing assigned: nothing pushed; a malformed message gets an error back and the channel stays open.
    c.ws.send('{"type":"profileAck","profile":"library"}');
    expect(await c.next(1)).toMatchObject({ type: 'error', code: 'CONTROL_MESSAGE_INVALID', message: expect.stringContaining('profileAck') });
    c.ws.send('not json');
    expect(await c.next(2)).toMatchObject({ type: 'error', code: 'CONTROL_MESSAGE_INVALID', message: expect.stringContaining('not JSON') });

    const assign = await t.app.inject({ method: 'PUT', url: '/api/kiosks/k-prof-push/profile', headers: h, payload: { profile: 'library' } });
    expect(assign.json()).toMatchObject({ profile: 'library', desiredVersion: 1, appliedVersion: null, connected: true });
    expect(await c.next(3)).toMatchObject({ type: 'applyProfile', profile: 'library', version: 1, settings: { languages: ['da', 'uk'] } });
    c.ws.send(JSON.stringify({ type: 'profileAck', profile: 'library', version: 1, result: 'applied' }));
    await expect.poll(async () => (await t.store.findKioskProfile(kioskId(k.kioskId)))?.appliedVersion).toBe(1);

    // A version that leaves the kiosk no language is refused.
    const disjoint = await t.app.inject({ method: 'POST', url: '/api/profiles/library/versions', headers: h, payload: { body: body({ languages: ['en', 'ar'] }) } });
    expect(disjoint.statusCode).toBe(409);
    expect(disjoint.json()).toMatchObject({ code: 'PROFILE_LANGUAGES_DISJOINT' });

    const v2 = await t.app.inject({ method: 'POST', url: '/api/profiles/library/versions', headers: h, payload: { body: body({ languages: ['uk', 'da'] }), note: 'Ukrainian first' } });
    expect(v2.statusCode, v2.body).toBe(201);
    expect(await c.next(4)).toMatchObject({ type: 'applyProfile', version: 2, settings: { languages: ['uk', 'da'], flows: ['talk', 'eid-help'] } });
    c.ws.send(JSON.stringify({ type: 'profileAck', profile: 'library', version: 2, result: 'failed', reason: 'printer port did not open' }));
    await expect.poll(async () => (await t.store.findKioskProfile(kioskId(k.kioskId)))?.failure).toBe('printer port did not open');

    // A newer channel replaces the older (4009), and gets the desired version on connect.
    const c2 = await control(k.kioskId, await kioskToken(t.app, k.kioskId, k.privateKey));
    expect(await c.closed).toBe(4009);
    expect(await c2.next(1)).toMatchObject({ type: 'applyProfile', version: 2 });

    const back = await t.app.inject({ method: 'POST', url: '/api/profiles/library/rollback', headers: h, payload: { toVersion: 1 } });
    expect(back.statusCode, back.body).toBe(201);
    expect(back.json()).toMatchObject({ version: 3, rolledBackFrom: 1 });
    expect(await c2.next(2)).toMatchObject({ type: 'applyProfile', version: 3, settings: { languages: ['da', 'uk'] } });
    expect((await t.app.inject({ method: 'POST', url: '/api/profiles/library/rollback', headers: h, payload: { toVersion: 3 } })).json()).toMatchObject({ code: 'PROFILE_ROLLBACK_CURRENT' });
    const hist = await t.app.inject({ method: 'GET', url: '/api/profiles/library/versions', headers: h });
    expect((hist.json() as { versions: { version: number }[] }).versions.map((v) => v.version)).toEqual([3, 2, 1]);

    const states = await t.app.inject({ method: 'GET', url: '/api/profiles/kiosks', headers: h });
    expect((states.json() as { kiosks: unknown[] }).kiosks).toContainEqual(
      expect.objectContaining({ kioskId: 'k-prof-push', profile: 'library', desiredVersion: 3, appliedVersion: 1, failedVersion: 2, connected: true }),
    );
    const audit = (await t.store.listKioskAudit(kioskId(k.kioskId), 20)).map((a) => a.action);
    expect(audit.slice(0, 6)).toEqual(['profile-version', 'profile-failed', 'profile-version', 'profile-applied', 'profile-assigned', 'enrolled']);

    const revoke = await t.app.inject({ method: 'POST', url: '/api/kiosks/k-prof-push/revoke', headers: h });
    expect(revoke.statusCode).toBe(200);
    expect(await c2.closed).toBe(4003);
  });
});
