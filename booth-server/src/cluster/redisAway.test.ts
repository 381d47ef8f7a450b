/**
 * Redis away for longer than a node lease, with two nodes of a site holding
 * a waiting resident and a call in progress: no node is declared dead for
 * it, nothing is closed, and when Redis answers again the nodes write what
 * they share again by themselves. Twice: Redis frozen (SIGSTOP, its data
 * kept: when it thaws every lease looks lapsed, and whichever node looks
 * first claims the other), and Redis killed and started again empty (no
 * persistence: every queue entry, lease and directory entry is gone).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { CallOffer, KioskRequests, StaffRequests } from '@citizen/protocol';
import type { SignalClient } from '@citizen/call-client';
import { buildApp } from '../app';
import { createTestApp, newKioskClient, next, signIn, staffClient, type TestApp } from '../testing';
import { startTestRedis, type TestRedis } from './testing/redis';

let redis: TestRedis;
let a: TestApp;
let b: FastifyInstance;
let urlA: string;
let urlB: string;
const clients: { close(): void }[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  a = await createTestApp((c) => {
    c.sfu.rtcMinPort = 41500;
    c.sfu.rtcMaxPort = 41599;
    c.cluster.redisUrl = redis.url;
    c.cluster.keyPrefix = 'away-test:';
    c.calls.reconnectGraceSeconds = 1;
  });
  b = await buildApp({ config: a.config, store: a.store, sfu: a.sfu, nodeId: 'node-b' });
  urlA = await a.app.listen({ host: '127.0.0.1', port: 0 });
  urlB = await b.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await b?.close();
  await a?.app.close();
  await redis?.stop();
});

let kiosks = 0;
async function waitingOnA(): Promise<{ k: SignalClient<KioskRequests>; callId: string }> {
  const k = await newKioskClient(a, urlA, `k-away-${++kiosks}`);
  clients.push(k);
  await next(k as never, 'session');
  const { callId } = await k.request('requestCall', { language: 'da' });
  return { k, callId };
}
async function agentOnB(who: string): Promise<SignalClient<StaffRequests>> {
  const s = staffClient(urlB, await signIn(b, who, 'demo-agent'));
  clients.push(s);
  await next(s as never, 'session');
  return s;
}
const graceMs = (): number => a.config.calls.reconnectGraceSeconds * 1000 + 5000;

describe("Redis away longer than a node's lease", () => {
  for (const how of ['frozen (SIGSTOP), its data kept', 'killed and started again empty'] as const) {
    it(`closes nothing and heals by itself: Redis ${how}`, async () => {
      // A call in progress (kiosk on A, anna on B) and a resident waiting on A.
      const first = await waitingOnA();
      const anna = await agentOnB('anna');
      const offered = next<CallOffer>(anna as never, 'callOffered', 10_000);
      await anna.request('setAvailability', { available: true });
      await offered;
      await anna.request('acceptCall', { callId: first.callId });
      const waiting = await waitingOnA();

      if (how.startsWith('frozen')) {
        process.kill(redis.pid, 'SIGSTOP');
        await new Promise((r) => setTimeout(r, 5000)); // longer than a lease (3.5 s)
        process.kill(redis.pid, 'SIGCONT');
      } else {
        const port = redis.port;
        await redis.stop({ hard: true });
        await new Promise((r) => setTimeout(r, 5000));
        redis = await startTestRedis({ port });
      }
      // Past the grace a claimant waits before closing a lost node's calls.
      await new Promise((r) => setTimeout(r, graceMs() + 2000));

      // Nothing was closed: the call goes on, the resident still waits, their inquiries are open.
      expect(a.app.calls.counts()).toMatchObject({ inCall: 1, queued: 1 });
      expect(await a.store.findInquiry(first.callId)).toMatchObject({ status: 'in-call', endedAt: null });
      expect(await a.store.findInquiry(waiting.callId)).toMatchObject({ status: 'queued', endedAt: null });
      const chat = next<{ text: string }>(first.k as never, 'chatMessage', 10_000);
      await anna.request('sendChat', { callId: first.callId, text: 'Still here' });
      expect(await chat).toMatchObject({ text: 'Still here' });

      // The shared state is whole again: an agent on B is offered the waiting resident.
      const omar = await agentOnB('omar');
      const toOmar = next<CallOffer>(omar as never, 'callOffered', 15_000);
      await omar.request('setAvailability', { available: true });
      expect(await toOmar).toMatchObject({ callId: waiting.callId });
      await omar.request('acceptCall', { callId: waiting.callId });
      for (const [agent, callId] of [[anna, first.callId], [omar, waiting.callId]] as const) {
        const ended = next(agent as never, 'callEnded');
        await agent.request('endCall', { callId });
        await ended;
        await agent.request('setAvailability', { available: false });
      }
    }, 60_000);
  }
});
