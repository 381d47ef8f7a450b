/**
 * One call's media: a mediasoup router and, per participant, its transports,
 * producers and consumers. The room owns every mediasoup object it creates;
 * `removeParticipant` and `close` release them, so when a call ends the
 * SFU's object counts go back to where they were.
 *
 * The room does not know about sockets: it reports what other participants
 * must hear through `notify`, which the call service routes to their sessions.
 */
import type { types as ms } from 'mediasoup';
import type { MediaKind, NotificationData, Notifications, ParticipantInfo, ParticipantRole, ProducerInfo, TransportParams } from '@citizen/protocol';
import { SignalFailure } from './errors';

export interface RoomMediaOptions {
  listenIps: { ip: string; announcedIp?: string }[];
  initialAvailableOutgoingBitrate: number;
  maxIncomingBitrate: number;
  maxVideoBitrate: number;
  /**
   * Per-participant caps. A client needs two transports (four while it
   * rebuilds) and one consumer per remote producer; anything beyond is a
   * runaway or hostile client using up the RTC port range or the worker.
   */
  maxTransportsPerParticipant: number;
  maxConsumersPerParticipant: number;
}

export const MEDIA_CODECS: ms.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000, parameters: { 'x-google-start-bitrate': 600 } },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1, 'x-google-start-bitrate': 600 },
  },
];

type Source = ProducerInfo['source'];

interface Participant {
  info: ParticipantInfo;
  transports: Map<string, ms.WebRtcTransport>;
  /** Transports being created (counted against the cap while in flight). */
  pendingTransports: number;
  producers: Map<string, { producer: ms.Producer; source: Source }>;
  consumers: Map<string, ms.Consumer>;
}

export type Notify = <K extends keyof Notifications>(participantId: string, method: K, data: NotificationData<K>) => void;

export class CallRoom {
  #router: ms.Router;
  readonly #participants = new Map<string, Participant>();
  #closed = false;
  /** Set while media is torn down wholesale (call end, router migration): no per-producer announcements then. */
  #quiet = false;

  constructor(
    readonly callId: string,
    router: ms.Router,
    private readonly media: RoomMediaOptions,
    private readonly notify: Notify,
  ) {
    this.#router = router;
  }

  get router(): ms.Router {
    return this.#router;
  }
  get closed(): boolean {
    return this.#closed;
  }
  get rtpCapabilities(): ms.RtpCapabilities {
    return this.#router.rtpCapabilities;
  }

  participants(): ParticipantInfo[] {
    return [...this.#participants.values()].map((p) => p.info);
  }

  producers(): ProducerInfo[] {
    const out: ProducerInfo[] = [];
    for (const p of this.#participants.values()) {
      for (const [id, { producer, source }] of p.producers) {
        out.push({ producerId: id, participantId: p.info.participantId, kind: producer.kind as MediaKind, source, paused: producer.paused });
      }
    }
    return out;
  }

  has(participantId: string): boolean {
    return this.#participants.has(participantId);
  }

  addParticipant(participantId: string, role: ParticipantRole, displayName: string): void {
    this.#assertOpen();
    if (this.#participants.has(participantId)) return;
    const info = { participantId, role, displayName };
    this.#participants.set(participantId, { info, transports: new Map(), pendingTransports: 0, producers: new Map(), consumers: new Map() });
    this.#broadcast(participantId, 'participantJoined', { callId: this.callId, participant: info });
  }

  /** Closes the participant's transports (and with them its producers and consumers). Idempotent. */
  removeParticipant(participantId: string): void {
    const p = this.#participants.get(participantId);
    if (!p) return;
    this.#dropMedia(p, true);
    this.#participants.delete(participantId);
    this.#broadcast(participantId, 'participantLeft', { callId: this.callId, participantId });
  }

  async createTransport(participantId: string, direction: 'send' | 'recv'): Promise<TransportParams> {
    const p = this.#participant(participantId);
    if (p.transports.size + p.pendingTransports >= this.media.maxTransportsPerParticipant) {
      throw new SignalFailure('LIMIT_REACHED', `at most ${this.media.maxTransportsPerParticipant} transports per participant; close one first`);
    }
    p.pendingTransports++;
    try {
      return await this.#createTransport(p, participantId, direction);
    } finally {
      p.pendingTransports--;
    }
  }

  async #createTransport(p: Participant, participantId: string, direction: 'send' | 'recv'): Promise<TransportParams> {
    const transport = await this.#router.createWebRtcTransport({
      listenIps: this.media.listenIps,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: this.media.initialAvailableOutgoingBitrate,
      appData: { participantId, direction },
    });
    if (!this.#participants.has(participantId) || this.#closed) {
      transport.close();
      throw new SignalFailure('WRONG_STATE', 'participant left while the transport was being created');
    }
    p.transports.set(transport.id, transport);
    transport.observer.on('close', () => p.transports.delete(transport.id));
    if (direction === 'send') {
      try {
        await transport.setMaxIncomingBitrate(this.media.maxIncomingBitrate);
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
    };
  }

  async connectTransport(participantId: string, transportId: string, dtlsParameters: ms.DtlsParameters): Promise<void> {
    await media(() => this.#transport(participantId, transportId).connect({ dtlsParameters }));
  }

  async restartIce(participantId: string, transportId: string): Promise<ms.IceParameters> {
    return media(() => this.#transport(participantId, transportId).restartIce());
  }

  async transportStats(participantId: string, transportId: string) {
    const [s] = (await media(() => this.#transport(participantId, transportId).getStats())) as ms.WebRtcTransportStat[];
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

  async produce(participantId: string, transportId: string, kind: MediaKind, source: Source, rtpParameters: ms.RtpParameters, paused = false): Promise<string> {
    const p = this.#participant(participantId);
    const transport = this.#transport(participantId, transportId);
    if ((transport.appData as { direction: string }).direction !== 'send') throw new SignalFailure('WRONG_STATE', 'produce needs a send transport');
    for (const existing of p.producers.values()) {
      if (existing.source === source) throw new SignalFailure('WRONG_STATE', `already producing ${source}`);
    }
    const producer = await media(() => transport.produce({ kind, rtpParameters, paused, appData: { participantId, source } }));
    p.producers.set(producer.id, { producer, source });
    producer.observer.on('close', () => {
      p.producers.delete(producer.id);
      if (!this.#closed && !this.#quiet) this.#broadcast(participantId, 'producerClosed', { callId: this.callId, producerId: producer.id });
    });
    this.#broadcast(participantId, 'producerAdded', {
      callId: this.callId,
      producer: { producerId: producer.id, participantId, kind, source, paused: producer.paused },
    });
    return producer.id;
  }

  closeProducer(participantId: string, producerId: string): void {
    this.#producer(participantId, producerId).close();
  }

  async setProducerPaused(participantId: string, producerId: string, paused: boolean): Promise<void> {
    const producer = this.#producer(participantId, producerId);
    await media(() => (paused ? producer.pause() : producer.resume()));
    this.#broadcast(participantId, paused ? 'producerPaused' : 'producerResumed', { callId: this.callId, producerId });
  }

  /**
   * Consumers are created paused: the client resumes them once its side is
   * wired (resumeConsumer), so no RTP arrives before it can be decoded and the
   * first packets it gets include a key frame request.
   */
  async consume(participantId: string, transportId: string, producerId: string, rtpCapabilities: ms.RtpCapabilities) {
    const p = this.#participant(participantId);
    const transport = this.#transport(participantId, transportId);
    if ((transport.appData as { direction: string }).direction !== 'recv') throw new SignalFailure('WRONG_STATE', 'consume needs a recv transport');
    const owner = [...this.#participants.values()].find((o) => o.producers.has(producerId));
    if (!owner) throw new SignalFailure('NOT_FOUND', 'no such producer in this call');
    if (owner === p) throw new SignalFailure('WRONG_STATE', 'cannot consume your own producer');
    if (!this.#router.canConsume({ producerId, rtpCapabilities })) throw new SignalFailure('MEDIA_FAILED', 'client cannot decode this producer');
    // A client consumes a producer again only when it never got the answer to
    // the first consume (its socket dropped): that consumer is orphaned, replace it.
    for (const c of [...p.consumers.values()]) if (c.producerId === producerId) c.close();
    if (p.consumers.size >= this.media.maxConsumersPerParticipant) {
      throw new SignalFailure('LIMIT_REACHED', `at most ${this.media.maxConsumersPerParticipant} consumers per participant`);
    }
    const consumer = await media(() => transport.consume({ producerId, rtpCapabilities, paused: true }));
    p.consumers.set(consumer.id, consumer);
    consumer.observer.on('close', () => p.consumers.delete(consumer.id));
    consumer.on('producerclose', () => consumer.close());
    return {
      consumerId: consumer.id,
      producerId,
      kind: consumer.kind as MediaKind,
      rtpParameters: consumer.rtpParameters,
      producerPaused: consumer.producerPaused,
    };
  }

  async resumeConsumer(participantId: string, consumerId: string): Promise<void> {
    const consumer = this.#participant(participantId).consumers.get(consumerId);
    if (!consumer) throw new SignalFailure('NOT_FOUND', 'no such consumer');
    await media(() => consumer.resume());
  }

  /**
   * The router's worker died: every media object of the call is gone with it.
   * Adopt the new router and tell every participant to build its transports
   * again; the call itself (participants, state) is untouched.
   */
  migrate(router: ms.Router): void {
    this.#assertOpen();
    for (const p of this.#participants.values()) this.#dropMedia(p, false);
    const old = this.#router;
    this.#router = router;
    if (!old.closed) old.close();
    for (const id of this.#participants.keys()) {
      this.notify(id, 'mediaReset', { callId: this.callId, routerRtpCapabilities: router.rtpCapabilities as never });
    }
  }

  /** Closes the router and so every transport, producer and consumer. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const p of this.#participants.values()) this.#dropMedia(p, false);
    this.#participants.clear();
    if (!this.#router.closed) this.#router.close();
  }

  counts(): { transports: number; producers: number; consumers: number } {
    let transports = 0;
    let producers = 0;
    let consumers = 0;
    for (const p of this.#participants.values()) {
      transports += p.transports.size;
      producers += p.producers.size;
      consumers += p.consumers.size;
    }
    return { transports, producers, consumers };
  }

  #dropMedia(p: Participant, announce: boolean): void {
    this.#quiet = !announce;
    try {
      for (const t of [...p.transports.values()]) t.close();
    } finally {
      this.#quiet = false;
    }
    p.transports.clear();
    p.producers.clear();
    p.consumers.clear();
  }

  #broadcast<K extends keyof Notifications>(from: string, method: K, data: NotificationData<K>): void {
    for (const id of this.#participants.keys()) if (id !== from) this.notify(id, method, data);
  }

  #assertOpen(): void {
    if (this.#closed) throw new SignalFailure('WRONG_STATE', 'the call has ended');
  }

  #participant(id: string): Participant {
    this.#assertOpen();
    const p = this.#participants.get(id);
    if (!p) throw new SignalFailure('NOT_IN_CALL', 'not a participant of this call');
    return p;
  }

  #transport(participantId: string, transportId: string): ms.WebRtcTransport {
    const t = this.#participant(participantId).transports.get(transportId);
    if (!t) throw new SignalFailure('NOT_FOUND', 'no such transport');
    return t;
  }

  #producer(participantId: string, producerId: string): ms.Producer {
    const entry = this.#participant(participantId).producers.get(producerId);
    if (!entry) throw new SignalFailure('NOT_FOUND', 'no such producer');
    return entry.producer;
  }
}

/** mediasoup rejects with plain Errors (bad parameters, closed objects): give them our code. */
async function media<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof SignalFailure) throw err;
    throw new SignalFailure('MEDIA_FAILED', (err as Error).message);
  }
}
