/**
 * Routing as a site-wide duty, with three "nodes" in this process on one
 * real redis-server (each its own Redis connections, SharedRouting, node bus
 * and routing duty): kicks from any node lead to offers, routed by the
 * duty's holder only (passes counted per node); when the holder closes, or
 * dies without giving the duty up, another node routes from the same state,
 * including what was kicked while nobody held it; no call or agent is ever
 * offered twice; kicks during a pass are coalesced into one more pass.
 * Conditions are polled; no durations are asserted.
 */
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@citizen/config';
import { QueueSet } from '../routing/queues';
import { SkillRouting } from '../routing/SkillRouting';
import { MemoryNodeBus, RedisNodeBus } from './NodeBus';
import { connectRedis } from './redis';
import { RoutingDriver } from './RoutingDriver';
import { SharedRouting, type ReservedOffer } from './SharedRouting';
import { startTestRedis, type TestRedis } from './testing/redis';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const config = loadConfig({ files: [], env: {} });
const queues = new QueueSet(config.routing.queues);
const makeRouting = () => new SkillRouting({ queues, agingSeconds: config.routing.agingSeconds, priorityNeeds: config.routing.priorityNeeds });
const TTL = 600;
const poll = { timeout: 10_000, interval: 20 };
const skills = { languages: { da: 3, en: 2 }, topics: {} };

interface Node {
  id: string;
  shared: SharedRouting;
  driver: RoutingDriver;
  /** Cuts this node off without any goodbye (as a killed process): its lease lapses after ttl. */
  die(): Promise<void>;
  close(): Promise<void>;
}

interface Site {
  prefix: string;
  nodes: Node[];
  /** Every offer any node's passes reserved, with the node that routed it. */
  offers: (ReservedOffer & { by: string })[];
  errors: unknown[];
  close(): Promise<void>;
}

let sites = 0;
async function site(n: number, sweepMs = 0): Promise<Site> {
  const prefix = `rd${++sites}:`;
  const offers: Site['offers'] = [];
  const errors: unknown[] = [];
  const nodes: Node[] = [];
  for (let i = 1; i <= n; i++) {
    const id = `node-${i}`;
    const dutyRedis: Redis = connectRedis(redis.url);
    const shared = new SharedRouting({ url: redis.url, prefix, offerTtlMs: 30_000, makeRouting });
    const bus = new RedisNodeBus({ url: redis.url, prefix });
    let dead = false;
    const driver = await RoutingDriver.start({
      nodeId: id,
      routing: shared,
      bus,
      duty: { redis: dutyRedis, keyPrefix: prefix, ttlMs: TTL },
      sweepMs,
      onOffers: (os) => void offers.push(...os.map((o) => ({ ...o, by: id }))),
      onError: (err) => void (dead || errors.push(err)),
    });
    let closed: Promise<void> | null = null;
    const close = (): Promise<void> =>
      (closed ??= (async () => {
        await driver.close();
        shared.close();
        await bus.close();
        dutyRedis.disconnect();
      })());
    nodes.push({
      id,
      shared,
      driver,
      die: async () => {
        dead = true;
        dutyRedis.disconnect();
        shared.close();
        await bus.close();
      },
      close,
    });
  }
  return { prefix, nodes, offers, errors, close: async () => void (await Promise.all(nodes.map((x) => x.close()))) };
}

const holders = (s: Site): Node[] => s.nodes.filter((x) => x.driver.isRouter());
const passes = (s: Site): Record<string, number> => Object.fromEntries(s.nodes.map((x) => [x.id, x.driver.passes]));

/** A resident waits and an agent is free, fed by `via` (any node), which then kicks. */
async function feed(via: Node, callId: string, userId: string): Promise<void> {
  const now = Date.now();
  await via.shared.enqueue({ callId, request: { language: 'da' }, queuedAt: now });
  await via.shared.agentFree({ userId, skills, idleSince: now, nodeId: via.id, declined: [] });
  via.driver.kick();
}

function expectNoDoubleOffers(s: Site): void {
  const calls = s.offers.map((o) => o.callId);
  const agents = s.offers.map((o) => o.userId);
  expect(new Set(calls).size).toBe(calls.length);
  expect(new Set(agents).size).toBe(agents.length);
}

describe('RoutingDriver', () => {
  it('routes on the holder only: kicks from every node lead to offers, and no other node runs a pass', async () => {
    const s = await site(3);
    try {
      await expect.poll(() => holders(s).length, poll).toBe(1);
      const holder = holders(s)[0]!;
      let k = 0;
      for (const via of [...s.nodes, ...s.nodes]) {
        k++;
        await feed(via, `c${k}`, `u${k}`);
        await expect.poll(() => s.offers.some((o) => o.callId === `c${k}`), poll).toBe(true);
        // Accepted at the agent's node: both leave the shared lists.
        expect(await via.shared.accept(`c${k}`, `u${k}`)).toBe(true);
      }
      expect(s.offers.map((o) => o.by)).toEqual(Array(k).fill(holder.id));
      expect(s.offers.map((o) => [o.callId, o.userId])).toEqual(Array.from({ length: k }, (_, i) => [`c${i + 1}`, `u${i + 1}`]));
      const p = passes(s);
      expect(p[holder.id]).toBeGreaterThanOrEqual(k);
      for (const x of s.nodes) if (x !== holder) expect(p[x.id]).toBe(0);
      expect(holders(s)).toEqual([holder]);
      expectNoDoubleOffers(s);
      expect(s.errors).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('when the holder closes, another node takes the duty and routes; the closed one no longer does', async () => {
    const s = await site(3);
    try {
      await expect.poll(() => holders(s).length, poll).toBe(1);
      const first = holders(s)[0]!;
      const others = s.nodes.filter((x) => x !== first);
      await feed(others[0]!, 'c1', 'u1');
      await expect.poll(() => s.offers.length, poll).toBe(1);

      await first.close();
      const firstPasses = first.driver.passes;
      await expect.poll(() => holders(s).length, poll).toBe(1);
      const second = holders(s)[0]!;
      expect(second).not.toBe(first);
      const bystander = others.find((x) => x !== second)!;
      await feed(bystander, 'c2', 'u2');
      await expect.poll(() => s.offers.some((o) => o.callId === 'c2'), poll).toBe(true);
      expect(s.offers.find((o) => o.callId === 'c2')!.by).toBe(second.id);
      expect(first.driver.passes).toBe(firstPasses);
      expect(bystander.driver.passes).toBe(0);
      // c1's offer (held for u1 until it lapses) is not made again by the new holder.
      expect(s.offers.filter((o) => o.callId === 'c1').length).toBe(1);
      expectNoDoubleOffers(s);
      expect(s.errors).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('when the holder dies, another takes over after the lease lapses and routes what was kicked meanwhile', async () => {
    const s = await site(3);
    try {
      await expect.poll(() => holders(s).length, poll).toBe(1);
      const doomed = holders(s)[0]!;
      const survivors = s.nodes.filter((x) => x !== doomed);
      await doomed.die();
      // Fed and kicked while the dead node's lease still stands: the kick goes unheard.
      await feed(survivors[0]!, 'c1', 'u1');
      await expect.poll(() => survivors.filter((x) => x.driver.isRouter()).length, poll).toBe(1);
      const heir = survivors.find((x) => x.driver.isRouter())!;
      // The heir routes the state in Redis on taking the duty, with no new kick.
      await expect.poll(() => s.offers.map((o) => [o.callId, o.userId, o.by]), poll).toEqual([['c1', 'u1', heir.id]]);
      expect(await survivors[1]!.shared.accept('c1', 'u1')).toBe(true);
      expect(doomed.driver.isRouter()).toBe(false);
      for (const x of survivors) if (x !== heir) expect(x.driver.passes).toBe(0);
      expectNoDoubleOffers(s);
    } finally {
      await s.close();
    }
  });

  it('runs one pass at a time: kicks during a pass make one more pass after it, not one each', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let running = 0;
    let maxRunning = 0;
    let routed = 0;
    const bus = new MemoryNodeBus();
    const driver = await RoutingDriver.start({
      nodeId: 'solo',
      bus,
      duty: { ttlMs: TTL }, // no Redis: one node, always the holder
      sweepMs: 0,
      onOffers: () => {},
      routing: {
        route: async () => {
          routed++;
          maxRunning = Math.max(maxRunning, ++running);
          if (routed === 2) await gate; // the first pass is the takeover's
          running--;
          return [];
        },
      },
    });
    try {
      await driver.whenIdle();
      expect(driver.isRouter()).toBe(true);
      expect(routed).toBe(1);
      driver.kick();
      await expect.poll(() => routed, poll).toBe(2);
      for (let i = 0; i < 50; i++) driver.kick();
      await bus.publish('routing:kick', { from: 'elsewhere' });
      release();
      await driver.whenIdle();
      expect(routed).toBe(3);
      expect(maxRunning).toBe(1);
    } finally {
      await driver.close();
      await bus.close();
    }
    expect(driver.isRouter()).toBe(false);
    driver.kick();
    expect(routed).toBe(3);
  });
});
