/**
 * Fleet health under load: 1,000 simulated kiosks heartbeating to one
 * booth-server (`npm run bench:fleet`). The server runs in a process of its
 * own (bench/fleet.server.ts; Node runs its JavaScript on one core) with its
 * SQLite store on disk, as a site runs it; the kiosks are this process, each
 * with its own keep-alive connection and credential header, sending valid
 * heartbeats spread evenly over each period.
 *
 * Printed: the server's handling time per heartbeat (arrival to answer,
 * p50/p99/max), the client's round trip, and the server's CPU as a share of
 * one core, for booth-server and for a baseline measured in the same run — a
 * bare fastify route validating the same schema — and their ratio.
 *
 * booth-server's kiosks are connected as well as heartbeating: each holds its
 * control channel (GET /ws/kiosk/control, where profiles and remote actions
 * arrive) open for the whole run, as a fleet's kiosks do; the baseline has no
 * such channel.
 *
 * The period is compressed: every kiosk sends once a second (FLEET_BENCH_PERIOD_MS),
 * 30 times the default fleet.heartbeatSeconds, so the run is short and the
 * server is loaded well beyond a real fleet of this size.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { WebSocket } from 'ws';
import { CONTROL_WS_PATH, HEARTBEAT_PATH, type Heartbeat } from '@citizen/protocol';
import type { FromServer, ToServer } from './fleet.server';

const KIOSKS = 1000;
const PERIOD_MS = Number(process.env.FLEET_BENCH_PERIOD_MS ?? 1000);
const SECONDS = Number(process.env.FLEET_BENCH_SECONDS ?? 15);
const WARMUP_SECONDS = 3;

interface Server {
  child: ChildProcess;
  url: string;
  kiosks: string[];
  credentials: string[];
}

function start(mode: 'app' | 'bare'): Promise<Server> {
  const child = fork(new URL('./fleet.server.ts', import.meta.url).pathname, [mode], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
    child.once('message', (m: FromServer) => {
      if ('ready' in m) resolve({ child, ...m.ready });
    });
  });
}

const ask = (s: Server, m: ToServer): void => void s.child.send(m);
const stats = (s: Server): Promise<Extract<FromServer, { stats: unknown }>['stats']> =>
  new Promise((resolve) => {
    s.child.once('message', (m: FromServer) => 'stats' in m && resolve(m.stats));
    ask(s, { cmd: 'stats' });
  });

function post(agent: Agent, url: URL, auth: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: auth } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const q = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

/** Opens every kiosk's control channel; resolves when all are open. */
async function connectAll(s: Server): Promise<WebSocket[]> {
  const url = new URL(CONTROL_WS_PATH, s.url.replace(/^http/, 'ws'));
  const sockets: WebSocket[] = [];
  // A hundred at a time, as a fleet comes back after a server restart (their backoff spreads them).
  for (let from = 0; from < s.kiosks.length; from += 100) {
    await Promise.all(
      s.kiosks.slice(from, from + 100).map(
        (id, j) =>
          new Promise<void>((resolve, reject) => {
            const ws = new WebSocket(url, { headers: { authorization: `Kiosk ${id}:${s.credentials[from + j]}` } });
            ws.once('open', () => (sockets.push(ws), resolve()));
            ws.once('error', reject);
            ws.once('unexpected-response', (_req, res) => reject(new Error(`control channel: HTTP ${res.statusCode}`)));
          }),
      ),
    );
  }
  return sockets;
}

async function load(s: Server, mode: 'app' | 'bare'): Promise<{ handling: number[]; rtt: number[]; cpuShare: number; sent: number; failed: number; channels: number; channelsClosed: number }> {
  const sockets = mode === 'app' ? await connectAll(s) : [];
  let channelsClosed = 0;
  for (const ws of sockets) ws.once('close', () => channelsClosed++);
  const url = new URL(HEARTBEAT_PATH, s.url);
  // One connection per kiosk, as real kiosks have.
  const agent = new Agent({ keepAlive: true, maxSockets: KIOSKS });
  const rtt: number[] = [];
  let sent = 0;
  let failed = 0;
  let measuring = false;
  const beat = (i: number, uptime: number): Heartbeat => ({
    appVersion: '0.1.0',
    uptimeSeconds: uptime,
    rttMs: 20 + (i % 30),
    printer: i % 97 === 0 ? 'paper-out' : i % 13 === 0 ? 'paper-near-end' : 'ok',
    cardReader: i % 89 === 0 ? 'disconnected' : 'connected',
    camera: 'working',
    microphone: 'working',
    speaker: 'working',
    rendererCrashes: 0,
  });
  const timers: NodeJS.Timeout[] = [];
  const startAt = performance.now();
  s.kiosks.forEach((id, i) => {
    const auth = `Kiosk ${id}:${s.credentials[i]}`;
    const fire = (): void => {
      sent++;
      post(agent, url, auth, JSON.stringify(beat(i, Math.floor((performance.now() - startAt) / 1000)))).then(
        (ms) => measuring && rtt.push(ms),
        () => failed++,
      );
    };
    // Spread over the period, then every period.
    timers.push(
      setTimeout(() => {
        fire();
        timers.push(setInterval(fire, PERIOD_MS));
      }, (i * PERIOD_MS) / KIOSKS),
    );
  });
  await new Promise((r) => setTimeout(r, WARMUP_SECONDS * 1000));
  ask(s, { cmd: 'reset' });
  measuring = true;
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  measuring = false;
  const st = await stats(s);
  for (const t of timers) clearTimeout(t);
  agent.destroy();
  const closedDuringRun = channelsClosed;
  for (const ws of sockets) ws.terminate();
  return {
    handling: st.handlingMs.sort((a, b) => a - b),
    rtt: rtt.sort((a, b) => a - b),
    cpuShare: st.cpuMicros / 1000 / st.wallMs,
    sent,
    failed,
    channels: sockets.length,
    channelsClosed: closedDuringRun,
  };
}

function line(name: string, r: Awaited<ReturnType<typeof load>>): string {
  const h = r.handling;
  return `${name.padEnd(24)} ${String(h.length).padStart(6)} heartbeats  handling p50 ${q(h, 0.5).toFixed(2)} ms  p99 ${q(h, 0.99).toFixed(2)} ms  max ${(h.at(-1) ?? NaN).toFixed(1)} ms  | round trip p99 ${q(r.rtt, 0.99).toFixed(1)} ms | server CPU ${(r.cpuShare * 100).toFixed(0)} % of one core${r.failed ? `  (${r.failed} failed)` : ''}${r.channels ? ` | ${r.channels} control channels open, ${r.channelsClosed} dropped` : ''}`;
}

const results: Record<string, Awaited<ReturnType<typeof load>>> = {};
for (const mode of ['bare', 'app'] as const) {
  const s = await start(mode);
  results[mode] = await load(s, mode);
  ask(s, { cmd: 'close' });
  await new Promise((r) => s.child.once('exit', r));
}
const app = results.app!;
const bare = results.bare!;
const rate = (KIOSKS * 1000) / PERIOD_MS;
process.stdout.write(
  [
    `fleet heartbeats: ${KIOSKS} kiosks, each every ${PERIOD_MS} ms (${rate.toFixed(0)}/s, ${((rate * 30) / KIOSKS).toFixed(0)}x the default 30 s period), ${SECONDS} s measured after ${WARMUP_SECONDS} s warm-up`,
    line('baseline (bare fastify)', bare),
    line('booth-server', app),
    `ratio booth-server / baseline: handling p99 ${(q(app.handling, 0.99) / q(bare.handling, 0.99)).toFixed(2)}, CPU ${(app.cpuShare / bare.cpuShare).toFixed(2)}`,
    `target p99 < 20 ms on one core: ${q(app.handling, 0.99) < 20 ? 'met' : 'NOT met'} (${q(app.handling, 0.99).toFixed(2)} ms)`,
    '',
  ].join('\n'),
);
