/**
 * Media between two booth-server nodes (issue #12): a producer on this
 * node's router, consumed by participants whose media lives on another
 * node's router. mediasoup's `pipeToRouter` does this between routers of one
 * process; between processes on different hosts it is the same PipeTransport
 * pair, set up through messages instead of a function call:
 *
 *   node A (has the producer)               node B (wants it)
 *   open() → endpoint ────────────────────▶ open() → endpoint
 *   connect(B's endpoint) ◀──────────────── connect(A's endpoint)
 *   send(producerId) → PipedProducer ─────▶ receive(piped) → a producer on B
 *   pause / resume / close ───────────────▶ applied to B's producer
 *
 * The pair is encrypted (SRTP, AES_CM_128_HMAC_SHA1_80: mediasoup 3.8.4's pipe
 * transports know no other suite but the weaker _32; keys exchanged in the
 * messages: the bus between nodes must be private to the site), carries RTX
 * so NACKs are repaired across it, and one link serves every producer piped
 * between the two routers. The messages have schemas (below), checked where
 * they enter (NodeBus), and say nothing of the call: the caller carries
 * them and decides what is piped.
 *
 * Why pipe rather than redirect (README "Scale-out"): kiosks and consoles
 * keep one socket and one pair of transports on whichever node they reached,
 * and only the call's media crosses between nodes, inside the site's network.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { types as ms } from 'mediasoup';

const Id = Type.String({ minLength: 1, maxLength: 64 });

/** Where this node's end of a link listens, and its SRTP key. */
export const PipeEndpoint = Type.Object(
  {
    ip: Type.String({ minLength: 1, maxLength: 64 }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    srtpParameters: Type.Object(
      // What mediasoup 3.8.4's pipe transports use (its only suites are these two; only _80 is used here).
      { cryptoSuite: Type.Literal('AES_CM_128_HMAC_SHA1_80'), keyBase64: Type.String({ minLength: 1, maxLength: 128 }) },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type PipeEndpoint = Static<typeof PipeEndpoint>;

/** A producer sent over a link: the receiving node produces it with the same id and parameters. */
export const PipedProducer = Type.Object(
  {
    producerId: Id,
    kind: Type.Union([Type.Literal('audio'), Type.Literal('video')]),
    /** The pipe consumer's RTP parameters (mediasoup's shape; the worker checks them again). */
    rtpParameters: Type.Object({ codecs: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 8 }), encodings: Type.Optional(Type.Array(Type.Unknown(), { maxItems: 8 })) }, { additionalProperties: true }),
    paused: Type.Boolean(),
    appData: Type.Record(Type.String({ maxLength: 64 }), Type.Union([Type.String({ maxLength: 256 }), Type.Boolean(), Type.Number()])),
  },
  { additionalProperties: false },
);
export type PipedProducer = Static<typeof PipedProducer>;

/** What happened to a piped producer at its source, for the receiving node to apply. */
export const PipedProducerEvent = Type.Object({ producerId: Id, event: Type.Union([Type.Literal('pause'), Type.Literal('resume'), Type.Literal('close')]) }, { additionalProperties: false });
export type PipedProducerEvent = Static<typeof PipedProducerEvent>;

export interface NodePipeOptions {
  /** The address this node's end listens on, and the one the other node reaches it at (default: the same). */
  listenIp: string;
  announcedIp?: string;
}

export class NodePipeError extends Error {
  constructor(
    readonly code: 'PIPE_CLOSED' | 'PIPE_NOT_CONNECTED' | 'PRODUCER_UNKNOWN',
    message: string,
  ) {
    super(message);
    this.name = 'NodePipeError';
  }
}

/** One end of a link between this node's router and another node's. */
export class NodePipe {
  readonly #transport: ms.PipeTransport;
  readonly #announcedIp: string;
  #connected = false;
  #closed = false;
  /** Producers this end sends: producer id → the pipe consumer. */
  readonly #sent = new Map<string, ms.Consumer>();
  /** Producers this end received: producer id → the local producer standing for the remote one. */
  readonly #received = new Map<string, ms.Producer>();
  readonly #onClose = new Set<() => void>();

  private constructor(transport: ms.PipeTransport, announcedIp: string) {
    this.#transport = transport;
    this.#announcedIp = announcedIp;
    transport.observer.once('close', () => this.#closedBy());
  }

  static async open(router: ms.Router, opts: NodePipeOptions): Promise<NodePipe> {
    const transport = await router.createPipeTransport({
      listenIp: opts.announcedIp ? { ip: opts.listenIp, announcedIp: opts.announcedIp } : opts.listenIp,
      enableSrtp: true,
      enableRtx: true,
      appData: { nodePipe: true },
    });
    return new NodePipe(transport, opts.announcedIp ?? opts.listenIp);
  }

  /** What the other node needs to connect to this end. */
  get endpoint(): PipeEndpoint {
    const srtp = this.#transport.srtpParameters;
    if (!srtp) throw new NodePipeError('PIPE_CLOSED', 'the pipe has no SRTP parameters (closed?)');
    if (srtp.cryptoSuite !== 'AES_CM_128_HMAC_SHA1_80') throw new NodePipeError('PIPE_CLOSED', `unexpected SRTP suite ${srtp.cryptoSuite}`);
    return { ip: this.#announcedIp, port: this.#transport.tuple.localPort, srtpParameters: { cryptoSuite: srtp.cryptoSuite, keyBase64: srtp.keyBase64 } };
  }

  get closed(): boolean {
    return this.#closed;
  }

  async connect(remote: PipeEndpoint): Promise<void> {
    if (this.#closed) throw new NodePipeError('PIPE_CLOSED', 'the pipe is closed');
    await this.#transport.connect({ ip: remote.ip, port: remote.port, srtpParameters: remote.srtpParameters });
    this.#connected = true;
  }

  /**
   * Sends a producer of this router over the link; answers what the other
   * end passes to `receive`. `onEvent` hears its pause, resume and close,
   * for the caller to carry to the other node.
   */
  async send(producerId: string, appData: PipedProducer['appData'], onEvent: (e: PipedProducerEvent) => void): Promise<PipedProducer> {
    this.#ready();
    const existing = this.#sent.get(producerId);
    const consumer = existing ?? (await this.#transport.consume({ producerId }).catch((err: unknown) => {
      throw new NodePipeError('PRODUCER_UNKNOWN', `cannot pipe producer ${producerId}: ${(err as Error).message}`);
    }));
    if (!existing) {
      this.#sent.set(producerId, consumer);
      consumer.observer.on('pause', () => onEvent({ producerId, event: 'pause' }));
      consumer.observer.on('resume', () => onEvent({ producerId, event: 'resume' }));
      consumer.observer.once('close', () => {
        this.#sent.delete(producerId);
        onEvent({ producerId, event: 'close' });
      });
    }
    return { producerId, kind: consumer.kind, rtpParameters: consumer.rtpParameters as unknown as PipedProducer['rtpParameters'], paused: consumer.producerPaused, appData };
  }

  /** The other node's producer, produced here with the same id: local transports consume it like any other. */
  async receive(piped: PipedProducer): Promise<ms.Producer> {
    this.#ready();
    const existing = this.#received.get(piped.producerId);
    if (existing && !existing.closed) return existing;
    const producer = await this.#transport.produce({
      id: piped.producerId,
      kind: piped.kind,
      rtpParameters: piped.rtpParameters as unknown as ms.RtpParameters,
      paused: piped.paused,
      appData: { ...piped.appData, piped: true },
    });
    this.#received.set(piped.producerId, producer);
    producer.observer.once('close', () => this.#received.delete(piped.producerId));
    return producer;
  }

  /** Applies what happened to a producer at its source. Unknown producers are ignored (it may have closed meanwhile). */
  async apply(e: PipedProducerEvent): Promise<void> {
    const p = this.#received.get(e.producerId);
    if (!p || p.closed) return;
    if (e.event === 'close') p.close();
    else if (e.event === 'pause') await p.pause();
    else await p.resume();
  }

  /** Stops sending a producer (the other end's stand-in closes when told). */
  stopSending(producerId: string): void {
    this.#sent.get(producerId)?.close();
  }

  onClose(fn: () => void): () => void {
    this.#onClose.add(fn);
    return () => this.#onClose.delete(fn);
  }

  /** Closes this end: every producer it received and every pipe consumer it sent. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#transport.close();
  }

  #ready(): void {
    if (this.#closed) throw new NodePipeError('PIPE_CLOSED', 'the pipe is closed');
    if (!this.#connected) throw new NodePipeError('PIPE_NOT_CONNECTED', 'connect the pipe to the other node first');
  }

  #closedBy(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sent.clear();
    this.#received.clear();
    for (const fn of [...this.#onClose]) fn();
  }
}
