/**
 * Calls across two nodes of a site (one store, one Redis), over real sockets:
 * a kiosk on node A, an agent on node B. The site's router offers A's call to
 * B's agent; B's agent accepts; the call is held on A with a stand-in for the
 * agent; the agent's media and in-call requests run on A, and what A tells
 * the agent reaches them through B. Offers that lapse, calls that leave the
 * queue while offered, and requests from a node with no stand-in are covered
 * too. (Media both ways in real browsers across node processes:
 * tests/clusterCalls.test.ts.)
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { CallOffer, CallSnapshot, ChatMessage, KioskRequests, StaffRequests } from '@citizen/protocol';
import type { SignalClient } from '@citizen/call-client';
import { buildApp } from '../app';
import { createTestApp, newKioskClient, next, signIn, staffClient, type TestApp } from '../testing';
import { startTestRedis, type TestRedis } from './testing/redis';

let redis: TestRedis;
let a: TestApp;
let b: FastifyInstance;
let c: FastifyInstance | undefined;
let urlA: string;
let urlB: string;
const clients: { close(): void }[] = [];
const track = <C extends { close(): void }>(c: C): C => {
  clients.push(c);
  return c;
};

beforeAll(async () => {
  redis = await startTestRedis();
  a = await createTestApp((c) => {
    c.sfu.rtcMinPort = 41700;
    c.sfu.rtcMaxPort = 41799;
    c.cluster.redisUrl = redis.url;
    c.cluster.keyPrefix = 'calls-test:';
    c.calls.offerTimeoutSeconds = 2;
    c.calls.reconnectGraceSeconds = 1;
  });
  // Node B shares A's store and SFU workers (one process), but has its own call service, sessions and routing.
  b = await buildApp({ config: a.config, store: a.store, sfu: a.sfu, nodeId: 'node-b' });
  urlA = await a.app.listen({ host: '127.0.0.1', port: 0 });
  urlB = await b.listen({ host: '127.0.0.1', port: 0 });
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  // Sessions end after their grace; the next test starts with nobody waiting or free.
  await expect.poll(() => a.app.calls.counts().sessions + b.calls.counts().sessions, { timeout: 10_000 }).toBe(0);
});
afterAll(async () => {
  // C and B first: they share A's store and SFU, which A's close closes.
  await c?.close();
  await b?.close();
  await a?.app.close();
  await redis?.stop();
});

let kiosks = 0;
async function kioskOnA(url = urlA): Promise<SignalClient<KioskRequests>> {
  const k = track(await newKioskClient(a, url, `k-site-${++kiosks}`));
  await next(k as never, 'session');
  return k;
}
async function agentOnB(who = 'anna', password = 'demo-agent'): Promise<SignalClient<StaffRequests>> {
  const s = track(staffClient(urlB, await signIn(b, who, password)));
  await next(s as never, 'session');
  return s;
}
const on = <T>(c: unknown, event: string): T[] => {
  const got: T[] = [];
  (c as { on(e: string, f: (d: T) => void): void }).on(event, (d) => got.push(d));
  return got;
};

describe('a call between a kiosk on one node and an agent on another', () => {
  it('is offered across nodes, held on the kiosk node, and the agent works in it through their own node', async () => {
    const k = await kioskOnA();
    const anna = await agentOnB();
    const resets = on<{ routerRtpCapabilities: unknown }>(anna, 'mediaReset');
    const offered = next<CallOffer>(anna as never, 'callOffered', 10_000);
    await anna.request('setAvailability', { available: true });
    const { callId, reference } = await k.request('requestCall', { language: 'da', topic: 'passport' });
    const offer = await offered;
    // What the agent sees of a call held on another node: the kiosk and the resident's request.
    expect(offer).toMatchObject({ callId, kind: 'call', kiosk: { id: `k-site-${kiosks}` }, request: { language: 'da', topic: 'passport' } });

    const started = next<CallSnapshot>(k as never, 'callStarted');
    const snap = await anna.request('acceptCall', { callId });
    expect(snap).toMatchObject({ step: 'in-call', callId, reference });
    const kioskSnap = await started;
    expect(kioskSnap).toMatchObject({ step: 'in-call', callId });
    // The call is held on A: its stand-in for the agent is a session there; the kiosk sees the agent by name.
    expect(kioskSnap.step === 'in-call' && kioskSnap.participants.map((p) => p.role).sort()).toEqual(['agent', 'resident']);
    expect(a.app.calls.counts()).toMatchObject({ inCall: 1 });
    expect(b.calls.counts()).toMatchObject({ inCall: 0 });
    // The agent's console is told to make its transports on A's router (before the answer, so it builds there).
    expect(resets).toHaveLength(1);

    // Media requests run on A, as the stand-in: a transport made there, and its stats read there.
    const t = await anna.request('createTransport', { direction: 'recv', sctp: false });
    await expect(anna.request('getTransportStats', { transportId: t.id })).resolves.toMatchObject({ transportId: t.id, iceState: 'new' });

    // Chat both ways: the kiosk's message reaches the agent through B.
    const annaChat = next<ChatMessage>(anna as never, 'chatMessage');
    await k.request('sendChat', { callId, text: 'Hello from the station' });
    expect(await annaChat).toMatchObject({ callId, from: { role: 'resident' }, text: 'Hello from the station' });
    const kioskChat = next<ChatMessage>(k as never, 'chatMessage');
    await anna.request('sendChat', { callId, text: 'Hello, how can I help?' });
    expect(await kioskChat).toMatchObject({ callId, from: { role: 'agent', displayName: 'Anna Holm' }, text: 'Hello, how can I help?' });

    // The agent's socket drops and comes back: B asks A for the call as it is.
    const reconnected = next<{ call: CallSnapshot | null; resumed: boolean }>(anna as never, 'session', 10_000);
    for (const ws of b.websocketServer.clients) ws.terminate(); // only the agent's socket is on B
    expect(await reconnected).toMatchObject({ resumed: true, call: { step: 'in-call', callId } });

    // The agent hangs up on B; A ends the call; both hear it, and the agent is back in wrap-up on B with warm media there.
    const kioskEnded = next<{ reason: string }>(k as never, 'callEnded');
    const annaEnded = next<{ reason: string }>(anna as never, 'callEnded');
    await anna.request('endCall', { callId });
    expect(await kioskEnded).toMatchObject({ reason: 'hangup-agent' });
    expect(await annaEnded).toMatchObject({ reason: 'hangup-agent' });
    await expect.poll(() => resets.length).toBe(2);
    await expect.poll(() => a.app.calls.counts().sessions).toBe(1); // the stand-in is gone, the kiosk stays
    // Back on B: media requests run there again.
    await expect(anna.request('createTransport', { direction: 'recv', sctp: false })).resolves.toMatchObject({ id: expect.any(String) });
    // The inquiry is written by the call's node, with the agent of the other node as its handler.
    await expect.poll(async () => (await a.store.findInquiryCase(callId as never, { kind: 'all' }))?.inquiry).toMatchObject({ status: 'ended', agentId: expect.stringMatching(/^u-/) });
  }, 40_000);

  it('takes an offer back when the resident leaves, and when the agent lets it lapse, without offering it to them again', async () => {
    const k = await kioskOnA();
    const anna = await agentOnB();
    const offered = next<CallOffer>(anna as never, 'callOffered', 10_000);
    await anna.request('setAvailability', { available: true });
    const first = await k.request('requestCall', { language: 'da' });
    await offered;
    // The resident leaves while the agent on B is being offered the call.
    const withdrawn = next<{ callId: string }>(anna as never, 'offerWithdrawn', 10_000);
    await k.request('leaveQueue', { callId: first.callId });
    expect(await withdrawn).toEqual({ callId: first.callId });
    await expect(anna.request('acceptCall', { callId: first.callId })).rejects.toMatchObject({ code: 'WRONG_STATE' });

    // A new call; the agent lets the offer lapse (2 s): it is withdrawn and not offered to them again.
    const again = next<CallOffer>(anna as never, 'callOffered', 10_000);
    const second = await k.request('requestCall', { language: 'da' });
    expect(await again).toMatchObject({ callId: second.callId });
    const lapsed = next<{ callId: string }>(anna as never, 'offerWithdrawn', 10_000);
    expect(await lapsed).toEqual({ callId: second.callId });
    const offers = on<CallOffer>(anna, 'callOffered');
    await new Promise((r) => setTimeout(r, 2500));
    expect(offers).toEqual([]);
    // Another agent on B gets it instead.
    const omar = await agentOnB('omar', 'demo-agent');
    const toOmar = next<CallOffer>(omar as never, 'callOffered', 10_000);
    await omar.request('setAvailability', { available: true });
    expect(await toOmar).toMatchObject({ callId: second.callId });
  }, 40_000);

  it('routes a callback left on one node to an agent on another, once: the store decides who takes it', async () => {
    const k = await kioskOnA();
    const cb = await k.request('requestCallback', { language: 'da', topic: 'passport', phone: '+4512345678', consent: true });
    // B reads the site's callbacks from the store; the site's router offers it to the agent on B.
    const anna = await agentOnB();
    const offered = next<CallOffer>(anna as never, 'callOffered', 15_000);
    await anna.request('setAvailability', { available: true });
    expect(await offered).toMatchObject({ callId: cb.callbackId, kind: 'callback' });
    // An agent on A sees it listed but does not get it offered meanwhile (one offer for one callback).
    const omar = track(staffClient(urlA, await signIn(a.app, 'omar', 'demo-agent')));
    await next(omar as never, 'session');
    const omarOffers = on<CallOffer>(omar, 'callOffered');
    await omar.request('setAvailability', { available: true });
    const taken = await anna.request('acceptCallback', { callbackId: cb.callbackId });
    expect(taken).toMatchObject({ state: 'taken', phone: '+4512345678', agentName: 'Anna Holm' });
    // A node that still lists it as waiting cannot hand it to another agent: the store says it is taken.
    await expect.poll(async () => (await omar.request('listCallbacks', {})).callbacks.find((c) => c.callbackId === cb.callbackId)?.state ?? 'gone', { timeout: 10_000 }).not.toBe('waiting');
    expect(omarOffers.filter((o) => o.callId === cb.callbackId)).toEqual([]);
    await anna.request('completeCallback', { callbackId: cb.callbackId, reached: true });
    expect(await a.store.findCallback(cb.callbackId)).toMatchObject({ state: 'done', agentId: expect.stringMatching(/^u-/) });
  }, 40_000);

  it("counts every node's working agents in a waiting resident's estimated wait", async () => {
    // Two agents on B, each in a call from a kiosk on B; a resident waits on A, where no agent is.
    const handle = a.config.calls.averageHandleSeconds;
    for (const who of ['anna', 'omar']) {
      const k = await kioskOnA(urlB);
      const agent = await agentOnB(who);
      const offered = next<CallOffer>(agent as never, 'callOffered', 10_000);
      await agent.request('setAvailability', { available: true });
      const { callId } = await k.request('requestCall', { language: 'da' });
      await offered;
      await agent.request('acceptCall', { callId });
    }
    const waiting = await kioskOnA();
    // Node A has no agent of its own: counted there alone, one place would wait a whole handle time.
    await expect.poll(async () => (await waiting.request('requestCall', { language: 'da' }).then(
      async (r) => {
        await waiting.request('leaveQueue', { callId: r.callId });
        return r.estimatedWaitSeconds;
      },
    )), { timeout: 10_000 }).toBe(Math.round(handle / 2));
  }, 40_000);

  it("leaves the site's open inquiries alone when a node starts while others are alive", async () => {
    const k = await kioskOnA();
    const { callId } = await k.request('requestCall', { language: 'da' });
    // A third node starts (as after a restart of one node of a running site): A's waiting call is A's, not left over.
    c = await buildApp({ config: a.config, store: a.store, sfu: a.sfu, nodeId: 'node-c' });
    await c.ready();
    expect(await a.store.findInquiry(callId)).toMatchObject({ status: 'queued', endedAt: null });
    expect(a.app.calls.counts()).toMatchObject({ queued: 1 });
  });

  it('refuses a request from another node for a session that has no stand-in there', async () => {
    const k = await kioskOnA();
    const { callId } = await k.request('requestCall', { language: 'da' });
    // What a node that never took the call (or a forged message) would ask: A answers NOT_IN_CALL and nothing changes.
    await expect(b.site!.ask(a.app.site!.nodeId, 'nobody', { kind: 'request', method: 'endCall', data: { callId } })).rejects.toMatchObject({ code: 'NOT_IN_CALL' });
    // A start for a call that is not waiting, or for a user who is no agent, is refused too.
    await expect(b.site!.ask(a.app.site!.nodeId, 'p-x', { kind: 'start', callId: 'c-none', userId: 'u-anna' })).rejects.toMatchObject({ code: 'WRONG_STATE' });
    expect(a.app.calls.counts()).toMatchObject({ queued: 1 });
  });
});
