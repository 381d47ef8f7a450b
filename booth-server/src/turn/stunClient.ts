/**
 * The smallest STUN/TURN client that tells whether a TURN server grants an
 * allocation (RFC 5389 / RFC 5766 / RFC 8656): a Binding request (is it up?)
 * and the long-term-credential Allocate dance:
 *
 *   Allocate                          → 401 with REALM and NONCE
 *   Allocate + USERNAME, REALM, NONCE,
 *     MESSAGE-INTEGRITY (HMAC-SHA1 keyed with MD5(username:realm:password))
 *                                     → success with XOR-RELAYED-ADDRESS, or an error (401, 438, 486 …)
 *
 * Over UDP, TCP or TLS (STUN messages frame themselves by their length).
 * Used to wait for a local coturn and by the TURN tests; browsers do the real thing.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

const MAGIC = 0x2112a442;
const BINDING = 0x0001;
const ALLOCATE = 0x0003;
const REFRESH = 0x0004;
const A = { USERNAME: 0x0006, MESSAGE_INTEGRITY: 0x0008, ERROR_CODE: 0x0009, LIFETIME: 0x000d, REALM: 0x0014, NONCE: 0x0015, XOR_RELAYED_ADDRESS: 0x0016, REQUESTED_TRANSPORT: 0x0019, XOR_MAPPED_ADDRESS: 0x0020 };

export type StunTransport = 'udp' | 'tcp' | 'tls';
export interface StunTarget {
  host: string;
  port: number;
  transport?: StunTransport;
  timeoutMs?: number;
}

interface Message {
  type: number;
  attrs: Map<number, Buffer>;
}

function attr(type: number, value: Buffer): Buffer {
  const pad = (4 - (value.length % 4)) % 4;
  const head = Buffer.alloc(4);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(value.length, 2);
  return Buffer.concat([head, value, Buffer.alloc(pad)]);
}

/** A request; with `key`, MESSAGE-INTEGRITY over everything before it (the header's length already counting it). */
function encode(type: number, attrs: Buffer[], key?: Buffer): Buffer {
  const body = Buffer.concat(attrs);
  const head = Buffer.alloc(20);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(body.length + (key ? 24 : 0), 2);
  head.writeUInt32BE(MAGIC, 4);
  randomBytes(12).copy(head, 8);
  const msg = Buffer.concat([head, body]);
  if (!key) return msg;
  return Buffer.concat([msg, attr(A.MESSAGE_INTEGRITY, createHmac('sha1', key).update(msg).digest())]);
}

function decode(buf: Buffer): Message {
  const type = buf.readUInt16BE(0);
  const len = buf.readUInt16BE(2);
  const attrs = new Map<number, Buffer>();
  for (let off = 20; off + 4 <= 20 + len; ) {
    const t = buf.readUInt16BE(off);
    const l = buf.readUInt16BE(off + 2);
    if (!attrs.has(t)) attrs.set(t, buf.subarray(off + 4, off + 4 + l));
    off += 4 + l + ((4 - (l % 4)) % 4);
  }
  return { type, attrs };
}

function xorAddress(v: Buffer): { address: string; port: number } {
  const port = v.readUInt16BE(2) ^ (MAGIC >>> 16);
  const ip = (v.readUInt32BE(4) ^ MAGIC) >>> 0;
  return { address: [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.'), port };
}

/** One connection to the server: send a request, get the next message back. */
class Channel {
  #queue: Buffer[] = [];
  #waiters: ((b: Buffer) => void)[] = [];
  #tcpBuf = Buffer.alloc(0);
  private constructor(
    readonly send: (b: Buffer) => void,
    readonly close: () => void,
  ) {}

  #push(b: Buffer): void {
    const w = this.#waiters.shift();
    if (w) w(b);
    else this.#queue.push(b);
  }

  next(timeoutMs: number): Promise<Message> {
    const b = this.#queue.shift();
    if (b) return Promise.resolve(decode(b));
    return new Promise((res, rej) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        rej(new Error(`no STUN answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (buf: Buffer): void => {
        clearTimeout(timer);
        res(decode(buf));
      };
      this.#waiters.push(waiter);
    });
  }

  static async open(t: StunTarget): Promise<Channel> {
    const transport = t.transport ?? 'udp';
    if (transport === 'udp') {
      const sock = createSocket('udp4');
      const ch = new Channel(
        (b) => sock.send(b, t.port, t.host),
        () => sock.close(),
      );
      sock.on('message', (m) => ch.#push(m));
      sock.on('error', () => undefined); // ICMP port unreachable and the like: the caller times out
      await new Promise<void>((r) => sock.bind(0, r));
      return ch;
    }
    const sock: Socket = await new Promise((res, rej) => {
      const s =
        transport === 'tls'
          ? tlsConnect({ host: t.host, port: t.port, rejectUnauthorized: false }, () => res(s))
          : tcpConnect({ host: t.host, port: t.port }, () => res(s));
      s.once('error', rej);
    });
    const ch = new Channel(
      (b) => sock.write(b),
      () => sock.destroy(),
    );
    sock.on('error', () => undefined);
    sock.on('data', (d: Buffer) => {
      ch.#tcpBuf = Buffer.concat([ch.#tcpBuf, d]);
      while (ch.#tcpBuf.length >= 20) {
        const total = 20 + ch.#tcpBuf.readUInt16BE(2);
        if (ch.#tcpBuf.length < total) break;
        ch.#push(ch.#tcpBuf.subarray(0, total));
        ch.#tcpBuf = ch.#tcpBuf.subarray(total);
      }
    });
    return ch;
  }
}

/** Resolves with the reflexive address when the server answers a Binding request. */
export async function stunBinding(t: StunTarget): Promise<{ address: string; port: number }> {
  const ch = await Channel.open(t);
  try {
    ch.send(encode(BINDING, []));
    const m = await ch.next(t.timeoutMs ?? 2000);
    const mapped = m.attrs.get(A.XOR_MAPPED_ADDRESS);
    if (m.type !== 0x0101 || !mapped) throw new Error(`unexpected STUN answer 0x${m.type.toString(16)}`);
    return xorAddress(mapped);
  } finally {
    ch.close();
  }
}

export type AllocateResult =
  | { ok: true; relayed: { address: string; port: number }; lifetimeSeconds: number }
  | { ok: false; code: number; reason: string };

/**
 * Asks for a UDP relay with a long-term credential (the TURN REST API's
 * username and password work as one). The allocation is released at once
 * (Refresh with LIFETIME 0) unless `keep` is set.
 */
export async function turnAllocate(t: StunTarget & { username: string; password: string; keep?: boolean }): Promise<AllocateResult> {
  const ch = await Channel.open(t);
  const timeout = t.timeoutMs ?? 2000;
  const udpRelay = attr(A.REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0]));
  try {
    ch.send(encode(ALLOCATE, [udpRelay]));
    const first = await ch.next(timeout);
    const realm = first.attrs.get(A.REALM);
    const nonce = first.attrs.get(A.NONCE);
    if (!realm || !nonce) return errorOf(first);
    const key = createHash('md5').update(`${t.username}:${realm.toString('utf8')}:${t.password}`).digest();
    const auth = [attr(A.USERNAME, Buffer.from(t.username)), attr(A.REALM, realm), attr(A.NONCE, nonce)];
    ch.send(encode(ALLOCATE, [udpRelay, ...auth], key));
    const answer = await ch.next(timeout);
    const relayed = answer.attrs.get(A.XOR_RELAYED_ADDRESS);
    if (answer.type !== 0x0103 || !relayed) return errorOf(answer);
    const lifetime = answer.attrs.get(A.LIFETIME)?.readUInt32BE(0) ?? 0;
    if (!t.keep) {
      const zero = Buffer.alloc(4);
      ch.send(encode(REFRESH, [attr(A.LIFETIME, zero), ...auth], key));
      await ch.next(timeout).catch(() => undefined);
    }
    return { ok: true, relayed: xorAddress(relayed), lifetimeSeconds: lifetime };
  } finally {
    ch.close();
  }
}

function errorOf(m: Message): AllocateResult {
  const e = m.attrs.get(A.ERROR_CODE);
  if (!e) return { ok: false, code: 0, reason: `unexpected answer 0x${m.type.toString(16)} without ERROR-CODE` };
  return { ok: false, code: (e[2]! & 7) * 100 + e[3]!, reason: e.subarray(4).toString('utf8') };
}

const CREATE_PERMISSION = 0x0008;
const CHANNEL_BIND = 0x0009;
const SEND_INDICATION = 0x0016;
const XOR_PEER_ADDRESS = 0x0012;
const CHANNEL_NUMBER = 0x000c;
const DATA = 0x0013;

function xorPeer(address: string, port: number): Buffer {
  const v = Buffer.alloc(8);
  v.writeUInt16BE(0x0001, 0); // IPv4
  v.writeUInt16BE(port ^ (MAGIC >>> 16), 2);
  const ip = address.split('.').reduce((n, o) => (n << 8) | Number(o), 0) >>> 0;
  v.writeUInt32BE((ip ^ MAGIC) >>> 0, 4);
  return attr(XOR_PEER_ADDRESS, v);
}

export interface PeerAnswer {
  peer: string;
  /** CreatePermission's answer. */
  permission: { ok: true } | { ok: false; code: number; reason: string };
  /** ChannelBind's answer (a channel is the other way to reach a peer). */
  channel: { ok: true } | { ok: false; code: number; reason: string };
}

/**
 * Allocates a UDP relay, then asks the server for a permission (CreatePermission)
 * and a channel (ChannelBind) to each of `peers` (IPv4 `address:port`), and, where
 * the permission was granted, sends `send` to that peer in a Send indication (so a
 * test listening there can see it relayed). Answers in the order asked; the
 * allocation is released at the end. For the peer-address policy (ASVS 17.1.1).
 */
export async function turnPeers(
  t: StunTarget & { username: string; password: string; peers: string[]; send?: Buffer },
): Promise<{ allocation: AllocateResult; answers: PeerAnswer[] }> {
  const ch = await Channel.open(t);
  const timeout = t.timeoutMs ?? 2000;
  const udpRelay = attr(A.REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0]));
  try {
    ch.send(encode(ALLOCATE, [udpRelay]));
    const first = await ch.next(timeout);
    const realm = first.attrs.get(A.REALM);
    const nonce = first.attrs.get(A.NONCE);
    if (!realm || !nonce) return { allocation: errorOf(first), answers: [] };
    const key = createHash('md5').update(`${t.username}:${realm.toString('utf8')}:${t.password}`).digest();
    const auth = [attr(A.USERNAME, Buffer.from(t.username)), attr(A.REALM, realm), attr(A.NONCE, nonce)];
    ch.send(encode(ALLOCATE, [udpRelay, ...auth], key));
    const answer = await ch.next(timeout);
    const relayed = answer.attrs.get(A.XOR_RELAYED_ADDRESS);
    if (answer.type !== 0x0103 || !relayed) return { allocation: errorOf(answer), answers: [] };
    const allocation: AllocateResult = { ok: true, relayed: xorAddress(relayed), lifetimeSeconds: answer.attrs.get(A.LIFETIME)?.readUInt32BE(0) ?? 0 };
    const outcome = (m: Message, success: number): PeerAnswer['permission'] => {
      if (m.type === success) return { ok: true };
      const e = errorOf(m);
      return e.ok ? { ok: false, code: 0, reason: 'unexpected' } : { ok: false, code: e.code, reason: e.reason };
    };
    const answers: PeerAnswer[] = [];
    let channelNumber = 0x4000;
    for (const peer of t.peers) {
      const [address, port] = peer.split(':') as [string, string];
      ch.send(encode(CREATE_PERMISSION, [xorPeer(address, Number(port)), ...auth], key));
      const permission = outcome(await ch.next(timeout), 0x0108);
      const num = Buffer.alloc(4);
      num.writeUInt16BE(channelNumber++, 0);
      ch.send(encode(CHANNEL_BIND, [attr(CHANNEL_NUMBER, num), xorPeer(address, Number(port)), ...auth], key));
      const channel = outcome(await ch.next(timeout), 0x0109);
      if (permission.ok && t.send) ch.send(encode(SEND_INDICATION, [xorPeer(address, Number(port)), attr(DATA, t.send)]));
      answers.push({ peer, permission, channel });
    }
    ch.send(encode(REFRESH, [attr(A.LIFETIME, Buffer.alloc(4)), ...auth], key));
    await ch.next(timeout).catch(() => undefined);
    return { allocation, answers };
  } finally {
    ch.close();
  }
}
