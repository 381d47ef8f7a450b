/**
 * One booth-server node for bench/cluster-routing.bench.ts, in a process of
 * its own (forked with `--import tsx`), so several nodes really decide at the
 * same time as separate booth-server processes do. It holds its own
 * SharedRouting (its own Redis connection) on the run's key prefix. Two modes:
 *
 *   - `race` (every node routes): until the run's deadline it loops: a
 *     routing pass (snapshot → SkillRouting → reserve each pairing with the
 *     Lua script), then for each offer it reserved the agent accepts at once
 *     (taking the call and the agent off the lists), the call is over at once,
 *     the agent becomes free again and a new resident arrives — so the
 *     population stays at its size and every pass has work.
 *   - `duty` (one router at a time): every node runs a RoutingDriver (its own
 *     node bus and `routing` duty); only the duty's holder runs passes. Each
 *     agent belongs to one node (its `nodeId`): the holder sends a pass's
 *     offers to the agents' nodes over the node bus, and each node accepts
 *     its agents' offers, frees them again, enqueues the new residents and
 *     kicks the driver (a non-holder's kick goes over the bus to the holder),
 *     so every node feeds its share of the state. After the deadline each
 *     node closes its driver and says how many offers it sent to which node;
 *     the parent then tells each node how many to wait for before it reports.
 *
 * An agent comes back free under a new id (`a17~1.42`: agent a17's 42nd free
 * period, freed by node 1): each free period of an agent may be offered one
 * call at most, each call one agent at most, so the parent finds any double
 * offer simply as an id reserved twice.
 *
 * Also the population both sides share: the queues, languages, topics and
 * skills of bench/routing.bench.ts, from seeded generators.
 */
import { performance } from 'node:perf_hooks';
import type { AgentSkills, CallRequestInfo } from '@citizen/protocol';
import { Type } from '@sinclair/typebox';
import { RedisNodeBus } from '../booth-server/src/cluster/NodeBus';
import { connectRedis } from '../booth-server/src/cluster/redis';
import { RoutingDriver } from '../booth-server/src/cluster/RoutingDriver';
import { SharedRouting, type ReservedOffer, type SharedAgent } from '../booth-server/src/cluster/SharedRouting';
import type { WaitingCall } from '../booth-server/src/routing/CallRouting';
import { benchSkillRouting } from './routingQueues';

// ── The population (the queues of bench/routing.bench.ts) ───────────────────────────

export const makeRouting = benchSkillRouting;

const LANGS = ['da', 'da', 'da', 'en', 'uk', 'ar'];
const TOPICS = ['passport', 'housing-benefit', 'moving-address', undefined];

/** A fixed pseudo-random sequence per seed (the LCG of bench/routing.bench.ts). */
export function generator(seed: number) {
  let s = seed >>> 0 || 1;
  const rand = (): number => ((s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  return {
    request(): CallRequestInfo {
      const topic = pick(TOPICS);
      return { language: pick(LANGS), ...(topic ? { topic } : {}), ...(rand() < 0.05 ? { needs: ['hearing' as const] } : {}) };
    },
    skills(): AgentSkills {
      return {
        languages: { da: 3, ...(rand() < 0.5 ? { en: 2 } : {}), ...(rand() < 0.1 ? { uk: 3 } : {}), ...(rand() < 0.1 ? { ar: 3 } : {}) },
        topics: rand() < 0.3 ? {} : { [pick(['passport', 'housing-benefit', 'moving-address'])]: 3 },
      };
    },
  };
}

/** The agents' skills (`a0`…), the same in every process and run. */
export function agentSkills(agents: number): Map<string, AgentSkills> {
  const gen = generator(4242);
  return new Map(Array.from({ length: agents }, (_, i) => [`a${i}`, gen.skills()] as const));
}

/** The agent behind a free-period id (`a17~1.42` → `a17`). */
export const agentOf = (userId: string): string => userId.split('~')[0]!;

// ── Messages with the parent ────────────────────────────────────────────────

export type Mode = 'race' | 'duty';

export interface RunOrder {
  cmd: 'run';
  /** race: every node routes; duty: only the routing duty's holder does. */
  mode: Mode;
  url: string;
  prefix: string;
  node: number;
  seed: number;
  /** Wall-clock start and end of the measured window (Date.now()): the same for every node. */
  startAt: number;
  endAt: number;
  offerTtlMs: number;
  /** Agents a0…a(agents-1): their skills come from agentSkills(). */
  agents: number;
}
/** Duty mode, once every node has stopped: the offers sent to this node, to accept before it reports. */
export type ToNode = RunOrder | { cmd: 'drain'; expect: number } | { cmd: 'close' };

export interface RunReport {
  node: number;
  /** Accepted pairings whose accept returned inside the window. */
  decisions: number;
  /**
   * Per decision inside the window: ms from the start of the pass that made it
   * to route()'s return — when its offer can be sent to the agent (route()
   * reserves a pass's pairings one after another and hands them back together).
   */
  latencies: number[];
  /** Passes started inside the window, and how many of them reserved nothing. */
  passes: number;
  emptyPasses: number;
  /** Every pairing this node reserved, in or after the window (for the double-offer check). */
  reservedCalls: string[];
  reservedAgents: string[];
  /** Accepts refused: an offer this node reserved was no longer held (must be 0). */
  acceptsRefused: number;
  /** Duty mode: whether this node held the routing duty at the deadline. */
  router?: boolean;
}
/** Duty mode: `stopped` (its driver closed) with the offers it sent to each node (`node-<i>` → count). */
export type FromNode = { ready: true } | { stopped: Record<string, number> } | { report: RunReport };

// ── The node ────────────────────────────────────────────────────────────────

async function runRace(o: RunOrder): Promise<RunReport> {
  const shared = new SharedRouting({ url: o.url, prefix: o.prefix, offerTtlMs: o.offerTtlMs, makeRouting });
  const gen = generator(o.seed);
  const nodeId = `node-${o.node}`;
  const skills = agentSkills(o.agents);
  const report: RunReport = { node: o.node, decisions: 0, latencies: [], passes: 0, emptyPasses: 0, reservedCalls: [], reservedAgents: [], acceptsRefused: 0 };
  let arrivals = 0;
  let freed = 0;
  try {
    await shared.offerOf('-'); // connected before the start
    while (Date.now() < o.startAt) await new Promise((r) => setTimeout(r, Math.min(5, o.startAt - Date.now())));
    while (Date.now() < o.endAt) {
      report.passes++;
      const t0 = performance.now();
      const offers = await shared.route(Date.now());
      const decidedIn = performance.now() - t0;
      if (offers.length === 0) report.emptyPasses++;
      for (const offer of offers) {
        report.reservedCalls.push(offer.callId);
        report.reservedAgents.push(offer.userId);
      }
      // Each agent accepts (its node would send the offer and get the answer);
      // the call ends at once; the agent is free again under a new period id,
      // and a new resident arrives in their place.
      await Promise.all(
        offers.map(async (offer) => {
          if (!(await shared.accept(offer.callId, offer.userId))) {
            report.acceptsRefused++;
            return;
          }
          if (Date.now() <= o.endAt) {
            report.decisions++;
            report.latencies.push(decidedIn);
          }
          const now = Date.now();
          const agent: SharedAgent = { userId: `${agentOf(offer.userId)}~${o.node}.${++freed}`, skills: skills.get(agentOf(offer.userId))!, idleSince: now, nodeId, declined: [] };
          const call: WaitingCall = { callId: `n${o.node}-${++arrivals}`, request: gen.request(), queuedAt: now };
          await Promise.all([shared.agentFree(agent), shared.enqueue(call)]);
        }),
      );
    }
  } finally {
    shared.close();
  }
  return report;
}

const OfferBatch = Type.Object({ offers: Type.Array(Type.Object({ callId: Type.String(), userId: Type.String() })), decidedMs: Type.Number() });
/** Duty mode: the routing duty's lease outlasts a run (no renewal inside it), so its scripts are known: one a node. */
export const DUTY_TTL_MS = 30_000;

async function runDuty(o: RunOrder, stopped: (sentTo: Record<string, number>) => void, drained: Promise<number>): Promise<RunReport> {
  const shared = new SharedRouting({ url: o.url, prefix: o.prefix, offerTtlMs: o.offerTtlMs, makeRouting });
  const bus = new RedisNodeBus({ url: o.url, prefix: o.prefix });
  const dutyRedis = connectRedis(o.url);
  const gen = generator(o.seed);
  const nodeId = `node-${o.node}`;
  const skills = agentSkills(o.agents);
  const report: RunReport = { node: o.node, decisions: 0, latencies: [], passes: 0, emptyPasses: 0, reservedCalls: [], reservedAgents: [], acceptsRefused: 0 };
  const sentTo: Record<string, number> = {};
  const pending = new Set<Promise<void>>();
  let received = 0;
  let arrivals = 0;
  let freed = 0;
  let driver: RoutingDriver | null = null;
  /** The pass under way's decide time (one pass at a time per node). */
  let decidedMs = 0;

  // This node's agents' offers: each accepts at once, the call is over at once, the agent is
  // free again under a new period id and a new resident arrives; then one kick for the batch.
  const accept = (offers: readonly { callId: string; userId: string }[], decided: number): void => {
    received += offers.length;
    const done = Promise.all(
      offers.map(async (offer) => {
        if (!(await shared.accept(offer.callId, offer.userId))) {
          report.acceptsRefused++;
          return;
        }
        if (Date.now() <= o.endAt) {
          report.decisions++;
          report.latencies.push(decided);
        }
        const now = Date.now();
        const agent: SharedAgent = { userId: `${agentOf(offer.userId)}~${o.node}.${++freed}`, skills: skills.get(agentOf(offer.userId))!, idleSince: now, nodeId, declined: [] };
        const call: WaitingCall = { callId: `n${o.node}-${++arrivals}`, request: gen.request(), queuedAt: now };
        await Promise.all([shared.agentFree(agent), shared.enqueue(call)]);
      }),
    ).then(() => {
      if (Date.now() < o.endAt) driver?.kick();
    });
    pending.add(done);
    void done.finally(() => pending.delete(done));
  };

  try {
    const unsubscribe = await bus.subscribe(`bench:offers:${nodeId}`, OfferBatch, (m) => accept(m.offers, m.decidedMs));
    await shared.offerOf('-'); // connected before the start
    while (Date.now() < o.startAt) await new Promise((r) => setTimeout(r, Math.min(5, o.startAt - Date.now())));
    driver = await RoutingDriver.start({
      nodeId,
      bus,
      duty: { redis: dutyRedis, keyPrefix: o.prefix, ttlMs: DUTY_TTL_MS },
      routing: {
        route: async (now) => {
          const inWindow = Date.now() < o.endAt;
          const t0 = performance.now();
          const offers = await shared.route(now);
          decidedMs = performance.now() - t0;
          if (inWindow) {
            report.passes++;
            if (offers.length === 0) report.emptyPasses++;
          }
          return offers;
        },
      },
      onOffers: async (offers: ReservedOffer[]) => {
        const byNode = new Map<string, ReservedOffer[]>();
        for (const offer of offers) {
          report.reservedCalls.push(offer.callId);
          report.reservedAgents.push(offer.userId);
          byNode.set(offer.nodeId, [...(byNode.get(offer.nodeId) ?? []), offer]);
          sentTo[offer.nodeId] = (sentTo[offer.nodeId] ?? 0) + 1;
        }
        const decided = decidedMs;
        await Promise.all(
          [...byNode].map(([to, batch]) =>
            to === nodeId ? accept(batch, decided) : bus.publish(`bench:offers:${to}`, { offers: batch.map(({ callId, userId }) => ({ callId, userId })), decidedMs: decided })),
        );
      },
      sweepMs: 1000,
      onError: (err) => console.error(`node ${o.node}:`, err),
    });
    driver.kick();
    await new Promise((r) => setTimeout(r, Math.max(0, o.endAt - Date.now())));
    report.router = driver.isRouter();
    await driver.close();
    stopped(sentTo);
    const expect = await drained;
    while (received < expect || pending.size > 0) {
      if (pending.size > 0) await Promise.all(pending);
      else await new Promise((r) => setTimeout(r, 2));
    }
    await unsubscribe();
  } finally {
    await driver?.close();
    shared.close();
    await bus.close();
    dutyRedis.disconnect();
  }
  return report;
}

if (process.send && process.argv[2] === '--node') {
  const send = (m: FromNode): void => void process.send!(m);
  let drain: ((expect: number) => void) | null = null;
  process.on('message', (m: ToNode) => {
    if (m.cmd === 'run') {
      const drained = new Promise<number>((resolve) => (drain = resolve));
      (m.mode === 'duty' ? runDuty(m, (sentTo) => send({ stopped: sentTo }), drained) : runRace(m)).then(
        (report) => send({ report }),
        (err: unknown) => {
          console.error(err);
          process.exit(1);
        },
      );
    } else if (m.cmd === 'drain') {
      drain?.(m.expect);
    } else if (m.cmd === 'close') {
      process.disconnect();
    }
  });
  send({ ready: true });
}
