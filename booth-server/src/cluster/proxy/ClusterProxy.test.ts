/**
 * ClusterProxy against small real backends (node:http + ws on free loopback
 * ports), each answering /ready as told and naming itself in every answer:
 * HTTP and WebSocket forwarding both ways, stickiness by kiosk id, session
 * cookie and address, a not-ready node skipped, a closed node's sockets
 * closed and its clients moved, 502 NODE_UNAVAILABLE with no node ready.
 * No wall-clock assertions: conditions are polled.
 */
import { once } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ClusterProxy, rendezvous } from './ClusterProxy';

interface FakeNode {
  name: string;
  url: string;
  ready: boolean;
  /** Requests seen, with the headers the proxy sent. */
  seen: IncomingMessage[];
  close(): Promise<void>;
}

async function fakeNode(name: string): Promise<FakeNode> {
  const sockets = new Set<Socket>();
  const node: FakeNode = { name, url: '', ready: true, seen: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    if (req.url === '/ready') {
      res.writeHead(node.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: node.ready ? 'ready' : 'not-ready' }));
      return;
    }
    node.seen.push(req);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(201, { 'content-type': 'application/json', 'x-node': name });
      res.end(JSON.stringify({ node: name, method: req.method, url: req.url, body: Buffer.concat(chunks).toString('utf8'), xff: req.headers['x-forwarded-for'], proto: req.headers['x-forwarded-proto'] }));
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws, req) => {
    node.seen.push(req);
    ws.send(`hello from ${name}`);
    ws.on('message', (data) => ws.send(`${name} echo ${String(data)}`));
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  node.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closed: Promise<void> | undefined;
  node.close = () =>
    (closed ??= new Promise<void>((resolve) => {
      for (const c of wss.clients) c.terminate();
      for (const s of sockets) s.destroy();
      wss.close();
      server.close(() => resolve());
    }));
  return node;
}

async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function setup(n: number): Promise<{ nodes: FakeNode[]; proxy: ClusterProxy }> {
  const nodes: FakeNode[] = [];
  for (let i = 0; i < n; i++) {
    const node = await fakeNode(`n${i + 1}`);
    nodes.push(node);
    cleanup.push(() => node.close());
  }
  const proxy = await ClusterProxy.start({ backends: nodes.map((x) => x.url), healthIntervalMs: 50, healthTimeoutMs: 500 });
  cleanup.push(() => proxy.close());
  await until(() => Object.values(proxy.states()).every((s) => s === 'ready'), 'every node ready');
  return { nodes, proxy };
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

function openWs(url: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; first: string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const closed = new Promise<void>((r) => ws.once('close', () => r()));
    ws.once('message', (data) => resolve({ ws, first: String(data), closed }));
    ws.once('error', reject);
    cleanup.push(() => ws.terminate());
  });
}

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once('message', (d) => resolve(String(d))));
}

const kioskAuth = (id: string) => ({ authorization: `Kiosk ${id}:tok-${Math.random().toString(36).slice(2)}` });

describe('ClusterProxy', () => {
  it('forwards HTTP both ways: method, path, streamed body, status, headers, X-Forwarded-*', async () => {
    const { nodes, proxy } = await setup(1);
    const big = 'x'.repeat(300_000);
    const res = await fetch(`${proxy.url}/api/things?q=1`, { method: 'POST', body: big, headers: { 'content-type': 'text/plain', 'x-forwarded-for': '6.6.6.6' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-node')).toBe('n1');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const body = (await res.json()) as { node: string; method: string; url: string; body: string; xff: string; proto: string };
    expect(body).toMatchObject({ node: 'n1', method: 'POST', url: '/api/things?q=1', xff: '127.0.0.1', proto: 'http' });
    expect(body.body).toBe(big);
    expect(nodes[0]!.seen.at(-1)!.headers['x-forwarded-host']).toBe(new URL(proxy.url).host);
  });

  it('forwards WebSocket messages both ways', async () => {
    const { proxy } = await setup(1);
    const { ws, first } = await openWs(`${proxy.url.replace('http', 'ws')}/ws/kiosk`, kioskAuth('k-test-1'));
    expect(first).toBe('hello from n1');
    const reply = nextMessage(ws);
    ws.send('ping');
    expect(await reply).toBe('n1 echo ping');
  });

  it('sticks a kiosk and a session cookie to one node, for HTTP and WebSockets alike', async () => {
    const { nodes, proxy } = await setup(3);
    const urls = nodes.map((n) => n.url);
    const names = new Map(nodes.map((n) => [n.url, n.name]));
    const landed = new Set<string>();
    for (let k = 0; k < 12; k++) {
      const id = `k-site-${k}-a`;
      const expected = names.get(rendezvous(`kiosk:${id}`, urls)!)!;
      landed.add(expected);
      for (let i = 0; i < 3; i++) expect((await get(`${proxy.url}/api/x`, kioskAuth(id))).body.node).toBe(expected);
      const { first } = await openWs(`${proxy.url.replace('http', 'ws')}/ws/kiosk`, kioskAuth(id));
      expect(first).toBe(`hello from ${expected}`);
    }
    expect(landed.size).toBeGreaterThan(1); // spread over the nodes
    for (let s = 0; s < 6; s++) {
      const cookie = `theme=dark; sid=session-${s}; other=1`;
      const expected = names.get(rendezvous(`session:session-${s}`, urls)!)!;
      for (let i = 0; i < 3; i++) expect((await get(`${proxy.url}/api/auth/me`, { cookie })).body.node).toBe(expected);
      const { first } = await openWs(`${proxy.url.replace('http', 'ws')}/ws/agent`, { cookie });
      expect(first).toBe(`hello from ${expected}`);
    }
  });

  it('falls back to the client address for a malformed Authorization header', async () => {
    const { nodes, proxy } = await setup(3);
    const byIp = rendezvous('ip:127.0.0.1', nodes.map((n) => n.url));
    const expected = nodes.find((n) => n.url === byIp)!.name;
    for (const authorization of ['Kiosk', 'Kiosk k-ok-1', 'Kiosk :token', 'Kiosk K-UPPER-1:tok', 'Bearer abc', 'Kiosk k-a b:tok', 'Kiosk ../../x:y']) {
      expect((await get(`${proxy.url}/api/x`, { authorization })).body.node).toBe(expected);
    }
    expect((await get(`${proxy.url}/api/x`, { cookie: 'sid=' })).body.node).toBe(expected);
    expect((await get(`${proxy.url}/api/x`)).body.node).toBe(expected);
  });

  it('gives a node whose /ready answers 503 no new requests, and takes it back when ready', async () => {
    const { nodes, proxy } = await setup(2);
    const [a, b] = nodes as [FakeNode, FakeNode];
    // A kiosk that lands on a.
    let id = '';
    for (let k = 0; !id; k++) if (rendezvous(`kiosk:k-probe-${k}-x`, [a.url, b.url]) === a.url) id = `k-probe-${k}-x`;
    const { ws } = await openWs(`${proxy.url.replace('http', 'ws')}/ws/kiosk`, kioskAuth(id));
    a.ready = false;
    await until(() => proxy.states()[a.url] === 'not-ready', 'a not ready');
    for (let i = 0; i < 5; i++) expect((await get(`${proxy.url}/api/x`, kioskAuth(id))).body.node).toBe('n2');
    // Not ready is not dead: the socket it has stays open.
    const reply = nextMessage(ws);
    ws.send('still');
    expect(await reply).toBe('n1 echo still');
    a.ready = true;
    await until(async () => (await get(`${proxy.url}/api/x`, kioskAuth(id))).body.node === 'n1', 'kiosk back on n1');
  });

  it('closes a dead node’s WebSockets and sends new ones to the survivor', async () => {
    const { nodes, proxy } = await setup(2);
    const [a, b] = nodes as [FakeNode, FakeNode];
    const onA: string[] = [];
    for (let k = 0; onA.length < 3; k++) if (rendezvous(`kiosk:k-dead-${k}-x`, [a.url, b.url]) === a.url) onA.push(`k-dead-${k}-x`);
    const sockets = await Promise.all(onA.map((id) => openWs(`${proxy.url.replace('http', 'ws')}/ws/kiosk`, kioskAuth(id))));
    expect(sockets.map((s) => s.first)).toEqual(['hello from n1', 'hello from n1', 'hello from n1']);
    await a.close();
    await Promise.all(sockets.map((s) => s.closed));
    await until(() => proxy.states()[a.url] === 'down', 'a down');
    for (const id of onA) {
      const { first } = await openWs(`${proxy.url.replace('http', 'ws')}/ws/kiosk`, kioskAuth(id));
      expect(first).toBe('hello from n2');
      expect((await get(`${proxy.url}/api/x`, kioskAuth(id))).body.node).toBe('n2');
    }
    expect(b.seen.length).toBeGreaterThanOrEqual(onA.length * 2);
  });

  it('moves a GET to a survivor at once when its node refuses, before the health check notices', async () => {
    const { nodes } = await setup(2);
    const [a, b] = nodes as [FakeNode, FakeNode];
    // A proxy that checks rarely: only the refused connection tells it a is gone.
    const slow = await ClusterProxy.start({ backends: [a.url, b.url], healthIntervalMs: 60_000 });
    cleanup.push(() => slow.close());
    await until(() => Object.values(slow.states()).every((s) => s === 'ready'), 'both ready');
    let id = '';
    for (let k = 0; !id; k++) if (rendezvous(`kiosk:k-retry-${k}-x`, [a.url, b.url]) === a.url) id = `k-retry-${k}-x`;
    await a.close();
    expect((await get(`${slow.url}/api/x`, kioskAuth(id))).body.node).toBe('n2');
    expect(slow.states()[a.url]).toBe('down');
  });

  it('answers 502 NODE_UNAVAILABLE, in the API error shape, when no node is ready (HTTP and upgrade)', async () => {
    const { nodes, proxy } = await setup(2);
    for (const n of nodes) n.ready = false;
    await until(() => Object.values(proxy.states()).every((s) => s === 'not-ready'), 'none ready');
    const res = await get(`${proxy.url}/api/x`);
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ statusCode: 502, code: 'NODE_UNAVAILABLE', error: 'Bad Gateway' });
    expect(typeof res.body.message).toBe('string');
    expect(typeof res.body.fix).toBe('string');
    const post = await fetch(`${proxy.url}/api/x`, { method: 'POST', body: 'abc' });
    expect(post.status).toBe(502);
    const ws = new WebSocket(`${proxy.url.replace('http', 'ws')}/ws/kiosk`);
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0));
      ws.once('error', () => resolve(-1));
    });
    expect(status).toBe(502);
  });

  it('rejects bad backends with a code, and closes idempotently', async () => {
    await expect(ClusterProxy.start({ backends: [] })).rejects.toMatchObject({ code: 'PROXY_NO_BACKENDS' });
    await expect(ClusterProxy.start({ backends: ['not a url'] })).rejects.toMatchObject({ code: 'PROXY_BACKEND_INVALID' });
    await expect(ClusterProxy.start({ backends: ['https://127.0.0.1:1'] })).rejects.toMatchObject({ code: 'PROXY_BACKEND_INVALID' });
    const { proxy } = await setup(1);
    const { closed } = await openWs(`${proxy.url.replace('http', 'ws')}/ws/kiosk`);
    await Promise.all([proxy.close(), proxy.close()]);
    await proxy.close();
    await closed;
    await expect(fetch(`${proxy.url}/api/x`)).rejects.toThrow();
  });
});
