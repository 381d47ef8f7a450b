/**
 * A bad network on loopback, for tests and benchmarks: a relay put in front of
 * coturn (Chromium gets TURN URLs with the relay's ports and
 * iceTransportPolicy 'relay'; the relay forwards to coturn's real ports) that
 * drops, delays, rate-limits or blocks packets as the test says.
 *
 * It stands in for `tc netem`, which this machine's kernel lacks
 * (`tc qdisc add dev lo root netem delay 100ms` → "Specified qdisc kind is
 * unknown"), and for iptables, which is not there either. Only what goes
 * through the relay is impaired: the TURN leg between the browser and coturn.
 *
 * Directions: 'up' is client → target (browser → coturn), 'down' is
 * target → client. Each direction has its own impairment, its own counters
 * and its own seeded random streams, so a schedule of losses is the same from
 * run to run for the same seed and the same packets.
 *
 * UDP: each distinct client source (address:port) gets its own upstream
 * socket, so coturn sees distinct 5-tuples as behind a NAT; coturn's answers
 * go back to that client from the listening socket. Flows are kept until
 * close(). Per datagram and direction, in this order:
 *   1. one draw from the direction's loss stream (always, so datagram n's fate
 *      does not depend on earlier settings: loss 0.1 drops a subset of what
 *      loss 0.2 drops), counted in `packets` and `bytes`;
 *   2. `blockUdp` drops it; 3. draw < `loss` drops it;
 *   4. `rateKbps`: a policer with a ~50 ms queue (as `tc tbf latency 50ms`):
 *      datagrams leave at the rate, one that would wait more than 50 ms is
 *      dropped; one clock per direction over all flows (the link's capacity);
 *   5. `delayMs` ± `jitterMs` (uniform). With jitter 0 a flow's datagrams keep
 *      their order, also when the delay is lowered while some are in flight;
 *      with jitter they may be reordered, as with netem.
 *   A datagram still in flight when `blockUdp` is set is dropped too.
 *
 * TCP (if tcpPort): each accepted connection is piped to a new connection to
 * targetTcpPort. `blockTcp` black-holes, it does not close: data (and a FIN)
 * is held back, not forwarded, and released in order when unblocked; a
 * connection accepted while 'up' is blocked gets its upstream connection only
 * once unblocked. `delayMs`/`jitterMs` delay TCP data (always in order) and
 * `rateKbps` shapes it (held, never dropped: a stream cannot lose bytes);
 * `loss` does not apply to TCP. TCP chunks count in `packets`/`bytes`, never in
 * `dropped`. A source is paused while more than 1 MiB is held for it.
 */
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, isIP, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export type Direction = 'up' | 'down';

export interface Impairment {
  /** Probability 0..1 that a UDP datagram is dropped. */
  loss: number;
  /** One-way delay added to every datagram / TCP chunk, in ms. */
  delayMs: number;
  /** Uniform ± jitter around delayMs, in ms (UDP may be reordered; TCP never is). */
  jitterMs: number;
  /** Link rate in kbit/s (UDP policed with a ~50 ms queue, TCP shaped); null for none. */
  rateKbps: number | null;
  /** Drop every UDP datagram. */
  blockUdp: boolean;
  /** Hold back all TCP data (connections stay open, the peer sees a stall). */
  blockTcp: boolean;
}

export interface ImpairedLinkOptions {
  /** Port the relay listens on for UDP (Chromium's TURN URL points here). */
  udpPort: number;
  /** Port the relay listens on for TCP; none if absent. */
  tcpPort?: number;
  targetHost: string;
  targetUdpPort: number;
  /** Required with tcpPort. */
  targetTcpPort?: number;
  /** Seed for loss and jitter; default 1. */
  seed?: number;
  /** Address the relay listens on; default 127.0.0.1. */
  host?: string;
}

export interface DirectionStats {
  /** UDP datagrams and TCP chunks the relay received in this direction. */
  packets: number;
  bytes: number;
  /** UDP datagrams dropped (blocked, lost or over the rate). */
  dropped: number;
}

export interface LinkStats {
  up: DirectionStats;
  down: DirectionStats;
  /** Distinct UDP client sources seen (each has its own upstream socket). */
  flows: number;
  /** TCP connections open now. */
  tcpConnections: number;
}

/** How long a datagram may wait for the rate (a policer's queue), in ms. */
export const RATE_QUEUE_LIMIT_MS = 50;
const TCP_HIGH_WATER = 1 << 20;
/**
 * Socket buffers asked for (Linux caps them at net.core.rmem_max / wmem_max): with the
 * default ~208 KiB a burst of a few hundred small datagrams would be lost in the kernel
 * before the relay sees it, loss nobody set.
 */
const UDP_BUFFER = 4 << 20;
const NO_IMPAIRMENT: Impairment = { loss: 0, delayMs: 0, jitterMs: 0, rateKbps: null, blockUdp: false, blockTcp: false };

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of each random stream, so tests can replay a schedule: loss draws are one per datagram received in that direction. */
export function streamSeed(seed: number, stream: 'loss' | 'jitter', direction: Direction): number {
  const k = (stream === 'loss' ? 0 : 2) + (direction === 'up' ? 0 : 1);
  return (seed ^ Math.imul(0x9e3779b9, k + 1)) >>> 0;
}

function checkPort(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
    throw new TypeError(`ImpairedLink: ${name} must be an integer port 1..65535, got ${String(v)}`);
  }
  return v;
}

function checkImpairment(imp: unknown): Partial<Impairment> {
  if (typeof imp !== 'object' || imp === null) throw new TypeError('ImpairedLink: impairment must be an object');
  const out: Partial<Impairment> = {};
  for (const [k, v] of Object.entries(imp)) {
    if (v === undefined) continue;
    const nonNegative = (): number => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new TypeError(`ImpairedLink: ${k} must be a finite number >= 0, got ${String(v)}`);
      return v;
    };
    switch (k) {
      case 'loss':
        if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new TypeError(`ImpairedLink: loss must be a number 0..1, got ${String(v)}`);
        out.loss = v;
        break;
      case 'delayMs':
        out.delayMs = nonNegative();
        break;
      case 'jitterMs':
        out.jitterMs = nonNegative();
        break;
      case 'rateKbps':
        if (v !== null && (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)) {
          throw new TypeError(`ImpairedLink: rateKbps must be a finite number > 0 or null, got ${String(v)}`);
        }
        out.rateKbps = v;
        break;
      case 'blockUdp':
      case 'blockTcp':
        if (typeof v !== 'boolean') throw new TypeError(`ImpairedLink: ${k} must be a boolean, got ${String(v)}`);
        out[k] = v;
        break;
      default:
        throw new TypeError(`ImpairedLink: unknown impairment "${k}" (loss, delayMs, jitterMs, rateKbps, blockUdp, blockTcp)`);
    }
  }
  return out;
}

/** Items released at their due time, in due order (equal times in arrival order), by one timer. */
class TimedQueue<T> {
  private items: { due: number; item: T }[] = [];
  private timer: NodeJS.Timeout | null = null;
  lastDue = 0;

  constructor(private readonly release: (item: T) => void) {}

  get length(): number {
    return this.items.length;
  }

  push(due: number, item: T): void {
    let i = this.items.length;
    while (i > 0 && this.items[i - 1]!.due > due) i--;
    this.items.splice(i, 0, { due, item });
    this.lastDue = Math.max(this.lastDue, due);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.items.length === 0) return;
    const wait = Math.max(0, this.items[0]!.due - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      const now = performance.now() + 0.5; // setTimeout has 1 ms steps
      while (this.items.length > 0 && this.items[0]!.due <= now) this.release(this.items.shift()!.item);
      this.schedule();
    }, wait);
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.items = [];
  }
}

interface UdpFlow {
  address: string;
  port: number;
  upstream: UdpSocket;
  queues: Record<Direction, TimedQueue<Buffer>>;
}

/** One direction of a TCP connection: chunks held for delay, rate or blockTcp, written in order. */
class TcpPipe {
  private held: { due: number; buf: Buffer }[] = [];
  private heldBytes = 0;
  private ended = false;
  private endSent = false;
  private timer: NodeJS.Timeout | null = null;
  private nextFree = 0;
  private lastDue = 0;

  constructor(
    private readonly link: ImpairedLink,
    private readonly direction: Direction,
    private readonly source: Socket,
    private readonly dest: () => Socket | null,
  ) {}

  data(buf: Buffer, imp: Impairment): void {
    const now = performance.now();
    let due = now;
    if (imp.rateKbps !== null) {
      const start = Math.max(now, this.nextFree);
      this.nextFree = start + (buf.length * 8) / imp.rateKbps;
      due = start;
    }
    due += imp.delayMs + (imp.jitterMs > 0 ? (this.link.jitterDraw(this.direction) * 2 - 1) * imp.jitterMs : 0);
    due = Math.max(due, this.lastDue, now);
    this.lastDue = due;
    this.held.push({ due, buf });
    this.heldBytes += buf.length;
    if (this.heldBytes > TCP_HIGH_WATER) this.source.pause();
    this.pump();
  }

  end(): void {
    this.ended = true;
    this.pump();
  }

  pump(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const dest = this.dest();
    if (!dest || this.link.isClosed || this.link.impairment(this.direction).blockTcp) return;
    const now = performance.now() + 0.5;
    while (this.held.length > 0 && this.held[0]!.due <= now) {
      const { buf } = this.held.shift()!;
      this.heldBytes -= buf.length;
      if (!dest.destroyed) dest.write(buf);
    }
    if (this.heldBytes <= TCP_HIGH_WATER / 2 && this.source.isPaused()) this.source.resume();
    if (this.held.length > 0) {
      this.timer = setTimeout(() => this.pump(), Math.max(0, this.held[0]!.due - performance.now()));
    } else if (this.ended && !this.endSent) {
      this.endSent = true;
      if (!dest.destroyed) dest.end();
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.held = [];
  }
}

interface TcpConn {
  client: Socket;
  /** Null until connected (deferred while 'up' is blocked). */
  upstream: Socket | null;
  up: TcpPipe;
  down: TcpPipe | null;
}

export class ImpairedLink {
  private readonly imp: Record<Direction, Impairment> = { up: { ...NO_IMPAIRMENT }, down: { ...NO_IMPAIRMENT } };
  private readonly counters: Record<Direction, DirectionStats> = {
    up: { packets: 0, bytes: 0, dropped: 0 },
    down: { packets: 0, bytes: 0, dropped: 0 },
  };
  private readonly lossRng: Record<Direction, () => number>;
  private readonly jitterRng: Record<Direction, () => number>;
  /** When the UDP policer of each direction is free again (performance.now() ms). */
  private readonly udpNextFree: Record<Direction, number> = { up: 0, down: 0 };
  private readonly flows = new Map<string, UdpFlow>();
  private readonly conns = new Set<TcpConn>();
  private listener: UdpSocket | null = null;
  private server: Server | null = null;
  private closing: Promise<void> | null = null;

  private constructor(private readonly opts: Required<Omit<ImpairedLinkOptions, 'tcpPort' | 'targetTcpPort'>> & Pick<ImpairedLinkOptions, 'tcpPort' | 'targetTcpPort'>) {
    this.lossRng = { up: mulberry32(streamSeed(opts.seed, 'loss', 'up')), down: mulberry32(streamSeed(opts.seed, 'loss', 'down')) };
    this.jitterRng = { up: mulberry32(streamSeed(opts.seed, 'jitter', 'up')), down: mulberry32(streamSeed(opts.seed, 'jitter', 'down')) };
  }

  /** Listens on host:udpPort (and host:tcpPort); rejects (everything closed) if a port cannot be bound. */
  static async open(opts: ImpairedLinkOptions): Promise<ImpairedLink> {
    if (typeof opts !== 'object' || opts === null) throw new TypeError('ImpairedLink: options must be an object');
    checkPort('udpPort', opts.udpPort);
    checkPort('targetUdpPort', opts.targetUdpPort);
    if (opts.tcpPort !== undefined) {
      checkPort('tcpPort', opts.tcpPort);
      if (opts.targetTcpPort === undefined) throw new TypeError('ImpairedLink: targetTcpPort is required with tcpPort');
    }
    if (opts.targetTcpPort !== undefined) {
      checkPort('targetTcpPort', opts.targetTcpPort);
      if (opts.tcpPort === undefined) throw new TypeError('ImpairedLink: tcpPort is required with targetTcpPort');
    }
    if (typeof opts.targetHost !== 'string' || opts.targetHost === '') throw new TypeError('ImpairedLink: targetHost must be a non-empty string');
    const host = opts.host ?? '127.0.0.1';
    if (typeof host !== 'string' || isIP(host) === 0) throw new TypeError(`ImpairedLink: host must be an IP address, got ${String(opts.host)}`);
    const seed = opts.seed ?? 1;
    if (typeof seed !== 'number' || !Number.isInteger(seed)) throw new TypeError(`ImpairedLink: seed must be an integer, got ${String(opts.seed)}`);

    const link = new ImpairedLink({ ...opts, host, seed });
    try {
      await link.listen();
    } catch (err) {
      await link.close();
      throw err;
    }
    return link;
  }

  private async listen(): Promise<void> {
    const { host, udpPort, tcpPort } = this.opts;
    const listener = createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4', recvBufferSize: UDP_BUFFER, sendBufferSize: UDP_BUFFER });
    this.listener = listener;
    await new Promise<void>((res, rej) => {
      listener.once('error', rej);
      listener.bind(udpPort, host, () => {
        listener.off('error', rej);
        res();
      });
    });
    listener.on('error', () => undefined); // e.g. ICMP errors; a relay keeps going
    listener.on('message', (msg, rinfo) => this.fromClient(msg, rinfo));

    if (tcpPort !== undefined) {
      const server = createServer({ allowHalfOpen: true }, (client) => this.accept(client));
      this.server = server;
      await new Promise<void>((res, rej) => {
        server.once('error', rej);
        server.listen(tcpPort, host, () => {
          server.off('error', rej);
          res();
        });
      });
      server.on('error', () => undefined);
    }
  }

  /** The port the relay listens on for UDP (the TURN URL's port). */
  get udpPort(): number {
    return this.opts.udpPort;
  }

  /** The port the relay listens on for TCP, if any. */
  get tcpPort(): number | undefined {
    return this.opts.tcpPort;
  }

  /** Changes the impairment of one direction or both (default); fields not given stay as they are. */
  set(impairment: Partial<Impairment>, direction: Direction | 'both' = 'both'): void {
    if (direction !== 'up' && direction !== 'down' && direction !== 'both') {
      throw new TypeError(`ImpairedLink: direction must be 'up', 'down' or 'both', got ${String(direction)}`);
    }
    const changes = checkImpairment(impairment);
    for (const d of direction === 'both' ? (['up', 'down'] as const) : [direction]) Object.assign(this.imp[d], changes);
    this.afterChange();
  }

  /** Back to a clean link in both directions (held TCP data is released). */
  clear(): void {
    this.imp.up = { ...NO_IMPAIRMENT };
    this.imp.down = { ...NO_IMPAIRMENT };
    this.afterChange();
  }

  /** A copy of the impairment in force for a direction. */
  impairment(direction: Direction): Impairment {
    return { ...this.imp[direction] };
  }

  stats(): LinkStats {
    return { up: { ...this.counters.up }, down: { ...this.counters.down }, flows: this.flows.size, tcpConnections: this.conns.size };
  }

  get isClosed(): boolean {
    return this.closing !== null;
  }

  /** @internal one draw from a direction's jitter stream, in [0, 1). */
  jitterDraw(direction: Direction): number {
    return this.jitterRng[direction]();
  }

  /** Closes every socket and timer; safe to call more than once, resolves when all is closed. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const waits: Promise<unknown>[] = [];
    for (const flow of this.flows.values()) {
      flow.queues.up.clear();
      flow.queues.down.clear();
      waits.push(closeUdp(flow.upstream));
    }
    for (const conn of this.conns) {
      conn.up.stop();
      conn.down?.stop();
      conn.client.destroy();
      conn.upstream?.destroy();
    }
    this.conns.clear();
    if (this.listener) waits.push(closeUdp(this.listener));
    const server = this.server;
    if (server?.listening) waits.push(new Promise((res) => server.close(res)));
    await Promise.all(waits);
  }

  private afterChange(): void {
    for (const conn of this.conns) {
      if (!conn.upstream && !this.imp.up.blockTcp) this.connectUpstream(conn);
      conn.up.pump();
      conn.down?.pump();
    }
  }

  // ---- UDP ----

  private fromClient(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.isClosed) return;
    const key = `${rinfo.address}:${rinfo.port}`;
    let flow = this.flows.get(key);
    if (!flow) {
      const upstream = createSocket({ type: isIP(this.opts.targetHost) === 6 ? 'udp6' : 'udp4', recvBufferSize: UDP_BUFFER, sendBufferSize: UDP_BUFFER });
      upstream.on('error', () => undefined);
      const f: UdpFlow = {
        address: rinfo.address,
        port: rinfo.port,
        upstream,
        queues: {
          up: new TimedQueue((buf) => this.sendUdp(f, 'up', buf)),
          down: new TimedQueue((buf) => this.sendUdp(f, 'down', buf)),
        },
      };
      upstream.on('message', (reply) => this.datagram(f, 'down', reply));
      this.flows.set(key, f);
      flow = f;
    }
    this.datagram(flow, 'up', msg);
  }

  private datagram(flow: UdpFlow, d: Direction, msg: Buffer): void {
    if (this.isClosed) return;
    const c = this.counters[d];
    const imp = this.imp[d];
    c.packets++;
    c.bytes += msg.length;
    const draw = this.lossRng[d]();
    if (imp.blockUdp || draw < imp.loss) {
      c.dropped++;
      return;
    }
    const now = performance.now();
    let due = now;
    if (imp.rateKbps !== null) {
      const start = Math.max(now, this.udpNextFree[d]);
      if (start - now > RATE_QUEUE_LIMIT_MS) {
        c.dropped++;
        return;
      }
      this.udpNextFree[d] = start + (msg.length * 8) / imp.rateKbps; // kbit/s = bit/ms
      due = start;
    }
    const q = flow.queues[d];
    if (imp.jitterMs > 0) {
      due += imp.delayMs + (this.jitterRng[d]() * 2 - 1) * imp.jitterMs;
    } else {
      due = Math.max(due + imp.delayMs, q.length > 0 ? q.lastDue : 0);
    }
    if (due <= now && q.length === 0) this.sendUdp(flow, d, msg);
    else q.push(due, msg);
  }

  private sendUdp(flow: UdpFlow, d: Direction, msg: Buffer): void {
    if (this.isClosed) return;
    if (this.imp[d].blockUdp) {
      this.counters[d].dropped++;
      return;
    }
    const ignore = (): void => undefined;
    if (d === 'up') flow.upstream.send(msg, this.opts.targetUdpPort, this.opts.targetHost, ignore);
    else this.listener?.send(msg, flow.port, flow.address, ignore);
  }

  // ---- TCP ----

  private accept(client: Socket): void {
    if (this.isClosed) {
      client.destroy();
      return;
    }
    client.setNoDelay(true);
    const conn: TcpConn = { client, upstream: null, up: null!, down: null };
    conn.up = new TcpPipe(this, 'up', client, () => conn.upstream);
    this.conns.add(conn);
    client.on('data', (buf: Buffer) => this.tcpData(conn, conn.up, 'up', buf));
    client.on('end', () => conn.up.end());
    client.on('error', () => this.dropConn(conn));
    client.on('close', () => this.dropConn(conn));
    if (!this.imp.up.blockTcp) this.connectUpstream(conn);
  }

  private connectUpstream(conn: TcpConn): void {
    if (this.isClosed || conn.client.destroyed) return;
    const upstream = connect({ host: this.opts.targetHost, port: this.opts.targetTcpPort!, allowHalfOpen: true });
    upstream.setNoDelay(true);
    conn.upstream = upstream;
    const down = new TcpPipe(this, 'down', upstream, () => conn.client);
    conn.down = down;
    upstream.on('data', (buf: Buffer) => this.tcpData(conn, down, 'down', buf));
    upstream.on('end', () => down.end());
    upstream.on('error', () => this.dropConn(conn));
    upstream.on('close', () => this.dropConn(conn));
    conn.up.pump();
  }

  private tcpData(conn: TcpConn, pipe: TcpPipe, d: Direction, buf: Buffer): void {
    if (!this.conns.has(conn)) return;
    const c = this.counters[d];
    c.packets++;
    c.bytes += buf.length;
    pipe.data(buf, this.imp[d]);
  }

  /** One side failed or closed altogether (both halves done, half-closes are forwarded): the relay closes the other. */
  private dropConn(conn: TcpConn): void {
    if (!this.conns.delete(conn)) return;
    conn.up.stop();
    conn.down?.stop();
    conn.client.destroy();
    conn.upstream?.destroy();
  }
}

function closeUdp(socket: UdpSocket): Promise<void> {
  return new Promise((res) => {
    try {
      socket.close(() => res());
    } catch {
      res(); // never bound or already closed
    }
  });
}
