/**
 * Real peers for the WebRTC security tests (webrtcSecurity.test.ts), no mocks:
 *
 * - `PathProxy`: a UDP hop between a peer and the SFU. The peer's ICE, DTLS and
 *   SRTP go through it, so the SFU sees the proxy's socket as the peer's
 *   ICE-validated tuple; the proxy can then do what an attacker on that path
 *   can do: change packets in flight, replay them, and inject its own
 *   (malformed ones, floods) from the validated tuple.
 * - `connectWrtcSender`: a libwebrtc peer (@roamhq/wrtc, M106) sending Opus audio to a
 *   mediasoup WebRtcTransport, with SDP written here from the transport's
 *   parameters (the SFU is ICE-lite and the DTLS server, as with the kiosks).
 * - `iceBind`: an ICE connectivity check (STUN Binding with the transport's
 *   short-term credentials, USE-CANDIDATE) from a given UDP port, after which
 *   mediasoup accepts DTLS from that port; `opensslDtls` then runs
 *   `openssl s_client` over DTLS from that same port, offering the cipher
 *   suites and SRTP profiles a test chooses, and reports what was negotiated.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, createHmac, randomBytes, X509Certificate } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import wrtc from '@roamhq/wrtc';
import type { types as ms } from 'mediasoup';

export type Addr = { address: string; port: number };

/** Polls `check` until it returns a truthy value; throws `what` after `timeoutMs`. */
export async function until<T>(what: string, check: () => T | Promise<T>, timeoutMs = 8000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function bindUdp(port: number, address = '127.0.0.1'): Promise<Socket> {
  const s = createSocket('udp4');
  s.on('error', () => undefined);
  return new Promise((res, rej) => {
    s.once('error', rej);
    s.bind(port, address, () => res(s));
  });
}

/** RFC 7983 demultiplexing of what a WebRTC peer sends on its one port. */
export function kindOf(b: Buffer): 'stun' | 'dtls' | 'rtp' | 'rtcp' | 'other' {
  const f = b[0] ?? 255;
  if (f <= 3) return 'stun';
  if (f >= 20 && f <= 63) return 'dtls';
  if (f >= 128 && f <= 191 && b.length >= 2) {
    const pt = b[1]! & 0x7f;
    return pt >= 64 && pt <= 95 ? 'rtcp' : 'rtp';
  }
  return 'other';
}

/** What the proxy does with an RTP packet from the peer: forward it as is, change it, or drop it. */
export type Tamper = (rtp: Buffer) => Buffer | null;

export class PathProxy {
  peer: RemoteInfo | null = null;
  /** RTP packets from the peer, by what happened to them. */
  readonly counts = { forwarded: 0, tampered: 0, injected: 0, fromSfu: 0, dtlsFromPeer: 0 };
  /** The last RTP packets forwarded untouched (for replays). */
  readonly recent: Buffer[] = [];
  tamper: Tamper | null = null;

  private constructor(
    readonly socket: Socket,
    readonly sfu: Addr,
  ) {
    socket.on('message', (msg, rinfo) => {
      if (rinfo.address === sfu.address && rinfo.port === sfu.port) {
        this.counts.fromSfu++;
        if (this.peer) socket.send(msg, this.peer.port, this.peer.address);
        return;
      }
      this.peer = rinfo;
      const kind = kindOf(msg);
      if (kind === 'dtls') this.counts.dtlsFromPeer++;
      if (kind === 'rtp') {
        if (this.tamper) {
          const out = this.tamper(Buffer.from(msg));
          this.counts.tampered++;
          if (out) socket.send(out, sfu.port, sfu.address);
          return;
        }
        this.counts.forwarded++;
        this.recent.push(msg);
        if (this.recent.length > 200) this.recent.shift();
      }
      socket.send(msg, sfu.port, sfu.address);
    });
  }

  static async start(port: number, sfu: Addr): Promise<PathProxy> {
    return new PathProxy(await bindUdp(port), sfu);
  }

  get port(): number {
    return this.socket.address().port;
  }

  /** Sends `packets` to the SFU from the validated tuple, `perTick` at a time (so the event loop breathes). */
  async inject(packets: Iterable<Buffer>, perTick = 200): Promise<number> {
    let n = 0;
    for (const p of packets) {
      this.socket.send(p, this.sfu.port, this.sfu.address);
      this.counts.injected++;
      if (++n % perTick === 0) await new Promise((r) => setImmediate(r));
    }
    return n;
  }

  close(): void {
    this.socket.close();
  }
}

/** sha-256 fingerprint of a DER certificate, as SDP writes it. */
export function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/** A fingerprint with one byte changed. */
export function otherFingerprint(fp: string): string {
  const bytes = fp.split(':');
  bytes[5] = ((parseInt(bytes[5]!, 16) + 1) & 255).toString(16).padStart(2, '0').toUpperCase();
  return bytes.join(':');
}

export interface WrtcSender {
  pc: RTCPeerConnection;
  ssrc: number;
  /** The peer's own DTLS fingerprint (from its offer). */
  fingerprint: string;
  /** The SFU's certificate as this peer's DTLS saw it, and what was negotiated (from getStats). */
  dtls(): Promise<{ dtlsState?: string; tlsVersion?: string; dtlsCipher?: string; srtpCipher?: string; remoteCertificate?: X509Certificate }>;
  close(): void;
}

/**
 * A libwebrtc peer producing Opus on `transport`, reaching it at `via` (a
 * PathProxy, or the transport's own candidate). `fingerprintForSfu` and
 * `sfuFingerprintForPeer` let a test lie to either side about the other's certificate.
 */
export async function connectWrtcSender(
  transport: ms.WebRtcTransport,
  via: Addr,
  opts: { fingerprintForSfu?: (real: string) => string; sfuFingerprintForPeer?: (real: string) => string; produce?: boolean } = {},
): Promise<WrtcSender & { producer: ms.Producer | null }> {
  const pc = new wrtc.RTCPeerConnection({ iceServers: [] }) as unknown as RTCPeerConnection;
  const source = new wrtc.nonstandard.RTCAudioSource();
  const track = source.createTrack();
  pc.addTransceiver(track as unknown as MediaStreamTrack, { direction: 'sendonly' });
  // 10 ms frames of a 440 Hz tone (not silence, so nothing is suppressed).
  let t = 0;
  const samples = new Int16Array(480);
  const feeder = setInterval(() => {
    for (let i = 0; i < 480; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * t++) / 48000));
    source.onData({ samples, sampleRate: 48000, bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 });
  }, 10);

  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const sdp = offer.sdp!;
  const fingerprint = /a=fingerprint:sha-256 (\S+)/.exec(sdp)![1]!;
  const ssrc = Number(/a=ssrc:(\d+) /.exec(sdp)![1]);
  const opusPt = Number(/a=rtpmap:(\d+) opus\/48000\/2/.exec(sdp)![1]);
  const mid = /a=mid:(\S+)/.exec(sdp)![1]!;
  const sfuFp = transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256')!.value.toUpperCase();
  const answer = [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=ice-lite',
    `a=group:BUNDLE ${mid}`,
    `a=fingerprint:sha-256 ${opts.sfuFingerprintForPeer ? opts.sfuFingerprintForPeer(sfuFp) : sfuFp}`,
    `m=audio 9 UDP/TLS/RTP/SAVPF ${opusPt}`,
    'c=IN IP4 127.0.0.1',
    `a=ice-ufrag:${transport.iceParameters.usernameFragment}`,
    `a=ice-pwd:${transport.iceParameters.password}`,
    'a=setup:passive',
    `a=mid:${mid}`,
    'a=recvonly',
    'a=rtcp-mux',
    `a=rtpmap:${opusPt} opus/48000/2`,
    `a=fmtp:${opusPt} minptime=10;useinbandfec=1`,
    `a=candidate:1 1 udp 2113937151 ${via.address} ${via.port} typ host`,
    'a=end-of-candidates',
    '',
  ].join('\r\n');

  await transport.connect({
    dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: opts.fingerprintForSfu ? opts.fingerprintForSfu(fingerprint) : fingerprint }] },
  });
  const producer =
    opts.produce === false
      ? null
      : await transport.produce({
          kind: 'audio',
          rtpParameters: {
            mid,
            codecs: [{ mimeType: 'audio/opus', payloadType: opusPt, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 } }],
            encodings: [{ ssrc }],
            headerExtensions: [],
            rtcp: { reducedSize: true },
          },
        });
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });

  return {
    pc,
    ssrc,
    fingerprint,
    producer,
    async dtls() {
      const stats = await pc.getStats();
      let transportStat: Record<string, unknown> | undefined;
      stats.forEach((s: Record<string, unknown>) => {
        if (s.type === 'transport') transportStat = s;
      });
      if (!transportStat) return {};
      const cert = transportStat.remoteCertificateId ? (stats.get(transportStat.remoteCertificateId as string) as { base64Certificate?: string } | undefined) : undefined;
      return {
        dtlsState: transportStat.dtlsState as string | undefined,
        tlsVersion: transportStat.tlsVersion as string | undefined,
        dtlsCipher: transportStat.dtlsCipher as string | undefined,
        srtpCipher: transportStat.srtpCipher as string | undefined,
        ...(cert?.base64Certificate ? { remoteCertificate: new X509Certificate(Buffer.from(cert.base64Certificate, 'base64')) } : {}),
      };
    },
    close() {
      clearInterval(feeder);
      track.stop();
      pc.close();
    },
  };
}

/** The producer's RTP packet count as the worker counted it (packets that passed SRTP). */
export async function packetsOf(producer: ms.Producer): Promise<number> {
  const stats = await producer.getStats();
  return stats.reduce((n, s) => n + (s.packetCount ?? 0), 0);
}

// --- ICE from a plain UDP socket -------------------------------------------------

const MAGIC = 0x2112a442;

function stunAttr(type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(value.length, 2);
  return Buffer.concat([head, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
}

/** A Binding request as an ICE-controlling agent nominating the pair (RFC 8445), with MESSAGE-INTEGRITY and FINGERPRINT. */
export function iceBindingRequest(ice: ms.IceParameters, localUfrag: string): Buffer {
  const tiebreaker = randomBytes(8);
  const priority = Buffer.alloc(4);
  priority.writeUInt32BE(0x6e0001ff, 0);
  const attrs = Buffer.concat([
    stunAttr(0x0006, Buffer.from(`${ice.usernameFragment}:${localUfrag}`)), // USERNAME
    stunAttr(0x0024, priority), // PRIORITY
    stunAttr(0x0025, Buffer.alloc(0)), // USE-CANDIDATE
    stunAttr(0x802a, tiebreaker), // ICE-CONTROLLING
  ]);
  const head = Buffer.alloc(20);
  head.writeUInt16BE(0x0001, 0);
  head.writeUInt32BE(MAGIC, 4);
  randomBytes(12).copy(head, 8);
  head.writeUInt16BE(attrs.length + 24, 2);
  const mi = stunAttr(0x0008, createHmac('sha1', ice.password).update(Buffer.concat([head, attrs])).digest());
  head.writeUInt16BE(attrs.length + 24 + 8, 2);
  const withMi = Buffer.concat([head, attrs, mi]);
  const fp = Buffer.alloc(4);
  fp.writeUInt32BE((crc32(withMi) ^ 0x5354554e) >>> 0, 0);
  return Buffer.concat([withMi, stunAttr(0x8028, fp)]);
}

/**
 * Runs an ICE check from `localPort` to the transport's UDP candidate and
 * resolves with the STUN answer's class (0x0101 success, 0x0111 error).
 * The socket is closed afterwards, so another program may bind the port.
 */
export async function iceBind(transport: ms.WebRtcTransport, localPort: number, password?: string): Promise<number> {
  const cand = transport.iceCandidates.find((c) => c.protocol === 'udp')!;
  const sock = await bindUdp(localPort);
  try {
    const ice = password ? { ...transport.iceParameters, password } : transport.iceParameters;
    const req = iceBindingRequest(ice, 'opsl');
    const answer = new Promise<Buffer>((res) => sock.once('message', res));
    for (let i = 0; i < 20; i++) {
      sock.send(req, cand.port, cand.ip);
      const got = await Promise.race([answer, new Promise<null>((r) => setTimeout(() => r(null), 100))]);
      if (got) return got.readUInt16BE(0);
    }
    throw new Error('no STUN answer from the transport');
  } finally {
    await new Promise<void>((r) => sock.close(() => r()));
  }
}

// --- openssl s_client over DTLS ----------------------------------------------------

/** A self-signed ECDSA P-256 certificate for the openssl peer, with its sha-256 fingerprint. */
export function makeCertificate(dir: string): { cert: string; key: string; fingerprint: string } {
  const cert = join(dir, 'peer-cert.pem');
  const key = join(dir, 'peer-key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=peer',
    '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const der = new X509Certificate(execFileSync('openssl', ['x509', '-in', cert, '-outform', 'DER'])).raw;
  return { cert, key, fingerprint: fingerprintOf(der) };
}

export interface DtlsOutcome {
  /** Whether the handshake finished (a session with a cipher). */
  ok: boolean;
  protocol?: string;
  cipher?: string;
  srtpProfile?: string;
  /** SRTP keying material (RFC 5764 4.2), when asked for with `keyingLength`. */
  keying?: Buffer;
  output: string;
}

/**
 * `openssl s_client` as a DTLS client from `localPort` (which must be ICE-validated
 * at the transport already) with the given `-cipher` list, `-use_srtp` profiles and
 * protocol flag. On success it is killed without a close_notify, so the SFU keeps the
 * association (a test may go on sending SRTP from that port with `keying`).
 */
export async function opensslDtls(o: {
  transport: ms.WebRtcTransport;
  localPort: number;
  cert: string;
  key: string;
  cipher?: string;
  /** `-use_srtp` profiles; null: no DTLS-SRTP extension at all. */
  srtp?: string | null;
  protocol?: '-dtls1_2' | '-dtls1';
  keyingLength?: number;
  timeoutMs?: number;
}): Promise<DtlsOutcome> {
  const cand = o.transport.iceCandidates.find((c) => c.protocol === 'udp')!;
  const args = ['s_client', o.protocol ?? '-dtls1_2', '-bind', `127.0.0.1:${o.localPort}`, '-connect', `${cand.ip}:${cand.port}`,
    '-cert', o.cert, '-key', o.key, '-timeout', '-mtu', '1200'];
  if (o.srtp !== null) args.push('-use_srtp', o.srtp ?? 'SRTP_AEAD_AES_256_GCM:SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32');
  if (o.cipher) args.push('-cipher', o.cipher);
  if (o.keyingLength) args.push('-keymatexport', 'EXTRACTOR-dtls_srtp', '-keymatexportlen', String(o.keyingLength));
  const proc = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const done = (): boolean => /Verify return code/.test(output) && (!o.keyingLength || /Keying material: [0-9A-F]+\s/i.test(output));
  const deadline = Date.now() + (o.timeoutMs ?? 8000);
  let finished = false;
  while (Date.now() < deadline) {
    if (done()) break;
    if (proc.exitCode !== null || proc.signalCode !== null) {
      finished = true;
      break;
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 25))]);
  }
  if (!finished) {
    // Give the exporter lines a moment, then leave without a close_notify.
    await new Promise((r) => setTimeout(r, 100));
    proc.kill('SIGKILL');
  }
  await exited;
  const cipher = /Cipher is (\S+)/.exec(output)?.[1];
  const protocol = /Protocol\s*:\s*(\S+)/.exec(output)?.[1];
  const srtpProfile = /SRTP Extension negotiated, profile=(\S+)/.exec(output)?.[1];
  const keyHex = /Keying material: ([0-9A-F]+)/i.exec(output)?.[1];
  const ok = !!cipher && cipher !== '(NONE)' && !!protocol;
  return { ok, output, ...(protocol ? { protocol } : {}), ...(cipher ? { cipher } : {}), ...(srtpProfile ? { srtpProfile } : {}), ...(keyHex ? { keying: Buffer.from(keyHex, 'hex') } : {}) };
}

/** The first datagram `openssl s_client -dtls1_2` sends: a real DTLS ClientHello. */
export async function captureClientHello(port: number): Promise<Buffer> {
  const sock = await bindUdp(port);
  try {
    const got = new Promise<Buffer>((res) => sock.once('message', res));
    const proc = spawn('openssl', ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${port}`, '-use_srtp', 'SRTP_AES128_CM_SHA1_80'], { stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      return await Promise.race([got, new Promise<Buffer>((_, rej) => setTimeout(() => rej(new Error('no ClientHello from openssl')), 5000))]);
    } finally {
      proc.kill('SIGKILL');
    }
  } finally {
    sock.close();
  }
}
