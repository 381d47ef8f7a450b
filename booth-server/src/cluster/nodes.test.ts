/**
 * Two booth-server nodes of one site (one store, one Redis, `cluster.redisUrl`
 * set): a kiosk let in by one node with its token is let in by the other, a
 * revocation at one node shuts it out at both at once; when Redis goes away
 * both report not-ready and refuse kiosk work with a clear 503, and they
 * recover by themselves when it is back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app';
import { createTestApp, kioskToken, signInHeaders, type TestApp } from '../testing';
import { startTestRedis, type TestRedis } from './testing/redis';

let redis: TestRedis;
let a: TestApp;
let b: FastifyInstance;

beforeAll(async () => {
  redis = await startTestRedis();
  a = await createTestApp((c) => {
    c.sfu.rtcMinPort = 43800;
    c.sfu.rtcMaxPort = 43899;
    c.cluster.redisUrl = redis.url;
    c.cluster.keyPrefix = 'nodes-test:';
  });
  // The second node: the same configuration, store and SFU workers as the first, its own process state.
  b = await buildApp({ config: a.config, store: a.store, sfu: a.sfu });
  await b.ready();
});
afterAll(async () => {
  await a?.app.close();
  await b?.close();
  await redis?.stop();
});

const self = (app: FastifyInstance, auth: string) => app.inject({ method: 'GET', url: '/api/kiosk/self', headers: { authorization: auth } });

describe('two nodes sharing Redis', () => {
  it('lets a kiosk in at both with the token one gave it; a revocation at one node refuses it at both at once', async () => {
    const { kioskId, privateKey } = a.demoKiosk;
    const auth = `Kiosk ${kioskId}:${await kioskToken(a.app, kioskId, privateKey)}`;
    expect((await self(a.app, auth)).statusCode).toBe(200);
    expect((await self(b, auth)).statusCode).toBe(200);
    // A challenge given by one node is signed and redeemed at the other.
    const viaB = `Kiosk ${kioskId}:${await kioskToken(b, kioskId, privateKey)}`;
    expect((await self(a.app, viaB)).statusCode).toBe(200);

    const tech = await signInHeaders(b, 'tech', 'demo-tech');
    expect((await b.inject({ method: 'POST', url: `/api/kiosks/${kioskId}/revoke`, headers: tech })).statusCode).toBe(200);
    for (const node of [a.app, b]) for (const token of [auth, viaB]) expect((await self(node, token)).statusCode).toBe(401);
  });

  it('reports not-ready and refuses kiosk work with a clear 503 while Redis is away, and recovers by itself', async () => {
    const ready = async (app: FastifyInstance) => {
      const res = await app.inject({ method: 'GET', url: '/ready' });
      return { status: res.statusCode, redis: (res.json() as { checks: { redis?: boolean } }).checks.redis };
    };
    expect(await ready(a.app)).toEqual({ status: 200, redis: true });
    const port = redis.port;
    await redis.stop({ hard: true });
    expect(await ready(a.app)).toEqual({ status: 503, redis: false });
    expect(await ready(b)).toEqual({ status: 503, redis: false });
    const refused = await a.app.inject({ method: 'GET', url: '/api/kiosk/self', headers: { authorization: 'Kiosk k-demo-central-1:some-token' } });
    expect(refused.statusCode).toBe(503);
    expect(refused.json()).toMatchObject({ code: 'LIVE_STATE_UNAVAILABLE', fix: expect.stringContaining('Redis') });
    // Staff work that needs no shared state goes on.
    expect((await a.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);

    redis = await startTestRedis({ port });
    await expect.poll(async () => (await ready(a.app)).status, { timeout: 15_000, interval: 200 }).toBe(200);
    await expect.poll(async () => (await ready(b)).status, { timeout: 15_000, interval: 200 }).toBe(200);
    const c = await a.app.inject({ method: 'POST', url: '/api/kiosk/challenge', payload: { kioskId: 'k-demo-central-1' } });
    expect(c.statusCode).not.toBe(503);
  });
});
