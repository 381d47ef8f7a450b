/**
 * Routing shared by three nodes on one real Redis, driven by a seeded random
 * schedule in which the nodes route at the same moment, accept the same offer
 * at once, decline, leave and come back: an agent is never offered two calls,
 * a resident never offered to two agents, an offer is accepted once, a call
 * once taken is never offered again, and a declined call never goes back to
 * the agent who declined it. Then: an offer whose node died lapses by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentSkills } from '@citizen/protocol';
import { loadConfig } from '@citizen/config';
import { QueueSet } from '../routing/queues';
import { SkillRouting } from '../routing/SkillRouting';
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

/** mulberry32: the same schedule on every run for a seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LANGS = ['da', 'en', 'ar', 'uk'];
const TOPICS = [undefined, 'passport', 'moving-address', 'parking'];

describe('routing shared by three nodes', () => {
  for (const seed of [1, 2, 3]) {
    it(`never double-offers on a seeded schedule with racing nodes (seed ${seed})`, async () => {
      const rnd = prng(seed);
      const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      const prefix = `route${seed}:`;
      const nodes = [0, 1, 2].map(() => new SharedRouting({ url: redis.url, prefix, offerTtlMs: 60_000, makeRouting }));
      const agents = Array.from({ length: 8 }, (_, i) => ({
        userId: `u-${i}`,
        skills: { languages: { [LANGS[i % LANGS.length]!]: 3, en: 2 }, topics: i % 3 === 0 ? {} : { passport: 2, 'moving-address': 2 } } as AgentSkills,
      }));
      // The model: what must hold whatever the nodes do.
      const waiting = new Set<string>();
      const taken = new Set<string>();
      const offers = new Map<string, string>(); // callId → userId, as the nodes reserved them
      const free = new Set<string>();
      const declined = new Map<string, Set<string>>(); // userId → calls they declined
      let calls = 0;
      let now = 1_000_000;
      let offersMade = 0;
      let accepted = 0;
      try {
        for (let step = 0; step < 150; step++) {
          now += 1_000;
          const r = rnd();
          if (r < 0.25) {
            const callId = `c-${seed}-${++calls}`;
            const topic = pick(TOPICS);
            await pick(nodes).enqueue({ callId, request: { language: pick(LANGS), ...(topic ? { topic } : {}) }, queuedAt: now });
            waiting.add(callId);
          } else if (r < 0.4) {
            const a = pick(agents);
            if (![...offers.values()].includes(a.userId)) {
              await pick(nodes).agentFree({ ...a, idleSince: now, nodeId: `node-${Math.floor(rnd() * 3)}`, declined: [...(declined.get(a.userId) ?? [])] });
              free.add(a.userId);
            }
          } else if (r < 0.7) {
            // All three nodes route at the same moment.
            const passes = await Promise.all(nodes.map((n) => n.route(now)));
            const made: ReservedOffer[] = passes.flat();
            const callsOffered = made.map((o) => o.callId);
            const agentsOffered = made.map((o) => o.userId);
            expect(new Set(callsOffered).size, 'a call offered twice at once').toBe(callsOffered.length);
            expect(new Set(agentsOffered).size, 'an agent offered twice at once').toBe(agentsOffered.length);
            for (const o of made) {
              expect(offers.has(o.callId), `call ${o.callId} offered while it has an offer`).toBe(false);
              expect([...offers.values()], `agent ${o.userId} offered while holding an offer`).not.toContain(o.userId);
              expect(waiting.has(o.callId), `call ${o.callId} offered but not waiting`).toBe(true);
              expect(taken.has(o.callId)).toBe(false);
              expect(free.has(o.userId), `agent ${o.userId} offered but not free`).toBe(true);
              expect(declined.get(o.userId)?.has(o.callId) ?? false, `call ${o.callId} offered again to ${o.userId} who declined it`).toBe(false);
              offers.set(o.callId, o.userId);
            }
            offersMade += made.length;
          } else if (r < 0.85 && offers.size > 0) {
            // Two nodes accept the same offer at once (a double click, a retried request): one wins.
            const [callId, userId] = pick([...offers]);
            const results = await Promise.all([pick(nodes).accept(callId, userId), pick(nodes).accept(callId, userId)]);
            expect(results.filter(Boolean)).toHaveLength(1);
            offers.delete(callId);
            waiting.delete(callId);
            taken.add(callId);
            free.delete(userId);
            accepted++;
          } else if (r < 0.93 && offers.size > 0) {
            const [callId, userId] = pick([...offers]);
            await pick(nodes).decline(callId, userId);
            offers.delete(callId);
            if (!declined.has(userId)) declined.set(userId, new Set());
            declined.get(userId)!.add(callId);
            // A stale accept of a declined offer is refused.
            expect(await pick(nodes).accept(callId, userId)).toBe(false);
          } else if (waiting.size > 0) {
            const callId = pick([...waiting]);
            await pick(nodes).remove(callId);
            waiting.delete(callId);
            const holder = offers.get(callId);
            offers.delete(callId);
            if (holder) expect(await pick(nodes).accept(callId, holder)).toBe(false);
          }
        }
        // The schedule exercised what it is about.
        expect(offersMade).toBeGreaterThan(10);
        expect(accepted).toBeGreaterThan(3);
        expect((await nodes[0]!.waiting()).map((c) => c.callId).sort()).toEqual([...waiting].sort());
      } finally {
        for (const n of nodes) n.close();
      }
    });
  }

  it('lets an offer lapse by itself (its node died before the agent answered): the call and the agent are offered again', async () => {
    const prefix = 'lapse:';
    const dead = new SharedRouting({ url: redis.url, prefix, offerTtlMs: 150, makeRouting });
    const alive = new SharedRouting({ url: redis.url, prefix, offerTtlMs: 150, makeRouting });
    try {
      await alive.enqueue({ callId: 'c-lapse', request: { language: 'da' }, queuedAt: 1 });
      await alive.agentFree({ userId: 'u-lapse', skills: { languages: { da: 3 }, topics: {} }, idleSince: 1, nodeId: 'node-dead', declined: [] });
      expect(await dead.route(2)).toEqual([{ callId: 'c-lapse', userId: 'u-lapse', nodeId: 'node-dead', call: { callId: 'c-lapse', request: { language: 'da' }, queuedAt: 1 } }]);
      dead.close();
      expect(await alive.route(3)).toEqual([]);
      await expect.poll(async () => (await alive.route(4)).length, { timeout: 5_000, interval: 50 }).toBe(1);
      expect(await alive.offerOf('c-lapse')).toBe('u-lapse');
    } finally {
      alive.close();
    }
  });

  it('takes an offer back unanswered without marking it declined, and forgets the agents of a node that is gone', async () => {
    const r = new SharedRouting({ url: redis.url, prefix: 'release:', offerTtlMs: 60_000, makeRouting });
    try {
      await r.enqueue({ callId: 'c-1', request: { language: 'da' }, queuedAt: 1 });
      await r.agentFree({ userId: 'u-1', skills: { languages: { da: 3 }, topics: {} }, idleSince: 1, nodeId: 'node-1', declined: [] });
      expect(await r.route(2)).toHaveLength(1);
      // Only the offer held is handed back: another agent's or call's pairing is not touched.
      expect(await r.release('c-1', 'u-other')).toBe(false);
      expect(await r.release('c-1', 'u-1')).toBe(true);
      expect(await r.offerOf('c-1')).toBeNull();
      // Not declined: the same pairing is made again at once.
      expect((await r.route(3)).map((o) => [o.callId, o.userId])).toEqual([['c-1', 'u-1']]);
      await r.release('c-1', 'u-1');
      // Node 1 is gone: its agent is free nowhere, and nothing is offered.
      await r.agentFree({ userId: 'u-2', skills: { languages: { da: 3 }, topics: {} }, idleSince: 5, nodeId: 'node-2', declined: [] });
      expect(await r.dropNode('node-1')).toBe(1);
      expect((await r.route(4)).map((o) => o.userId)).toEqual(['u-2']);
      expect(await r.waitingCall('c-1')).toMatchObject({ callId: 'c-1', queuedAt: 1 });
    } finally {
      r.close();
    }
  });
});
