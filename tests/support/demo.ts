/**
 * Runs `npm start`'s orchestrator (scripts/start.ts) as a user would, in its
 * own process group, with a site config that puts every port and file in a
 * temporary folder so tests never touch the developer's data/.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const METRICS_TOKEN = 'demo-test-metrics-token';

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

export interface Demo {
  proc: ChildProcess;
  dir: string;
  serverUrl: string;
  kioskUrl: string;
  /** The virtual hardware's control endpoint (present cards, change the printer's state). */
  hardwareUrl: string;
  output: () => string;
  /** Sends SIGINT to the whole process group, as Ctrl-C in a terminal does; resolves with the exit code. */
  interrupt(): Promise<number | null>;
  /** Stops the demo if it runs and removes its temporary folder. */
  dispose(): Promise<void>;
  /** Pids still alive in the demo's process group. */
  leftovers(): number[];
  /** Pids of the demo's mediasoup worker processes. */
  workerPids(): number[];
  /** Prometheus text from the demo's /metrics. */
  metrics(): Promise<string>;
}

/**
 * `routing`: replaces the site's routing section (e.g. queues closed for an out-of-hours test).
 * `autoEnrol: false`: the kiosk shell leaves the demo enrolment code alone, so the kiosk starts on its provisioning screen.
 * `turn`: the site's turn section (with startLocal the demo runs its own coturn); `kiosk`: more kiosk settings (e.g. iceTransportPolicy);
 * `calls`: more calls settings (e.g. quicker quality thresholds).
 */
export async function startDemo(
  rtcMinPort: number,
  opts: { numWorkers?: number; routing?: Record<string, unknown>; autoEnrol?: boolean; turn?: Record<string, unknown>; kiosk?: Record<string, unknown>; calls?: Record<string, unknown> } = {},
): Promise<Demo> {
  const dir = mkdtempSync(join(tmpdir(), 'demo-'));
  const port = await freePort();
  const hostPort = await freePort();
  const hardwarePort = await freePort();
  const serverUrl = `http://127.0.0.1:${port}`;
  const site = {
    server: { port, publicUrl: serverUrl },
    dataDir: join(dir, 'data'),
    // Browser tests sign in many times a minute from one address; the limit itself is tested in booth-server/src/auth.
    auth: { metricsToken: METRICS_TOKEN, loginAttemptsPerMinute: 300 },
    sfu: { numWorkers: opts.numWorkers ?? 1, rtcMinPort, rtcMaxPort: rtcMinPort + 99 },
    // A page closed by a test leaves its session for the grace period: keep it short so the next
    // test starts from a quiet server. Tests and the benchmark make many calls from one kiosk a minute.
    calls: { reconnectGraceSeconds: 5, maxCallRequestsPerKioskPerMinute: 600, ...opts.calls },
    ...(opts.routing ? { routing: opts.routing } : {}),
    ...(opts.turn ? { turn: opts.turn } : {}),
    kiosk: {
      ...opts.kiosk,
      serverUrl,
      hostPort,
      virtualHardwarePort: hardwarePort,
      identityFile: join(dir, 'data/kiosk-identity.json'),
      enrolmentCodeFile: join(dir, 'data/demo-kiosk-enrolment-code.txt'),
      printer: { path: join(dir, 'dev/printer'), baudRate: 9600 },
      cardReader: { path: join(dir, 'dev/card-reader'), baudRate: 9600 },
    },
  };
  const configFile = join(dir, 'site.json');
  writeFileSync(configFile, JSON.stringify(site));

  const proc = spawn(process.execPath, ['scripts/build-ui.mjs'], { cwd: ROOT, stdio: 'ignore' });
  await new Promise((r) => proc.once('exit', r));
  const demo = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    env: { ...process.env, BOOTH_CONFIG: configFile, BOOTH_LOG_PRETTY: 'false', KIOSK_NO_BROWSER: '1', FORCE_COLOR: '0', ...(opts.autoEnrol === false ? { KIOSK_AUTO_ENROL: '0' } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  demo.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  demo.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => demo.once('exit', (code) => r(code)));

  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`demo did not start in 60 s:\n${out}`)), 60_000);
    const poll = setInterval(() => {
      if (out.includes('Citizen kiosk demo is running')) {
        clearTimeout(timer);
        clearInterval(poll);
        res();
      }
    }, 50);
    void exited.then((code) => {
      clearTimeout(timer);
      clearInterval(poll);
      rej(new Error(`demo exited with ${code} during start-up:\n${out}`));
    });
  });

  const interrupt = async (): Promise<number | null> => {
    if (demo.exitCode === null && demo.signalCode === null) process.kill(-demo.pid!, 'SIGINT');
    return exited;
  };
  return {
    proc: demo,
    dir,
    serverUrl,
    kioskUrl: `http://127.0.0.1:${hostPort}/kiosk/`,
    hardwareUrl: `http://127.0.0.1:${hardwarePort}`,
    output: () => out,
    interrupt,
    async dispose() {
      await interrupt();
      rmSync(dir, { recursive: true, force: true });
    },
    workerPids() {
      try {
        const out = execFileSync('pgrep', ['-g', String(demo.pid), '-f', 'mediasoup-worker'], { encoding: 'utf8' });
        return out.trim().split('\n').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    },
    async metrics() {
      const res = await fetch(`${serverUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      return res.text();
    },
    leftovers() {
      try {
        return execFileSync('pgrep', ['-g', String(demo.pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
      } catch {
        return []; // pgrep exits 1 when nothing matches
      }
    },
  };
}

/** Drives the demo's virtual hardware (card reads, printer states): POST to its control endpoint, the answer as JSON. */
export async function hardwareControl(demo: Pick<Demo, 'hardwareUrl'>, path: string, body: unknown = {}): Promise<unknown> {
  const res = await fetch(`${demo.hardwareUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * The site's turn section for a demo that runs its own coturn on loopback:
 * coturn on `port` (UDP and TCP) with relays in `relayPorts`, and clients told
 * to reach it at `clientPort` (coturn's own port, or an impaired link's in
 * front of it) over UDP and TCP.
 */
export function localTurn(o: { port: number; relayPorts: [number, number]; clientPort?: number; secret: string }): Record<string, unknown> {
  const at = o.clientPort ?? o.port;
  return {
    enabled: true,
    urls: [`turn:127.0.0.1:${at}?transport=udp`, `turn:127.0.0.1:${at}?transport=tcp`],
    secret: o.secret,
    credentialTtlSeconds: 600,
    startLocal: true,
    local: { port: o.port, tlsPort: 0, certFile: '', keyFile: '', relayMinPort: o.relayPorts[0], relayMaxPort: o.relayPorts[1], realm: 'test.citizen.local' },
  };
}
