/**
 * REST throughput of a typical authenticated read route — GET /api/auth/me
 * with a staff session cookie: the auth hook, the session and user lookups in
 * the store, schema serialisation — against a bare fastify route answering
 * the same JSON, in the same run, over real sockets with autocannon.
 * Target: ratio ≥ 0.8.
 *
 *   npx tsx bench/rest.bench.ts [seconds per run]   (default 5)
 */
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { createTestApp, signIn } from '../booth-server/src/testing';

const SECONDS = Number(process.argv[2] ?? 5);
const CONNECTIONS = 10;

const t = await createTestApp((c) => {
  c.sfu.rtcMinPort = 49500;
  c.sfu.rtcMaxPort = 49599;
});
const cookie = await signIn(t.app, 'anna', 'demo-agent');
const me = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
if (me.statusCode !== 200) throw new Error(`GET /api/auth/me: ${me.statusCode} ${me.body}`);
const body = me.json() as unknown;
const appUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });

const bare = Fastify({ logger: false });
bare.get('/bare', async () => body);
const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });

async function run(url: string, headers: Record<string, string>): Promise<number> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

try {
  // Alternate and repeat so both see the same machine state; warm-up first.
  await run(`${bareUrl}/bare`, {});
  await run(`${appUrl}/api/auth/me`, { cookie });
  const bareRps: number[] = [];
  const authRps: number[] = [];
  for (let i = 0; i < 2; i++) {
    bareRps.push(await run(`${bareUrl}/bare`, {}));
    authRps.push(await run(`${appUrl}/api/auth/me`, { cookie }));
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`REST throughput, ${CONNECTIONS} connections, ${SECONDS} s per run, mean of 2 runs (after a warm-up run each)`);
  console.log(`  GET /api/auth/me (session cookie, store lookups)   ${mean(authRps).toFixed(0)} req/s`);
  console.log(`  bare fastify route, same JSON                      ${mean(bareRps).toFixed(0)} req/s`);
  console.log(`  ratio ${(mean(authRps) / mean(bareRps)).toFixed(2)}   target ≥ 0.8`);
} finally {
  await bare.close();
  await t.app.close();
}
