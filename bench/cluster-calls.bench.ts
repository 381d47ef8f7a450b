/**
 * What a call spanning two nodes costs (#12), against the same call on one
 * node, in the same run: two booth-server nodes of a site (one store, one
 * Redis started for the run, the nodes' call services and routing as in
 * production; one process, as the tests run them), kiosks on node A, the agent
 * on node A (same node) or on node B (spanning). Signalling clients only: the
 * media of a spanning call is on one router, the kiosk's node, exactly as a
 * same-node call's (tests/clusterCalls.test.ts checks the SFU objects), so
 * the SFU work per call is the same and what differs is signalling:
 *
 *  - taking a call: the agent's acceptCall until its answer. Spanning, it
 *    also goes through the shared routing's accept and a request to the
 *    call's node, which starts the call with a stand-in for the agent;
 *  - the agent's transports: a spanning call's console makes its two
 *    transports again on the call's node (mediaReset), each creation a
 *    request forwarded there; a same-node call uses the warm ones (0 ms);
 *  - an in-call request (getTransportStats) and its answer: local, or
 *    forwarded to the call's node and back.
 *
 * Printed: p50 and p99 of each, and the spanning figures as a ratio of the
 * same-node ones.
 *
 *   npx tsx bench/cluster-calls.bench.ts [calls per mode] [requests per call]   (default 30, 50; npm run bench:cluster-calls)
 */
import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { CallOffer, KioskRequests, StaffRequests } from '@citizen/protocol';
import type { SignalClient } from '@citizen/call-client';
import { buildApp } from '../booth-server/src/app';
import { createTestApp, newKioskClient, next, signIn, staffClient, type TestApp } from '../booth-server/src/testing';
import { startTestRedis } from '../booth-server/src/cluster/testing/redis';

const CALLS = Number(process.argv[2] ?? 30);
const REQUESTS = Number(process.argv[3] ?? 50);
if (!(CALLS > 0 && REQUESTS > 0)) throw new TypeError('usage: cluster-calls.bench.ts [calls per mode > 0] [requests per call > 0]');

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

interface Sample {
  accept: number[];
  transports: number[];
  request: number[];
}

async function run(a: TestApp, urlA: string, agentApp: FastifyInstance, agentUrl: string, label: string): Promise<Sample> {
  const out: Sample = { accept: [], transports: [], request: [] };
  const agent: SignalClient<StaffRequests> = staffClient(agentUrl, await signIn(agentApp, 'anna', 'demo-agent'));
  await next(agent as never, 'session');
  await agent.request('setAvailability', { available: true });
  // The console's warm endpoint on its own node: a same-node call uses its transports.
  await agent.request('openMedia', {});
  const warm = (await agent.request('createTransport', { direction: 'recv', sctp: false })).id;
  // One kiosk making one call after another (enrolling a kiosk per call would hit the enrolment rate limit).
  const k: SignalClient<KioskRequests> = await newKioskClient(a, urlA, `k-bench-${label}`);
  await next(k as never, 'session');
  for (let i = 0; i < CALLS; i++) {
    const offered = next<CallOffer>(agent as never, 'callOffered', 15_000);
    const { callId } = await k.request('requestCall', { language: 'da' });
    await offered;
    const reset = new Promise<void>((resolve) => {
      const off = agent.on('mediaReset', () => {
        off();
        resolve();
      });
      setTimeout(() => {
        off();
        resolve();
      }, 2000).unref();
    });
    let t = performance.now();
    await agent.request('acceptCall', { callId });
    out.accept.push(performance.now() - t);
    await reset;
    // A spanning call's console makes both transports again on the call's node; a same-node call's are warm.
    t = performance.now();
    const transports = label === 'spanning' ? await Promise.all([agent.request('createTransport', { direction: 'send', sctp: true }), agent.request('createTransport', { direction: 'recv', sctp: true })]) : [];
    out.transports.push(label === 'spanning' ? performance.now() - t : 0);
    const transportId = transports[1]?.id ?? warm;
    for (let r = 0; r < REQUESTS; r++) {
      t = performance.now();
      await agent.request('getTransportStats', { transportId });
      out.request.push(performance.now() - t);
    }
    const ended = next(k as never, 'callEnded');
    await agent.request('endCall', { callId });
    await ended;
  }
  k.close();
  agent.close();
  return out;
}

async function main(): Promise<void> {
  const redis = await startTestRedis();
  const a = await createTestApp((c) => {
    c.sfu.rtcMinPort = 57000;
    c.sfu.rtcMaxPort = 57199;
    c.cluster.redisUrl = redis.url;
    c.cluster.keyPrefix = 'bench-calls:';
    c.calls.reconnectGraceSeconds = 1;
    c.calls.maxTransportsPerParticipant = 8;
    // The bench sends requests back to back; a console sends a few a second.
    c.calls.maxMessagesPerSecond = 1000;
  });
  const b = await buildApp({ config: a.config, store: a.store, sfu: a.sfu, nodeId: 'bench-node-b' });
  const urlA = await a.app.listen({ host: '127.0.0.1', port: 0 });
  const urlB = await b.listen({ host: '127.0.0.1', port: 0 });
  try {
    const same = await run(a, urlA, a.app, urlA, 'same-node');
    // The first agent's session ends after its grace before the second mode starts.
    await new Promise((r) => setTimeout(r, 1500));
    const spanning = await run(a, urlA, b, urlB, 'spanning');
    const row = (what: string, s: number[], x: number[], ratio: boolean): string =>
      `  ${what.padEnd(40)} ${pct(s, 50).toFixed(2).padStart(7)} ${pct(s, 99).toFixed(2).padStart(7)} ms   ${pct(x, 50).toFixed(2).padStart(7)} ${pct(x, 99).toFixed(2).padStart(7)} ms${ratio ? `   ratio p50 ${(pct(x, 50) / pct(s, 50)).toFixed(2)}×` : ''}`;
    console.log(`A call spanning two nodes against one on one node: ${CALLS} calls each, ${REQUESTS} in-call requests per call (one process, Redis on loopback)`);
    console.log(`  ${''.padEnd(40)} ${'same node p50 / p99'.padStart(22)}   ${'spanning p50 / p99'.padStart(22)}`);
    console.log(row('acceptCall → answer', same.accept, spanning.accept, true));
    console.log(row("agent's transports made again (2)", same.transports, spanning.transports, false));
    console.log(row('in-call request → answer', same.request, spanning.request, true));
    const setupSame = same.accept.map((x, i) => x + same.transports[i]!);
    const setupSpan = spanning.accept.map((x, i) => x + spanning.transports[i]!);
    console.log(row('accept + transports (server side)', setupSame, setupSpan, true));
    console.log('  media: one router per call either way (the kiosk node’s); SFU work per call is the same');
  } finally {
    await b.close();
    await a.app.close();
    await redis.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
