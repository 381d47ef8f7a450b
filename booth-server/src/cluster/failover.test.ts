/**
 * Two booth-server nodes of one site (one store, one Redis) behind the
 * cluster proxy: when the node a kiosk and an agent are connected to goes
 * away, both clients reconnect through the proxy to the surviving node by
 * themselves (no page reload, no new sign-in, no new kiosk enrolment): the
 * agent's cookie session is in the store and the kiosk's token in Redis, so
 * the other node lets both in at once and they can work there.
 * (Sessions and calls taken over from a killed node: tests/clusterCalls.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { KioskRequests, StaffRequests } from '@citizen/protocol';
import type { SignalClient } from '@citizen/call-client';
import { buildApp } from '../app';
import { createTestApp, kioskClient, next, signIn, staffClient, type TestApp } from '../testing';
import { ClusterProxy } from './proxy/ClusterProxy';
import { startTestRedis, type TestRedis } from './testing/redis';

let redis: TestRedis;
let a: TestApp;
let b: FastifyInstance;
let proxy: ClusterProxy;
const urls: string[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  a = await createTestApp((c) => {
    c.sfu.rtcMinPort = 41300;
    c.sfu.rtcMaxPort = 41399;
    c.cluster.redisUrl = redis.url;
    c.cluster.keyPrefix = 'failover-test:';
  });
  b = await buildApp({ config: a.config, store: a.store, sfu: a.sfu });
  urls.push(await a.app.listen({ host: '127.0.0.1', port: 0 }), await b.listen({ host: '127.0.0.1', port: 0 }));
  proxy = await ClusterProxy.start({ backends: urls, healthIntervalMs: 100, healthTimeoutMs: 500 });
  // Both nodes checked ready by the proxy before the test starts.
  for (let i = 0; i < 100 && (await fetch(`${proxy.url}/ready`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
});
afterAll(async () => {
  await proxy?.close();
  await b?.close();
  await a?.app.close().catch(() => undefined);
  await redis?.stop();
});

/** Which node a client's socket is on: the node whose sessions include it. */
const sessionsOn = (app: FastifyInstance): number => app.calls.counts().sessions;

describe('a node going away behind the proxy', () => {
  it('lets the kiosk and the agent reconnect to the surviving node by themselves and go on working there', async () => {
    const cookie = await signIn(a.app, 'anna', 'demo-agent');
    const k: SignalClient<KioskRequests> = kioskClient(proxy.url, a.credentialFile, { minBackoffMs: 50 });
    const anna: SignalClient<StaffRequests> = staffClient(proxy.url, cookie);
    await Promise.all([next(k as never, 'session'), next(anna as never, 'session')]);
    const both = sessionsOn(a.app) + sessionsOn(b);
    expect(both).toBe(2);
    // The node holding a client vanishes as a killed one does: its sockets drop and its port refuses.
    // (Not app.close(): the two nodes share this process's store, which a close would close for both.)
    const [gone, stays] = sessionsOn(a.app) > 0 ? [a.app, b] : [b, a.app];
    for (const ws of gone.websocketServer.clients) ws.terminate();
    gone.server.close();
    gone.server.closeAllConnections();
    // Whichever client was on it reconnects through the proxy, to the survivor.
    await expect.poll(() => sessionsOn(stays), { timeout: 15_000 }).toBe(2);
    // Both work on the survivor: the kiosk asks about its queue, the agent makes themself available.
    await expect(k.request('queueStatus', { language: 'da' })).resolves.toMatchObject({ open: expect.any(Boolean) });
    await expect(anna.request('setAvailability', { available: true })).resolves.toMatchObject({ available: true });
    k.close();
    anna.close();
  }, 60_000);
});
