/**
 * The media side of a call in the browser, on mediasoup-client: one send and
 * one receive transport, camera and microphone producers, one consumer per
 * remote producer. It keeps itself right through trouble without user action:
 *  - a transport that goes `disconnected`/`failed` triggers an ICE restart
 *    (server restartIce, then the transport's restartIce);
 *  - `mediaReset` (the server moved the call to a new router after a worker
 *    died) rebuilds both transports and re-produces the same local tracks;
 *  - after a signalling resume, `resync` consumes producers it missed and
 *    drops consumers whose producers are gone.
 * Camera and microphone are requested in `start` and released in `stop`.
 */
import { Device } from 'mediasoup-client';
import type { types as msc } from 'mediasoup-client';
import type { CallSnapshot, CommonRequests, ProducerInfo, Requester } from '@citizen/protocol';
import type { ConnectionState, SignalClient } from '../SignalClient';
import { createLogger } from '../log';
import { CAMERA, localMediaConstraints } from './constraints';
import { readStats, type ByteSample, type CallStats } from './stats';
import { consumerRtpParameters, routerCapabilities, transportOptions, wireDtlsParameters, wireRtpCapabilities, wireRtpParameters } from './wire';

const log = createLogger('call-media');

/**
 * What media needs of signalling: the requests every participant may make
 * (typed from the protocol), the notifications, and the connection state.
 * A kiosk's and a console's SignalClient both are one.
 */
export type CallSignal = Requester<CommonRequests> & Pick<SignalClient<CommonRequests>, 'on'> & { readonly state: ConnectionState };

type InCall = Extract<CallSnapshot, { step: 'in-call' }>;
export type MediaHealth = 'connecting' | 'connected' | 'reconnecting';

export interface RemoteMedia {
  producerId: string;
  participantId: string;
  kind: 'audio' | 'video';
  source: ProducerInfo['source'];
  track: MediaStreamTrack;
  paused: boolean;
}

export type CallMediaEvents = {
  remote: [RemoteMedia[]];
  health: [MediaHealth];
  local: [{ stream: MediaStream; micMuted: boolean; cameraOn: boolean }];
};

export type { CallStats };

export class CallMedia {
  readonly #listeners: { [K in keyof CallMediaEvents]: Set<(...a: CallMediaEvents[K]) => void> } = { remote: new Set(), health: new Set(), local: new Set() };
  #device: Device | null = null;
  #send: msc.Transport | null = null;
  #recv: msc.Transport | null = null;
  readonly #producers = new Map<'camera' | 'microphone', msc.Producer>();
  readonly #consumers = new Map<string, { consumer: msc.Consumer; info: RemoteMedia }>();
  /**
   * Every remote producer we know of, consumed or not. A producer announced
   * while the transports are being (re)built is remembered here and consumed
   * when the build finishes, instead of being lost.
   */
  readonly #remoteProducers = new Map<string, ProducerInfo>();
  #stream = new MediaStream();
  #micMuted = false;
  #health: MediaHealth = 'connecting';
  #closed = false;
  #snapshot: InCall;
  #building: Promise<void> = Promise.resolve();
  /** Resolves once camera and microphone are open (or were refused). */
  #localMedia: Promise<void> = Promise.resolve();
  /** True once both transports exist and local media is produced; consumes wait for it. */
  #built = false;
  #iceRestarts = 0;
  #mediaResets = 0;
  #lastBytes: ByteSample | null = null;
  readonly #unsubscribe: (() => void)[] = [];

  constructor(
    private readonly signal: CallSignal,
    snapshot: InCall,
  ) {
    this.#snapshot = snapshot;
    for (const p of snapshot.producers) this.#remoteProducers.set(p.producerId, p);
    const s = signal;
    this.#unsubscribe.push(
      s.on('producerAdded', ({ callId, producer }) => {
        if (callId !== this.callId) return;
        this.#remoteProducers.set(producer.producerId, producer);
        this.#consumeLogged(producer, 'consume failed');
      }),
      s.on('producerClosed', ({ callId, producerId }) => {
        if (callId !== this.callId) return;
        this.#remoteProducers.delete(producerId);
        this.#dropConsumer(producerId);
      }),
      s.on('producerPaused', ({ callId, producerId }) => callId === this.callId && this.#setRemotePaused(producerId, true)),
      s.on('producerResumed', ({ callId, producerId }) => callId === this.callId && this.#setRemotePaused(producerId, false)),
      s.on('mediaReset', ({ callId, routerRtpCapabilities }) => {
        if (callId !== this.callId) return;
        this.#mediaResets++;
        this.#snapshot = { ...this.#snapshot, routerRtpCapabilities, producers: [] };
        this.#remoteProducers.clear();
        this.#rebuild();
      }),
      s.on('state', (st) => st === 'reconnecting' && this.#setHealth('reconnecting')),
    );
  }

  get callId(): string {
    return this.#snapshot.callId;
  }

  on<K extends keyof CallMediaEvents>(event: K, fn: (...a: CallMediaEvents[K]) => void): () => void {
    this.#listeners[event].add(fn);
    return () => this.#listeners[event].delete(fn);
  }

  #emit<K extends keyof CallMediaEvents>(event: K, ...args: CallMediaEvents[K]): void {
    for (const fn of [...this.#listeners[event]]) {
      try {
        fn(...args);
      } catch (err) {
        log.error('listener threw', { event, call: this.callId, error: err });
      }
    }
  }

  /**
   * Asks for camera and microphone (only now, when the call starts) and
   * connects media. The receive side is built while the devices open, so the
   * far side's video does not wait for our camera.
   */
  async start(want: { video: boolean } = { video: true }): Promise<void> {
    this.#localMedia = navigator.mediaDevices
      .getUserMedia(localMediaConstraints({ audio: true, video: want.video }))
      .then((stream) => {
        if (this.#closed) for (const t of stream.getTracks()) t.stop();
        else {
          this.#stream = stream;
          this.#emitLocal();
        }
      });
    this.#rebuild();
    await Promise.all([this.#localMedia, this.#building]);
  }

  /** Serializes (re)builds: a mediaReset arriving mid-build waits for the build to finish, then runs. */
  #rebuild(): void {
    this.#building = this.#building.then(() => this.#build()).catch((err: unknown) => {
      log.error('media build failed', { call: this.callId, error: err });
      this.#setHealth('reconnecting');
    });
  }

  async #build(): Promise<void> {
    if (this.#closed) return;
    this.#built = false;
    this.#closeTransports();
    this.#setHealth('connecting');
    const device = new Device();
    await device.load({ routerRtpCapabilities: routerCapabilities(this.#snapshot.routerRtpCapabilities) });
    this.#device = device;
    // Both directions at once: what this side waits to see does not depend on its own camera,
    // and what the far side waits to see does not depend on our receive transport.
    const receiving = this.#transport('recv').then((recv) => {
      this.#recv = recv;
      this.#built = true;
      return Promise.all([...this.#remoteProducers.values()].map((p) => this.#consume(p)));
    });
    const sending = Promise.all([this.#transport('send'), this.#localMedia]).then(async ([send]) => {
      this.#send = send;
      const audio = this.#stream.getAudioTracks()[0];
      const video = this.#stream.getVideoTracks()[0];
      // Camera first: the far side's first frame is what its resident is waiting for.
      if (video && video.readyState === 'live') await this.#produce('camera', video, false);
      if (audio) await this.#produce('microphone', audio, this.#micMuted);
    });
    const consuming = Promise.all([receiving, sending]);
    await consuming;
  }

  async #transport(direction: 'send' | 'recv'): Promise<msc.Transport> {
    const device = this.#device!;
    const params = await this.signal.request('createTransport', { callId: this.callId, direction });
    const options = transportOptions(params);
    const transport = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, ok, fail) => {
      Promise.resolve()
        .then(() => this.signal.request('connectTransport', { callId: this.callId, transportId: transport.id, dtlsParameters: wireDtlsParameters(dtlsParameters) }))
        .then(() => ok(), fail);
    });
    transport.on('produce', ({ kind, rtpParameters, appData }, ok, fail) => {
      const source = appData.source === 'camera' ? 'camera' : 'microphone';
      Promise.resolve()
        .then(() => this.signal.request('produce', { callId: this.callId, transportId: transport.id, kind, rtpParameters: wireRtpParameters(rtpParameters), source, paused: appData.paused === true }))
        .then((r) => ok({ id: r.producerId }), fail);
    });
    transport.on('connectionstatechange', (state) => {
      if (state === 'connected') this.#updateHealth();
      if (state === 'disconnected' || state === 'failed') {
        this.#setHealth('reconnecting');
        void this.#restartTransportIce(transport);
      }
    });
    return transport;
  }

  async #restartTransportIce(transport: msc.Transport): Promise<void> {
    if (transport.closed || this.#closed) return;
    try {
      const { iceParameters } = await this.signal.request('restartIce', { callId: this.callId, transportId: transport.id });
      if (transport.closed) return;
      await transport.restartIce({ iceParameters });
      this.#iceRestarts++;
    } catch (err) {
      log.warn('ICE restart failed; will retry on the next state change', { call: this.callId, transport: transport.id, error: err });
    }
  }

  /** Restarts ICE on both transports now (also used by diagnostics and tests). */
  async restartIce(): Promise<void> {
    await Promise.all([this.#send, this.#recv].filter((t): t is msc.Transport => !!t).map((t) => this.#restartTransportIce(t)));
  }

  async #produce(source: 'camera' | 'microphone', track: MediaStreamTrack, paused: boolean): Promise<void> {
    const send = this.#send!;
    const producer = await send.produce({
      track,
      appData: { source, paused },
      stopTracks: false,
      ...(source === 'camera'
        ? { encodings: [{ maxBitrate: this.#snapshot.maxVideoBitrate }], codecOptions: { videoGoogleStartBitrate: 600 } }
        : { codecOptions: { opusStereo: false, opusDtx: true, opusFec: true } }),
    });
    if (paused) producer.pause();
    this.#producers.set(source, producer);
  }

  async #consume(info: ProducerInfo): Promise<void> {
    if (!this.#built || this.#consumers.has(info.producerId) || info.participantId === this.#snapshot.participantId || !this.#recv || !this.#device) return;
    const recv = this.#recv;
    const r = await this.signal.request('consume', {
      callId: this.callId,
      transportId: recv.id,
      producerId: info.producerId,
      rtpCapabilities: wireRtpCapabilities(this.#device.rtpCapabilities),
    });
    if (recv.closed || this.#consumers.has(info.producerId)) return;
    const consumer = await recv.consume({ id: r.consumerId, producerId: r.producerId, kind: r.kind, rtpParameters: consumerRtpParameters(r.rtpParameters) });
    const remote: RemoteMedia = { producerId: info.producerId, participantId: info.participantId, kind: r.kind, source: info.source, track: consumer.track, paused: r.producerPaused };
    this.#consumers.set(info.producerId, { consumer, info: remote });
    this.#emitRemote();
    await this.signal.request('resumeConsumer', { callId: this.callId, consumerId: consumer.id });
  }

  #consumeLogged(info: ProducerInfo, what: string): void {
    this.#consume(info).catch((err: unknown) => log.warn(what, { call: this.callId, producer: info.producerId, error: err }));
  }

  #dropConsumer(producerId: string): void {
    const entry = this.#consumers.get(producerId);
    if (!entry) return;
    entry.consumer.close();
    this.#consumers.delete(producerId);
    this.#emitRemote();
  }

  #setRemotePaused(producerId: string, paused: boolean): void {
    const entry = this.#consumers.get(producerId);
    if (!entry) return;
    entry.info = { ...entry.info, paused };
    this.#emitRemote();
  }

  /** After a signalling resume: catch up with producers added or closed while the socket was down. */
  resync(snapshot: InCall): void {
    this.#snapshot = { ...snapshot };
    this.#remoteProducers.clear();
    for (const p of snapshot.producers) this.#remoteProducers.set(p.producerId, p);
    const live = new Set(snapshot.producers.map((p) => p.producerId));
    for (const id of [...this.#consumers.keys()]) if (!live.has(id)) this.#dropConsumer(id);
    for (const p of snapshot.producers) {
      const entry = this.#consumers.get(p.producerId);
      if (entry && entry.info.paused !== p.paused) this.#setRemotePaused(p.producerId, p.paused);
      if (!entry) this.#consumeLogged(p, 'consume after resume failed');
    }
    this.#updateHealth();
  }

  async setMicMuted(muted: boolean): Promise<void> {
    this.#micMuted = muted;
    const producer = this.#producers.get('microphone');
    for (const t of this.#stream.getAudioTracks()) t.enabled = !muted;
    if (producer) {
      if (muted) producer.pause();
      else producer.resume();
      await this.signal.request(muted ? 'pauseProducer' : 'resumeProducer', { callId: this.callId, producerId: producer.id });
    }
    this.#emitLocal();
  }

  /**
   * Camera off releases the camera itself (its light goes out) and closes the
   * video producer: the call goes on audio-only. Camera on asks for it again.
   */
  async setCameraOn(on: boolean): Promise<void> {
    const producer = this.#producers.get('camera');
    if (!on) {
      if (producer) {
        producer.close();
        this.#producers.delete('camera');
        await this.signal.request('closeProducer', { callId: this.callId, producerId: producer.id });
      }
      for (const t of this.#stream.getVideoTracks()) {
        t.stop();
        this.#stream.removeTrack(t);
      }
    } else if (!producer) {
      const cam = await navigator.mediaDevices.getUserMedia({ video: CAMERA });
      const track = cam.getVideoTracks()[0]!;
      this.#stream.addTrack(track);
      if (this.#send && !this.#send.closed) await this.#produce('camera', track, false);
    }
    this.#emitLocal();
  }

  async stats(): Promise<CallStats> {
    const live = (t: msc.Transport | null): msc.Transport | null => (t && !t.closed ? t : null);
    const [recv, send] = await Promise.all([live(this.#recv)?.getStats() ?? null, live(this.#send)?.getStats() ?? null]);
    const { stats, sample } = readStats({ recv, send }, this.#lastBytes, Date.now(), { iceRestarts: this.#iceRestarts, mediaResets: this.#mediaResets });
    this.#lastBytes = sample;
    return stats;
  }

  /** Ids of the live transports (for server-side stats). */
  transportIds(): string[] {
    return [this.#send, this.#recv].filter((t): t is msc.Transport => !!t && !t.closed).map((t) => t.id);
  }

  get localStream(): MediaStream {
    return this.#stream;
  }

  remotes(): RemoteMedia[] {
    return [...this.#consumers.values()].map((c) => c.info);
  }

  #emitRemote(): void {
    this.#emit('remote', this.remotes());
  }

  #emitLocal(): void {
    this.#emit('local', { stream: this.#stream, micMuted: this.#micMuted, cameraOn: this.#stream.getVideoTracks().some((t) => t.readyState === 'live') });
  }

  #updateHealth(): void {
    const states = [this.#send, this.#recv].map((t) => t?.connectionState);
    if (this.signal.state !== 'open') return this.#setHealth('reconnecting');
    if (states.every((s) => s === 'connected')) return this.#setHealth('connected');
    if (states.some((s) => s === 'disconnected' || s === 'failed')) return this.#setHealth('reconnecting');
  }

  #setHealth(h: MediaHealth): void {
    if (this.#health === h) return;
    this.#health = h;
    this.#emit('health', h);
  }

  get health(): MediaHealth {
    return this.#health;
  }

  #closeTransports(): void {
    for (const { consumer } of this.#consumers.values()) consumer.close();
    this.#consumers.clear();
    this.#producers.clear();
    this.#send?.close();
    this.#recv?.close();
    this.#send = null;
    this.#recv = null;
    this.#emitRemote();
  }

  /** Closes the transports and releases camera and microphone. Idempotent. */
  stop(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#closeTransports();
    for (const t of this.#stream.getTracks()) t.stop();
    this.#emitLocal();
  }
}
