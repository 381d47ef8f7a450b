/**
 * OWASP ASVS 5.0 V17 (WebRTC) against the real SFU: a mediasoup 3.8.4 worker
 * started by WorkerPool, WebRTC transports made as MediaEndpoint makes them,
 * a libwebrtc peer (@roamhq/wrtc) sending Opus, and `openssl s_client` as a
 * DTLS peer offering chosen suites and profiles. No mocks. What it proves:
 *
 * - 17.2.1 each worker has its own ECDSA P-256 key (two workers, two
 *   certificates; a replaced worker a new one; no key file is given to it),
 *   and the certificate a peer sees is the one announced in signalling;
 * - 17.2.2 what is negotiated: DTLS 1.2 with an ECDHE-ECDSA AEAD suite, the
 *   worker's preference when everything is offered (CHACHA20-POLY1305 and
 *   SRTP_AEAD_AES_256_GCM); NULL, RSA key exchange (no forward secrecy),
 *   DTLS 1.0 and a handshake without DTLS-SRTP are refused; and what is
 *   accepted though weaker, when a client offers nothing better (CBC with
 *   SHA-1 MAC, SRTP_AES128_CM_SHA1_32);
 * - 17.2.3 SRTP whose authentication fails (a payload bit or a tag bit
 *   changed on the path) or that is replayed is dropped by the worker;
 * - 17.2.4 malformed packets (RTP, RTCP, DTLS and STUN shaped, and random),
 *   from the peer's validated tuple or from elsewhere, are dropped and the
 *   peer's media goes on;
 * - 17.2.5 the peer's media goes on during an SRTP flood on its own tuple and
 *   from another address;
 * - 17.2.6 ClientHellos from an address that has not passed ICE (the
 *   "ClientHello race") get no answer and do not disturb the peer's handshake;
 * - 17.2.8 a certificate that does not match the fingerprint given in
 *   signalling ends the DTLS association (either side), and no media flows.
 *
 * UDP ports 55000-55099 (workers) and 55400-55439 (proxy, openssl, attackers).
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { types as ms } from 'mediasoup';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPool } from './WorkerPool';
import {
  PathProxy,
  bindUdp,
  captureClientHello,
  connectWrtcSender,
  iceBind,
  makeCertificate,
  opensslDtls,
  otherFingerprint,
  packetsOf,
  until,
  type WrtcSender,
} from './securityPeers';

const PROXY_PORT = 55400;
const OPENSSL_PORT = 55410;
const ATTACKER_PORT = 55420;
const CAPTURE_PORT = 55430;

let pool: WorkerPool;
let router: ms.Router;
let dir: string;
let peerCert: ReturnType<typeof makeCertificate>;
const cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  pool = await WorkerPool.create({ numWorkers: 2, rtcMinPort: 55000, rtcMaxPort: 55099, logLevel: 'error' });
  router = await pool.workers()[0]!.worker.createRouter({ mediaCodecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }] });
  dir = mkdtempSync(join(tmpdir(), 'v17-'));
  peerCert = makeCertificate(dir);
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await pool?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A send transport as MediaEndpoint makes it (UDP and TCP, incoming bitrate capped). */
async function sendTransport(r: ms.Router = router): Promise<ms.WebRtcTransport> {
  const t = await r.createWebRtcTransport({ listenIps: [{ ip: '127.0.0.1' }], enableUdp: true, enableTcp: true, preferUdp: true, initialAvailableOutgoingBitrate: 1_000_000 });
  await t.setMaxIncomingBitrate(1_500_000);
  cleanups.push(() => t.close());
  return t;
}

function udpOf(t: ms.WebRtcTransport): { address: string; port: number } {
  const c = t.iceCandidates.find((x) => x.protocol === 'udp')!;
  return { address: c.ip, port: c.port };
}

/** A libwebrtc peer producing audio on a fresh transport through a PathProxy, once media flows. */
async function connectedPeer(): Promise<{ transport: ms.WebRtcTransport; proxy: PathProxy; peer: WrtcSender; producer: ms.Producer }> {
  const transport = await sendTransport();
  const proxy = await PathProxy.start(PROXY_PORT, udpOf(transport));
  cleanups.push(() => proxy.close());
  const peer = await connectWrtcSender(transport, { address: '127.0.0.1', port: proxy.port });
  cleanups.push(() => peer.close());
  await until('DTLS connected', () => transport.dtlsState === 'connected');
  await until('media at the SFU', async () => (await packetsOf(peer.producer!)) >= 10);
  return { transport, proxy, peer, producer: peer.producer! };
}

/** Every byte the transport received, whatever became of it. */
async function bytesReceived(t: ms.WebRtcTransport): Promise<number> {
  return ((await t.getStats())[0] as ms.WebRtcTransportStat).bytesReceived;
}

/** Waits until the worker has taken in `bytes` more on `t` (so whatever was sent before has been processed). */
async function workerTookIn(t: ms.WebRtcTransport, from: number, bytes: number): Promise<void> {
  await until(`the worker to receive ${bytes} more bytes`, async () => (await bytesReceived(t)) >= from + bytes);
}

/** Media keeps arriving: the producer's count grows by `n` packets. */
async function mediaGoesOn(producer: ms.Producer, n = 25): Promise<void> {
  const from = await packetsOf(producer);
  await until(`${n} more media packets at the SFU`, async () => (await packetsOf(producer)) >= from + n);
}

function rtpHeaderLength(p: Buffer): number {
  const cc = p[0]! & 0x0f;
  let len = 12 + 4 * cc;
  if (p[0]! & 0x10) len += 4 + 4 * p.readUInt16BE(len + 2);
  return len;
}

describe('17.2.1 the DTLS key is private to each worker', () => {
  it('each worker has its own ECDSA P-256 certificate, the peer sees the announced one, and a replaced worker makes a new one', async () => {
    const { transport, peer } = await connectedPeer();
    const announced = transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256')!.value.toUpperCase();
    const { remoteCertificate } = await peer.dtls();
    expect(remoteCertificate?.fingerprint256).toBe(announced);
    expect(remoteCertificate!.publicKey.asymmetricKeyType).toBe('ec');
    expect(remoteCertificate!.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(remoteCertificate!.verify(remoteCertificate!.publicKey)).toBe(true); // self-signed

    // No key or certificate file is handed to the workers: each generates its own in memory.
    for (const { worker } of pool.workers()) {
      const cmdline = readFileSync(`/proc/${worker.pid}/cmdline`, 'utf8');
      expect(cmdline).not.toMatch(/dtlsCertificateFile|dtlsPrivateKeyFile/);
    }
    const fingerprintOf = async (w: ms.Worker): Promise<string> => {
      const r = await w.createRouter({ mediaCodecs: [{ kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 }] });
      cleanups.push(() => r.close());
      const t = await r.createWebRtcTransport({ listenIps: [{ ip: '127.0.0.1' }], enableUdp: true });
      return t.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256')!.value.toUpperCase();
    };
    const second = pool.workers()[1]!.worker;
    const secondFp = await fingerprintOf(second);
    expect(secondFp).not.toBe(announced);
    const replaced = once(pool, 'workerreplaced');
    process.kill(second.pid, 'SIGKILL');
    const [, fresh] = (await replaced) as [number, ms.Worker];
    const freshFp = await fingerprintOf(fresh);
    expect(freshFp).not.toBe(secondFp);
    expect(freshFp).not.toBe(announced);
  });
});

describe('17.2.2 DTLS suites and DTLS-SRTP profiles the worker negotiates', () => {
  it('with libwebrtc: DTLS 1.2, an ECDHE-ECDSA AEAD suite and an SRTP profile of the worker\'s list', async () => {
    const { peer } = await connectedPeer();
    const d = await peer.dtls();
    expect(d.tlsVersion).toBe('FEFD'); // DTLS 1.2
    // libwebrtc M106 offers AES-GCM and CHACHA20 suites; the worker picks by its own preference.
    expect(d.dtlsCipher).toBe('TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256');
    // This libwebrtc build does not offer the GCM SRTP profiles (Chromium does, and gets AEAD_AES_256_GCM).
    expect(d.srtpCipher).toBe('AES_CM_128_HMAC_SHA1_80');
  });

  /** A transport that has passed ICE from OPENSSL_PORT and expects openssl's certificate. */
  async function readyForOpenssl(): Promise<ms.WebRtcTransport> {
    const t = await sendTransport();
    expect(await iceBind(t, OPENSSL_PORT)).toBe(0x0101);
    await t.connect({ dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: peerCert.fingerprint }] } });
    return t;
  }
  const dtls = (t: ms.WebRtcTransport, o: { cipher?: string; srtp?: string | null; protocol?: '-dtls1' }) =>
    opensslDtls({ transport: t, localPort: OPENSSL_PORT, cert: peerCert.cert, key: peerCert.key, ...o });

  it('when everything is offered it chooses ECDHE-ECDSA-CHACHA20-POLY1305 and SRTP_AEAD_AES_256_GCM', async () => {
    const t = await readyForOpenssl();
    const r = await dtls(t, { cipher: 'ALL:@SECLEVEL=0', srtp: 'SRTP_AES128_CM_SHA1_32:SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_128_GCM:SRTP_AEAD_AES_256_GCM' });
    expect(r).toMatchObject({ ok: true, protocol: 'DTLSv1.2', cipher: 'ECDHE-ECDSA-CHACHA20-POLY1305', srtpProfile: 'SRTP_AEAD_AES_256_GCM' });
    await until('DTLS connected at the SFU', () => t.dtlsState === 'connected');
  });

  it.each([
    ['NULL encryption', { cipher: 'eNULL:@SECLEVEL=0' }],
    ['RSA key exchange (no forward secrecy)', { cipher: 'kRSA:@SECLEVEL=0' }],
    ['anonymous (no certificate)', { cipher: 'aNULL:@SECLEVEL=0' }],
    ['DTLS 1.0', { protocol: '-dtls1', cipher: 'ALL:@SECLEVEL=0' }],
    ['no DTLS-SRTP extension', { srtp: null }],
  ] as const)('refuses a client offering %s', async (_what, o) => {
    const t = await readyForOpenssl();
    const r = await dtls(t, o);
    expect(r.ok && r.srtpProfile !== undefined).toBe(false);
    await until('DTLS failed at the SFU', () => t.dtlsState === 'failed' || t.dtlsState === 'closed');
  });

  it('accepts, when a client offers nothing better, CBC with a SHA-1 MAC and SRTP_AES128_CM_SHA1_32', async () => {
    const cbc = await dtls(await readyForOpenssl(), { cipher: 'ECDHE-ECDSA-AES128-SHA' });
    expect(cbc).toMatchObject({ ok: true, protocol: 'DTLSv1.2', cipher: 'ECDHE-ECDSA-AES128-SHA' });
    const short = await dtls(await readyForOpenssl(), { srtp: 'SRTP_AES128_CM_SHA1_32' });
    expect(short).toMatchObject({ ok: true, srtpProfile: 'SRTP_AES128_CM_SHA1_32' });
  });
});

describe('17.2.3 SRTP authentication is checked at the SFU', () => {
  it('drops packets whose payload or tag was changed on the path, and replays; the stream goes on afterwards', async () => {
    const { transport, proxy, producer } = await connectedPeer();
    const dropsAll = async (name: string, tamper: (p: Buffer) => Buffer | null, replay = false): Promise<void> => {
      proxy.tamper = tamper;
      await until(`${name}: tampering started`, () => proxy.counts.tampered >= 3);
      const before = await packetsOf(producer);
      const from = await bytesReceived(transport);
      const tamperedFrom = proxy.counts.tampered;
      let sent = 0;
      if (replay) {
        const old = proxy.recent.splice(0);
        await proxy.inject(old);
        sent = old.reduce((n, p) => n + p.length, 0);
        expect(old.length).toBeGreaterThanOrEqual(10);
      }
      // At least 25 changed packets (half a second of audio) went on to the worker, and it took them in
      // (when the live stream is held back, the replays are what it takes in).
      await until(`${name}: 25 changed packets`, () => proxy.counts.tampered >= tamperedFrom + 25);
      await workerTookIn(transport, from, replay ? sent : 25 * 40);
      expect(await packetsOf(producer), name).toBe(before);
      proxy.tamper = null;
    };
    // AES-CM encryption: a flipped ciphertext bit is a flipped plaintext bit, a valid RTP packet
    // if nothing checked the tag.
    await dropsAll('payload bit flipped', (p) => {
      p[rtpHeaderLength(p) + 1]! ^= 0x01;
      return p;
    });
    await mediaGoesOn(producer);
    await dropsAll('tag bit flipped', (p) => {
      p[p.length - 1]! ^= 0x80;
      return p;
    });
    await mediaGoesOn(producer);
    // Header bits are authenticated too: a changed sequence number is dropped.
    await dropsAll('sequence number changed', (p) => {
      p.writeUInt16BE((p.readUInt16BE(2) + 1000) & 0xffff, 2);
      return p;
    });
    await mediaGoesOn(producer);
    // Packets the worker already accepted, sent again from the validated tuple (the live stream held back meanwhile).
    await dropsAll('replayed', () => null, true);
    await mediaGoesOn(producer);
    expect(transport.dtlsState).toBe('connected');
  });
});

/** Malformed packets of every shape the worker's demultiplexer knows, and random ones. */
function malformed(ssrc: number, clientHello: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const rtp = (len: number, first = 0x80): Buffer => {
    const b = randomBytes(Math.max(len, 2));
    b[0] = first;
    b[1] = 111;
    if (len >= 12) b.writeUInt32BE(ssrc, 8);
    return b;
  };
  for (let len = 1; len <= 40; len++) out.push(rtp(len)); // truncated RTP headers
  for (let i = 0; i < 50; i++) out.push(rtp(12 + Math.floor(Math.random() * 1400), 0x8f)); // CSRC count 15 (header longer than some packets)
  for (let i = 0; i < 50; i++) {
    const b = rtp(24 + Math.floor(Math.random() * 400), 0x90); // extension whose length runs past the end
    b.writeUInt16BE(0xbede, 12);
    b.writeUInt16BE(0xffff, 14);
    out.push(b);
  }
  for (let i = 0; i < 100; i++) {
    const b = randomBytes(4 + Math.floor(Math.random() * 600)); // RTCP-shaped garbage (SR, RR, SDES, BYE, RTPFB, PSFB)
    b[0] = 0x80 | (b[0]! & 0x1f);
    b[1] = [200, 201, 202, 203, 205, 206][i % 6]!;
    out.push(b);
  }
  for (let i = 0; i < 100; i++) out.push(rtp(100 + Math.floor(Math.random() * 1100))); // SRTP with the peer's SSRC and random bytes
  for (let i = 0; i < 50; i++) {
    const b = randomBytes(13 + Math.floor(Math.random() * 300)); // DTLS-shaped garbage (handshake, alert, application data)
    b[0] = [22, 21, 23][i % 3]!;
    b[1] = 0xfe;
    b[2] = 0xfd;
    out.push(b);
  }
  out.push(clientHello, clientHello); // a fresh handshake on a connected association
  for (let i = 0; i < 50; i++) {
    const b = randomBytes(20 + Math.floor(Math.random() * 200)); // STUN-shaped garbage
    b[0] = 0;
    b[1] = 1;
    b.writeUInt32BE(0x2112a442, 4);
    out.push(b);
  }
  for (let i = 0; i < 200; i++) out.push(randomBytes(1 + Math.floor(Math.random() * 1500))); // anything
  return out;
}

describe('17.2.4 malformed packets do not stop media', () => {
  it('drops malformed packets sent from the peer\'s validated tuple and from another address; the worker, the association and the media go on', async () => {
    const clientHello = await captureClientHello(CAPTURE_PORT);
    const { transport, proxy, peer, producer } = await connectedPeer();
    const attacker = await bindUdp(ATTACKER_PORT);
    cleanups.push(() => attacker.close());
    const sfu = udpOf(transport);
    for (let round = 0; round < 3; round++) {
      const from = await bytesReceived(transport);
      const onPath = malformed(peer.ssrc, clientHello);
      await proxy.inject(onPath);
      for (const p of malformed(peer.ssrc, clientHello)) attacker.send(p, sfu.port, sfu.address);
      // The on-path ones reached the worker (it counts every byte on the transport's port from the validated tuple).
      await workerTookIn(transport, from, onPath.reduce((n, p) => n + p.length, 0));
      await mediaGoesOn(producer, 10);
    }
    expect(transport.dtlsState).toBe('connected');
    expect(['connected', 'completed']).toContain(transport.iceState);
    expect(transport.iceSelectedTuple?.remotePort).toBe(PROXY_PORT); // the attacker's address never became the path
    expect(peer.pc.connectionState).toBe('connected');
    expect((await pool.workers()[0]!.worker.getResourceUsage()).ru_maxrss).toBeGreaterThan(0);
    expect(pool.workers()[0]!.worker.closed).toBe(false);
  });
});

describe('17.2.5 media goes on during an SRTP flood', () => {
  it('the peer\'s packets keep arriving while its own tuple and another address flood the transport', async () => {
    const { transport, proxy, peer, producer } = await connectedPeer();
    const attacker = await bindUdp(ATTACKER_PORT + 1);
    cleanups.push(() => attacker.close());
    const sfu = udpOf(transport);
    const from = await bytesReceived(transport);
    const legitFrom = await packetsOf(producer);
    let seq = 0;
    const srtpLike = (): Buffer => {
      const b = randomBytes(1000);
      b[0] = 0x80;
      b[1] = 111;
      b.writeUInt16BE(seq++ & 0xffff, 2);
      b.writeUInt32BE(peer.ssrc, 8);
      return b;
    };
    let flooded = 0;
    let floodBytes = 0;
    let floodDone = false;
    const flood = (async () => {
      while (!floodDone) {
        const burst = Array.from({ length: 100 }, srtpLike);
        await proxy.inject(burst, 100);
        for (const p of burst.slice(0, 50)) attacker.send(p, sfu.port, sfu.address);
        flooded += burst.length;
        floodBytes += burst.length * 1000;
        await new Promise((r) => setImmediate(r));
      }
    })();
    try {
      // A second of the peer's audio gets through while the flood goes on.
      await until('50 media packets during the flood', async () => (await packetsOf(producer)) >= legitFrom + 50, 15_000);
    } finally {
      floodDone = true;
      await flood;
    }
    const received = (await bytesReceived(transport)) - from;
    // The flood was real: many times the audio's packets, and most of it reached the worker.
    expect(flooded).toBeGreaterThan(2000);
    expect(received).toBeGreaterThan(floodBytes / 2);
    await mediaGoesOn(producer);
    expect(transport.dtlsState).toBe('connected');
  });
});

describe('17.2.6 DTLS ClientHello race', () => {
  it('ClientHellos from an address that has not passed ICE get no answer and do not disturb the peer\'s handshake', async () => {
    const clientHello = await captureClientHello(CAPTURE_PORT);
    const transport = await sendTransport();
    const sfu = udpOf(transport);
    const states: string[] = [];
    transport.on('dtlsstatechange', (s) => states.push(s));
    const attacker = await bindUdp(ATTACKER_PORT + 2);
    cleanups.push(() => attacker.close());
    let answers = 0;
    attacker.on('message', () => answers++);
    // The attacker knows the transport's address but not its ICE password: its checks are refused.
    expect(await iceBind(transport, ATTACKER_PORT + 3, 'not-the-ice-password-000')).toBe(0x0111);
    // It sprays ClientHellos before the peer arrives and all through the peer's ICE and DTLS.
    const spray = setInterval(() => attacker.send(clientHello, sfu.port, sfu.address), 2);
    cleanups.push(() => clearInterval(spray));
    for (let i = 0; i < 50; i++) attacker.send(clientHello, sfu.port, sfu.address);
    const proxy = await PathProxy.start(PROXY_PORT, sfu);
    cleanups.push(() => proxy.close());
    const peer = await connectWrtcSender(transport, { address: '127.0.0.1', port: proxy.port });
    cleanups.push(() => peer.close());
    await until('DTLS connected', () => transport.dtlsState === 'connected');
    await mediaGoesOn(peer.producer!, 10);
    clearInterval(spray);
    expect(answers).toBe(0);
    expect(states).not.toContain('failed');
    expect((await peer.dtls()).dtlsState).toBe('connected');
  });
});

describe('17.2.8 the DTLS certificate is checked against the fingerprint from signalling', () => {
  it('the SFU ends the association when the peer\'s certificate is not the one signalled, and no media flows', async () => {
    const transport = await sendTransport();
    const states: string[] = [];
    transport.on('dtlsstatechange', (s) => states.push(s));
    const proxy = await PathProxy.start(PROXY_PORT, udpOf(transport));
    cleanups.push(() => proxy.close());
    const peer = await connectWrtcSender(transport, { address: '127.0.0.1', port: proxy.port }, { fingerprintForSfu: otherFingerprint });
    cleanups.push(() => peer.close());
    await until('DTLS failed at the SFU', () => states.includes('failed'));
    // The handshake did take place (so the refusal is the fingerprint's), and media never passed.
    expect(proxy.counts.dtlsFromPeer).toBeGreaterThan(0);
    // libwebrtc, the DTLS client, finishes its side and sends SRTP: the SFU takes none of it.
    await until('the peer sends 25 RTP packets or gives up', async () => proxy.counts.forwarded >= 25 || (await peer.dtls()).dtlsState === 'failed');
    expect(await packetsOf(peer.producer!)).toBe(0);
    // The worker may start over when the peer's ICE checks go on (and fail again); it never connects.
    expect(states).not.toContain('connected');
  });

  it('the same with openssl: a certificate other than the signalled one is refused', async () => {
    const other = makeCertificate(mkdtempSync(join(dir, 'other-')));
    const t = await sendTransport();
    expect(await iceBind(t, OPENSSL_PORT)).toBe(0x0101);
    await t.connect({ dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: peerCert.fingerprint }] } });
    const r = await opensslDtls({ transport: t, localPort: OPENSSL_PORT, cert: other.cert, key: other.key });
    // The handshake itself completes on openssl's side before the worker compares fingerprints;
    // the worker then fails the association (and never derives SRTP keys for it).
    await until('DTLS failed at the SFU', () => t.dtlsState === 'failed');
    expect(r.cipher).toBeDefined();
  });

  it('the peer refuses the SFU when the SFU\'s certificate is not the one signalled to it', async () => {
    const transport = await sendTransport();
    const proxy = await PathProxy.start(PROXY_PORT, udpOf(transport));
    cleanups.push(() => proxy.close());
    const peer = await connectWrtcSender(transport, { address: '127.0.0.1', port: proxy.port }, { sfuFingerprintForPeer: otherFingerprint });
    cleanups.push(() => peer.close());
    await until('the peer\'s DTLS failed', async () => (await peer.dtls()).dtlsState === 'failed' || peer.pc.connectionState === 'failed');
    expect(transport.dtlsState).not.toBe('connected');
    expect(await packetsOf(peer.producer!)).toBe(0);
  });
});
