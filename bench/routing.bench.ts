/**
 * Routing decisions at city scale: 10,000 residents waiting and 500 agents
 * signed in, in two queues, four languages and three topics, with needs and
 * widening. Measured: the time of one decision —
 *   - an agent becomes free (1 free agent, 10,000 waiting);
 *   - a call arrives while 50 agents are free;
 *   - every waiting resident's position (one queue update to all kiosks).
 * Baseline in the same run: the same decisions by first-come-first-served
 * routing (no skills), so the ratio says what skills, queues and widening cost.
 *
 *   npx tsx bench/routing.bench.ts
 */
import type { AgentSkills, CallRequestInfo } from '@citizen/protocol';
import type { CallRouting, FreeAgent } from '../booth-server/src/routing/CallRouting';
import { FifoRouting } from '../booth-server/src/routing/FifoRouting';
import { benchSkillRouting } from './routingQueues';

const WAITING = 10_000;
const AGENTS = 500;
const ROUNDS = 200;

// A fixed pseudo-random sequence, so both routings and every run see the same population.
let seed = 42;
const rand = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

const LANGS = ['da', 'da', 'da', 'en', 'uk', 'ar'];
const TOPICS = ['passport', 'housing-benefit', 'moving-address', undefined];

const requests: CallRequestInfo[] = Array.from({ length: WAITING + ROUNDS }, () => {
  const topic = pick(TOPICS);
  return { language: pick(LANGS), ...(topic ? { topic } : {}), ...(rand() < 0.05 ? { needs: ['hearing' as const] } : {}) };
});
const skills: AgentSkills[] = Array.from({ length: AGENTS }, () => ({
  languages: { da: 3, ...(rand() < 0.5 ? { en: 2 } : {}), ...(rand() < 0.1 ? { uk: 3 } : {}), ...(rand() < 0.1 ? { ar: 3 } : {}) },
  topics: rand() < 0.3 ? {} : { [pick(['passport', 'housing-benefit', 'moving-address'])]: 3 },
}));
const agents: FreeAgent[] = skills.map((s, i) => ({ userId: `a${i}`, skills: s, idleSince: i * 1000, declined: new Set() }));

const now = WAITING * 1000 + 60_000;
function fill(r: CallRouting): void {
  // Arrivals spread over the last WAITING seconds, so the widening levels vary.
  for (let i = 0; i < WAITING; i++) r.enqueue({ callId: `c${i}`, request: requests[i]!, queuedAt: now - (WAITING - i) * 1000 });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const time = (fn: () => unknown): number => {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
};

function measure(make: () => CallRouting): { agentFree: number; callArrives: number; positions: number } {
  const r = make();
  fill(r);
  const never = (): boolean => false;
  // Warm up the JIT on the same work.
  for (let i = 0; i < 20; i++) r.assign([agents[i]!], now, never);
  const agentFree: number[] = [];
  const callArrives: number[] = [];
  const positions: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const one = agents[(i * 7) % AGENTS]!;
    agentFree.push(time(() => r.assign([one], now, never)));
    const fifty = agents.slice((i * 13) % (AGENTS - 50), ((i * 13) % (AGENTS - 50)) + 50);
    r.enqueue({ callId: `new${i}`, request: requests[WAITING + i]!, queuedAt: now });
    callArrives.push(time(() => r.assign(fifty, now, never)));
    r.remove(`new${i}`);
    positions.push(time(() => r.positions()));
  }
  return { agentFree: median(agentFree), callArrives: median(callArrives), positions: median(positions) };
}

const fifo = measure(() => new FifoRouting());
const skill = measure(benchSkillRouting);
const row = (name: string, f: number, s: number): string =>
  `  ${name.padEnd(42)} ${s.toFixed(3).padStart(8)} ms   FIFO ${f.toFixed(3).padStart(8)} ms   ratio ${(s / Math.max(f, 1e-6)).toFixed(1)}`;
console.log(`Routing decisions, ${WAITING} waiting, ${AGENTS} agents, median of ${ROUNDS} (skill routing vs first-come-first-served)`);
console.log(row('an agent becomes free (1 free, 10k waiting)', fifo.agentFree, skill.agentFree));
console.log(row('a call arrives (50 agents free)', fifo.callArrives, skill.callArrives));
console.log(row('positions of all 10k waiting', fifo.positions, skill.positions));
