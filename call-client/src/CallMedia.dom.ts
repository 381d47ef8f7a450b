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
import type { CallSnapshot, KioskRequests, ProducerInfo, StaffRequests } from '@citizen/protocol';
import type { SignalClient } from './SignalClient';

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

export interface CallStats {
  framesDecoded: number;
  audioPacketsReceived: number;
  videoPacketsReceived: number;
  packetsLost: number;
  roundTripTimeMs: number | null;
  recvBitrate: number;
  sendBitrate: number;
  iceRestarts: number;
  mediaResets: number;
}

type Signal = SignalClient<KioskRequests> | SignalClient<StaffRequests>;
type Req = <K extends keyof KioskRequests & keyof StaffRequests & string>(method: K, data: unknown) => Promise<never>;

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
  #lastBytes = { at: 0, sent: 0, recv: 0 };
  readonly #unsubscribe: (() => void)[] = [];

  constructor(
    private readonly signal: Signal,
    snapshot: InCall,
  ) {
    this.#snapshot = snapshot;
    for (const p of snapshot.producers) this.#remoteProducers.set(p.producerId, p);
    const s = signal as SignalClient<KioskRequests>;
    this.#unsubscribe.push(
      s.on('producerAdded', ({ callId, producer }) => {
        if (callId !== this.callId) return;
        this.#remoteProducers.set(producer.producerId, producer);
        void this.#consume(producer).catch((err: unknown) => console.warn('consume failed', err));
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
        console.error(`call media listener for ${event} threw`, err);
      }
    }
  }

  #req: Req = (method, data) => (this.signal as unknown as { request: Req }).request(method, data);

  /**
   * Asks for camera and microphone (only now, when the call starts) and
   * connects media. The receive side is built while the devices open, so the
   * far side's video does not wait for our camera.
   */
  async start(want: { video: boolean } = { video: true }): Promise<void> {
    this.#localMedia = navigator.mediaDevices
      .getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
        video: want.video ? { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } } : false,
      })
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
      console.error('media build failed', err);
      this.#setHealth('reconnecting');
    });
  }

  async #build(): Promise<void> {
    if (this.#closed) return;
    this.#built = false;
    this.#closeTransports();
    this.#setHealth('connecting');
    const device = new Device();
    await device.load({ routerRtpCapabilities: this.#snapshot.routerRtpCapabilities as msc.RtpCapabilities });
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
    const params = (await this.#req('createTransport', { callId: this.callId, direction })) as unknown as msc.TransportOptions;
    const transport = direction === 'send' ? device.createSendTransport(params) : device.createRecvTransport(params);
    transport.on('connect', ({ dtlsParameters }, ok, fail) => {
      this.#req('connectTransport', { callId: this.callId, transportId: transport.id, dtlsParameters }).then(() => ok(), fail);
    });
    transport.on('produce', ({ kind, rtpParameters, appData }, ok, fail) => {
      this.#req('produce', { callId: this.callId, transportId: transport.id, kind, rtpParameters, source: appData.source, paused: appData.paused === true })
        .then((r) => ok({ id: (r as { producerId: string }).producerId }), fail);
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
      const { iceParameters } = (await this.#req('restartIce', { callId: this.callId, transportId: transport.id })) as unknown as { iceParameters: msc.IceParameters };
      if (transport.closed) return;
      await transport.restartIce({ iceParameters });
      this.#iceRestarts++;
    } catch (err) {
      console.warn('ICE restart failed; will retry on the next state change', err);
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
    const r = (await this.#req('consume', {
      callId: this.callId,
      transportId: recv.id,
      producerId: info.producerId,
      rtpCapabilities: this.#device.rtpCapabilities,
    })) as unknown as { consumerId: string; producerId: string; kind: 'audio' | 'video'; rtpParameters: msc.RtpParameters; producerPaused: boolean };
    if (recv.closed || this.#consumers.has(info.producerId)) return;
    const consumer = await recv.consume({ id: r.consumerId, producerId: r.producerId, kind: r.kind, rtpParameters: r.rtpParameters });
    const remote: RemoteMedia = { producerId: info.producerId, participantId: info.participantId, kind: r.kind, source: info.source, track: consumer.track, paused: r.producerPaused };
    this.#consumers.set(info.producerId, { consumer, info: remote });
    this.#emitRemote();
    await this.#req('resumeConsumer', { callId: this.callId, consumerId: consumer.id });
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
      if (!entry) void this.#consume(p).catch((err: unknown) => console.warn('consume after resume failed', err));
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
      await this.#req(muted ? 'pauseProducer' : 'resumeProducer', { callId: this.callId, producerId: producer.id });
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
        await this.#req('closeProducer', { callId: this.callId, producerId: producer.id });
      }
      for (const t of this.#stream.getVideoTracks()) {
        t.stop();
        this.#stream.removeTrack(t);
      }
    } else if (!producer) {
      const cam = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } } });
      const track = cam.getVideoTracks()[0]!;
      this.#stream.addTrack(track);
      if (this.#send && !this.#send.closed) await this.#produce('camera', track, false);
    }
    this.#emitLocal();
  }

  async stats(): Promise<CallStats> {
    const out: CallStats = {
      framesDecoded: 0,
      audioPacketsReceived: 0,
      videoPacketsReceived: 0,
      packetsLost: 0,
      roundTripTimeMs: null,
      recvBitrate: 0,
      sendBitrate: 0,
      iceRestarts: this.#iceRestarts,
      mediaResets: this.#mediaResets,
    };
    let recvBytes = 0;
    let sentBytes = 0;
    for (const [transport, dir] of [
      [this.#recv, 'recv'],
      [this.#send, 'send'],
    ] as const) {
      if (!transport || transport.closed) continue;
      const report = await transport.getStats();
      report.forEach((s: Record<string, unknown>) => {
        if (s.type === 'inbound-rtp' && dir === 'recv') {
          if (s.kind === 'video') {
            out.framesDecoded += Number(s.framesDecoded ?? 0);
            out.videoPacketsReceived += Number(s.packetsReceived ?? 0);
          } else out.audioPacketsReceived += Number(s.packetsReceived ?? 0);
          out.packetsLost += Number(s.packetsLost ?? 0);
        }
        if (s.type === 'candidate-pair' && s.nominated && typeof s.currentRoundTripTime === 'number') out.roundTripTimeMs = Math.round(s.currentRoundTripTime * 1000);
        if (s.type === 'transport') {
          if (dir === 'recv') recvBytes += Number(s.bytesReceived ?? 0);
          else sentBytes += Number(s.bytesSent ?? 0);
        }
      });
    }
    const now = Date.now();
    if (this.#lastBytes.at) {
      const dt = (now - this.#lastBytes.at) / 1000;
      out.recvBitrate = Math.max(0, Math.round(((recvBytes - this.#lastBytes.recv) * 8) / dt));
      out.sendBitrate = Math.max(0, Math.round(((sentBytes - this.#lastBytes.sent) * 8) / dt));
    }
    this.#lastBytes = { at: now, sent: sentBytes, recv: recvBytes };
    return out;
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
