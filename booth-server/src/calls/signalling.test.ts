/**
 * Signalling over real sockets against a real app (real SFU worker, in-memory
 * store): queueing, offers, acceptance, resume after a dropped socket, grace
 * expiry, authorization between calls, and SFU worker death.
 */
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KIOSK_WS_PATH, REFERENCE_PATTERN, STAFF_WS_PATH, type CallSnapshot, type KioskRequests, type StaffRequests } from '@citizen/protocol';
import type { SignalClient } from '@citizen/call-client';
import { createTestApp, enrolTestKiosk, kioskClient, next, signIn, staffClient, type TestApp } from '../testing';
import { liveSfuObjects } from './metrics';

let t: TestApp;
let url: string;
const clients: SignalClient<KioskRequests | StaffRequests>[] = [];
const track = <C extends SignalClient<KioskRequests> | SignalClient<StaffRequests>>(c: C): C => {
  clients.push(c as SignalClient<KioskRequests | StaffRequests>);
  return c;
};

beforeAll(async () => {
  t = await createTestApp((c) => {
    c.sfu.rtcMinPort = 46000;
    c.sfu.rtcMaxPort = 46199;
    c.calls.reconnectGraceSeconds = 1;
    c.calls.offerTimeoutSeconds = 5;
    c.calls.maxMessagesPerSecond = 20;
  });
  url = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  // Let the server notice the closed sockets and their grace periods run out.
  await new Promise((r) => setTimeout(r, 1200));
});
afterAll(async () => {
  await t.app.close();
});

async function opened(c: SignalClient<KioskRequests> | SignalClient<StaffRequests>): Promise<{ resumed: boolean; call: CallSnapshot | null }> {
  return next(c as never, 'session');
}

async function agentReady(username = 'anna'): Promise<SignalClient<StaffRequests>> {
  const agent = track(staffClient(url, await signIn(t.app, username, 'demo-agent')));
  await opened(agent);
  await agent.request('setAvailability', { available: true });
  return agent;
}

/** The demo kiosk in a call with anna. */
async function callInProgress(): Promise<{ kiosk: SignalClient<KioskRequests>; agent: SignalClient<StaffRequests>; callId: string }> {
  const kiosk = track(kioskClient(url, t.credentialFile));
  await opened(kiosk);
  const agent = await agentReady();
  const offered = next<{ callId: string }>(agent as never, 'callOffered');
  const { callId } = await kiosk.request('requestCall', { language: 'da' });
  await offered;
  await agent.request('acceptCall', { callId });
  return { kiosk, agent, callId };
}

describe('queue and offers', () => {
  it('queues a kiosk call, offers it to an available agent, and starts it on accept', async () => {
    const kiosk = track(kioskClient(url, t.credentialFile));
    expect((await opened(kiosk)).call).toBeNull();
    // A clear card number is refused where it enters: only the masked form may be shared.
    await expect(kiosk.request('requestCall', { language: 'da', card: { kind: 'magstripe', masked: '5500000000000004' } })).rejects.toMatchObject({ code: 'INVALID_DATA' });
    const card = { kind: 'magstripe' as const, masked: '•••• •••• •••• 0004' };
    const queued = await kiosk.request('requestCall', { language: 'da', topic: 'housing-benefit', answers: { postcode: '1620' }, card });
    expect(queued.position).toBe(1);
    expect(queued.reference).toMatch(new RegExp(REFERENCE_PATTERN));
    expect(queued.estimatedWaitSeconds).toBeGreaterThan(0);

    const agent = track(staffClient(url, await signIn(t.app, 'anna', 'demo-agent')));
    await opened(agent);
    const offered = next<{ callId: string; request: { answers?: Record<string, string>; card?: unknown }; kiosk: { name: string } }>(agent as never, 'callOffered');
    const avail = await agent.request('setAvailability', { available: true });
    const offer = avail.offer ?? (await offered);
    expect(offer.callId).toBe(queued.callId);
    expect(offer.kiosk.name).toBe('Borgerservice Mini');
    expect(offer.request.answers).toEqual({ postcode: '1620' });
    expect(offer.request.card).toEqual(card);

    const started = next<CallSnapshot>(kiosk as never, 'callStarted');
    const snap = await agent.request('acceptCall', { callId: queued.callId });
    expect(snap.step).toBe('in-call');
    const kioskSnap = await started;
    expect(kioskSnap).toMatchObject({ step: 'in-call', callId: queued.callId });
    if (kioskSnap.step !== 'in-call' || snap.step !== 'in-call') throw new Error('unreachable');
    expect(kioskSnap.participants.map((p) => p.role).sort()).toEqual(['agent', 'resident']);
    expect(kioskSnap.routerRtpCapabilities.codecs?.some((c) => c.mimeType === 'video/VP8')).toBe(true);
    expect(liveSfuObjects().router).toBeGreaterThanOrEqual(1);

    const inquiry = await t.store.findInquiry(queued.callId);
    expect(inquiry).toMatchObject({ status: 'in-call', reference: queued.reference, topic: 'housing-benefit', answers: { postcode: '1620', card: 'magstripe •••• •••• •••• 0004' } });
    expect((await t.store.findInquiryByReference(queued.reference))?.id).toBe(queued.callId);
    // The promise of the municipality's service standard is fixed when the inquiry is made.
    const kase = await t.store.findInquiryCaseByReference(queued.reference);
    const days = t.config.inquiries.serviceStandards.topics['housing-benefit']?.responseDays ?? t.config.inquiries.serviceStandards.defaultResponseDays;
    expect(kase?.promisedBy?.getTime()).toBe(kase!.createdAt.getTime() + days * 86_400_000);
    expect(kioskSnap.reference).toBe(queued.reference);

    const ended = next<{ reason: string }>(kiosk as never, 'callEnded');
    await agent.request('endCall', { callId: queued.callId });
    expect((await ended).reason).toBe('hangup-agent');
    // The shared router stays (one per worker); nothing of the call does.
    expect(liveSfuObjects()).toMatchObject({ router: 1, transport: 0, pipe: 0, producer: 0, consumer: 0, data: 0 });
    expect((await t.store.findInquiry(queued.callId))?.status).toBe('ended');
  });

  it('gives queued kiosks live positions and lets a resident leave the queue', async () => {
    const second = await enrolTestKiosk(t, { id: 'k-test-queue-2', name: 'Library', location: 'Floor 1', languages: ['da'] });
    const a = track(kioskClient(url, t.credentialFile));
    await opened(a);
    const qa = await a.request('requestCall', { language: 'da' });
    expect(qa.position).toBe(1);
    const b = track(kioskClient(url, second.file));
    await opened(b);
    const qb = await b.request('requestCall', { language: 'en' });
    expect(qb.position).toBe(2);
    const update = next<{ position: number }>(b as never, 'queueUpdate');
    await a.request('leaveQueue', { callId: qa.callId });
    expect((await update).position).toBe(1);
    expect((await t.store.findInquiry(qa.callId))?.status).toBe('abandoned');
  });

  it('moves an offer to the next agent when declined', async () => {
    const kiosk = track(kioskClient(url, t.credentialFile));
    await opened(kiosk);
    const anna = await agentReady('anna');
    const annaOffer = next<{ callId: string }>(anna as never, 'callOffered');
    const { callId } = await kiosk.request('requestCall', { language: 'da' });
    expect((await annaOffer).callId).toBe(callId);
    const omar = await agentReady('omar');
    const omarOffer = next<{ callId: string }>(omar as never, 'callOffered');
    await anna.request('declineCall', { callId });
    expect((await omarOffer).callId).toBe(callId);
    await expect(anna.request('acceptCall', { callId })).rejects.toMatchObject({ code: 'WRONG_STATE' });
    expect((await omar.request('acceptCall', { callId })).step).toBe('in-call');
  });
});

describe('sessions across dropped sockets', () => {
  it('resumes the same session and place in the queue after a reconnect', async () => {
    const kiosk = track(kioskClient(url, t.credentialFile));
    await opened(kiosk);
    const { callId } = await kiosk.request('requestCall', { language: 'da' });
    const resumed = opened(kiosk);
    kiosk.dropConnection();
    const again = await resumed;
    expect(again.resumed).toBe(true);
    expect(again.call).toMatchObject({ step: 'queued', callId, position: 1 });
  });

  it('ends the call cleanly when the kiosk does not come back within the grace period, and keeps the inquiry', async () => {
    const { kiosk, agent, callId } = await callInProgress();
    const ended = next<{ reason: string }>(agent as never, 'callEnded', 5000);
    kiosk.close();
    expect((await ended).reason).toBe('connection-lost');
    expect(await t.store.findInquiry(callId)).toMatchObject({ status: 'ended', endReason: 'connection-lost' });
  });
});

describe('authentication before the upgrade', () => {
  const upgrade = (path: string, headers: Record<string, string>): Promise<number> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(url.replace('http', 'ws') + path, { headers });
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => {
        ws.close();
        resolve(101);
      });
      ws.once('error', reject);
    });

  it('refuses sockets without credentials, with a wrong credential, or of the wrong role', async () => {
    expect(await upgrade(KIOSK_WS_PATH, {})).toBe(401);
    expect(await upgrade(KIOSK_WS_PATH, { authorization: 'Kiosk k-demo-central-1:not-the-credential' })).toBe(401);
    expect(await upgrade(STAFF_WS_PATH, {})).toBe(401);
    expect(await upgrade(STAFF_WS_PATH, { cookie: await signIn(t.app, 'tech', 'demo-tech') })).toBe(403);
    expect(await upgrade(STAFF_WS_PATH, { cookie: await signIn(t.app, 'anna', 'demo-agent') })).toBe(101);
  });
});

describe('authorization between calls', () => {
  it('refuses media requests for a call the socket does not belong to', async () => {
    const { kiosk, agent, callId } = await callInProgress();
    const omar = track(staffClient(url, await signIn(t.app, 'omar', 'demo-agent')));
    await opened(omar);
    // omar is not available and in no call: no media endpoint for him, and nothing of this call.
    await expect(omar.request('openMedia', {})).rejects.toMatchObject({ code: 'WRONG_STATE' });
    await expect(omar.request('createTransport', { direction: 'send' })).rejects.toMatchObject({ code: 'WRONG_STATE' });
    await expect(omar.request('consume', { callId, transportId: 'x', producerId: 'y', rtpCapabilities: {} })).rejects.toMatchObject({ code: 'NOT_IN_CALL' });
    await expect(omar.request('endCall', { callId })).rejects.toMatchObject({ code: 'NOT_IN_CALL' });
    await expect(omar.request('listCalls', {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await kiosk.request('openMedia', {});
    const transport = await kiosk.request('createTransport', { direction: 'send' });
    expect(transport.iceCandidates.length).toBeGreaterThan(0);
  });

  it('lets a supervisor list ongoing calls, join as a third participant and leave', async () => {
    const { kiosk, agent, callId } = await callInProgress();
    const sara = track(staffClient(url, await signIn(t.app, 'sara', 'demo-supervisor')));
    await opened(sara);
    const { calls } = await sara.request('listCalls', {});
    expect(calls.map((c) => c.callId)).toContain(callId);
    const joined = next<{ participant: { role: string } }>(kiosk as never, 'participantJoined');
    const snap = await sara.request('joinCall', { callId, as: 'supervisor' });
    expect(snap.step === 'in-call' && snap.participants.length).toBe(3);
    expect((await joined).participant.role).toBe('supervisor');
    const left = next<{ participantId: string }>(agent as never, 'participantLeft');
    await sara.request('leaveCall', { callId });
    expect((await left).participantId).toBe(snap.step === 'in-call' ? snap.participantId : '');
  });
});

describe('SFU worker death', () => {
  it('moves both sides’ media endpoints to the replacement worker and tells them to rebuild', async () => {
    const { kiosk, agent } = await callInProgress();
    await kiosk.request('openMedia', {});
    await agent.request('openMedia', {});
    await kiosk.request('createTransport', { direction: 'send' });
    const victim = t.sfu.workers()[0]!.worker.pid;
    const kioskReset = next<{ routerRtpCapabilities: unknown }>(kiosk as never, 'mediaReset', 10_000);
    const agentReset = next<{ routerRtpCapabilities: unknown }>(agent as never, 'mediaReset', 10_000);
    process.kill(victim, 'SIGKILL');
    expect((await kioskReset).routerRtpCapabilities).toBeTruthy();
    expect((await agentReset).routerRtpCapabilities).toBeTruthy();
    expect(t.sfu.workers()[0]!.worker.pid).not.toBe(victim);
    const transport = await kiosk.request('createTransport', { direction: 'send' });
    expect(transport.id).toBeTruthy();
  });
});
