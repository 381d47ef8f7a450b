/**
 * One session's media on the SFU: its transports on a shared router, and the
 * producers, consumers and warm-up data channels on them. An endpoint exists
 * before a call (a waiting resident's kiosk, an available agent), so the
 * transports are connected when the call starts; it owns every mediasoup
 * object it creates and closes them all on `close()`.
 *
 * Rules enforced here, whoever asks: at most `maxTransports` transports and
 * `maxConsumers` consumers, one warm-up channel each way, one producer per
 * source, produce only on a send transport and consume only on a receive one.
 * What an endpoint may consume (only producers of its own call) is the
 * CallRoom's rule.
 */
import type { types as ms } from 'mediasoup';
import type { MediaKind, ProducerInfo, TransportParams } from '@citizen/protocol';
import type { RouterSlot } from '../sfu/SharedRouters';
import { SignalFailure } from './errors';

export interface EndpointOptions {
  listenIps: { ip: string; announcedIp?: string }[];
  initialAvailableOutgoingBitrate: number;
  maxIncomingBitrate: number;
  maxTransports: number;
  maxConsumers: number;
}

type Source = ProducerInfo['source'];
type Direction = 'send' | 'recv';

export class MediaEndpoint {
  #slot: RouterSlot;
  readonly #transports = new Map<string, ms.WebRtcTransport>();
  #pendingTransports = 0;
  readonly #producers = new Map<string, { producer: ms.Producer; source: Source }>();
  readonly #consumers = new Map<string, ms.Consumer>();
  #dataProducer: ms.DataProducer | null = null;
  #dataConsumer: ms.DataConsumer | null = null;
  #closed = false;

  constructor(
    /** The owning session's id (also its participant id in calls). */
    readonly ownerId: string,
    slot: RouterSlot,
    private readonly opts: EndpointOptions,
  ) {
    this.#slot = slot;
    slot.endpoints++;
  }

  get router(): ms.Router {
    return this.#slot.router;
  }
  get workerIndex(): number {
    return this.#slot.workerIndex;
  }
  get closed(): boolean {
    return this.#closed;
  }

  async createTransport(direction: Direction, sctp: boolean): Promise<TransportParams> {
    this.#assertOpen();
    if (this.#transports.size + this.#pendingTransports >= this.opts.maxTransports) {
      throw new SignalFailure('LIMIT_REACHED', `at most ${this.opts.maxTransports} transports per participant; close one first`);
    }
    this.#pendingTransports++;
    const router = this.router;
    let transport: ms.WebRtcTransport;
    try {
      transport = await media(() =>
        router.createWebRtcTransport({
          listenIps: this.opts.listenIps,
          enableUdp: true,
          enableTcp: true,
          preferUdp: true,
          initialAvailableOutgoingBitrate: this.opts.initialAvailableOutgoingBitrate,
          ...(sctp ? { enableSctp: true } : {}),
          appData: { owner: this.ownerId, direction },
        }),
      );
    } finally {
      this.#pendingTransports--;
    }
    if (this.#closed || router !== this.router) {
      transport.close();
      throw new SignalFailure('WRONG_STATE', 'the media endpoint closed or moved while the transport was being created');
    }
    this.#transports.set(transport.id, transport);
    transport.observer.on('close', () => this.#transports.delete(transport.id));
    if (direction === 'send') {
      try {
        await transport.setMaxIncomingBitrate(this.opts.maxIncomingBitrate);
      } catch (err) {
        // An uncapped sending transport is not handed out.
        transport.close();
        throw new SignalFailure('MEDIA_FAILED', `could not cap the transport's incoming bitrate: ${(err as Error).message}`);
      }
    }
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates.map((c) => ({ ...c, address: c.ip })),
      dtlsParameters: transport.dtlsParameters as TransportParams['dtlsParameters'],
      ...(transport.sctpParameters ? { sctpParameters: transport.sctpParameters } : {}),
    };
  }

  async connectTransport(transportId: string, dtlsParameters: ms.DtlsParameters): Promise<Direction> {
    const t = this.#transport(transportId);
    await media(() => t.connect({ dtlsParameters }));
    return directionOf(t);
  }

  async restartIce(transportId: string): Promise<ms.IceParameters> {
    return media(() => this.#transport(transportId).restartIce());
  }

  async transportStats(transportId: string) {
    const [s] = (await media(() => this.#transport(transportId).getStats())) as ms.WebRtcTransportStat[];
    return {
      transportId,
      bytesSent: s?.bytesSent ?? 0,
      bytesReceived: s?.bytesReceived ?? 0,
      sendBitrate: s?.sendBitrate ?? 0,
      recvBitrate: s?.recvBitrate ?? 0,
      iceState: s?.iceState ?? 'unknown',
      dtlsState: s?.dtlsState ?? 'unknown',
    };
  }

  /** The warm-up channel of a send transport (the client's data channel). */
  async produceData(transportId: string, sctpStreamParameters: ms.SctpStreamParameters, label: string, protocol: string): Promise<string> {
    const t = this.#transport(transportId, 'send');
    if (this.#dataProducer && !this.#dataProducer.closed) throw new SignalFailure('LIMIT_REACHED', 'one warm-up channel per endpoint');
    const dp = await media(() => t.produceData({ sctpStreamParameters, label, protocol }));
    this.#dataProducer = dp;
    return dp.id;
  }

  /** The router's beacon on a receive transport, which connects it before any media. */
  async consumeData(transportId: string) {
    const t = this.#transport(transportId, 'recv');
    if (this.#dataConsumer && !this.#dataConsumer.closed) throw new SignalFailure('LIMIT_REACHED', 'one warm-up channel per endpoint');
    const dc = await media(() => t.consumeData({ dataProducerId: this.#slot.beacon.id }));
    this.#dataConsumer = dc;
    return {
      dataConsumerId: dc.id,
      dataProducerId: dc.dataProducerId,
      sctpStreamParameters: dc.sctpStreamParameters ?? { streamId: 0 },
      label: dc.label,
      protocol: dc.protocol,
    };
  }

  async produce(transportId: string, kind: MediaKind, source: Source, rtpParameters: ms.RtpParameters, paused: boolean): Promise<ms.Producer> {
    const t = this.#transport(transportId, 'send');
    for (const existing of this.#producers.values()) {
      if (existing.source === source) throw new SignalFailure('WRONG_STATE', `already producing ${source}`);
    }
    const producer = await media(() => t.produce({ kind, rtpParameters, paused, appData: { owner: this.ownerId, source } }));
    this.#producers.set(producer.id, { producer, source });
    producer.observer.once('close', () => this.#producers.delete(producer.id));
    return producer;
  }

  producer(producerId: string): ms.Producer | undefined {
    return this.#producers.get(producerId)?.producer;
  }

  producerInfos(): ProducerInfo[] {
    return [...this.#producers.values()].map(({ producer, source }) => ({ producerId: producer.id, participantId: this.ownerId, kind: producer.kind as MediaKind, source, paused: producer.paused }));
  }

  ownProducer(producerId: string): ms.Producer {
    const p = this.producer(producerId);
    if (!p) throw new SignalFailure('NOT_FOUND', 'no such producer');
    return p;
  }

  /** Consumes `producerId`, which must live on this endpoint's router (the room pipes it here first). */
  async consume(transportId: string, producerId: string, rtpCapabilities: ms.RtpCapabilities) {
    const t = this.#transport(transportId, 'recv');
    if (!this.router.canConsume({ producerId, rtpCapabilities })) throw new SignalFailure('MEDIA_FAILED', 'client cannot decode this producer');
    // A client consumes a producer again only when it never got the answer to
    // the first consume (its socket dropped): that consumer is orphaned, replace it.
    for (const c of [...this.#consumers.values()]) if (c.producerId === producerId) c.close();
    if (this.#consumers.size >= this.opts.maxConsumers) throw new SignalFailure('LIMIT_REACHED', `at most ${this.opts.maxConsumers} consumers per participant`);
    // Paused until the client has wired it up (resumeConsumer), so its first packets include a key frame.
    const consumer = await media(() => t.consume({ producerId, rtpCapabilities, paused: true }));
    this.#consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => this.#consumers.delete(consumer.id));
    consumer.on('producerclose', () => consumer.close());
    return {
      consumerId: consumer.id,
      producerId,
      kind: consumer.kind as MediaKind,
      rtpParameters: consumer.rtpParameters,
      producerPaused: consumer.producerPaused,
    };
  }

  /** Resumes a consumer and asks its producer for a key frame at once, so the first frame can be decoded. */
  async resumeConsumer(consumerId: string): Promise<ms.MediaKind> {
    const consumer = this.#consumers.get(consumerId);
    if (!consumer) throw new SignalFailure('NOT_FOUND', 'no such consumer');
    await media(() => consumer.resume());
    if (consumer.kind === 'video') await media(() => consumer.requestKeyFrame());
    return consumer.kind;
  }

  /** A call ended: its producers and consumers go; the transports stay connected for the next one. */
  closeMedia(): void {
    for (const { producer } of [...this.#producers.values()]) producer.close();
    for (const c of [...this.#consumers.values()]) c.close();
  }

  /** The worker died: everything on it is gone. Adopt the new router; the client makes its transports again. */
  rehome(slot: RouterSlot): void {
    this.#assertOpen();
    this.#dropAll();
    this.#slot.endpoints--;
    this.#slot = slot;
    slot.endpoints++;
  }

  counts(): { transports: number; producers: number; consumers: number } {
    return { transports: this.#transports.size, producers: this.#producers.size, consumers: this.#consumers.size };
  }

  /** Closes every transport (and with them everything on them). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dropAll();
    this.#slot.endpoints--;
  }

  #dropAll(): void {
    for (const t of [...this.#transports.values()]) if (!t.closed) t.close();
    this.#transports.clear();
    this.#producers.clear();
    this.#consumers.clear();
    this.#dataProducer = null;
    this.#dataConsumer = null;
  }

  #assertOpen(): void {
    if (this.#closed) throw new SignalFailure('WRONG_STATE', 'the media endpoint is closed');
  }

  #transport(transportId: string, direction?: Direction): ms.WebRtcTransport {
    this.#assertOpen();
    const t = this.#transports.get(transportId);
    if (!t) throw new SignalFailure('NOT_FOUND', 'no such transport');
    if (direction && directionOf(t) !== direction) throw new SignalFailure('WRONG_STATE', `this needs a ${direction} transport`);
    return t;
  }
}

const directionOf = (t: ms.WebRtcTransport): Direction => (t.appData as { direction: Direction }).direction;

/** mediasoup rejects with plain Errors (bad parameters, closed objects): give them our code. */
export async function media<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SignalFailure) throw err;
    throw new SignalFailure('MEDIA_FAILED', (err as Error).message);
  }
}
