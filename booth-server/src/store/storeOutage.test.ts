/**
 * A node on PostgreSQL whose database goes away for a while (issue #12:
 * "PostgreSQL briefly unavailable"), with the real server: /ready says
 * not-ready; new work is refused with STORE_UNAVAILABLE (503 over HTTP, the
 * same code over signalling) and nothing is half-written; a call already in
 * progress is not ended by it and its in-call chat goes on; when the
 * database is back the node recovers by itself: ready again, new calls are
 * taken, the call's end is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { CallOffer } from '@citizen/protocol';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../app';
import { seedDemo } from '../demo/seed';
import { createTestApp, next, newKioskClient, signIn, signInHeaders, staffClient, type TestApp } from '../testing';
import { PgStore } from './PgStore';
import { startTestPostgres, type TestPostgres } from './testing/postgres';

let pgServer: TestPostgres;
let base: TestApp;
let app: FastifyInstance;
let store: PgStore;
let url: string;

beforeAll(async () => {
  pgServer = await startTestPostgres();
  // The SQLite test app gives the configuration, the SFU and the demo kiosk's key; the node under test runs on PostgreSQL.
  base = await createTestApp((c) => {
    c.sfu.rtcMinPort = 41400;
    c.sfu.rtcMaxPort = 41499;
    c.calls.reconnectGraceSeconds = 1;
  });
  store = await PgStore.open(await pgServer.createDatabase('outage'));
  await seedDemo(store, join(mkdtempSync(join(tmpdir(), 'outage-')), 'code'));
  app = await buildApp({ config: base.config, store, sfu: base.sfu });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await base?.app.close();
  await pgServer?.stop();
});

const ready = async (): Promise<{ status: number; store: boolean }> => {
  const res = await app.inject({ method: 'GET', url: '/ready' });
  return { status: res.statusCode, store: (res.json() as { checks: { store: boolean } }).checks.store };
};

describe('the database away for a while', () => {
  it('refuses new work with STORE_UNAVAILABLE, keeps the call in progress, and recovers by itself', async () => {
    // A call in progress: the demo kiosk with Anna.
    const k = await newKioskClient({ ...base, app, store } as unknown as TestApp, url, 'k-outage-1');
    await next(k as never, 'session');
    const anna = staffClient(url, await signIn(app, 'anna', 'demo-agent'));
    await next(anna as never, 'session');
    const tech = await signInHeaders(app, 'tech', 'demo-tech');
    const { callId } = await k.request('requestCall', { language: 'da' });
    const offer = next<CallOffer>(anna as never, 'callOffered');
    await anna.request('setAvailability', { available: true });
    await offer;
    await anna.request('acceptCall', { callId });
    let ended = false;
    (k as unknown as { on(m: string, f: () => void): void }).on('callEnded', () => (ended = true));
    // A second kiosk, enrolled and connected before the outage, will ask for a call during it.
    const k2 = await newKioskClient({ ...base, app, store } as unknown as TestApp, url, 'k-outage-2');
    await next(k2 as never, 'session');
    expect(await ready()).toEqual({ status: 200, store: true });

    await pgServer.crash();
    await expect.poll(ready, { timeout: 15_000 }).toEqual({ status: 503, store: false });

    // HTTP: a clear 503 with its code and fix, not a 500.
    const list = await app.inject({ method: 'GET', url: '/api/kiosks', headers: tech });
    expect(list.statusCode).toBe(503);
    expect(list.json()).toMatchObject({ code: 'STORE_UNAVAILABLE', fix: expect.stringContaining('Retry') });
    // Where the database lives stays in the server's log.
    expect(list.body).not.toContain('127.0.0.1');
    // Signalling: a new call (it writes the inquiry first) is refused with the same code.
    await expect(k2.request('requestCall', { language: 'da' })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
    // Nothing half-done: no call waits without its inquiry.
    expect(app.calls.counts().queued).toBe(0);
    // The call in progress goes on: not ended, and its chat (in memory) still carries messages.
    expect(await k.request('sendChat', { callId, text: 'Are you still there?' })).toMatchObject({ messageId: expect.any(String) });
    expect(ended).toBe(false);
    expect(app.calls.counts().inCall).toBe(1);

    await pgServer.restart();
    await expect.poll(ready, { timeout: 30_000, interval: 250 }).toEqual({ status: 200, store: true });
    expect((await app.inject({ method: 'GET', url: '/api/kiosks', headers: tech })).statusCode).toBe(200);
    const again = await k2.request('requestCall', { language: 'da' });
    expect(await store.findInquiry(again.callId)).toMatchObject({ status: 'queued' });
    // The call that outlived the outage ends normally, and its end is written.
    await anna.request('endCall', { callId });
    await expect.poll(async () => (await store.findInquiry(callId))?.status, { timeout: 10_000 }).toBe('ended');
    for (const c of [k, k2, anna]) c.close();
  }, 90_000);
});
