/**
 * Shared routing in Redis across a cluster (#12): routing decisions per
 * second and their p99 latency with 1, 2 and 3 booth-server nodes on one real
 * redis-server, and the ratio of each against one node, in two modes:
 *
 *   - every node routes (races): each node runs routing passes all the time
 *     on the same shared lists, and the Lua reservation settles the races;
 *   - one router at a time (routing duty): only the holder of the `routing`
 *     duty runs passes (cluster/RoutingDriver.ts); the other nodes feed the
 *     state (accept their agents' offers, free them again, enqueue the new
 *     residents) and kick the holder over the node bus.
 *
 * Each node is a process of its own (bench/cluster-routing.worker.ts, forked
 * with `--import tsx`), with its own SharedRouting and Redis connection on the
 * same key prefix, as separate booth-server nodes are. The population is that
 * of bench/routing.bench.ts (two queues, four languages, three topics, needs,
 * widening), smaller: WAITING residents waiting and AGENTS agents free. In
 * race mode every node loops for the run's window: a routing pass (snapshot
 * of the shared lists, SkillRouting decides, each pairing reserved by the Lua
 * script), then each agent it reserved accepts at once, the call is over at
 * once, and the agent is free again while a new resident arrives — so the
 * lists keep their size and the nodes race for the same calls and agents all
 * the time. In duty mode the agents are spread over the nodes (each agent's
 * `nodeId`); the holder sends each pass's offers to the agents' nodes over
 * the node bus, and the same accept / free again / new resident happens
 * there, followed by a kick.
 *
 *   - a decision: a pairing reserved and accepted (accept returned inside the
 *     window);
 *   - its latency: from the start of the pass that made it to route()'s
 *     return, when its offer can be sent to the agent's node (route() reserves
 *     a pass's pairings one by one and hands them back together) — the same
 *     measure in both modes (in duty mode the hop to the agent's node and the
 *     wait for the holder's next pass come on top, as in race mode the wait
 *     for some node's next pass does);
 *   - refused: pairings a node decided but whose reservation the Lua check
 *     refused (reservation scripts run minus reservations made, from Redis's
 *     command statistics; in duty mode less the routing duty's own scripts,
 *     one a node in a run). With every node routing, mostly another node's
 *     reservation beat it — the work a race costs. With one router, only a
 *     stale snapshot: an offer accepted between route()'s snapshot and its
 *     read of the offers in flight leaves that call and agent in the
 *     snapshot with no offer, so the pass pairs them again and the check
 *     refuses it.
 *
 * Checked on every run: no call reserved twice and no agent reserved twice in
 * one free period (each free period has an id of its own, so a double offer
 * is an id reserved twice), every reserved offer accepted, and no offer left
 * behind in Redis at the end; in duty mode also that one node held the duty
 * and no other node ran a pass.
 *
 * THIS MACHINE HAS 2 CORES: with 2 nodes, the two node processes and
 * redis-server already share them; with 3, three node processes and
 * redis-server compete for 2 cores, so 3 nodes cannot show what 3 machines
 * would. The ratios say what more processes on the same cores give (and
 * cost), not what more machines would. Runs are interleaved (race
 * 1, 2, 3 nodes, duty 1, 2, 3 nodes, then again), so a background load
 * touches every mode and N alike.
 *
 *   npx tsx bench/cluster-routing.bench.ts [seconds per run]   (default 4; npm run bench:cluster-routing)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { Redis } from 'ioredis';
import { startTestRedis } from '../booth-server/src/cluster/testing/redis';
import { SharedRouting } from '../booth-server/src/cluster/SharedRouting';
import { agentSkills, generator, makeRouting, type FromNode, type Mode, type RunReport, type ToNode } from './cluster-routing.worker';

const SECONDS = Number(process.argv[2] ?? 4);
if (!(SECONDS > 0)) throw new TypeError('usage: cluster-routing.bench.ts [seconds per run > 0]');
const WAITING = 2000;
const AGENTS = 200;
const REPEATS = 3;
const NODES = [1, 2, 3] as const;
const MODES: readonly Mode[] = ['race', 'duty'];
const TITLE: Record<Mode, string> = { race: 'every node routes (races)', duty: 'one router at a time (routing duty)' };
const WARMUP_SECONDS = 2;
/** Long enough that no offer lapses inside a run: every lapse would be a bench fault. */
const OFFER_TTL_MS = 60_000;

interface Node {
  child: ChildProcess;
  index: number;
}

function startNode(index: number): Promise<Node> {
  const child = fork(new URL('./cluster-routing.worker.ts', import.meta.url).pathname, ['--node'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`node ${index} exited with ${code}`)));
    child.once('message', (m: FromNode) => 'ready' in m && resolve({ child, index }));
  });
}

function runOn(node: Node, order: Extract<ToNode, { cmd: 'run' }>, onStopped: (sentTo: Record<string, number>) => void): Promise<RunReport> {
  return new Promise((resolve, reject) => {
    const died = (code: number | null): void => reject(new Error(`node ${node.index} exited with ${code} during a run`));
    const on = (m: FromNode): void => {
      if ('stopped' in m) onStopped(m.stopped);
      if ('report' in m) {
        node.child.off('message', on);
        node.child.off('exit', died);
        resolve(m.report);
      }
    };
    node.child.on('message', on);
    node.child.once('exit', died);
    node.child.send(order);
  });
}

/** Seeds the shared lists under a fresh prefix: the same population for every run; the agents spread over the n nodes. */
async function seed(url: string, prefix: string, n: number): Promise<void> {
  const shared = new SharedRouting({ url, prefix, offerTtlMs: OFFER_TTL_MS, makeRouting });
  const gen = generator(42);
  const now = Date.now();
  try {
    // Arrivals spread over the last WAITING seconds, so the widening levels vary (as in routing.bench.ts).
    await Promise.all(Array.from({ length: WAITING }, (_, i) => shared.enqueue({ callId: `c${i}`, request: gen.request(), queuedAt: now - (WAITING - i) * 1000 })));
    await Promise.all([...agentSkills(AGENTS)].map(([userId, skills], i) => shared.agentFree({ userId, skills, idleSince: now - (AGENTS - i) * 1000, nodeId: `node-${i % n}`, declined: [] })));
  } finally {
    shared.close();
  }
}

/** redis-server's CPU time so far, in ms (utime + stime from /proc). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 1/100 s
}

/** Reservation and accept scripts Redis ran since the last CONFIG RESETSTAT. */
async function scriptsRun(admin: Redis): Promise<number> {
  const info = await admin.info('commandstats');
  let n = 0;
  for (const cmd of ['evalsha', 'eval']) {
    const m = new RegExp(`cmdstat_${cmd}:calls=(\\d+)(?:.*?failed_calls=(\\d+))?`).exec(info);
    if (m) n += Number(m[1]) - Number(m[2] ?? 0);
  }
  return n;
}

interface Result {
  perSecond: number;
  p50: number;
  p99: number;
  decisions: number;
  lost: number;
  reserved: number;
  passes: number;
  emptyPasses: number;
  doubleCalls: number;
  doubleAgents: number;
  acceptsRefused: number;
  offersLeft: number;
  redisCpu: number;
  /** Duty mode: nodes holding the duty at the deadline (must be 1), and passes run by the others (must be 0). */
  routers: number;
  passesOffRouter: number;
}

const q = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
const duplicates = (ids: string[]): number => ids.length - new Set(ids).size;

let runNo = 0;
async function run(url: string, admin: Redis, redisPid: number, nodes: Node[], mode: Mode, n: number, seconds: number): Promise<Result> {
  const prefix = `crb${++runNo}:`;
  await seed(url, prefix, n);
  await admin.config('RESETSTAT');
  const startAt = Date.now() + 300; // time for every node to connect
  const endAt = startAt + seconds * 1000;
  const cpu0 = cpuMs(redisPid);
  // Duty mode: once every node has stopped routing, each is told how many offers were sent to it.
  const sent = new Map<string, number>();
  let stopped = 0;
  const onStopped = (sentTo: Record<string, number>): void => {
    for (const [to, k] of Object.entries(sentTo)) sent.set(to, (sent.get(to) ?? 0) + k);
    if (++stopped === n) for (const node of nodes.slice(0, n)) node.child.send({ cmd: 'drain', expect: sent.get(`node-${node.index}`) ?? 0 } satisfies ToNode);
  };
  const reports = await Promise.all(
    nodes
      .slice(0, n)
      .map((node) => runOn(node, { cmd: 'run', mode, url, prefix, node: node.index, seed: runNo * 10 + node.index, startAt, endAt, offerTtlMs: OFFER_TTL_MS, agents: AGENTS }, onStopped)),
  );
  const wall = Date.now() - startAt;
  const redisCpu = (cpuMs(redisPid) - cpu0) / wall;
  const reserved = reports.reduce((s, r) => s + r.reservedCalls.length, 0);
  const acceptsRefused = reports.reduce((s, r) => s + r.acceptsRefused, 0);
  const scripts = await scriptsRun(admin);
  const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const decisions = reports.reduce((s, r) => s + r.decisions, 0);
  const offersLeft = (await admin.keys(`${prefix}rt:offer:*`)).length;
  return {
    perSecond: decisions / seconds,
    p50: q(latencies, 0.5),
    p99: q(latencies, 0.99),
    decisions,
    // Scripts run = reservation attempts + accepts (one per reserved offer) [+ the duty's: one a node].
    lost: scripts - reserved - reserved - (mode === 'duty' ? n : 0),
    reserved,
    passes: reports.reduce((s, r) => s + r.passes, 0),
    emptyPasses: reports.reduce((s, r) => s + r.emptyPasses, 0),
    doubleCalls: duplicates(reports.flatMap((r) => r.reservedCalls)),
    doubleAgents: duplicates(reports.flatMap((r) => r.reservedAgents)),
    acceptsRefused,
    offersLeft,
    redisCpu,
    routers: reports.filter((r) => r.router).length,
    passesOffRouter: reports.filter((r) => r.router === false).reduce((s, r) => s + r.passes, 0),
  };
}

const loadAtStart = loadavg()[0]!;
const redis = await startTestRedis();
const admin = new Redis(redis.url);
const nodes: Node[] = [];
const results = new Map<string, Result[]>(MODES.flatMap((mode) => NODES.map((n) => [`${mode}${n}`, []] as [string, Result[]])));
try {
  for (const i of [0, 1, 2]) nodes.push(await startNode(i));
  // Warm-up: every node's JIT, connections and Redis's script cache, on the same work.
  for (const mode of MODES) {
    await run(redis.url, admin, redis.pid, nodes, mode, 3, WARMUP_SECONDS);
    await admin.flushall();
  }
  for (let rep = 0; rep < REPEATS; rep++) {
    for (const mode of MODES) {
      for (const n of NODES) {
        results.get(`${mode}${n}`)!.push(await run(redis.url, admin, redis.pid, nodes, mode, n, SECONDS));
        await admin.flushall();
      }
    }
  }
} finally {
  for (const node of nodes) {
    if (node.child.connected) node.child.send({ cmd: 'close' } satisfies ToNode);
    node.child.removeAllListeners('exit');
  }
  await Promise.all(nodes.map((node) => (node.child.exitCode === null ? new Promise((r) => node.child.once('exit', r)) : undefined)));
  admin.disconnect();
  await redis.stop();
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const all = [...results.values()].flat();
const sum = (f: (r: Result) => number): number => all.reduce((s, r) => s + f(r), 0);

console.log(
  `\nShared routing in Redis, ${WAITING} waiting, ${AGENTS} agents; N node processes (median of ${REPEATS} runs of ${SECONDS} s per mode and N, after ${WARMUP_SECONDS} s warm-up per mode)`,
);
console.log(`  this machine: ${cpus().length} cores, shared by the N node processes and redis-server (3 nodes + Redis compete for them: not 3 machines); load average at start ${loadAtStart.toFixed(2)}`);
console.log('  a decision = a pairing reserved and accepted; latency = its pass start → route() returned (offer ready to send)');
const perSecondOf = new Map<string, number>();
for (const mode of MODES) {
  const med = (n: number, f: (r: Result) => number): number => median(results.get(`${mode}${n}`)!.map(f));
  const base = { perSecond: med(1, (r) => r.perSecond), p99: med(1, (r) => r.p99) };
  console.log(`\n  ${TITLE[mode]}`);
  for (const n of NODES) {
    const perSecond = med(n, (r) => r.perSecond);
    perSecondOf.set(`${mode}${n}`, perSecond);
    const p99 = med(n, (r) => r.p99);
    const lost = med(n, (r) => Math.max(0, r.lost) / Math.max(1, r.lost + r.reserved));
    const perPass = med(n, (r) => r.reserved / Math.max(1, r.passes));
    const ratio = n === 1 ? 'baseline' : `ratio ${(perSecond / base.perSecond).toFixed(2)} (throughput)  p99 ratio ${(p99 / base.p99).toFixed(2)}`;
    console.log(
      `  ${`${n} node${n > 1 ? 's' : ' '}`.padEnd(8)} ${perSecond.toFixed(0).padStart(6)} decisions/s  p50 ${med(n, (r) => r.p50).toFixed(1).padStart(5)} ms  p99 ${p99.toFixed(1).padStart(5)} ms   ${ratio.padEnd(46)}` +
        `| ${perPass.toFixed(0).padStart(3)} offers/pass, ${(lost * 100).toFixed(0).padStart(2)} % of reservations refused, Redis ${(med(n, (r) => r.redisCpu) * 100).toFixed(0)} % of a core`,
    );
  }
}
console.log(`\n  routing duty against races, same N: ${NODES.map((n) => `${n} node${n > 1 ? 's' : ''} ${(perSecondOf.get(`duty${n}`)! / perSecondOf.get(`race${n}`)!).toFixed(2)}×`).join(', ')} (throughput)`);

const doubles = sum((r) => r.doubleCalls + r.doubleAgents);
const dutyRuns = [...results].filter(([k]) => k.startsWith('duty')).flatMap(([, rs]) => rs);
const badDuty = dutyRuns.filter((r) => r.routers !== 1 || r.passesOffRouter > 0).length;
console.log(`\n  double offers: ${doubles} (calls reserved twice ${sum((r) => r.doubleCalls)}, agents reserved twice in one free period ${sum((r) => r.doubleAgents)}; ${sum((r) => r.reserved)} offers in ${all.length} runs)`);
console.log(`  accepts refused: ${sum((r) => r.acceptsRefused)}, offers left in Redis after a run: ${sum((r) => r.offersLeft)}`);
console.log(`  routing duty runs with other than one holder, or passes off the holder: ${badDuty} of ${dutyRuns.length}`);
if (doubles + sum((r) => r.acceptsRefused + r.offersLeft) + badDuty > 0) process.exitCode = 1;
