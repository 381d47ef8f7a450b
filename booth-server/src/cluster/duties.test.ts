/**
 * Site-wide duties on two booth-server nodes of one site (one store, one
 * Redis): a kiosk whose heartbeats reach the node that does not hold the
 * fleet duty is not taken for offline by the holder; when it goes offline
 * the site gets one alert (one store row, one webhook post), and one clear
 * when it is back; an expired remote action is expired and audited by one
 * node. Fleet time is two fake clocks moved together.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ACTION_EXPIRY_MINUTES, HEARTBEAT_PATH, type KioskId } from '@citizen/protocol';
import { buildApp } from '../app';
import { createTestApp, kioskToken, signInHeaders, type TestApp } from '../testing';
import { FakeClock, HEALTHY } from '../fleet/testing';
import { startTestRedis, type TestRedis } from './testing/redis';

let redis: TestRedis;
let a: TestApp;
let b: FastifyInstance;
let hook: Server;
const posts: { type: string; kind: string }[] = [];
const start = Date.now();
const clocks = [new FakeClock(start), new FakeClock(start)];
let offsetMs = 0;
const now = (): Date => new Date(Date.now() + offsetMs);

beforeAll(async () => {
  redis = await startTestRedis();
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const e = JSON.parse(body) as { type: string; alert: { kind: string } };
      posts.push({ type: e.type, kind: e.alert.kind });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  const port = (hook.address() as { port: number }).port;
  a = await createTestApp(
    (c) => {
      c.sfu.rtcMinPort = 43000;
      c.sfu.rtcMaxPort = 43099;
      c.cluster.redisUrl = redis.url;
      c.cluster.keyPrefix = 'duties-test:';
      c.fleet.webhook.url = `http://127.0.0.1:${port}/fleet`;
      c.fleet.webhook.secret = 'duties-test-webhook-secret';
    },
    { fleetClock: clocks[0]!, now },
  );
  // The second node: same configuration, store and SFU workers, its own process state and fleet clock.
  b = await buildApp({ config: a.config, store: a.store, sfu: a.sfu, fleetClock: clocks[1]!, now });
  await b.ready();
});
afterAll(async () => {
  await a?.app.close();
  await b?.close();
  await redis?.stop();
  hook?.close();
});

const nodes = (): FastifyInstance[] => [a.app, b];
const poll = { timeout: 10_000, interval: 20 };

/** The node holding `duty` and the other, once exactly one holds it. */
async function split(duty: 'fleet' | 'actions'): Promise<{ holder: FastifyInstance; other: FastifyInstance }> {
  await expect.poll(() => nodes().filter((n) => n.duties[duty].isHeld()).length, poll).toBe(1);
  const holder = nodes().find((n) => n.duties[duty].isHeld())!;
  return { holder, other: holder === a.app ? b : a.app };
}

/** Fleet time passes on both nodes (their sweeps run), and what the sweeps queued is done. */
async function advance(ms: number): Promise<void> {
  for (const c of clocks) c.advance(ms);
  for (let i = 0; i < 2; i++) await Promise.all(nodes().map((n) => n.fleet.monitor.settled()));
}

describe('site-wide duties on two nodes', () => {
  it('raises one offline alert (one row, one webhook post) for a kiosk whose heartbeats reach the other node, and one clear', async () => {
    const { holder, other } = await split('fleet');
    const { kioskId, privateKey } = a.demoKiosk;
    const id = kioskId as KioskId;
    const beat = async (node: FastifyInstance) => {
      const auth = `Kiosk ${kioskId}:${await kioskToken(node, kioskId, privateKey)}`;
      expect((await node.inject({ method: 'POST', url: HEARTBEAT_PATH, headers: { authorization: auth }, payload: HEALTHY })).statusCode).toBe(200);
    };
    const period = a.config.fleet.heartbeatSeconds * 1000;
    const status = async (node: FastifyInstance) => node.fleet.monitor.overview(await a.store.listKiosks()).find((k) => k.id === id)!;

    // The kiosk talked to the holder once, then moved to the other node (as a load balancer may move it).
    await beat(holder);
    for (let i = 0; i < a.config.fleet.offlineAfterMissed * 3; i++) {
      await beat(other);
      await advance(period);
    }
    expect(await a.store.listActiveFleetAlerts()).toEqual([]);
    // The holder's view is the site's: online, with the other node's last heartbeat.
    expect((await status(holder)).status).toBe('online');

    // It stops: one alert for the site, seen on both nodes.
    for (let i = 0; i <= a.config.fleet.offlineAfterMissed + 1; i++) await advance(period);
    const alerts = (await a.store.listFleetAlerts(id, new Date(0), 50)).filter((x) => x.kind === 'offline');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.clearedAt).toBeNull();
    for (const n of nodes()) {
      const s = await status(n);
      expect(s.status).toBe('offline');
      expect(s.alerts.map((x) => x.kind)).toEqual(['offline']);
    }
    await expect.poll(() => posts.length, poll).toBe(1);

    // Back, through the other node: cleared once.
    await beat(other);
    await advance(period);
    expect(await a.store.listActiveFleetAlerts()).toEqual([]);
    expect((await a.store.listFleetAlerts(id, new Date(0), 50)).filter((x) => x.kind === 'offline')).toHaveLength(1);
    await expect.poll(() => posts.length, poll).toBe(2);
    // A little longer: no late post from the other node.
    await new Promise((r) => setTimeout(r, 300));
    expect(posts).toEqual([
      { type: 'alert.raised', kind: 'offline' },
      { type: 'alert.cleared', kind: 'offline' },
    ]);
    for (const n of nodes()) expect((await status(n)).status).toBe('online');
  });

  it('expires and audits an action once: only the node holding the actions duty runs the expiry', async () => {
    const { holder, other } = await split('actions');
    const kioskId = a.demoKiosk.kioskId;
    const tech = await signInHeaders(other, 'tech', 'demo-tech');
    const res = await other.inject({ method: 'POST', url: `/api/kiosks/${kioskId}/actions`, headers: tech, payload: { action: 'reload' } });
    expect(res.statusCode).toBe(202);
    const actionId = (res.json() as { id: number }).id;

    offsetMs += (ACTION_EXPIRY_MINUTES + 1) * 60_000;
    const runs = await Promise.all([holder, other, holder, other].map((n) => n.kioskActionsExpiry.run()));
    expect(runs).toEqual([1, null, 0, null]);

    const audit = (await a.store.listKioskAudit(kioskId as KioskId, 50)).filter(
      (r) => r.action === 'action-result' && (r.data as { actionId?: number }).actionId === actionId,
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]!.data).toMatchObject({ outcome: 'expired' });
  });
});
