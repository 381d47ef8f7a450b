/**
 * Media between two nodes' routers over a NodePipe, with real mediasoup
 * workers (two pools: two worker processes, as two nodes have) and the set-up
 * messages carried over a real Redis (RedisNodeBus, schema-checked where they
 * enter): RTP sent to a producer on node A arrives at a consumer on node B,
 * encrypted on the way; pause, resume and close at the source reach B; a
 * link whose ends hold different keys carries nothing; bad messages are
 * refused by their schemas.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { types as ms } from 'mediasoup';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { MEDIA_CODECS } from '../calls/CallRoom';
import { RedisNodeBus } from '../cluster/NodeBus';
import { startTestRedis, type TestRedis } from '../cluster/testing/redis';
import { WorkerPool } from './WorkerPool';
import { NodePipe, NodePipeError, PipeEndpoint, PipedProducer, PipedProducerEvent } from './NodePipe';

let redis: TestRedis;
const pools: WorkerPool[] = [];
const buses: RedisNodeBus[] = [];
let routerA: ms.Router;
let routerB: ms.Router;

beforeAll(async () => {
  redis = await startTestRedis();
  for (const port of [41500, 41600]) pools.push(await WorkerPool.create({ numWorkers: 1, rtcMinPort: port, rtcMaxPort: port + 99, logLevel: 'warn' }));
  routerA = await pools[0]!.workers()[0]!.worker.createRouter({ mediaCodecs: MEDIA_CODECS });
  routerB = await pools[1]!.workers()[0]!.worker.createRouter({ mediaCodecs: MEDIA_CODECS });
  for (let i = 0; i < 2; i++) buses.push(new RedisNodeBus({ url: redis.url, prefix: 'pipe-test:' }));
});
afterAll(async () => {
  for (const b of buses) await b.close();
  for (const p of pools) await p.close();
  await redis?.stop();
});

const OPUS: ms.RtpParameters = {
  codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: {} }],
  encodings: [{ ssrc: 1111 }],
};

/** An RTP packet: version 2, payload type 111, the given sequence number, SSRC 1111, and a payload. */
function rtp(seq: number): Buffer {
  const b = Buffer.alloc(12 + 40);
  b[0] = 0x80;
  b[1] = 111;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(seq * 960, 4);
  b.writeUInt32BE(1111, 8);
  b.fill(seq & 0xff, 12);
  return b;
}

/** A producer on A fed by hand, and a consumer on B counting what arrives. */
async function sourceAndSink(): Promise<{ producer: ms.Producer; arrived: () => number; sinkOf: (p: ms.Producer) => Promise<void> }> {
  const inA = await routerA.createDirectTransport();
  const producer = await inA.produce({ kind: 'audio', rtpParameters: OPUS });
  let count = 0;
  return {
    producer,
    arrived: () => count,
    sinkOf: async (p) => {
      const outB = await routerB.createDirectTransport();
      const consumer = await outB.consume({ producerId: p.id, rtpCapabilities: routerB.rtpCapabilities });
      consumer.on('rtp', () => count++);
    },
  };
}

/** Both ends of a link, set up through the bus as two nodes would. */
async function link(tamperKey = false): Promise<{ a: NodePipe; b: NodePipe }> {
  const a = await NodePipe.open(routerA, { listenIp: '127.0.0.1' });
  const b = await NodePipe.open(routerB, { listenIp: '127.0.0.1' });
  const [busA, busB] = buses as [RedisNodeBus, RedisNodeBus];
  const atB = new Promise<PipeEndpoint>((resolve) => void busB.subscribe('pipe:to-b', PipeEndpoint, resolve));
  const atA = new Promise<PipeEndpoint>((resolve) => void busA.subscribe('pipe:to-a', PipeEndpoint, resolve));
  await new Promise((r) => setTimeout(r, 50));
  await busA.publish('pipe:to-b', a.endpoint);
  await busB.publish('pipe:to-a', b.endpoint);
  const fromA = await atB;
  const fromB = await atA;
  if (tamperKey) fromA.srtpParameters.keyBase64 = Buffer.alloc(Buffer.from(fromA.srtpParameters.keyBase64, 'base64').length, 7).toString('base64');
  await b.connect(fromA);
  await a.connect(fromB);
  return { a, b };
}

const pump = async (producer: ms.Producer, from: number, n: number): Promise<void> => {
  for (let i = 0; i < n; i++) {
    producer.send(rtp(from + i));
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('NodePipe (two nodes’ workers, messages over Redis)', () => {
  it('carries a producer from one node’s router to the other’s, and its pause, resume and close', async () => {
    const { a, b } = await link();
    const { producer, arrived, sinkOf } = await sourceAndSink();
    const events: PipedProducerEvent[] = [];
    const piped = await a.send(producer.id, { source: 'microphone' }, (e) => events.push(e));
    // What crosses the bus is checked against its schema.
    expect(TypeCompiler.Compile(PipedProducer).Check(JSON.parse(JSON.stringify(piped)))).toBe(true);
    const standIn = await b.receive(piped);
    expect(standIn.id).toBe(producer.id);
    expect(standIn.appData).toMatchObject({ source: 'microphone', piped: true });
    await sinkOf(standIn);
    await pump(producer, 1, 50);
    await expect.poll(arrived, { timeout: 5000 }).toBeGreaterThanOrEqual(45);

    await producer.pause();
    await expect.poll(() => events.map((e) => e.event)).toEqual(['pause']);
    await b.apply(events[0]!);
    expect(standIn.paused).toBe(true);
    await producer.resume();
    await expect.poll(() => events.length).toBe(2);
    await b.apply(events[1]!);
    expect(standIn.paused).toBe(false);

    producer.close();
    await expect.poll(() => events.at(-1)?.event).toBe('close');
    await b.apply(events.at(-1)!);
    expect(standIn.closed).toBe(true);
    a.close();
    a.close();
    b.close();
    expect(a.closed && b.closed).toBe(true);
  });

  it('carries nothing when the ends hold different keys (SRTP between nodes)', async () => {
    const { a, b } = await link(true);
    const { producer, arrived, sinkOf } = await sourceAndSink();
    await sinkOf(await b.receive(await a.send(producer.id, {}, () => {})));
    await pump(producer, 1, 50);
    await new Promise((r) => setTimeout(r, 300));
    expect(arrived()).toBe(0);
    // The same source over a link with matching keys: it arrives (the test above could not pass by accident).
    const good = await link();
    const again = await sourceAndSink();
    await again.sinkOf(await good.b.receive(await good.a.send(again.producer.id, {}, () => {})));
    await pump(again.producer, 1, 20);
    await expect.poll(again.arrived, { timeout: 5000 }).toBeGreaterThan(0);
    for (const p of [a, b, good.a, good.b]) p.close();
  });

  it('refuses work before it is connected or after it closed, and unknown producers, with codes', async () => {
    const a = await NodePipe.open(routerA, { listenIp: '127.0.0.1' });
    await expect(a.send('nope', {}, () => {})).rejects.toMatchObject({ code: 'PIPE_NOT_CONNECTED' });
    const b = await NodePipe.open(routerB, { listenIp: '127.0.0.1' });
    await a.connect(b.endpoint);
    await expect(a.send('00000000-0000-0000-0000-000000000000', {}, () => {})).rejects.toBeInstanceOf(NodePipeError);
    await expect(a.send('00000000-0000-0000-0000-000000000000', {}, () => {})).rejects.toMatchObject({ code: 'PRODUCER_UNKNOWN' });
    a.close();
    await expect(a.connect(b.endpoint)).rejects.toMatchObject({ code: 'PIPE_CLOSED' });
    b.close();
  });

  it('drops bad set-up messages at the bus by their schemas', async () => {
    const problems: string[] = [];
    const bus = new RedisNodeBus({ url: redis.url, prefix: 'pipe-test:', onInvalid: (_c, p) => problems.push(p) });
    const got: unknown[] = [];
    await bus.subscribe('pipe:bad', PipeEndpoint, (m) => got.push(m));
    await buses[0]!.publish('pipe:bad', { ip: '127.0.0.1', port: 70000, srtpParameters: { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyBase64: 'x' } });
    await buses[0]!.publish('pipe:bad', { ip: '127.0.0.1', port: 4000, srtpParameters: { cryptoSuite: 'NULL', keyBase64: 'x' } });
    await expect.poll(() => problems.length).toBe(2);
    expect(got).toEqual([]);
    await bus.close();
  });
});
