/**
 * `npm run cluster`: a site's scale-out on one machine, for demos and tests
 * (issue #12). Starts a PostgreSQL (the tests' helper: Debian's server in a
 * temporary folder on a free loopback port, removed on stop), a Redis (the
 * same), three booth-server nodes (each its own process, HTTP port and SFU
 * port range, `store.kind: postgres`, `cluster.redisUrl` set), the
 * ClusterProxy in front of them, and then, like `npm start`, the virtual
 * hardware and the kiosk shell pointed at the proxy. Prints a table of what
 * runs where. Ctrl-C (or SIGTERM) stops everything and waits for each part.
 *
 * The nodes start one after another: each runs the demo seed (idempotent; the
 * first creates the accounts and the demo kiosk, the others only need it so
 * they accept the demo passwords), and one at a time keeps the enrolment code
 * file the kiosk shell reads consistent. A node that exits (e.g. `kill -9`)
 * is reported and the rest keep running: the proxy routes around it.
 *
 * Environment (all optional):
 *   CLUSTER_PORT        the proxy's port (8080; 0 = a free one)
 *   CLUSTER_NODE_PORTS  the nodes' HTTP ports, comma-separated (8081,8082,8083; 0 = free ones);
 *                       as many as there are nodes (1 to 8; three by default)
 *   CLUSTER_RTC_PORTS   the first SFU port of each node's range of 100 (40000,40100,40200), one per node
 *   CLUSTER_KIOSK       0: no kiosk shell and virtual hardware
 * A config/local.json (or BOOTH_CONFIG) is applied first; the cluster's own
 * settings on top.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig, ConfigError, REPO_ROOT } from '@citizen/config';
import { DEMO_ACCOUNTS } from '../booth-server/src/demo/seed';
import { ClusterProxy } from '../booth-server/src/cluster/proxy/ClusterProxy';
import { startTestPostgres, type TestPostgres } from '../booth-server/src/store/testing/postgres';
import { startTestRedis, type TestRedis } from '../booth-server/src/cluster/testing/redis';
import { DEMO_TECHNICIAN_PIN, DEMO_TECHNICIAN_PIN_HASH } from '../kiosk/src/technician/demoPin';
import { prefixLines } from './prefixLines';

const STOP_TIMEOUT_MS = 10_000;
const RTC_RANGE = 100;

function ports(name: string, fallback: number[], count: { min: number; max: number } = { min: fallback.length, max: fallback.length }): number[] {
  const raw = process.env[name];
  if (!raw) return fallback;
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (list.length < count.min || list.length > count.max || list.some((n) => !Number.isInteger(n) || n < 0 || n > 65535)) {
    const many = count.min === count.max ? `${count.min}` : `${count.min} to ${count.max}`;
    process.stderr.write(`cluster: ${name} must be ${many} port numbers, comma-separated; got ${JSON.stringify(raw)}\n`);
    process.exit(78);
  }
  return list;
}
const proxyPort = ports('CLUSTER_PORT', [8080])[0]!;
const nodePorts = ports('CLUSTER_NODE_PORTS', [8081, 8082, 8083], { min: 1, max: 8 });
const rtcPorts = ports('CLUSTER_RTC_PORTS', [40000, 40100, 40200].slice(0, nodePorts.length), { min: nodePorts.length, max: nodePorts.length });
if (nodePorts.length > 3 && !process.env.CLUSTER_RTC_PORTS) {
  process.stderr.write(`cluster: ${nodePorts.length} nodes need CLUSTER_RTC_PORTS (one first port per node)\n`);
  process.exit(78);
}
const NODES = nodePorts.length;
const withKiosk = process.env.CLUSTER_KIOSK !== '0';

interface Part {
  name: string;
  color: number;
  child: ChildProcess;
  url?: string;
}
const parts: Part[] = [];
let pg: TestPostgres | undefined;
let redis: TestRedis | undefined;
let proxy: ClusterProxy | undefined;
let tmp: string | undefined;
let stopping = false;

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolvePort(port));
    });
  });
}

const tag = (name: string, color: number) => `\x1b[${color}m[${name}]\x1b[0m`;
const say = (line: string) => process.stdout.write(`${tag('cluster', 1)} ${line}\n`);

/**
 * Whether a node's log line is a /ready answered 200 (the proxy asks each node every second),
 * left out of the output. Pretty logs (BOOTH_LOG_PRETTY=true) are shown whole.
 */
function healthCheckNoise(): (line: string) => boolean {
  const checks = new Set<string>();
  return (line) => {
    if (!line.startsWith('{')) return false;
    try {
      const l = JSON.parse(line) as { reqId?: string; req?: { url?: string; remoteAddress?: string }; res?: { statusCode?: number } };
      if (!l.reqId) return false;
      if (l.req?.url === '/ready' && checks.size < 10_000) {
        checks.add(l.reqId);
        return true;
      }
      if (checks.has(l.reqId) && l.res) {
        checks.delete(l.reqId);
        return l.res.statusCode === 200;
      }
    } catch {
      // not JSON: show it
    }
    return false;
  };
}

/** Starts a part; resolves with the first match of `ready` in its output. */
function startPart(name: string, color: number, entry: string, ready: RegExp, env: NodeJS.ProcessEnv, hide?: (line: string) => boolean): Promise<{ part: Part; match: RegExpExecArray }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, entry)], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const part: Part = { name, color, child };
  parts.push(part);
  return new Promise((resolvePart, reject) => {
    let done = false;
    const check = (line: string): void => {
      const m = done ? null : ready.exec(line);
      if (m) {
        done = true;
        resolvePart({ part, match: m });
      }
    };
    prefixLines(name, color, child.stdout!, process.stdout, check, hide);
    prefixLines(name, color, child.stderr!, process.stderr, check, hide);
    child.once('exit', (code, signal) => {
      if (!done) {
        done = true;
        reject(new Error(`${name} exited during start-up (${signal ?? `code ${code}`})`));
      } else if (!stopping) {
        process.stderr.write(`${tag(name, color)} exited (${signal ?? `code ${code}`}); the rest keep running${name.startsWith('node') ? ', the proxy routes around it' : ''}\n`);
      }
    });
  });
}

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('stopping…');
    await proxy?.close();
    // Reverse start order: kiosk, hardware, nodes (each closes its mediasoup worker), then Redis and PostgreSQL.
    for (const part of [...parts].reverse()) {
      const { child } = part;
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    await redis?.stop();
    await pg?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    process.stdout.write('cluster stopped\n');
  }
  process.exit(code);
}
process.once('SIGINT', () => void stopAll(0));
process.once('SIGTERM', () => void stopAll(0));

try {
  // The user's own settings (as npm start reads them), then the cluster's.
  const base = process.env.BOOTH_CONFIG
    ? process.env.BOOTH_CONFIG.split(',').map((f) => resolve(f.trim()))
    : existsSync(join(REPO_ROOT, 'config/local.json'))
      ? [join(REPO_ROOT, 'config/local.json')]
      : [];
  loadConfig({ files: base }); // fail early, with the file and field, on a broken local config

  pg = await startTestPostgres();
  const postgresUrl = await pg.createDatabase('booth');
  say(`PostgreSQL ready on 127.0.0.1:${pg.port} (data in ${pg.dataDir}, removed on stop)`);
  redis = await startTestRedis();
  say(`Redis ready on 127.0.0.1:${redis.port} (in memory)`);

  // Free ports for the nodes asked to take any; the proxy first (nodes come up after), so its URL is known to them.
  for (let i = 0; i < nodePorts.length; i++) if (nodePorts[i] === 0) nodePorts[i] = await freePort();
  proxy = await ClusterProxy.start({
    backends: nodePorts.map((p) => `http://127.0.0.1:${p}`),
    port: proxyPort,
    onStateChange: (node, state, previous) => {
      if (previous !== 'unknown' || state !== 'down') say(`proxy: ${node} ${previous} → ${state}`);
    },
  });
  const proxyUrl = proxy.url;

  // Fresh database each run: the cluster kiosk's identity and code live apart from npm start's.
  const kioskDir = join(REPO_ROOT, 'data/cluster');
  mkdirSync(kioskDir, { recursive: true });
  rmSync(join(kioskDir, 'kiosk-identity.json'), { force: true });
  tmp = mkdtempSync(join(tmpdir(), 'booth-cluster-'));
  const clusterFile = join(tmp, 'cluster.json');
  writeFileSync(
    clusterFile,
    JSON.stringify({
      server: { publicUrl: proxyUrl, trustProxy: true },
      store: { kind: 'postgres', postgresUrl },
      cluster: { redisUrl: redis.url },
      kiosk: {
        serverUrl: proxyUrl,
        identityFile: 'data/cluster/kiosk-identity.json',
        enrolmentCodeFile: 'data/cluster/demo-kiosk-enrolment-code.txt',
        receipt: { statusPageUrl: `${proxyUrl}/status/{reference}` },
      },
    }),
  );
  const BOOTH_CONFIG = [...base, clusterFile].join(',');

  for (let i = 0; i < NODES; i++) {
    const { match } = await startPart(`node${i + 1}`, [36, 34, 32][i % 3]!, 'booth-server/src/main.ts', /Server listening at (http:\/\/[^\s"]+)/, {
      BOOTH_CONFIG,
      BOOTH_PORT: String(nodePorts[i]),
      BOOTH_HOST: '127.0.0.1',
      BOOTH_PUBLIC_URL: proxyUrl,
      BOOTH_STORE_KIND: 'postgres',
      BOOTH_STORE_POSTGRES_URL: postgresUrl,
      BOOTH_REDIS_URL: redis.url,
      BOOTH_SFU_WORKERS: '1',
      BOOTH_RTC_MIN_PORT: String(rtcPorts[i]),
      BOOTH_RTC_MAX_PORT: String(rtcPorts[i]! + RTC_RANGE - 1),
      BOOTH_DEMO_SEED: 'true',
      // JSON, so the proxy's health checks (one a second) can be left out of the output.
      BOOTH_LOG_PRETTY: process.env.BOOTH_LOG_PRETTY ?? 'false',
    }, healthCheckNoise());
    parts.at(-1)!.url = match[1]!;
  }
  const deadline = Date.now() + 30_000;
  while (Object.values(proxy.states()).some((s) => s !== 'ready')) {
    if (Date.now() > deadline) throw new Error(`not every node became ready: ${JSON.stringify(proxy.states())}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  let config;
  if (withKiosk) {
    config = loadConfig({ files: [...base, clusterFile] });
    await startPart('hardware', 35, 'hardware/src/virtual/main.ts', /^virtual hardware ready/, { BOOTH_CONFIG });
    await startPart('kiosk', 33, 'kiosk/src/shell.ts', /^kiosk: /, { BOOTH_CONFIG, KIOSK_TECHNICIAN_PIN_HASH: process.env.KIOSK_TECHNICIAN_PIN_HASH ?? DEMO_TECHNICIAN_PIN_HASH });
  }

  const rows: Array<[string, string, string]> = [
    ['proxy', proxyUrl, `HTTP + WebSockets, sticky by kiosk id / session cookie / address (pid ${process.pid})`],
    ...parts
      .filter((p) => p.name.startsWith('node'))
      .map((p, i): [string, string, string] => [p.name, p.url!, `HTTP + WS (behind the proxy); SFU media UDP/TCP ${rtcPorts[i]}-${rtcPorts[i]! + RTC_RANGE - 1} (pid ${p.child.pid})`]),
    ['postgres', `127.0.0.1:${pg.port}`, `PostgreSQL, database booth (pid ${pg.pid})`],
    ['redis', `127.0.0.1:${redis.port}`, `Redis, live state and node bus (pid ${redis.pid})`],
    ...(config
      ? ([
          ['kiosk', `http://127.0.0.1:${config.kiosk.hostPort}/kiosk/`, 'kiosk shell (browser host), talks to the proxy'],
          ...(config.kiosk.virtualHardwarePort ? [['hardware', `http://127.0.0.1:${config.kiosk.virtualHardwarePort}/`, 'virtual printer and card reader (dev only)'] as [string, string, string]] : []),
        ] as Array<[string, string, string]>)
      : []),
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const lines = [
    '',
    'Citizen kiosk cluster is running.',
    ...rows.map(([a, b, c]) => `  ${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`),
    '',
    `  Agent console   ${proxyUrl}/console/`,
    `  Health          ${proxyUrl}/ready (through the proxy: one ready node answers)`,
    ...(existsSync(join(REPO_ROOT, 'agent-console/dist/main.js')) ? [] : ['  (the console and kiosk bundles are not built: run npm run build first)']),
    '  Demo logins (agent console):',
    ...DEMO_ACCOUNTS.map((a) => `    ${a.role.padEnd(11)} ${a.username.padEnd(6)} / ${a.password}`),
    ...(config ? [`  Technician mode on the kiosk: five taps in the bottom-left corner of the attract screen, PIN ${DEMO_TECHNICIAN_PIN}`] : []),
    'Press Ctrl-C to stop everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
} catch (err) {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') process.stderr.write(`cluster failed to start: ${(err as Error).message}: is npm start or another cluster running? (CLUSTER_PORT, CLUSTER_NODE_PORTS move the ports)\n`);
  else process.stderr.write(`cluster failed to start: ${(err as Error).message}\n`);
  await stopAll(1);
}
