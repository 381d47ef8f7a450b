/**
 * What must hold when networks, clients and the store misbehave: a resume
 * while the server still holds the old socket keeps the call; a socket that
 * stops answering pings is dropped into the grace period; a store write that
 * fails leaves no half-started call and loses no inquiry; open rows from a
 * previous run are closed at start-up; per-participant and per-kiosk caps
 * hold; sign-out, an expired sign-in and a replaced kiosk credential close
 * the sockets opened with them. Real sockets, real SFU worker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KIOSK_WS_PATH, STAFF_WS_PATH, type CallSnapshot, type KioskRequests, type StaffRequests } from '@citizen/protocol';
import type { SignalClient } from '@citizen/call-client';
import { loadConfig } from '@citizen/config';
import { createTestApp, enrolTestKiosk, kioskAuthHeader, kioskClient, next, rawSocket, signIn, signInHeaders, staffClient, type TestApp } from '../testing';
import { liveSfuObjects } from './metrics';
import { SqliteStore } from '../store/SqliteStore';
import { WorkerPool } from '../sfu/WorkerPool';
import { buildApp } from '../app';
import { seedDemo } from '../demo/seed';
import { hashSecret } from '../auth/secrets';

let t: TestApp;
let url: string;
const cleanup: (() => void)[] = [];
const track = <C extends { close(): void }>(c: C): C => {
  cleanup.push(() => c.close());
  return c;
};

beforeAll(async () => {
  t = await createTestApp((c) => {
    c.sfu.rtcMinPort = 45200;
    c.sfu.rtcMaxPort = 45399;
    c.calls.reconnectGraceSeconds = 1;
    c.calls.pingIntervalSeconds = 1;
  });
  url = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterEach(async () => {
  for (const fn of cleanup.splice(0)) fn();
  await new Promise((r) => setTimeout(r, 1300)); // grace periods of closed sockets run out
});
afterAll(async () => {
  await t.app.close();
});

const opened = (c: SignalClient<KioskRequests> | SignalClient<StaffRequests>) => next<{ resumed: boolean; call: CallSnapshot | null }>(c as never, 'session');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function availableAgent(username = 'anna'): Promise<SignalClient<StaffRequests>> {
  const agent = track(staffClient(url, await signIn(t.app, username, 'demo-agent')));
  await opened(agent);
  await agent.request('setAvailability', { available: true });
  return agent;
}

/** The demo kiosk in a call with anna. */
async function callInProgress(): Promise<{ agent: SignalClient<StaffRequests>; kiosk: SignalClient<KioskRequests>; callId: string }> {
  const agent = await availableAgent();
  const kiosk = track(kioskClient(url, t.credentialFile));
  await opened(kiosk);
  const offered = next<{ callId: string }>(agent as never, 'callOffered');
  const { callId } = await kiosk.request('requestCall', { language: 'da' });
  await offered;
  await agent.request('acceptCall', { callId });
  return { agent, kiosk, callId };
}

describe('resume while the server still holds the old socket', () => {
  it('keeps the call: the old socket closing does not start a grace period that ends the resumed session', async () => {
    const agent = await availableAgent();
    // The kiosk's first socket: after a network drop the server has not noticed yet, so it stays open server-side.
    const old = await rawSocket(url, KIOSK_WS_PATH, { authorization: kioskAuthHeader(t.credentialFile) });
    cleanup.push(() => old.ws.terminate());
    const hello = await old.request('hello', {});
    const token = (hello.data as { resumeToken: string }).resumeToken;
    const offered = next<{ callId: string }>(agent as never, 'callOffered');
    const { callId } = (await old.request('requestCall', { language: 'da' })).data as { callId: string };
    await offered;
    await agent.request('acceptCall', { callId });

    const kiosk = track(kioskClient(url, t.credentialFile, { resumeToken: token }));
    const back = await opened(kiosk);
    expect(back).toMatchObject({ resumed: true, call: { step: 'in-call', callId } });
    expect((await old.closed).code).toBe(4000);

    let ended = false;
    agent.on('callEnded', () => (ended = true));
    await sleep(2500); // past the 1 s grace period, and two ping rounds
    expect(ended).toBe(false);
    expect(kiosk.state).toBe('open');
    expect((await t.store.findInquiry(callId))?.status).toBe('in-call');
    await kiosk.request('openMedia', {});
    const transport = await kiosk.request('createTransport', { direction: 'recv' });
    expect(transport.id).toBeTruthy();
  });
});

describe('liveness', () => {
  it('drops a socket that stops answering pings into the grace period, and then ends its call', async () => {
    const agent = await availableAgent();
    const silent = await rawSocket(url, KIOSK_WS_PATH, { authorization: kioskAuthHeader(t.credentialFile) }, { autoPong: false });
    cleanup.push(() => silent.ws.terminate());
    await silent.request('hello', {});
    const offered = next<{ callId: string }>(agent as never, 'callOffered');
    const { callId } = (await silent.request('requestCall', { language: 'da' })).data as { callId: string };
    await offered;
    await agent.request('acceptCall', { callId });
    const ended = next<{ callId: string; reason: string }>(agent as never, 'callEnded', 8000);
    expect((await silent.closed).code).toBe(1006); // terminated by the server, no close frame
    expect(await ended).toEqual({ callId, reason: 'connection-lost' });
    expect(await t.store.findInquiry(callId)).toMatchObject({ status: 'ended', endReason: 'connection-lost' });
  });
});

describe('store failures leave no half-state', () => {
  it('a failed write on accept: no call starts, the resident keeps their place, the agent can take it again', async () => {
    const agent = await availableAgent();
    const kiosk = track(kioskClient(url, t.credentialFile));
    await opened(kiosk);
    let started = false;
    kiosk.on('callStarted', () => (started = true));
    const offered = next<{ callId: string }>(agent as never, 'callOffered');
    const { callId } = await kiosk.request('requestCall', { language: 'da' });
    await offered;

    const original = t.store.updateInquiry.bind(t.store);
    t.store.updateInquiry = async () => {
      throw new Error('disk I/O error');
    };
    const offeredAgain = next<{ callId: string }>(agent as never, 'callOffered', 5000);
    try {
      await expect(agent.request('acceptCall', { callId })).rejects.toMatchObject({ code: 'INTERNAL' });
    } finally {
      t.store.updateInquiry = original;
    }
    expect(started).toBe(false);
    expect(t.app.calls.counts()).toMatchObject({ connecting: 0, inCall: 0 });
    expect(liveSfuObjects()).toMatchObject({ producer: 0, consumer: 0 });
    expect((await t.store.findInquiry(callId))?.status).toBe('queued');
    // The agent is not excluded: the same call is offered again, and this time it starts.
    expect((await offeredAgain).callId).toBe(callId);
    const kioskStarted = next<CallSnapshot>(kiosk as never, 'callStarted');
    expect((await agent.request('acceptCall', { callId })).step).toBe('in-call');
    expect((await kioskStarted).step).toBe('in-call');
  });

  it('a failed write on request: the kiosk gets an error and nothing is queued', async () => {
    const kiosk = track(kioskClient(url, t.credentialFile));
    await opened(kiosk);
    const original = t.store.createInquiry.bind(t.store);
    t.store.createInquiry = async () => {
      throw new Error('disk I/O error');
    };
    try {
      await expect(kiosk.request('requestCall', { language: 'da' })).rejects.toMatchObject({ code: 'INTERNAL' });
    } finally {
      t.store.createInquiry = original;
    }
    expect(t.app.calls.counts()).toMatchObject({ queued: 0, offered: 0, connecting: 0, inCall: 0 });
    // Nothing is left that blocks the next request.
    expect((await kiosk.request('requestCall', { language: 'da' })).position).toBe(1);
  });

  it('a failed write at the end of a call is retried until it lands', async () => {
    const { agent, kiosk, callId } = await callInProgress();
    const original = t.store.updateInquiry.bind(t.store);
    let failures = 0;
    t.store.updateInquiry = async (...args) => {
      if (failures++ < 2) throw new Error('database is locked');
      return original(...args);
    };
    try {
      await agent.request('endCall', { callId });
      expect(t.app.calls.journal.pending).toBe(1);
      await expect.poll(async () => (await t.store.findInquiry(callId))?.status, { timeout: 8000, interval: 200 }).toBe('ended');
      expect(t.app.calls.journal.pending).toBe(0);
      expect(await t.store.findInquiry(callId)).toMatchObject({ endReason: 'hangup-agent' });
    } finally {
      t.store.updateInquiry = original;
    }
  });

  it('closes rows a previous process left queued or in a call when the server starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reconcile-'));
    try {
      const file = join(dir, 'booth.sqlite');
      const before = new SqliteStore(file);
      await seedDemo(before, join(dir, 'kiosk.json'));
      const base = { kioskId: 'k-demo-central-1', language: 'da', topic: null, answers: {}, createdAt: new Date() };
      await before.createInquiry({ ...base, id: 'c-left-queued', reference: 'BS-0000-001Y', status: 'queued' });
      await before.createInquiry({ ...base, id: 'c-left-in-call', reference: 'BS-0000-002W', status: 'in-call' });
      await before.createInquiry({ ...base, id: 'c-done', reference: 'BS-0000-003T', status: 'ended', endReason: 'hangup-agent', endedAt: new Date() });
      await before.close(); // as after kill -9: nothing closed them

      const config = loadConfig({ files: [], env: {} });
      const store = new SqliteStore(file);
      const sfu = await WorkerPool.create({ numWorkers: 1, rtcMinPort: 45400, rtcMaxPort: 45499, logLevel: 'warn' });
      const app = await buildApp({ config, store, sfu });
      try {
        await app.ready();
        expect(await store.findInquiry('c-left-queued')).toMatchObject({ status: 'abandoned', endReason: 'interrupted' });
        expect(await store.findInquiry('c-left-in-call')).toMatchObject({ status: 'ended', endReason: 'interrupted' });
        expect(await store.findInquiry('c-done')).toMatchObject({ status: 'ended', endReason: 'hangup-agent' });
      } finally {
        await app.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('caps', () => {
  it('refuses a fifth transport for one participant with LIMIT_REACHED', async () => {
    const { agent, kiosk, callId } = await callInProgress();
    await kiosk.request('openMedia', {});
    await agent.request('openMedia', {});
    for (let i = 0; i < 4; i++) await kiosk.request('createTransport', { direction: i % 2 ? 'send' : 'recv' });
    await expect(kiosk.request('createTransport', { direction: 'recv' })).rejects.toMatchObject({ code: 'LIMIT_REACHED' });
    // Concurrent creation cannot slip past the cap either (the agent fires eight at once).
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => agent.request('createTransport', { direction: 'recv' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    expect(liveSfuObjects().transport).toBe(8);
  });

  it('limits how many inquiries one kiosk opens per minute', async () => {
    const limited = await createTestApp((c) => {
      c.sfu.rtcMinPort = 45500;
      c.sfu.rtcMaxPort = 45599;
      c.calls.maxCallRequestsPerKioskPerMinute = 2;
    });
    const limitedUrl = await limited.app.listen({ host: '127.0.0.1', port: 0 });
    const kiosk = kioskClient(limitedUrl, limited.credentialFile);
    try {
      await opened(kiosk);
      for (let i = 0; i < 2; i++) {
        const { callId } = await kiosk.request('requestCall', { language: 'da', answers: { note: 'x'.repeat(500) } });
        await kiosk.request('leaveQueue', { callId });
      }
      await expect(kiosk.request('requestCall', { language: 'da' })).rejects.toMatchObject({ code: 'LIMIT_REACHED' });
    } finally {
      kiosk.close();
      await limited.app.close();
    }
  });

  it('refuses call requests with fields the protocol does not know (they would reach agents)', async () => {
    const raw = await rawSocket(url, KIOSK_WS_PATH, { authorization: kioskAuthHeader(t.credentialFile) });
    cleanup.push(() => raw.ws.close());
    await raw.request('hello', {});
    const res = await raw.request('requestCall', { language: 'da', injected: '<img src=x onerror=alert(1)>' });
    expect(res).toMatchObject({ ok: false, error: { code: 'INVALID_DATA' } });
  });
});

describe('sockets live only as long as what opened them', () => {
  it('signing out closes the agent’s open socket at once', async () => {
    const headers = await signInHeaders(t.app, 'omar', 'demo-agent');
    const agent = track(staffClient(url, headers.cookie));
    await opened(agent);
    const ended = next<{ code: number }>(agent as never, 'ended');
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers })).statusCode).toBe(204);
    expect((await ended).code).toBe(4003);
    expect(agent.state).toBe('closed');
  });

  it('a sign-in that expired or was deleted closes its socket at the next re-check', async () => {
    const cookie = await signIn(t.app, 'omar', 'demo-agent');
    const agent = track(staffClient(url, cookie));
    await opened(agent);
    const other = track(staffClient(url, await signIn(t.app, 'anna', 'demo-agent')));
    await opened(other);
    const ended = next<{ code: number }>(agent as never, 'ended');
    await t.store.deleteSession(hashSecret(cookie.slice('sid='.length)));
    expect(await t.app.recheckSockets()).toBe(1);
    expect((await ended).code).toBe(4003);
    expect(other.state).toBe('open');
  });

  it('a kiosk whose credential was replaced loses its socket at the next re-check', async () => {
    const { credential } = await enrolTestKiosk(t, { id: 'k-test-revoke', name: 'Revoke me', location: 'Lab', languages: ['da'] });
    const sock = await rawSocket(url, KIOSK_WS_PATH, { authorization: `Kiosk k-test-revoke:${credential}` });
    cleanup.push(() => sock.ws.terminate());
    expect((await sock.request('hello', {})).ok).toBe(true);
    await t.store.setKioskCredential('k-test-revoke' as never, hashSecret('a-new-credential-nobody-has'));
    await t.app.recheckSockets();
    expect((await sock.closed).code).toBe(4003);
  });

  it('refuses an agent socket opened with a cookie that was signed out', async () => {
    const headers = await signInHeaders(t.app, 'omar', 'demo-agent');
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers })).statusCode).toBe(204);
    await expect(rawSocket(url, STAFF_WS_PATH, { cookie: headers.cookie })).rejects.toThrow(/401/);
  });
});
