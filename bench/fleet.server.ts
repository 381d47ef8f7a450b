/**
 * The server bench/fleet.bench.ts loads, in a process of its own (forked):
 * `app` is booth-server (buildApp) on a SQLite file in a temporary folder, with
 * 1,000 kiosks created through its store; `bare` is a bare fastify route that
 * validates the same Heartbeat schema and answers the same acknowledgement.
 * It records each heartbeat's handling time (fastify's reply.elapsedTime,
 * from the request's arrival to the answer) and answers `stats` with them and
 * its CPU time since `reset`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { loadConfig } from '@citizen/config';
import { HEARTBEAT_PATH, Heartbeat, HeartbeatAck, kioskId } from '@citizen/protocol';
import { buildApp } from '../booth-server/src/app';
import { SqliteStore } from '../booth-server/src/store/SqliteStore';
import { WorkerPool } from '../booth-server/src/sfu/WorkerPool';

export type ToServer = { cmd: 'reset' } | { cmd: 'stats' } | { cmd: 'close' };
export type FromServer = { ready: { url: string; kiosks: string[]; credentials: string[] } } | { stats: { cpuMicros: number; wallMs: number; handlingMs: number[] } };

const mode = process.argv[2] === 'bare' ? 'bare' : 'app';
const KIOSKS = 1000;
/** Stands for each bench kiosk's enrolled key: tokens are bound to it (no key pair is made for 1,000 kiosks). */
const KEY_FINGERPRINT = 'bench-key-fingerprint';
const send = (m: FromServer): void => void process.send?.(m);
const dir = mkdtempSync(join(tmpdir(), 'fleet-bench-'));
const kiosks = Array.from({ length: KIOSKS }, (_, i) => `k-bench-${String(i).padStart(4, '0')}`);

let app: FastifyInstance;
let sfu: WorkerPool | null = null;
/** Each kiosk's token (app), or a placeholder the bare route never reads. */
let credentials: string[] = kiosks.map(() => 'bare');
if (mode === 'app') {
  const config = loadConfig({ files: [], env: {} });
  config.sfu.numWorkers = 1;
  config.sfu.rtcMinPort = 49700;
  config.sfu.rtcMaxPort = 49799;
  const store = new SqliteStore(join(dir, 'booth.sqlite'));
  for (const [i, id] of kiosks.entries()) {
    await store.createKiosk({
      id: kioskId(id), name: `Bench kiosk ${i}`, location: `Site ${i % 40}`, languages: ['da'],
      credentialHash: KEY_FINGERPRINT, publicKey: 'bench', revokedAt: null, enrolledAt: new Date(), lastSeenAt: null,
    });
  }
  sfu = await WorkerPool.create({ ...config.sfu, logLevel: 'warn' });
  app = await buildApp({ config, store, sfu });
  // Tokens as POST /api/kiosk/token hands them out (15 minutes: longer than a bench run).
  credentials = await Promise.all(kiosks.map(async (id) => (await app.kioskTokens.issueToken(kioskId(id), KEY_FINGERPRINT, new Date())).token));
} else {
  app = Fastify({ logger: false, ajv: { customOptions: { removeAdditional: false, allErrors: false } } });
  app.post(HEARTBEAT_PATH, { schema: { body: Heartbeat, response: { 200: HeartbeatAck } } }, async () => ({ intervalSeconds: 30 }));
}

let handlingMs: number[] = [];
app.addHook('onResponse', (request, reply, done) => {
  if (request.routeOptions.url === HEARTBEAT_PATH) handlingMs.push(reply.elapsedTime);
  done();
});
await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address() as { port: number };

let cpu = process.cpuUsage();
let started = performance.now();
process.on('message', (m: ToServer) => {
  if (m.cmd === 'reset') {
    handlingMs = [];
    cpu = process.cpuUsage();
    started = performance.now();
  } else if (m.cmd === 'stats') {
    const used = process.cpuUsage(cpu);
    send({ stats: { cpuMicros: used.user + used.system, wallMs: performance.now() - started, handlingMs } });
  } else {
    void app.close().then(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  }
});
process.on('disconnect', () => process.exit(0));
send({ ready: { url: `http://127.0.0.1:${port}`, kiosks, credentials } });
