/**
 * One call's media: who takes part, and which of their media endpoints'
 * producers the others consume. The room enforces that a participant only
 * consumes producers of this call; when the two endpoints live on different
 * workers' routers it pipes the producer across first (mediasoup's
 * pipeToRouter), once per producer and router.
 *
 * The endpoints belong to their sessions and outlive the call (they exist
 * before it, so media starts on connected transports). When the call ends,
 * `close()` closes what the call made on them — producers and consumers —
 * and leaves the transports to their owners.
 *
 * The room does not know about sockets: it reports what other participants
 * must hear through `notify`, which the call service routes to their sessions.
 */
import type { types as ms } from 'mediasoup';
import type { MediaKind, NotificationData, Notifications, ParticipantInfo, ParticipantRole, ProducerInfo } from '@citizen/protocol';
import { SignalFailure } from './errors';
import { media, type MediaEndpoint } from './MediaEndpoint';

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
  endpoint: MediaEndpoint | null;
}

export type Notify = <K extends keyof Notifications>(participantId: string, method: K, data: NotificationData<K>) => void;

export class CallRoom {
  readonly #participants = new Map<string, Participant>();
  /** Producers piped to another router: `${producerId}>${routerId}` → the pipe being made. */
  readonly #pipes = new Map<string, Promise<void>>();
  #closed = false;
  /** Set while media is torn down wholesale (call end): no per-producer announcements then. */
  #quiet = false;

  constructor(
    readonly callId: string,
    private readonly notify: Notify,
    /** Set-up stages as they happen (`producer.agent.camera`, `consumer.resident.video`, …). */
    private readonly mark: (stage: string) => void = () => {},
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  participants(): ParticipantInfo[] {
    return [...this.#participants.values()].map((p) => p.info);
  }

  producers(): ProducerInfo[] {
    return [...this.#participants.values()].flatMap((p) => p.endpoint?.producerInfos() ?? []);
  }

  has(participantId: string): boolean {
    return this.#participants.has(participantId);
  }

  roleOf(participantId: string): ParticipantRole | undefined {
    return this.#participants.get(participantId)?.info.role;
  }

  addParticipant(participantId: string, role: ParticipantRole, displayName: string, endpoint: MediaEndpoint | null): void {
    this.#assertOpen();
    if (this.#participants.has(participantId)) return;
    const info = { participantId, role, displayName };
    this.#participants.set(participantId, { info, endpoint });
    this.#broadcast(participantId, 'participantJoined', { callId: this.callId, participant: info });
  }

  /** The participant opened its media endpoint after joining. */
  attachEndpoint(participantId: string, endpoint: MediaEndpoint): void {
    const p = this.#participants.get(participantId);
    if (p) p.endpoint = endpoint;
  }

  /** Closes what the participant produced and consumed in this call; its endpoint stays. Idempotent. */
  removeParticipant(participantId: string): void {
    const p = this.#participants.get(participantId);
    if (!p) return;
    p.endpoint?.closeMedia();
    this.#participants.delete(participantId);
    this.#broadcast(participantId, 'participantLeft', { callId: this.callId, participantId });
  }

  async produce(participantId: string, transportId: string, kind: MediaKind, source: Source, rtpParameters: ms.RtpParameters, paused: boolean): Promise<string> {
    const endpoint = this.#endpoint(participantId);
    const producer = await endpoint.produce(transportId, kind, source, rtpParameters, paused);
    if (this.#closed || !this.#participants.has(participantId)) {
      producer.close();
      throw new SignalFailure('WRONG_STATE', 'the call ended while producing');
    }
    producer.observer.once('close', () => {
      for (const key of [...this.#pipes.keys()]) if (key.startsWith(`${producer.id}>`)) this.#pipes.delete(key);
      if (!this.#closed && !this.#quiet) this.#broadcast(participantId, 'producerClosed', { callId: this.callId, producerId: producer.id });
    });
    this.#mark(participantId, 'producer', source);
    this.#broadcast(participantId, 'producerAdded', {
      callId: this.callId,
      producer: { producerId: producer.id, participantId, kind, source, paused: producer.paused },
    });
    return producer.id;
  }

  /** Pauses or resumes a participant's producer and tells the others. */
  async setProducerPaused(participantId: string, producerId: string, paused: boolean): Promise<void> {
    const producer = this.#endpoint(participantId).ownProducer(producerId);
    await media(() => (paused ? producer.pause() : producer.resume()));
    this.#broadcast(participantId, paused ? 'producerPaused' : 'producerResumed', { callId: this.callId, producerId });
  }

  async consume(participantId: string, transportId: string, producerId: string, rtpCapabilities: ms.RtpCapabilities) {
    const mine = this.#endpoint(participantId);
    let owner: Participant | undefined;
    for (const p of this.#participants.values()) if (p.endpoint?.producer(producerId)) owner = p;
    if (!owner?.endpoint) throw new SignalFailure('NOT_FOUND', 'no such producer in this call');
    if (owner.info.participantId === participantId) throw new SignalFailure('WRONG_STATE', 'cannot consume your own producer');
    if (owner.endpoint.router !== mine.router) await this.#pipe(producerId, owner.endpoint.router, mine.router);
    const result = await mine.consume(transportId, producerId, rtpCapabilities);
    this.#mark(participantId, 'consumer', result.kind);
    return result;
  }

  async resumeConsumer(participantId: string, consumerId: string): Promise<void> {
    const kind = await this.#endpoint(participantId).resumeConsumer(consumerId);
    this.#mark(participantId, 'resumed', kind);
  }

  /** Makes `producerId` available on `to` (the pipe closes with the producer). */
  #pipe(producerId: string, from: ms.Router, to: ms.Router): Promise<void> {
    const key = `${producerId}>${to.id}`;
    let pipe = this.#pipes.get(key);
    if (!pipe) {
      pipe = media(async () => {
        await from.pipeToRouter({ producerId, router: to });
      });
      pipe.catch(() => this.#pipes.delete(key));
      this.#pipes.set(key, pipe);
    }
    return pipe;
  }

  /** Ends the call's media: every participant's producers and consumers close; endpoints stay with their owners. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#quiet = true;
    try {
      for (const p of this.#participants.values()) p.endpoint?.closeMedia();
    } finally {
      this.#quiet = false;
    }
    this.#closed = true;
    this.#participants.clear();
    this.#pipes.clear();
  }

  #mark(participantId: string, what: string, detail: string): void {
    this.mark(`${what}.${this.roleOf(participantId) ?? 'unknown'}.${detail}`);
  }

  #broadcast<K extends keyof Notifications>(from: string, method: K, data: NotificationData<K>): void {
    for (const id of this.#participants.keys()) if (id !== from) this.notify(id, method, data);
  }

  #assertOpen(): void {
    if (this.#closed) throw new SignalFailure('WRONG_STATE', 'the call has ended');
  }

  #endpoint(participantId: string): MediaEndpoint {
    this.#assertOpen();
    const p = this.#participants.get(participantId);
    if (!p) throw new SignalFailure('NOT_IN_CALL', 'not a participant of this call');
    if (!p.endpoint || p.endpoint.closed) throw new SignalFailure('WRONG_STATE', 'open media first (openMedia)');
    return p.endpoint;
  }
}
