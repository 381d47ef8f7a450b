/**
 * SFU capacity: how many consumers one mediasoup worker forwards real RTP to,
 * and at what CPU. A Node UDP socket injects VP8 video (100 packets/s, ~1 kB
 * each, every frame a key frame so consumers forward at once) and Opus audio
 * (50 packets/s) into PlainTransport producers; consumers sit on
 * PlainTransports whose far ends are UDP sinks that count what arrives.
 * Worker CPU comes from worker.getResourceUsage() over a fixed window.
 *
 * Baseline in the same run: the same worker ingesting with no consumers.
 * Target: ≥ 500 consumers under 85 % of one core.
 *
 *   npx tsx bench/sfu-capacity.bench.ts [consumers...]   (default 0 100 250 500 750)
 */
import { createSocket, type Socket } from 'node:dgram';
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import { MEDIA_CODECS } from '../booth-server/src/calls/CallRoom';

const WINDOW_MS = 5000;
const CONSUMERS_PER_TRANSPORT = 10;
const steps = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n >= 0);
const plan = steps.length ? steps : [0, 100, 250, 500, 750];

const VIDEO_PT = 101;
const AUDIO_PT = 100;
const VIDEO_SSRC = 0x1111;
const AUDIO_SSRC = 0x2222;

function rtp(pt: number, seq: number, ts: number, ssrc: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = pt | (pt === VIDEO_PT ? 0x80 : 0); // marker on every video packet: one packet per frame
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(ts >>> 0, 4);
  h.writeUInt32BE(ssrc, 8);
  return Buffer.concat([h, payload]);
}

// VP8 payload descriptor (X=1, S=1, partition 0; I=1 with a 7-bit picture id) followed by a
// key-frame header (frame tag P bit 0, start code 9d 01 2a, 640x360): every frame is a key frame.
function vp8Payload(pictureId: number): Buffer {
  const descriptor = Buffer.from([0x90, 0x80, pictureId & 0x7f]);
  const keyFrameHeader = Buffer.from([0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01]);
  return Buffer.concat([descriptor, keyFrameHeader, Buffer.alloc(990, 0x55)]);
}
const opusPayload = Buffer.alloc(120, 0x33);

async function main(): Promise<void> {
  const worker = await mediasoup.createWorker({ logLevel: 'error', rtcMinPort: 49000, rtcMaxPort: 49999 });
  const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });

  const ingest = await router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: true, comedia: true });
  const video = await ingest.produce({
    kind: 'video',
    rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: VIDEO_PT, clockRate: 90000 }], encodings: [{ ssrc: VIDEO_SSRC }] },
  });
  const audio = await ingest.produce({
    kind: 'audio',
    rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: AUDIO_PT, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: AUDIO_SSRC }] },
  });
  const sender = createSocket('udp4');
  const target = { port: ingest.tuple.localPort, ip: ingest.tuple.localIp };
  let vseq = 0;
  let aseq = 0;
  const started = Date.now();
  const pump = setInterval(() => {
    const t = Date.now() - started;
    sender.send(rtp(VIDEO_PT, vseq, t * 90, VIDEO_SSRC, vp8Payload(vseq)), target.port, target.ip);
    vseq++;
    if (vseq % 2 === 0) sender.send(rtp(AUDIO_PT, aseq++, t * 48, AUDIO_SSRC, opusPayload), target.port, target.ip);
  }, 10);

  const sinks: Socket[] = [];
  const transports: ms.PlainTransport[] = [];
  let received = 0;
  const caps = router.rtpCapabilities;

  async function grow(total: number): Promise<void> {
    let have = transports.reduce((n, t) => n + (t.appData as { consumers: number }).consumers, 0);
    while (have < total) {
      const sink = createSocket('udp4');
      await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
      sink.on('message', () => received++);
      sinks.push(sink);
      const t = await router.createPlainTransport({ listenIp: { ip: '127.0.0.1' }, rtcpMux: true, comedia: false, appData: { consumers: 0 } });
      await t.connect({ ip: '127.0.0.1', port: sink.address().port });
      transports.push(t);
      const n = Math.min(CONSUMERS_PER_TRANSPORT, total - have);
      for (let i = 0; i < n; i++) {
        // Mostly video, like a call's heaviest stream; every fifth consumer audio.
        await t.consume({ producerId: (have + i) % 5 === 4 ? audio.id : video.id, rtpCapabilities: caps });
      }
      (t.appData as { consumers: number }).consumers = n;
      have += n;
    }
  }

  async function measure(): Promise<{ cpu: number; pps: number }> {
    await new Promise((r) => setTimeout(r, 1000)); // settle
    const u0 = await worker.getResourceUsage();
    const r0 = received;
    const t0 = process.hrtime.bigint();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const u1 = await worker.getResourceUsage();
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpuMs = u1.ru_utime + u1.ru_stime - (u0.ru_utime + u0.ru_stime);
    return { cpu: cpuMs / 1000 / secs, pps: (received - r0) / secs };
  }

  console.log(`SFU capacity (mediasoup ${mediasoup.version}, one worker; input 100 video + 50 audio packets/s; window ${WINDOW_MS / 1000} s)`);
  console.log('consumers  delivered pkt/s  expected pkt/s  worker CPU (% of one core)  vs baseline');
  let baseline = 0;
  let atTarget: { consumers: number; cpu: number } | null = null;
  for (const n of plan) {
    await grow(n);
    const { cpu, pps } = await measure();
    if (n === plan[0]) baseline = cpu;
    const videoConsumers = n - Math.floor(n / 5);
    const expected = videoConsumers * 100 + (n - videoConsumers) * 50;
    console.log(
      `${String(n).padStart(9)}  ${pps.toFixed(0).padStart(15)}  ${String(expected).padStart(14)}  ${(cpu * 100).toFixed(1).padStart(26)} %  ${baseline > 0 ? `${(cpu / baseline).toFixed(1)}x` : '–'}`,
    );
    if (n >= 500 && !atTarget) atTarget = { consumers: n, cpu };
  }
  if (atTarget) {
    console.log(`target: ${atTarget.consumers} consumers at ${(atTarget.cpu * 100).toFixed(1)} % of one core; budget 85 % → ratio ${(atTarget.cpu / 0.85).toFixed(2)} (≤ 1.00 meets the target)`);
  }
  clearInterval(pump);
  sender.close();
  for (const s of sinks) s.close();
  worker.close();
}

await main();
