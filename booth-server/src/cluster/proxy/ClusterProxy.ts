/**
 * A small reverse proxy in front of a site's booth-server nodes, for
 * `npm run cluster` (scripts/cluster.ts) and tests; a real site can run it or
 * put HAProxy/nginx with the same rules in its place (README, "Running a
 * cluster"). Plain node:http and node:net, no dependencies.
 *
 * - Health: every node's `GET /ready` is asked every second (`healthIntervalMs`);
 *   200 is ready. Only ready nodes get new requests and sockets. A node that
 *   answers but is not ready (503: its store or Redis is away) keeps the
 *   WebSockets it has; a node that does not answer at all (refused, reset,
 *   timed out) is down, and its open WebSockets are closed at once so their
 *   clients reconnect (kiosks and consoles do that on their own, and resume)
 *   and land on a surviving node.
 * - Stickiness (INTERIM, until the cross-node call service lands): a client
 *   keeps to one node while that node is ready, because a call still needs
 *   its kiosk and its agent on the same node. The key is the kiosk id of an
 *   `Authorization: Kiosk <kioskId>:<token>` header, else the session cookie
 *   (`sid`), else the client's address; it is spread over the ready nodes by
 *   rendezvous hashing (highest sha256(key, node) wins), so a node going away
 *   moves only its own clients, and they come back when it does. This does NOT
 *   put a kiosk and the agent who answers it on the same node: it only keeps
 *   each client where it was.
 * - Forwarding: request and response bodies are streamed; `X-Forwarded-For`
 *   is set to the connecting address (this proxy is the edge: whatever the
 *   client sent in it is replaced), `X-Forwarded-Proto` and
 *   `X-Forwarded-Host` to what the client used. WebSocket upgrades are
 *   bridged as raw TCP after the rewritten request head, so the node's
 *   answer (101, or 401 and the like) goes back unchanged.
 * - Errors: no ready node, or the node failing before it answered, is
 *   502 `{ statusCode, code: 'NODE_UNAVAILABLE', error, message, fix }`, the
 *   shape of every booth-server error (README, "API errors"). A GET or HEAD
 *   whose node refused the connection is tried once more on another node.
 * - close() is idempotent: stops the health checks, the listener, every
 *   client connection and WebSocket, and the pooled node connections.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import net, { type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { KIOSK_AUTH_SCHEME, KIOSK_ID_PATTERN, SESSION_COOKIE } from '@citizen/protocol';

export const NODE_UNAVAILABLE = {
  code: 'NODE_UNAVAILABLE',
  status: 502,
  fix: 'No booth-server node could answer right now; retry in a few seconds (kiosks and consoles do on their own). Operators: check each node\'s /ready and the proxy\'s log.',
} as const;

/** Errors this module throws, with a stable code. */
export class ClusterProxyError extends Error {
  constructor(
    readonly code: 'PROXY_BACKEND_INVALID' | 'PROXY_NO_BACKENDS' | 'PROXY_CLOSED',
    message: string,
  ) {
    super(message);
    this.name = 'ClusterProxyError';
  }
}

export type BackendState = 'unknown' | 'ready' | 'not-ready' | 'down';

export interface ClusterProxyOptions {
  /** The nodes' base URLs, e.g. `http://127.0.0.1:8081` (http only). */
  backends: readonly string[];
  /** Listen address; 127.0.0.1 by default. */
  host?: string;
  /** Listen port; 0 (a free one) by default. */
  port?: number;
  /** How often each node's /ready is asked; 1000 ms by default. */
  healthIntervalMs?: number;
  /** How long a /ready may take before the node counts as down; 1000 ms by default. */
  healthTimeoutMs?: number;
  /** What X-Forwarded-Proto says; 'http' by default ('https' behind a TLS terminator). */
  forwardedProto?: 'http' | 'https';
  /** Called when a node's state changes (for logs). */
  onStateChange?: (backend: string, state: BackendState, previous: BackendState) => void;
}

interface Backend {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  state: BackendState;
  checking: boolean;
  /** Client and node sockets of the WebSockets bridged to this node. */
  readonly tunnels: Set<Socket | Duplex>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const FORWARDED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);
/** `Kiosk <kioskId>:<token>`, with a kiosk id of the one pattern the server accepts. */
const KIOSK_AUTH = new RegExp(`^${KIOSK_AUTH_SCHEME} +(${KIOSK_ID_PATTERN.slice(1, -1)}):\\S+$`);

/** Rendezvous (highest random weight) choice of one of `nodes` for `key`; undefined when there are none. */
export function rendezvous(key: string, nodes: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = '';
  for (const node of nodes) {
    const score = createHash('sha256').update(key).update('\0').update(node).digest('hex');
    if (best === undefined || score > bestScore || (score === bestScore && node < best)) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}

/** The stickiness key of a request: kiosk id, else session cookie, else client address. */
export function stickyKey(req: IncomingMessage): string {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = KIOSK_AUTH.exec(auth.trim());
    if (m) return `kiosk:${m[1]}`;
  }
  const cookie = req.headers.cookie;
  if (typeof cookie === 'string') {
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
        const value = part.slice(eq + 1).trim();
        if (value) return `session:${value}`;
      }
    }
  }
  return `ip:${req.socket.remoteAddress ?? ''}`;
}

function errorBody(message: string): string {
  return JSON.stringify({ statusCode: NODE_UNAVAILABLE.status, code: NODE_UNAVAILABLE.code, error: 'Bad Gateway', message, fix: NODE_UNAVAILABLE.fix });
}

function clientAddress(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

export class ClusterProxy {
  readonly #opts: Required<Omit<ClusterProxyOptions, 'onStateChange'>> & Pick<ClusterProxyOptions, 'onStateChange'>;
  readonly #backends: Backend[];
  readonly #server: http.Server;
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  readonly #clientSockets = new Set<Socket>();
  #timer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #port = 0;

  private constructor(opts: ClusterProxyOptions) {
    if (opts.backends.length === 0) throw new ClusterProxyError('PROXY_NO_BACKENDS', 'ClusterProxy: give at least one backend URL');
    this.#opts = { host: '127.0.0.1', port: 0, healthIntervalMs: 1000, healthTimeoutMs: 1000, forwardedProto: 'http', ...opts };
    this.#backends = opts.backends.map((raw) => {
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        throw new ClusterProxyError('PROXY_BACKEND_INVALID', `ClusterProxy: backend is not a URL: ${JSON.stringify(raw)}`);
      }
      if (u.protocol !== 'http:' || (u.pathname !== '/' && u.pathname !== '')) {
        throw new ClusterProxyError('PROXY_BACKEND_INVALID', `ClusterProxy: backend must be http://host:port, got ${JSON.stringify(raw)}`);
      }
      return { url: u.origin, host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80), state: 'unknown' as BackendState, checking: false, tunnels: new Set() };
    });
    this.#server = http.createServer((req, res) => this.#onRequest(req, res));
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#onUpgrade(req, socket as Socket, head));
    this.#server.on('connection', (s: Socket) => {
      this.#clientSockets.add(s);
      s.once('close', () => this.#clientSockets.delete(s));
    });
    this.#server.on('clientError', (_err, socket) => socket.destroy());
  }

  /** Starts listening and checking the nodes; resolves once listening (nodes are checked right away, not awaited). */
  static async start(opts: ClusterProxyOptions): Promise<ClusterProxy> {
    const proxy = new ClusterProxy(opts);
    proxy.#server.listen(proxy.#opts.port, proxy.#opts.host);
    await once(proxy.#server, 'listening');
    proxy.#port = (proxy.#server.address() as net.AddressInfo).port;
    proxy.#checkAll();
    proxy.#timer = setInterval(() => proxy.#checkAll(), proxy.#opts.healthIntervalMs);
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    const h = this.#opts.host.includes(':') ? `[${this.#opts.host}]` : this.#opts.host;
    return `http://${h}:${this.#port}`;
  }

  /** Each node's state as last seen. */
  states(): Record<string, BackendState> {
    return Object.fromEntries(this.#backends.map((b) => [b.url, b.state]));
  }

  /** The base URL of the node a request with this stickiness key goes to now (see stickyKey); undefined when none is ready. */
  route(key: string): string | undefined {
    return this.#pick(key)?.url;
  }

  #pick(key: string, exclude?: Backend): Backend | undefined {
    const ready = this.#backends.filter((b) => b.state === 'ready' && b !== exclude);
    const url = rendezvous(key, ready.map((b) => b.url));
    return ready.find((b) => b.url === url);
  }

  close(): Promise<void> {
    return (this.#closing ??= (async () => {
      if (this.#timer) clearInterval(this.#timer);
      const closed = this.#port ? new Promise<void>((r) => this.#server.close(() => r())) : Promise.resolve();
      for (const b of this.#backends) for (const s of b.tunnels) s.destroy();
      for (const s of this.#clientSockets) s.destroy();
      this.#agent.destroy();
      await closed;
    })());
  }

  #setState(b: Backend, state: BackendState): void {
    const previous = b.state;
    if (previous === state) return;
    b.state = state;
    if (state === 'down') {
      // The node is gone: its WebSockets' clients reconnect, and land on a ready node.
      for (const s of b.tunnels) s.destroy();
      b.tunnels.clear();
    }
    this.#opts.onStateChange?.(b.url, state, previous);
  }

  #checkAll(): void {
    if (this.#closing) return;
    for (const b of this.#backends) {
      if (b.checking) continue;
      b.checking = true;
      void this.#check(b).then((state) => {
        b.checking = false;
        if (!this.#closing) this.#setState(b, state);
      });
    }
  }

  #check(b: Backend): Promise<BackendState> {
    return new Promise((resolve) => {
      let settled = false;
      const done = (s: BackendState): void => {
        if (!settled) {
          settled = true;
          resolve(s);
        }
      };
      const req = http.get({ host: b.host, port: b.port, path: '/ready', agent: false, timeout: this.#opts.healthTimeoutMs, headers: { accept: 'application/json' } }, (res) => {
        res.resume();
        done(res.statusCode === 200 ? 'ready' : 'not-ready');
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', () => done('down'));
    });
  }

  #forwardHeaders(req: IncomingMessage, keepUpgrade: boolean): OutgoingHttpHeaders {
    const out: OutgoingHttpHeaders = {};
    // Hop-by-hop headers named in Connection are the connection's own, too.
    const named = new Set(String(req.headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim()).filter(Boolean));
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || FORWARDED.has(name)) continue;
      if (!keepUpgrade && (HOP_BY_HOP.has(name) || named.has(name))) continue;
      out[name] = value;
    }
    out['x-forwarded-for'] = clientAddress(req);
    out['x-forwarded-proto'] = this.#opts.forwardedProto;
    if (req.headers.host) out['x-forwarded-host'] = req.headers.host;
    return out;
  }

  #onRequest(req: IncomingMessage, res: ServerResponse, exclude?: Backend): void {
    const backend = this.#pick(stickyKey(req), exclude);
    if (!backend) {
      this.#fail(res, 'no booth-server node is ready');
      req.resume();
      return;
    }
    const upstream = http.request({
      host: backend.host,
      port: backend.port,
      method: req.method,
      path: req.url,
      headers: this.#forwardHeaders(req, false),
      agent: this.#agent,
    });
    let answered = false;
    upstream.on('response', (up) => {
      answered = true;
      const headers: OutgoingHttpHeaders = {};
      const named = new Set(String(up.headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim()).filter(Boolean));
      for (const [name, value] of Object.entries(up.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) headers[name] = value;
      }
      res.writeHead(up.statusCode ?? 502, up.statusMessage, headers);
      up.pipe(res);
      up.on('error', () => res.destroy());
      res.on('close', () => {
        if (!res.writableFinished) up.destroy();
      });
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (answered) {
        res.destroy();
        return;
      }
      const refused = err.code === 'ECONNREFUSED';
      if (refused) this.#setState(backend, 'down');
      // Nothing of the request reached the node: a GET or HEAD can go to another.
      if (refused && !exclude && (req.method === 'GET' || req.method === 'HEAD') && !res.headersSent && !this.#closing) {
        this.#onRequest(req, res, backend);
        return;
      }
      this.#fail(res, `booth-server node ${backend.url} did not answer (${err.code ?? err.message})`);
    });
    req.on('aborted', () => upstream.destroy());
    res.on('close', () => {
      if (!answered) upstream.destroy();
    });
    if (req.method === 'GET' || req.method === 'HEAD') {
      // No body to stream; do not tie the request stream to one attempt (a retry may need it).
      req.resume();
      upstream.end();
    } else {
      req.pipe(upstream);
    }
  }

  #fail(res: ServerResponse, message: string): void {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const body = errorBody(message);
    res.writeHead(NODE_UNAVAILABLE.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(body);
  }

  #onUpgrade(req: IncomingMessage, client: Socket, head: Buffer): void {
    client.on('error', () => client.destroy());
    const backend = this.#pick(stickyKey(req));
    if (!backend) {
      this.#failRaw(client, 'no booth-server node is ready');
      return;
    }
    const upstream = net.connect({ host: backend.host, port: backend.port });
    let connected = false;
    backend.tunnels.add(client);
    backend.tunnels.add(upstream);
    const forget = (): void => {
      backend.tunnels.delete(client);
      backend.tunnels.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    upstream.once('connect', () => {
      connected = true;
      upstream.setNoDelay(true);
      client.setNoDelay(true);
      const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1`];
      for (const [name, value] of Object.entries(this.#forwardHeaders(req, true))) {
        for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) lines.push(`${name}: ${String(v)}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected) {
        backend.tunnels.delete(client);
        backend.tunnels.delete(upstream);
        if (err.code === 'ECONNREFUSED') this.#setState(backend, 'down');
        this.#failRaw(client, `booth-server node ${backend.url} did not answer (${err.code ?? err.message})`);
        return;
      }
      forget();
    });
    upstream.on('close', forget);
    client.on('close', forget);
  }

  #failRaw(client: Socket, message: string): void {
    if (client.destroyed) return;
    const body = errorBody(message);
    client.end(
      `HTTP/1.1 ${NODE_UNAVAILABLE.status} Bad Gateway\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  }
}
