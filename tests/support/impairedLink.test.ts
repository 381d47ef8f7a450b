/**
 * ImpairedLink with real sockets on loopback: a UDP and a TCP echo server as
 * the target, clients on ephemeral ports. Counts and order are checked, never
 * how long anything took. Ports: echo servers 56000-56001, links 56010-56099.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ImpairedLink, mulberry32, streamSeed, type ImpairedLinkOptions } from './impairedLink';

const HOST = '127.0.0.1';
const ECHO_UDP = 56000;
const ECHO_TCP = 56001;
/** Big socket buffers (capped by net.core.rmem_max) so the kernel loses nothing in the bursts below. */
const BUFFER = 4 << 20;

let echoUdp: UdpSocket;
let echoTcp: Server;
/** Datagrams the UDP echo server got: payload and source port. */
let udpSeen: { payload: string; port: number }[] = [];
/** Bytes the TCP echo server got, over all connections. */
let tcpSeen = '';

let nextPort = 56010;
const links: ImpairedLink[] = [];
const clients: (UdpSocket | Socket)[] = [];

async function openLink(extra: Partial<ImpairedLinkOptions> = {}): Promise<ImpairedLink> {
  const udpPort = nextPort++;
  const tcpPort = nextPort++;
  if (nextPort > 56099) throw new Error('out of test ports');
  const link = await ImpairedLink.open({ udpPort, tcpPort, targetHost: HOST, targetUdpPort: ECHO_UDP, targetTcpPort: ECHO_TCP, seed: 42, ...extra });
  links.push(link);
  return link;
}

/** A UDP client on an ephemeral port that records what comes back. */
async function udpClient(): Promise<{ socket: UdpSocket; got: string[]; send(payload: string, port: number): void }> {
  const socket = createSocket({ type: 'udp4', recvBufferSize: BUFFER });
  clients.push(socket);
  const got: string[] = [];
  socket.on('message', (m) => got.push(m.toString()));
  await new Promise<void>((r) => socket.bind(0, HOST, r));
  return { socket, got, send: (payload, port) => socket.send(payload, port, HOST) };
}

async function tcpClient(port: number): Promise<{ socket: Socket; got: () => string }> {
  const socket = connect(port, HOST);
  clients.push(socket);
  let got = '';
  socket.on('data', (d: Buffer) => (got += d.toString()));
  socket.on('error', () => undefined);
  await new Promise<void>((r) => socket.once('connect', r));
  return { socket, got: () => got };
}

/** Sends n numbered datagrams in batches, yielding between batches so loopback buffers never overflow. */
async function sendNumbered(send: (payload: string) => void, from: number, n: number, size = 0): Promise<void> {
  for (let i = from; i < from + n; i++) {
    send(String(i).padEnd(size, '.'));
    if (i % 50 === 49) await new Promise((r) => setTimeout(r, 1));
  }
}

/** Waits for a condition (no claim on how long it takes). */
async function until(cond: () => boolean, what: string): Promise<void> {
  await expect.poll(cond, { timeout: 10_000, interval: 10, message: what }).toBe(true);
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  echoUdp = createSocket({ type: 'udp4', recvBufferSize: BUFFER, sendBufferSize: BUFFER });
  echoUdp.on('message', (m, r) => {
    udpSeen.push({ payload: m.toString(), port: r.port });
    echoUdp.send(m, r.port, r.address);
  });
  await new Promise<void>((r) => echoUdp.bind(ECHO_UDP, HOST, r));
  echoTcp = createServer((s) => {
    s.on('data', (d: Buffer) => {
      tcpSeen += d.toString();
      s.write(d);
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => echoTcp.listen(ECHO_TCP, HOST, r));
});

afterEach(async () => {
  for (const c of clients.splice(0)) {
    if ('destroy' in c) c.destroy();
    else c.close();
  }
  await Promise.all(links.splice(0).map((l) => l.close()));
  udpSeen = [];
  tcpSeen = '';
});

afterAll(async () => {
  await new Promise<void>((r) => echoUdp.close(() => r()));
  await new Promise<void>((r) => echoTcp.close(() => r()));
});

describe('ImpairedLink', () => {
  it('forwards UDP both ways, each client source through its own upstream socket', async () => {
    const link = await openLink();
    const a = await udpClient();
    const b = await udpClient();
    const c = await udpClient();
    a.send('from-a', link.udpPort);
    b.send('from-b', link.udpPort);
    c.send('from-c', link.udpPort);
    a.send('again-a', link.udpPort);
    await until(() => a.got.length === 2 && b.got.length === 1 && c.got.length === 1, 'echoes back to each client');
    expect(a.got).toEqual(['from-a', 'again-a']);
    expect(b.got).toEqual(['from-b']);
    expect(c.got).toEqual(['from-c']);

    const portOf = (p: string): number => udpSeen.find((s) => s.payload === p)!.port;
    expect(new Set([portOf('from-a'), portOf('from-b'), portOf('from-c')]).size).toBe(3);
    expect(portOf('again-a')).toBe(portOf('from-a'));
    for (const client of [a, b, c]) expect(udpSeen.map((s) => s.port)).not.toContain(client.socket.address().port);
    expect(link.stats()).toMatchObject({ flows: 3, up: { packets: 4, dropped: 0 }, down: { packets: 4, dropped: 0 } });
    expect(link.stats().up.bytes).toBe('from-a'.length * 3 + 'again-a'.length);
  });

  it('forwards TCP both ways and counts open connections', async () => {
    const link = await openLink();
    const t1 = await tcpClient(link.tcpPort!);
    const t2 = await tcpClient(link.tcpPort!);
    t1.socket.write('hello one');
    t2.socket.write('hello two');
    await until(() => t1.got() === 'hello one' && t2.got() === 'hello two', 'TCP echoes');
    expect(link.stats().tcpConnections).toBe(2);
    t1.socket.end();
    await until(() => link.stats().tcpConnections === 1, 'a closed connection is gone');
  });

  it('loses datagrams at the set rate with a schedule fixed by the seed', async () => {
    const N = 2000;
    const dropsWith = async (seed: number): Promise<{ dropped: number; lost: number[] }> => {
      const link = await openLink({ seed });
      link.set({ loss: 0.1 }, 'up');
      const client = await udpClient();
      const before = udpSeen.length;
      await sendNumbered((p) => client.send(p, link.udpPort), 0, N);
      await until(() => link.stats().up.packets === N, 'the link got every datagram');
      const { dropped } = link.stats().up;
      await until(() => udpSeen.length - before === N - dropped && client.got.length === N - dropped, 'the rest went through');
      const through = new Set(udpSeen.slice(before).map((s) => Number(s.payload)));
      const lost = [...Array(N).keys()].filter((i) => !through.has(i));
      await link.close();
      return { dropped, lost };
    };
    const first = await dropsWith(42);
    const again = await dropsWith(42);
    const other = await dropsWith(7);

    expect(first.dropped).toBeGreaterThan(N * 0.1 * 0.75);
    expect(first.dropped).toBeLessThan(N * 0.1 * 1.25);
    expect(first.lost.length).toBe(first.dropped);
    expect(again).toEqual(first);
    expect(other.lost).not.toEqual(first.lost);
    // One draw per datagram from the direction's loss stream: the schedule can be replayed.
    const rng = mulberry32(streamSeed(42, 'loss', 'up'));
    expect(first.lost).toEqual([...Array(N).keys()].filter(() => rng() < 0.1));
  });

  it('blockUdp drops every datagram both ways, and clear() lets them through again', async () => {
    const link = await openLink();
    const client = await udpClient();
    client.send('before', link.udpPort);
    await until(() => client.got.length === 1, 'first echo');
    link.set({ blockUdp: true });
    await sendNumbered((p) => client.send(p, link.udpPort), 0, 50);
    await until(() => link.stats().up.packets === 51, 'the link got them');
    await pause(50);
    expect(link.stats().up.dropped).toBe(50);
    expect(udpSeen.length).toBe(1);
    expect(client.got).toEqual(['before']);

    // Down blocked alone: the echo server gets it, the client does not.
    link.set({ blockUdp: false }, 'up');
    client.send('one-way', link.udpPort);
    await until(() => link.stats().down.dropped === 1, 'reply dropped');
    expect(udpSeen.map((s) => s.payload)).toEqual(['before', 'one-way']);

    link.clear();
    client.send('after', link.udpPort);
    await until(() => client.got.length === 2, 'echo after clear');
    expect(client.got).toEqual(['before', 'after']);
  });

  it('blockTcp holds data without closing, also on new connections, and releases it in order when unblocked', async () => {
    const link = await openLink();
    const t1 = await tcpClient(link.tcpPort!);
    t1.socket.write('open;');
    await until(() => t1.got() === 'open;', 'first echo');

    link.set({ blockTcp: true });
    t1.socket.write('held-1;');
    t1.socket.write('held-2;');
    const t2 = await tcpClient(link.tcpPort!); // accepted while blocked
    t2.socket.write('new;');
    await until(() => link.stats().up.bytes === 'open;held-1;held-2;new;'.length, 'the link got the held bytes');
    await pause(100);
    expect(tcpSeen).toBe('open;');
    expect(t1.got()).toBe('open;');
    expect(t1.socket.destroyed || t2.socket.destroyed).toBe(false);
    expect(link.stats().tcpConnections).toBe(2);

    link.set({ blockTcp: false });
    await until(() => t1.got() === 'open;held-1;held-2;' && t2.got() === 'new;', 'held data released');
    expect(t1.socket.destroyed || t2.socket.destroyed).toBe(false);

    // Down blocked alone: the echo server has it, the client waits.
    link.set({ blockTcp: true }, 'down');
    t1.socket.write('back;');
    await until(() => tcpSeen.endsWith('back;'), 'up still flows');
    await until(() => link.stats().down.bytes === 'open;held-1;held-2;new;back;'.length, 'echo reached the link');
    expect(t1.got()).toBe('open;held-1;held-2;');
    link.clear();
    await until(() => t1.got() === 'open;held-1;held-2;back;', 'released');
  });

  it('delay keeps each flow in order, also when the delay is lowered while datagrams are in flight', async () => {
    const link = await openLink();
    const client = await udpClient();
    link.set({ delayMs: 40 });
    await sendNumbered((p) => client.send(p, link.udpPort), 0, 100);
    link.set({ delayMs: 0 });
    await sendNumbered((p) => client.send(p, link.udpPort), 100, 100);
    await until(() => client.got.length === 200, 'all echoes');
    expect(client.got.map(Number)).toEqual([...Array(200).keys()]);
    expect(udpSeen.map((s) => Number(s.payload))).toEqual([...Array(200).keys()]);
  });

  it('jitter delivers every datagram (order not promised), and close() drops what is still in flight', async () => {
    const link = await openLink();
    const client = await udpClient();
    link.set({ delayMs: 10, jitterMs: 10 });
    await sendNumbered((p) => client.send(p, link.udpPort), 0, 200);
    await until(() => client.got.length === 200, 'all echoes');
    expect(client.got.map(Number).sort((x, y) => x - y)).toEqual([...Array(200).keys()]);

    link.set({ delayMs: 60_000, jitterMs: 0 }, 'down');
    client.send('in flight', link.udpPort);
    await until(() => link.stats().down.packets === 201, 'the echo is held by the link');
    await link.close(); // its timer must not keep anything alive nor fire after close
    expect(client.got).toHaveLength(200);
  });

  it('TCP data is delayed in order', async () => {
    const link = await openLink();
    link.set({ delayMs: 20, jitterMs: 15 });
    const t = await tcpClient(link.tcpPort!);
    const sent = [...Array(50).keys()].map((i) => `${i};`).join('');
    for (let i = 0; i < 50; i++) {
      t.socket.write(`${i};`);
      await pause(1);
    }
    await until(() => t.got() === sent, 'all echoed in order');
  });

  it('rate limit drops what exceeds the rate and its queue', async () => {
    const link = await openLink();
    link.set({ rateKbps: 80 }, 'up'); // 10 bytes per ms: a 1000-byte datagram takes 100 ms, more than the 50 ms queue
    const client = await udpClient();
    for (let i = 0; i < 100; i++) client.send(String(i).padEnd(1000, '.'), link.udpPort);
    await until(() => link.stats().up.packets === 100, 'the link got all');
    const { dropped } = link.stats().up;
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(100);
    await until(() => client.got.length === 100 - dropped, 'what passed is echoed');
    expect(client.got.map((g) => Number(g.replace(/\.+$/, ''))).slice(0, 1)).toEqual([0]);
    expect(link.stats().down.dropped).toBe(0);

    link.set({ rateKbps: null });
    client.send('free', link.udpPort);
    await until(() => client.got.includes('free'), 'no limit any more');
  });

  it('close is idempotent and frees the ports', async () => {
    const link = await openLink();
    const port = link.udpPort;
    const client = await udpClient();
    const t = await tcpClient(port + 1);
    client.send('x', port);
    await until(() => client.got.length === 1, 'echo');
    await Promise.all([link.close(), link.close()]);
    await link.close();
    await until(() => t.socket.destroyed, 'TCP client sees the close');
    const again = await ImpairedLink.open({ udpPort: port, tcpPort: port + 1, targetHost: HOST, targetUdpPort: ECHO_UDP, targetTcpPort: ECHO_TCP });
    links.push(again);
    client.send('y', port);
    await until(() => client.got.length === 2, 'the port works again');
  });

  it('rejects bad options with a TypeError', async () => {
    const base = { udpPort: 56098, targetHost: HOST, targetUdpPort: ECHO_UDP };
    await expect(ImpairedLink.open({ ...base, udpPort: 0 })).rejects.toThrow(TypeError);
    await expect(ImpairedLink.open({ ...base, udpPort: 70000 })).rejects.toThrow(/udpPort must be an integer port 1\.\.65535/);
    await expect(ImpairedLink.open({ ...base, targetUdpPort: 1.5 })).rejects.toThrow(TypeError);
    await expect(ImpairedLink.open({ ...base, tcpPort: 56099 })).rejects.toThrow(/targetTcpPort is required/);
    await expect(ImpairedLink.open({ ...base, targetHost: '' })).rejects.toThrow(TypeError);
    await expect(ImpairedLink.open({ ...base, host: 'not an ip' })).rejects.toThrow(TypeError);
    await expect(ImpairedLink.open({ ...base, seed: 0.5 })).rejects.toThrow(/seed/);

    const link = await openLink();
    expect(() => link.set({ loss: 1.5 })).toThrow(/loss must be a number 0\.\.1/);
    expect(() => link.set({ loss: Number.NaN })).toThrow(TypeError);
    expect(() => link.set({ delayMs: -1 })).toThrow(TypeError);
    expect(() => link.set({ jitterMs: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => link.set({ rateKbps: 0 })).toThrow(/rateKbps/);
    expect(() => link.set({ blockUdp: 'yes' as unknown as boolean })).toThrow(TypeError);
    expect(() => link.set({ lossy: 1 } as never)).toThrow(/unknown impairment/);
    expect(() => link.set({ loss: 0.1 }, 'sideways' as never)).toThrow(/direction/);
    // A port in use: open rejects and leaves nothing half open (the UDP port is free again after).
    await expect(ImpairedLink.open({ udpPort: 56097, tcpPort: link.tcpPort!, targetHost: HOST, targetUdpPort: ECHO_UDP, targetTcpPort: ECHO_TCP })).rejects.toThrow(/EADDRINUSE/);
    const free = await ImpairedLink.open({ udpPort: 56097, targetHost: HOST, targetUdpPort: ECHO_UDP });
    links.push(free);
    // A rejected set changes nothing.
    expect(link.impairment('up')).toEqual({ loss: 0, delayMs: 0, jitterMs: 0, rateKbps: null, blockUdp: false, blockTcp: false });
  });
});
