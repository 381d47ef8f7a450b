/**
 * A call across the nodes of a cluster (#12), for real: `npm run cluster`
 * (scripts/cluster.ts: PostgreSQL, Redis, three booth-server processes, the
 * proxy; no kiosk shell of its own), a kiosk shell whose server is node 1
 * (A) and the agent console opened on node 2 (B), both directly, not through
 * the proxy, in Debian's Chromium with fake camera and microphone.
 *
 * Anna, signed in on B, takes the resident's call from the kiosk on A: video
 * is decoded and audio arrives on both sides; the call is held on A (A's
 * /metrics count it and the SFU objects it has, B's and node 3's none) and
 * the agent's browser sends and receives its media directly to and from A's
 * SFU (its transports' selected ICE pairs end on ports of A's range). Anna
 * hangs up on B: the kiosk and the console show the call ended, and A's
 * count goes back to zero.
 *
 * Losing a node (kill -9), with kiosks and consoles that reach the site
 * through the proxy as at a site (five nodes, so that four can be stopped):
 * the node holding an agent's console socket is killed mid-call and the
 * console's reconnect lands on another node, which takes the agent's session
 * over while the call and its media stay where they are; the node holding a call's media is killed mid-call and
 * the kiosk's reconnect lands on another node, which takes the call over and
 * sets it up again with the agent (both sides make their transports there,
 * media flows both ways, nobody sees the call end); the node holding a
 * waiting resident is killed and the resident keeps their place on the node
 * their kiosk reconnects to, where an agent then takes the call.
 *
 * Ports: SFU ranges 56500-56599 (A), 56600-56699 (B), 56700-56799 (node 3), 56800-56899 (node 4),
 * 56900-56999 (node 5);
 * HTTP ports free ones.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './support/browser';
import { freePort, ROOT } from './support/demo';
import { deskStats, expectMediaFlowing, kioskStats, openConsole, openKiosk, tapTalk } from './support/pages';

const RTC_PORTS = [56500, 56600, 56700, 56800, 56900];
const METRICS_TOKEN = 'cluster-calls-test-metrics-token';
const KIOSK_ID = 'k-cluster-calls-1';
const KIOSK_NAME = 'Cluster kiosk';

interface Node {
  name: string;
  url: string;
  pid: number;
}

let cluster: ChildProcess | undefined;
let kioskShell: ChildProcess | undefined;
let clusterOut = '';
let shellOut = '';
let dir: string | undefined;
let browser: Browser | undefined;
let nodes: Node[] = [];
let kioskUrl = '';
let proxyUrl = '';
const shells: ChildProcess[] = [];

async function until<T>(probe: () => T | undefined, what: string, timeoutMs: number, out: () => string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; output so far:\n${out().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Stops a detached child and everything in its process group: SIGINT / SIGTERM as asked, SIGKILL if it lingers. */
async function stopGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(-child.pid, signal);
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone already
    }
  }, 15_000);
  await exited;
  clearTimeout(timer);
}

const metrics = async (node: Node): Promise<string> => {
  const res = await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  if (!res.ok) throw new Error(`${node.name} /metrics: HTTP ${res.status}`);
  return res.text();
};
const callsInCall = async (node: Node): Promise<number> => Number(/^booth_calls\{state="in-call"\} (\d+)$/m.exec(await metrics(node))?.[1] ?? NaN);
const sfuObjects = async (node: Node): Promise<Record<string, number>> => {
  const out: Record<string, number> = {};
  for (const m of (await metrics(node)).matchAll(/^booth_sfu_objects\{kind="(\w+)"\} (\d+)$/gm)) out[m[1]!] = Number(m[2]);
  return out;
};

/** The remote (server-side) port of the selected ICE candidate pair of each of the agent's live transports. */
const agentRemotePorts = (agent: Page): Promise<{ direction: string; port: number | null }[] | null> =>
  agent.evaluate(async () => {
    type Transport = { closed: boolean; getStats(): Promise<RTCStatsReport> };
    type Desk = { active: { value: { view: { media: { endpoint: { send: Transport | null; recv: Transport | null } } } } | null } };
    const active = (window as unknown as { __desk: Desk }).__desk.active.value;
    if (!active) return null;
    const { endpoint } = active.view.media;
    const out: { direction: string; port: number | null }[] = [];
    for (const [direction, t] of [['send', endpoint.send], ['recv', endpoint.recv]] as const) {
      if (!t || t.closed) continue;
      const report = await t.getStats();
      const all = [...report.values()] as Record<string, unknown>[];
      const transport = all.find((s) => s.type === 'transport' && typeof s.selectedCandidatePairId === 'string');
      const pair = (transport && report.get(transport.selectedCandidatePairId as string)) ?? all.find((s) => s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated === true);
      const remote = pair ? (report.get(pair.remoteCandidateId as string) as Record<string, unknown> | undefined) : undefined;
      out.push({ direction, port: typeof remote?.port === 'number' ? remote.port : null });
    }
    return out;
  });

/** The technician's side on node A, through the API as the console calls it: a kiosk record, and its enrolment code. */
async function createKiosk(nodeUrl: string, id = KIOSK_ID, name = KIOSK_NAME): Promise<string> {
  const login = await fetch(`${nodeUrl}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'tech', password: 'demo-tech' }) });
  if (login.status !== 200) throw new Error(`tech sign-in on ${nodeUrl}: HTTP ${login.status} ${await login.text()}`);
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const res = await fetch(`${nodeUrl}/api/kiosks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ id, name, location: 'Node A, ground floor', languages: ['da', 'en'] }),
  });
  if (res.status !== 201) throw new Error(`creating the kiosk on ${nodeUrl}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { enrolment: { code: string } }).enrolment.code;
}

/** Starts a kiosk shell (browser host, no hardware) whose server is `serverUrl`; resolves with its kiosk page's URL and its output. */
async function startShell(serverUrl: string, id: string, name: string): Promise<{ url: string; out: () => string }> {
  const d = mkdtempSync(join(tmpdir(), 'cluster-shell-'));
  const hostPort = await freePort();
  writeFileSync(join(d, 'enrolment-code.txt'), await createKiosk(nodes.find((n) => alive(n.pid))!.url, id, name));
  writeFileSync(
    join(d, 'kiosk.json'),
    JSON.stringify({
      kiosk: {
        serverUrl,
        hostPort,
        virtualHardwarePort: 0,
        identityFile: join(d, 'kiosk-identity.json'),
        enrolmentCodeFile: join(d, 'enrolment-code.txt'),
        printer: { path: join(d, 'dev/printer') },
        cardReader: { path: join(d, 'dev/card-reader') },
      },
    }),
  );
  let out = '';
  const sh = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'kiosk/src/shell.ts')], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, BOOTH_CONFIG: join(d, 'kiosk.json'), KIOSK_SHELL: 'browser', KIOSK_NO_BROWSER: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  shells.push(sh);
  sh.once('exit', () => rmSync(d, { recursive: true, force: true }));
  sh.stdout!.on('data', (x: Buffer) => (out += x.toString()));
  sh.stderr!.on('data', (x: Buffer) => (out += x.toString()));
  await until(() => (/open the kiosk UI at/.test(out) ? true : undefined), `the kiosk shell ${id} to start`, 30_000, () => out);
  return { url: `http://127.0.0.1:${hostPort}/kiosk/`, out: () => out };
}

const callsIn = async (node: Node, state: string): Promise<number> => Number(new RegExp(`^booth_calls\\{state="${state}"\\} (\\d+)$`, 'm').exec(await metrics(node))?.[1] ?? NaN);
/** Calls in a state over every node still running. */
const callsOnLiveNodes = async (state: string): Promise<number> => {
  let n = 0;
  for (const node of nodes) if (alive(node.pid)) n += await callsIn(node, state);
  return n;
};
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** On failure: what the nodes said that matches `words` (warnings and errors always), enough to tell where it broke. */
function showClusterOnFailure(words: RegExp): void {
  onTestFailed(() => {
    const lines = clusterOut.split('\n').filter((l) => /"level":(40|50|60)|error/i.test(l) || words.test(l));
    console.error(`cluster output (filtered, last 80 lines):\n${lines.slice(-80).join('\n')}`);
  });
}

/** A kiosk shell through the proxy (as at a site) whose resident taps "talk to a person" and waits; and the node the proxy put it on. */
async function residentWaiting(id: string, name: string): Promise<{ kiosk: Page; node: Node }> {
  const shell = await startShell(proxyUrl, id, name);
  const kiosk = await openKiosk(browser!, shell.url);
  await tapTalk(kiosk);
  await expect.poll(() => kiosk.getByTestId('queue-position').isVisible(), { timeout: 15_000 }).toBe(true);
  let node: Node | undefined;
  await expect.poll(async () => {
    for (const n of nodes) if (alive(n.pid) && (await callsIn(n, 'queued')) === 1) node = n;
    return node?.name;
  }, { timeout: 10_000 }).toBeDefined();
  return { kiosk, node: node! };
}

beforeAll(async () => {
  // The kiosk and console bundles the nodes serve, as npm start and the demo tests build them.
  const build = spawn(process.execPath, ['scripts/build-ui.mjs'], { cwd: ROOT, stdio: 'ignore' });
  const [buildCode] = (await once(build, 'exit')) as [number | null];
  if (buildCode !== 0) throw new Error(`scripts/build-ui.mjs exited with ${buildCode}`);

  cluster = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/cluster.ts')], {
    cwd: ROOT,
    detached: true, // its own process group, stopped as a whole in afterAll
    env: {
      ...process.env,
      CLUSTER_PORT: '0',
      CLUSTER_NODE_PORTS: '0,0,0,0,0',
      CLUSTER_RTC_PORTS: RTC_PORTS.join(','),
      CLUSTER_KIOSK: '0',
      BOOTH_LOG_PRETTY: 'false',
      BOOTH_METRICS_TOKEN: METRICS_TOKEN,
      FORCE_COLOR: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cluster.stdout!.on('data', (d: Buffer) => (clusterOut += d.toString()));
  cluster.stderr!.on('data', (d: Buffer) => (clusterOut += d.toString()));
  await until(
    () => {
      if (cluster!.exitCode !== null) throw new Error(`the cluster exited during start-up:\n${clusterOut.slice(-4000)}`);
      return /Press Ctrl-C/.test(clusterOut) ? true : undefined;
    },
    'the cluster to start',
    75_000,
    () => clusterOut,
  );
  proxyUrl = /^\s+proxy\s+(http:\/\/\S+)/m.exec(clusterOut)![1]!;
  nodes = [...clusterOut.matchAll(/^\s+(node\d)\s+(http:\/\/\S+)\s.*\(pid (\d+)\)/gm)].map((m) => ({ name: m[1]!, url: m[2]!, pid: Number(m[3]) }));
  expect(nodes.map((n) => n.name)).toEqual(['node1', 'node2', 'node3', 'node4', 'node5']);
  expect(new Set(nodes.map((n) => n.url)).size).toBe(5);

  // A kiosk shell (the browser host, no hardware) whose server is node A itself: its page's API calls
  // and signalling socket go to A only. It enrols with a code made for it on A, as the demo shell does.
  dir = mkdtempSync(join(tmpdir(), 'cluster-calls-'));
  const hostPort = await freePort();
  writeFileSync(join(dir, 'enrolment-code.txt'), await createKiosk(nodes[0]!.url));
  writeFileSync(
    join(dir, 'kiosk.json'),
    JSON.stringify({
      kiosk: {
        serverUrl: nodes[0]!.url,
        hostPort,
        virtualHardwarePort: 0,
        identityFile: join(dir, 'kiosk-identity.json'),
        enrolmentCodeFile: join(dir, 'enrolment-code.txt'),
        printer: { path: join(dir, 'dev/printer') },
        cardReader: { path: join(dir, 'dev/card-reader') },
      },
    }),
  );
  kioskShell = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'kiosk/src/shell.ts')], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, BOOTH_CONFIG: join(dir, 'kiosk.json'), KIOSK_SHELL: 'browser', KIOSK_NO_BROWSER: '1', FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  kioskShell.stdout!.on('data', (d: Buffer) => (shellOut += d.toString()));
  kioskShell.stderr!.on('data', (d: Buffer) => (shellOut += d.toString()));
  await until(
    () => {
      if (kioskShell!.exitCode !== null) throw new Error(`the kiosk shell exited during start-up:\n${shellOut.slice(-4000)}`);
      return /open the kiosk UI at/.test(shellOut) ? true : undefined;
    },
    'the kiosk shell to start',
    30_000,
    () => shellOut,
  );
  expect(shellOut).toContain(`kiosk enrolled with the demo enrolment code [kiosk:${KIOSK_ID}`);
  kioskUrl = `http://127.0.0.1:${hostPort}/kiosk/`;

  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  for (const sh of shells) await stopGroup(sh, 'SIGTERM');
  await stopGroup(kioskShell, 'SIGTERM');
  // As Ctrl-C in a terminal: the script stops its nodes, Redis and PostgreSQL and removes their data.
  await stopGroup(cluster, 'SIGINT');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a call across the nodes of a cluster', () => {
  it('connects a kiosk on node A with an agent on node B: media both ways through A’s SFU, and the agent’s hang-up ends it on both sides', async () => {
    showClusterOnFailure(/call|forward|mediaReset|offer/i);
    const [a, b, c] = nodes as [Node, Node, Node];

    const agent = await openConsole(browser!, b.url, 'anna', 'demo-agent');
    await agent.getByTestId('available').check();
    const kiosk = await openKiosk(browser!, kioskUrl);
    await tapTalk(kiosk);
    await expect.poll(() => agent.getByTestId('offer').isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await agent.getByTestId('offer').textContent()).toContain(KIOSK_NAME);
    await agent.getByRole('button', { name: 'Accept' }).click();

    // Media both ways: each side decodes the other's video and receives the other's audio.
    await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk');
    const agentStats = await expectMediaFlowing(() => deskStats(agent), 'agent');
    // The console was told to make its transports again, on A's router.
    expect(agentStats.mediaResets).toBeGreaterThanOrEqual(1);

    // The call is held on A, the kiosk's node: A counts it, and holds both sides' media (two
    // transports and two producers each, each consuming the other's two); B and node 3 hold none of it.
    expect(await callsInCall(a)).toBe(1);
    expect(await callsInCall(b)).toBe(0);
    expect(await callsInCall(c)).toBe(0);
    expect(await sfuObjects(a)).toMatchObject({ transport: 4, producer: 4, consumer: 4 });
    expect(await sfuObjects(b)).toMatchObject({ transport: 0, producer: 0, consumer: 0 });
    expect(await sfuObjects(c)).toMatchObject({ transport: 0, producer: 0, consumer: 0 });
    // The agent's browser sends and receives directly to and from A's SFU: both transports' selected
    // ICE pairs end on a port of A's range, though the console's page and socket are on B.
    const ports = await agentRemotePorts(agent);
    expect(ports?.map((p) => p.direction).sort()).toEqual(['recv', 'send']);
    for (const p of ports!) {
      expect(p.port).toBeGreaterThanOrEqual(RTC_PORTS[0]!);
      expect(p.port).toBeLessThan(RTC_PORTS[0]! + 100);
    }

    // The agent hangs up on B: A ends the call and both sides say so.
    await agent.getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => kiosk.getByTestId('call-ended').isVisible(), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => agent.getByTestId('last-ended').textContent(), { timeout: 10_000 }).toContain('hangup-agent');
    expect(await kiosk.evaluate(() => (window as unknown as { __kiosk: { localTracks(): string[] } }).__kiosk.localTracks())).toEqual(['audio:ended', 'video:ended']);
    await expect.poll(() => callsInCall(a), { timeout: 10_000 }).toBe(0);
    // Both sides' media is gone from A; the agent, still available, is given transports on B, their own node, again.
    await expect.poll(() => sfuObjects(a), { timeout: 10_000 }).toMatchObject({ transport: 0, producer: 0, consumer: 0 });
    await expect.poll(() => sfuObjects(b), { timeout: 10_000 }).toMatchObject({ transport: 2, producer: 0, consumer: 0 });
    await agent.context().close();
    await kiosk.context().close();
  });

  it('keeps a call going when the node holding the agent’s console socket is killed (kill -9): the console reconnects to another node, which takes the agent’s session over', async () => {
    showClusterOnFailure(/took over|gone|moved|rejoin|session|call/i);
    const { kiosk, node: home } = await residentWaiting('k-cluster-calls-4', 'Agent-node kiosk');
    // The console through the proxy, as at a site; signed in again until the proxy puts it on another node than the call's.
    let agent: Page | undefined;
    let agentNode: Node | undefined;
    for (let i = 0; i < 10 && !agentNode; i++) {
      const before = new Map<Node, number>();
      for (const n of nodes) if (alive(n.pid)) before.set(n, await callsIn(n, 'sessions'));
      const page = await openConsole(browser!, proxyUrl, 'anna', 'demo-agent');
      let on: Node | undefined;
      await expect.poll(async () => {
        for (const [n, was] of before) if ((await callsIn(n, 'sessions')) > was) on = n;
        return on?.name;
      }, { timeout: 10_000 }).toBeDefined();
      if (on !== home) [agent, agentNode] = [page, on];
      else await page.context().close();
    }
    expect(agentNode).toBeDefined();
    await agent!.getByTestId('available').check();
    await expect.poll(() => agent!.getByTestId('offer').isVisible(), { timeout: 15_000 }).toBe(true);
    await agent!.getByRole('button', { name: 'Accept' }).click();
    await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk');
    await expectMediaFlowing(() => deskStats(agent!), 'agent');

    process.kill(agentNode!.pid, 'SIGKILL');
    // The console's socket goes to another node, which takes the agent's session over; the call stays where it is.
    await expect.poll(() => clusterOut.includes('took over a staff session of a node that is gone'), { timeout: 30_000 }).toBe(true);
    expect(await callsIn(home, 'in-call')).toBe(1);
    await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk');
    await expectMediaFlowing(() => deskStats(agent!), 'agent');
    expect(await agent!.getByTestId('last-ended').isVisible()).toBe(false);
    // The agent's requests reach the call through their new node: the hang-up ends it on both sides.
    await agent!.getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => kiosk.getByTestId('call-ended').isVisible(), { timeout: 10_000 }).toBe(true);
    await expect.poll(() => agent!.getByTestId('last-ended').textContent(), { timeout: 10_000 }).toContain('hangup-agent');
    await agent!.context().close();
    await kiosk.context().close();
  });

  it('hands a call over when the node holding it is stopped for a restart (SIGTERM): nobody sees the call end', async () => {
    showClusterOnFailure(/took over|gone|moved|handed|call/i);
    const { kiosk, node: stopping } = await residentWaiting('k-cluster-calls-6', 'Restart kiosk');
    const agentNode = nodes.find((n) => n !== stopping && alive(n.pid))!;
    const agent = await openConsole(browser!, agentNode.url, 'anna', 'demo-agent');
    await agent.getByTestId('available').check();
    await expect.poll(() => agent.getByTestId('offer').isVisible(), { timeout: 15_000 }).toBe(true);
    await agent.getByRole('button', { name: 'Accept' }).click();
    await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk');
    await expectMediaFlowing(() => deskStats(agent), 'agent');

    // An orderly stop, as systemd's restart sends it: the node hands its call over instead of ending it.
    process.kill(stopping.pid, 'SIGTERM');
    await expect.poll(() => alive(stopping.pid), { timeout: 20_000 }).toBe(false);
    await expect.poll(() => callsOnLiveNodes('in-call'), { timeout: 30_000 }).toBe(1);
    await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk');
    await expectMediaFlowing(() => deskStats(agent), 'agent');
    expect(await kiosk.getByTestId('call-ended').isVisible()).toBe(false);
    expect(await agent.getByTestId('last-ended').isVisible()).toBe(false);
    await agent.getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => kiosk.getByTestId('call-ended').isVisible(), { timeout: 10_000 }).toBe(true);
    await agent.context().close();
    await kiosk.context().close();
  });

  it('re-establishes a call when the node holding its media is killed (kill -9): the kiosk reconnects to another node, which sets the call up again with the agent, media both ways', async () => {
    showClusterOnFailure(/took over|gone|moved|call/i);
    // The node the proxy put the kiosk on holds the call and its media; the agent signs in on another.
    const { kiosk, node: media } = await residentWaiting('k-cluster-calls-3', 'Media kiosk');
    const agentNode = nodes.find((n) => n !== media && alive(n.pid))!;
    const agent = await openConsole(browser!, agentNode.url, 'anna', 'demo-agent');
    await agent.getByTestId('available').check();
    await expect.poll(() => agent.getByTestId('offer').isVisible(), { timeout: 15_000 }).toBe(true);
    await agent.getByRole('button', { name: 'Accept' }).click();
    await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk');
    await expectMediaFlowing(() => deskStats(agent), 'agent');
    expect(await callsIn(media, 'in-call')).toBe(1);
    const before = { kiosk: (await kioskStats(kiosk))!, agent: (await deskStats(agent))! };

    process.kill(media.pid, 'SIGKILL');
    // Another node takes the call over: it is in a call there, and both sides decode each other's video again.
    await expect.poll(() => callsOnLiveNodes('in-call'), { timeout: 30_000 }).toBe(1);
    await expect.poll(async () => (await kioskStats(kiosk))?.mediaResets ?? 0, { timeout: 15_000 }).toBeGreaterThan(before.kiosk.mediaResets);
    await expect.poll(async () => (await deskStats(agent))?.mediaResets ?? 0, { timeout: 15_000 }).toBeGreaterThan(before.agent.mediaResets);
    await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk');
    await expectMediaFlowing(() => deskStats(agent), 'agent');
    // Still the same call on both sides: nobody saw it end.
    expect(await kiosk.getByTestId('call-ended').isVisible()).toBe(false);
    await agent.getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => kiosk.getByTestId('call-ended').isVisible(), { timeout: 10_000 }).toBe(true);
    await agent.context().close();
    await kiosk.context().close();
  });

  it('keeps a waiting resident in line when their node is killed (kill -9): the kiosk reconnects to another node, which takes the call over, and an agent there takes it', async () => {
    showClusterOnFailure(/took over|gone|call/i);
    // A kiosk through the proxy (as at a site): the proxy keeps it on one node, whichever that is. Nobody is available: the resident waits, first in line.
    const { kiosk, node: holder } = await residentWaiting('k-cluster-calls-2', 'Proxy kiosk');
    const first = await kiosk.getByTestId('queue-position').textContent();
    // A second resident, after the first (wherever the proxy puts their kiosk): second in the site's line.
    const second = await openKiosk(browser!, (await startShell(proxyUrl, 'k-cluster-calls-5', 'Second kiosk')).url);
    await tapTalk(second);
    await expect.poll(() => second.getByTestId('queue-position').isVisible(), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => second.getByTestId('queue-position').textContent(), { timeout: 10_000 }).not.toBe(first);
    const behind = await second.getByTestId('queue-position').textContent();

    process.kill(holder.pid, 'SIGKILL');
    const survivors = nodes.filter((n) => n !== holder && alive(n.pid));
    // Another node takes the kiosk's session and its call over: both wait, the first still first (a new
    // call in its place would have gone behind the second).
    await expect.poll(() => callsOnLiveNodes('queued'), { timeout: 30_000 }).toBe(2);
    await expect.poll(() => clusterOut.includes('took over a kiosk session of a node that is gone')).toBe(true);
    expect(await kiosk.getByTestId('queue-position').textContent()).toBe(first);
    expect(await second.getByTestId('queue-position').textContent()).toBe(behind);

    // An agent on a surviving node is offered it and takes it: media both ways.
    const agent = await openConsole(browser!, survivors[0]!.url, 'omar', 'demo-agent');
    await agent.getByTestId('available').check();
    await expect.poll(() => agent.getByTestId('offer').isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await agent.getByTestId('offer').textContent()).toContain('Proxy kiosk');
    await agent.getByRole('button', { name: 'Accept' }).click();
    await expectMediaFlowing(() => kioskStats(kiosk), 'kiosk');
    await expectMediaFlowing(() => deskStats(agent), 'agent');
    await agent.getByRole('button', { name: 'End call' }).click();
    await expect.poll(() => kiosk.getByTestId('call-ended').isVisible(), { timeout: 10_000 }).toBe(true);
    // The first resident was served first: the second still waits, now first in line.
    await expect.poll(() => second.getByTestId('queue-position').textContent(), { timeout: 10_000 }).toBe(first);
  });
});
