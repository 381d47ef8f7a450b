/**
 * One booth-server node for bench/cluster-routing.bench.ts, in a process of
 * its own (forked with `--import tsx`), so several nodes really decide at the
 * same time as separate booth-server processes do. It holds its own
 * SharedRouting (its own Redis connection) on the run's key prefix and, until
 * the run's deadline, loops: a routing pass (snapshot → SkillRouting →
 * reserve each pairing with the Lua script), then for each offer it reserved
 * the agent accepts at once (taking the call and the agent off the lists),
 * the call is over at once, the agent becomes free again and a new resident
 * arrives — so the population stays at its size and every pass has work.
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
import { SharedRouting, type SharedAgent } from '../booth-server/src/cluster/SharedRouting';
import type { WaitingCall } from '../booth-server/src/routing/CallRouting';
import { SkillRouting } from '../booth-server/src/routing/SkillRouting';
import { QueueSet } from '../booth-server/src/routing/queues';

// ── The population (as in bench/routing.bench.ts) ───────────────────────────

const ALWAYS = ['00:00-24:00'];
const hours = { timeZone: 'Europe/Copenhagen', mon: ALWAYS, tue: ALWAYS, wed: ALWAYS, thu: ALWAYS, fri: ALWAYS, sat: ALWAYS, sun: ALWAYS, closedDates: [] };
const queue = (id: string, topics: string[]) => ({
  id,
  name: id,
  topics,
  fallbackLanguages: ['en'],
  openingHours: hours,
  serviceLevel: { percent: 80, withinSeconds: 120 },
  widening: [
    { afterSeconds: 60, match: 'language' as const },
    { afterSeconds: 180, match: 'fallback-language' as const },
  ],
});
const queues = new QueueSet([queue('general', []), queue('passports', ['passport'])]);
export const makeRouting = () => new SkillRouting({ queues, agingSeconds: 120, priorityNeeds: { hearing: 1 } });

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

export interface RunOrder {
  cmd: 'run';
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
export type ToNode = RunOrder | { cmd: 'close' };

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
}
export type FromNode = { ready: true } | { report: RunReport };

// ── The node ────────────────────────────────────────────────────────────────

async function run(o: RunOrder): Promise<RunReport> {
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

if (process.send && process.argv[2] === '--node') {
  const send = (m: FromNode): void => void process.send!(m);
  process.on('message', (m: ToNode) => {
    if (m.cmd === 'run') {
      run(m).then(
        (report) => send({ report }),
        (err: unknown) => {
          console.error(err);
          process.exit(1);
        },
      );
    } else if (m.cmd === 'close') {
      process.disconnect();
    }
  });
  send({ ready: true });
}
