/**
 * The servers bench/rest.bench.ts measures, in a process of their own (it
 * forks this file): the booth-server app on the demo seed, and a bare fastify
 * app whose routes answer the same JSON the same way. Both listen at once; the
 * bench loads one at a time. Messages over the IPC channel: this process sends
 * `RestServers` once ready, answers `cpu` with its CPU time so far, and closes
 * on `close` or when the bench goes away.
 */
import Fastify from 'fastify';
import { KioskList } from '@citizen/protocol';
import { createTestApp, signIn, signInHeaders } from '../booth-server/src/testing';
import { createKiosk, publicKiosk } from '../booth-server/src/kiosks/routes';

export interface RestServers {
  appUrl: string;
  bareUrl: string;
  /** What a browser sends: a technician's session cookie; an agent's session and CSRF cookies. */
  cookies: { technician: string; agent: string };
}
export type ToServer = { cmd: 'cpu' } | { cmd: 'close' } | { cmd: 'fleet'; size: number };
export type FromServer = { ready: RestServers } | { cpuMicros: number } | { fleetSize: number };

const send = (m: FromServer): void => void process.send?.(m);

const t = await createTestApp((c) => {
  c.sfu.rtcMinPort = 49500;
  c.sfu.rtcMaxPort = 49599;
});
const technician = await signIn(t.app, 'tech', 'demo-tech');
// The console keeps the CSRF cookie it got at sign-in, so /api/auth/me does not set a new one.
const agent = (await signInHeaders(t.app, 'anna', 'demo-agent')).cookie;
const me = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: agent } });
if (me.statusCode !== 200) throw new Error(`GET /api/auth/me: ${me.statusCode} ${me.body}`);
const meBody = me.json() as unknown;

const bare = Fastify({ logger: false });
// The handler of GET /api/kiosks, on the same store, with the same response schema.
bare.get('/kiosks', { schema: { response: { 200: KioskList } } }, async () => ({ kiosks: (await t.store.listKiosks()).map(publicKiosk) }));
// /api/auth/me's answer comes from the sign-in the auth hook read; bare, it is the same JSON, made once.
bare.get('/me', async () => meBody);

const appUrl = await t.app.listen({ host: '127.0.0.1', port: 0 });
const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });

// Closed when the bench says so, or when the bench is gone (the IPC channel closes with it).
process.on('disconnect', () => void Promise.all([bare.close(), t.app.close()]));
/** Adds kiosk records (as the console creates them, at five sites) until the fleet has `size`. */
async function growFleet(size: number): Promise<number> {
  const sites = ['Central Station', 'Main Library', 'Town Hall', 'North Library', 'Harbour Service Centre'];
  let n = (await t.store.listKiosks()).length;
  for (; n < size; n++) {
    const req = { id: `k-bench-${n}`, name: `Borgerservice kiosk ${n}`, location: `${sites[n % sites.length]!}, entrance ${1 + (n % 3)}`, languages: ['da', 'en', 'uk', 'ar', 'pl'] };
    await createKiosk(t.store, req, { by: 'system', now: new Date(), codeLifetimeMs: 60_000 });
  }
  return n;
}

process.on('message', (m: ToServer) => {
  if (m.cmd === 'close') return process.disconnect();
  if (m.cmd === 'fleet') return void growFleet(m.size).then((fleetSize) => send({ fleetSize }));
  const { user, system } = process.cpuUsage();
  send({ cpuMicros: user + system });
});
send({ ready: { appUrl, bareUrl, cookies: { technician, agent } } });
