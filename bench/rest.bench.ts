/**
 * REST throughput of a typical authenticated read route against a bare
 * fastify route answering the same JSON, in the same run, over real sockets
 * with autocannon. Target: ratio ≥ 0.8 on the first line.
 *
 * The route: GET /api/kiosks with a technician's session cookie. It is what
 * most staff reads are: the auth hook (cookie → sign-in, from the session
 * cache or the store), the security headers, the metrics hook, then a store
 * read in the handler and schema serialisation. Its baseline is a bare fastify
 * route running the same handler on the same store with the same response
 * schema, so the ratio is what the app around the route costs, not what the
 * route's own work costs.
 *
 * The target line is the typical read: a city's fleet as its technicians list
 * it, 20 kiosks at five sites (about 4 kB of JSON). The line after it is the
 * demo's single kiosk (220 bytes), printed as the floor: there the app's fixed
 * cost per request (cookie, session cache, six security headers, two hooks)
 * weighs most. GET /api/auth/me is the third line, not a target: on top of
 * that it mints a CSRF token on every call (a random salt and an HMAC), and
 * the console calls it once at start and near a session's idle end, not per
 * screen. Its baseline answers the same JSON, made once.
 *
 * Processes: the servers run in a child process (bench/rest.server.ts),
 * autocannon in this one. On the 2-core machine each gets a core, so the
 * client's work (it parses every response, and the app's carry ~600 bytes of
 * security headers the bare route does not send) is not taken out of the
 * server's time, as it was when both shared one event loop. The child's CPU
 * time per request is printed too: it is what a server core spends, whichever
 * side limits the throughput.
 *
 * Both servers get the same connections and duration; runs alternate (bare,
 * app, bare, app, ...) after a warm-up run each, and the median of the rounds
 * is printed, so other load on the machine hits both alike.
 *
 *   npx tsx bench/rest.bench.ts [seconds per run] [rounds]   (default 5 3)
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { FromServer, RestServers, ToServer } from './rest.server';

const SECONDS = Number(process.argv[2] ?? 5);
/** A city's fleet as its technicians list it: the typical read, the target line. */
const FLEET = 20;
const ROUNDS = Number(process.argv[3] ?? 3);
const CONNECTIONS = 10;

// The child runs TypeScript too: through tsx's loader, found from here rather than from the working directory.
const child = fork(fileURLToPath(new URL('./rest.server.ts', import.meta.url)), [], { execArgv: ['--import', import.meta.resolve('tsx')] });
function nextMessage(): Promise<FromServer> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => {
      child.off('message', onMessage);
      reject(new Error(`the server process exited (${code})`));
    };
    const onMessage = (m: unknown): void => {
      child.off('exit', onExit);
      resolve(m as FromServer);
    };
    child.once('message', onMessage);
    child.once('exit', onExit);
  });
}
const ask = (m: ToServer): void => void child.send(m);

async function serverCpuMicros(): Promise<number> {
  const answer = nextMessage();
  ask({ cmd: 'cpu' });
  const m = await answer;
  if (!('cpuMicros' in m)) throw new Error('unexpected message from the server process');
  return m.cpuMicros;
}

async function setFleet(size: number): Promise<void> {
  const answer = nextMessage();
  ask({ cmd: 'fleet', size });
  const m = await answer;
  if (!('fleetSize' in m) || m.fleetSize !== size) throw new Error(`the server has ${'fleetSize' in m ? m.fleetSize : '?'} kiosks, not ${size}`);
}

interface Run {
  rps: number;
  /** Server CPU time per request, µs. */
  cpu: number;
}

async function run(url: string, cookie?: string): Promise<Run> {
  const before = await serverCpuMicros();
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, headers: cookie ? { cookie } : {} });
  const cpu = (await serverCpuMicros()) - before;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, cpu: cpu / result.requests.total };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

try {
  const ready = await nextMessage();
  if (!('ready' in ready)) throw new Error('unexpected message from the server process');
  const s: RestServers = ready.ready;
  const lines = [
    { label: `GET /api/kiosks, ${FLEET} kiosks (technician)`, app: `${s.appUrl}/api/kiosks`, cookie: s.cookies.technician, bare: `${s.bareUrl}/kiosks`, target: true, fleet: FLEET },
    { label: 'GET /api/kiosks, 1 kiosk (technician)', app: `${s.appUrl}/api/kiosks`, cookie: s.cookies.technician, bare: `${s.bareUrl}/kiosks`, target: false, fleet: 1 },
    { label: 'GET /api/auth/me (agent, mints a CSRF token)', app: `${s.appUrl}/api/auth/me`, cookie: s.cookies.agent, bare: `${s.bareUrl}/me`, target: false, fleet: 1 },
  ];
  console.log(`REST throughput, ${CONNECTIONS} connections, ${SECONDS} s per run, median of ${ROUNDS} alternated runs after a warm-up run each; server in its own process`);
  const results = new Map<string, string[]>();
  // The one-kiosk lines first: the fleet only grows.
  for (const line of [...lines].sort((a, b) => a.fleet - b.fleet)) {
    await setFleet(line.fleet);
    await run(line.bare);
    await run(line.app, line.cookie);
    const bare: Run[] = [];
    const app: Run[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      bare.push(await run(line.bare));
      app.push(await run(line.app, line.cookie));
    }
    const [appRps, bareRps] = [median(app.map((r) => r.rps)), median(bare.map((r) => r.rps))];
    const [appCpu, bareCpu] = [median(app.map((r) => r.cpu)), median(bare.map((r) => r.cpu))];
    results.set(line.label, [
      `  ${line.label.padEnd(46)} ${appRps.toFixed(0).padStart(6)} req/s  ${appCpu.toFixed(1).padStart(5)} µs CPU/req`,
      `  ${'bare fastify, same handler and JSON'.padEnd(46)} ${bareRps.toFixed(0).padStart(6)} req/s  ${bareCpu.toFixed(1).padStart(5)} µs CPU/req`,
      `  ratio ${(appRps / bareRps).toFixed(2)}${line.target ? '   target ≥ 0.8' : ''}`,
    ]);
  }
  for (const line of lines) for (const text of results.get(line.label)!) console.log(text);
} finally {
  ask({ cmd: 'close' });
}
