/**
 * The media of one call in the browser, on a MediaEndpoint (this client's
 * transports, usually opened before the call): camera and microphone
 * producers, one consumer per remote producer. It keeps itself right through
 * trouble without user action:
 *  - the endpoint restarts ICE on a transport that goes disconnected/failed;
 *  - when the endpoint is rebuilt (the server moved it off a dead worker),
 *    the call produces its local tracks again and consumes again;
 *  - after a signalling resume, `resync` consumes producers it missed and
 *    drops consumers whose producers are gone.
 * Camera and microphone are requested in `start` and released in `stop`.
 */
import type { types as msc } from 'mediasoup-client';
import { QUALITY_STAGES, type CallQuality, type ProducerInfo, type QualityStage } from '@citizen/protocol';
import { createLogger } from '../log';
import { Timeline } from '../timeline';
import { CAMERA, localMediaConstraints } from './constraints';
import { MediaEndpoint } from './MediaEndpoint.dom';
import { readStats, type ByteSample, type CallStats } from './stats';
import { PathSampler, readPath } from './pathSample';
import { QualityLadder } from './quality';
import { videoBitrateCap, type CallMediaEvents, type CallMediaOptions, type CallSignal, type InCall, type MediaHealth, type RemoteMedia } from './types';
import { consumerRtpParameters, wireRtpCapabilities } from './wire';

const log = createLogger('call-media');

const rank = (s: QualityStage): number => QUALITY_STAGES.indexOf(s);
/** The camera's cap at the low-video stage (half the resolution, 15 frames a second). */
const LOW_VIDEO_BITRATE = 250_000;

export type { CallSignal, CallMediaEvents, CallMediaOptions, CallStats, MediaHealth, RemoteMedia };

export class CallMedia {
  readonly #listeners: { [K in keyof CallMediaEvents]: Set<(...a: CallMediaEvents[K]) => void> } = { remote: new Set(), health: new Set(), local: new Set(), quality: new Set() };
  readonly #endpoint: MediaEndpoint;
  /** The call made its endpoint itself (a supervisor joining) and closes it when it stops. */
  readonly #ownsEndpoint: boolean;
  readonly #producers = new Map<'camera' | 'microphone', msc.Producer>();
  readonly #consumers = new Map<string, { consumer: msc.Consumer; info: RemoteMedia }>();
  /**
   * Every remote producer we know of, consumed or not. A producer announced
   * before the receive transport exists (or while it is rebuilt) is kept here
   * and consumed when it is ready, instead of being lost.
   */
  readonly #remoteProducers = new Map<string, ProducerInfo>();
  readonly #consuming = new Map<string, Promise<void>>();
  #stream = new MediaStream();
  #micMuted = false;
  #health: MediaHealth = 'connecting';
  #closed = false;
  #snapshot: InCall;
  /** Resolves once camera and microphone are open (or were refused). */
  #localMedia: Promise<void> = Promise.resolve();
  /** Sources being produced now (their producer is not in #producers yet). */
  readonly #producing = new Set<'camera' | 'microphone'>();
  #mediaResets = 0;
  #lastBytes: ByteSample | null = null;
  readonly #unsubscribe: (() => void)[] = [];
  /** The call's quality stage as the server last said it (everyone applies the same). */
  #quality: CallQuality;
  /** This end's own measurements: what they allow, reported to the server when it changes. */
  readonly #ladder: QualityLadder;
  readonly #sampler: PathSampler;
  #watch: ReturnType<typeof setInterval> | null = null;
  #measuring = false;
  /** Stage changes are applied to the producers one after another. */
  #applying: Promise<void> = Promise.resolve();

  constructor(
    private readonly signal: CallSignal,
    snapshot: InCall,
    /** Set-up stages as they happen here (`media.*` marks). */
    readonly timeline: Timeline = new Timeline(),
    endpoint?: MediaEndpoint,
    private readonly options: CallMediaOptions = { receiveFirstMs: 0 },
  ) {
    this.#snapshot = snapshot;
    this.#quality = snapshot.stage;
    this.#ladder = new QualityLadder(snapshot.quality);
    // Connectivity checks come every few seconds: count them over three periods, at least 6 s.
    this.#sampler = new PathSampler(Math.max(3 * snapshot.quality.periodMs, 6000));
    this.#endpoint = endpoint ?? new MediaEndpoint(signal, timeline, options.iceTransportPolicy ? { iceTransportPolicy: options.iceTransportPolicy } : {});
    this.#ownsEndpoint = !endpoint;
    for (const p of snapshot.producers) this.#remoteProducers.set(p.producerId, p);
    this.#unsubscribe.push(
      signal.on('producerAdded', ({ callId, producer }) => {
        if (callId !== this.callId) return;
        this.#remoteProducers.set(producer.producerId, producer);
        this.#consumeLogged(producer, 'consume failed');
      }),
      signal.on('producerClosed', ({ callId, producerId }) => {
        if (callId !== this.callId) return;
        this.#remoteProducers.delete(producerId);
        this.#dropConsumer(producerId);
      }),
      signal.on('producerPaused', ({ callId, producerId }) => callId === this.callId && this.#setRemotePaused(producerId, true)),
      signal.on('producerResumed', ({ callId, producerId }) => callId === this.callId && this.#setRemotePaused(producerId, false)),
      signal.on('callQuality', (q) => q.callId === this.callId && this.#setQuality(q)),
      signal.on('state', () => this.#updateHealth()),
      this.#endpoint.on('connection', () => this.#updateHealth()),
      this.#endpoint.on('rebuilt', () => {
        this.#mediaResets++;
        this.#producers.clear();
        this.#sampler.reset();
        for (const id of [...this.#consumers.keys()]) this.#dropConsumer(id);
        void this.#wire();
      }),
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
   * Starts the call's media on the endpoint (usually open already): consumes
   * what the far side sends, asks for camera and microphone (only now, when
   * the call starts) and produces them. With `receiveFirstMs` the camera and
   * microphone are asked for once the far side's video is wired (or that
   * much later): see #firstRemoteVideo. Otherwise both run at once.
   */
  async start(want: { video: boolean } = { video: true }): Promise<void> {
    this.timeline.mark('media.start');
    const openLocal = (): Promise<void> =>
      navigator.mediaDevices.getUserMedia(localMediaConstraints({ audio: true, video: want.video })).then((stream) => {
        this.timeline.mark('media.gum');
        if (this.#closed) for (const t of stream.getTracks()) t.stop();
        else {
          this.#stream = stream;
          this.#emitLocal();
        }
      });
    const receiveFirst = this.options.receiveFirstMs > 0;
    if (!receiveFirst) this.#localMedia = openLocal();
    await this.#endpoint.open();
    // A warm endpoint is connected already: no connection event will say so.
    this.#updateHealth();
    const consuming = this.#consumeAll();
    if (receiveFirst) {
      await this.#firstRemoteVideo(this.options.receiveFirstMs);
      this.#localMedia = openLocal();
    }
    this.#startWatch();
    await this.#localMedia;
    await this.#produceLocal();
    await consuming;
  }

  #consumeAll(): Promise<unknown> {
    return Promise.all([...this.#remoteProducers.values()].map((p) => this.#consume(p).catch((err: unknown) => log.warn('consume failed', { call: this.callId, producer: p.producerId, error: err }))));
  }

  /** After a rebuild: consume every known remote producer and produce the local tracks again. */
  async #wire(): Promise<void> {
    if (this.#closed) return;
    this.#updateHealth();
    const consuming = this.#consumeAll();
    await this.#produceLocal();
    await consuming;
  }

  async #produceLocal(): Promise<void> {
    if (this.#closed) return;
    const video = this.#stream.getVideoTracks()[0];
    const audio = this.#stream.getAudioTracks()[0];
    // Camera first: the far side's first frame is what its resident is waiting for.
    if (video && video.readyState === 'live') await this.#produce('camera', video, this.#videoHeld());
    if (audio) await this.#produce('microphone', audio, this.#micMuted || this.#soundHeld());
    if (this.#quality.stage === 'low-video') this.#applyStage();
  }

  /**
   * Resolves when the first remote video is wired and receiving, or after `ms`.
   * On a kiosk the far side's face is what the resident waits for, and the
   * kiosk's CPU is what it waits on: the browser applies session descriptions
   * one at a time, and starting and showing our own camera competes with
   * decoding the agent's. So the kiosk's camera starts once the agent's video
   * arrives; the agent sees the resident a moment later instead.
   */
  #firstRemoteVideo(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let off = (): void => {};
      const done = (): void => {
        clearTimeout(timer);
        off();
        resolve();
      };
      const timer = setTimeout(done, ms);
      // Wired and its first packets in: a remote track is muted until RTP arrives.
      const check = (remotes: RemoteMedia[]): void => {
        const video = remotes.find((r) => r.kind === 'video');
        if (!video) return;
        if (!video.track.muted) return done();
        video.track.addEventListener('unmute', done, { once: true });
      };
      off = this.on('remote', check);
      check(this.remotes());
    });
  }

  /** Restarts ICE on both transports now (diagnostics and tests). */
  restartIce(): Promise<void> {
    return this.#endpoint.restartIce();
  }

  async #produce(source: 'camera' | 'microphone', track: MediaStreamTrack, paused: boolean): Promise<void> {
    const send = this.#endpoint.send;
    // One produce per source at a time: a rebuild's wiring (mediaReset) can run while the call's start still produces.
    if (!send || send.closed || this.#closed || this.#producers.has(source) || this.#producing.has(source)) return;
    this.#producing.add(source);
    try {
      await this.#produceOn(send, source, track, paused);
    } finally {
      this.#producing.delete(source);
      // The transports were made again meanwhile: what was produced on the old one is gone, produce on the new.
      if (this.#endpoint.send !== send && !this.#closed) void this.#produceLocal().catch((err: unknown) => log.warn('produce after a rebuild failed', { call: this.callId, error: err }));
    }
  }

  async #produceOn(send: NonNullable<MediaEndpoint['send']>, source: 'camera' | 'microphone', track: MediaStreamTrack, paused: boolean): Promise<void> {
    const producer = await send.produce({
      track,
      appData: { source, paused, callId: this.callId },
      stopTracks: false,
      // Paused (muted, or held by a bad network's stage) sends nothing at all, not silence or black frames.
      zeroRtpOnPause: true,
      ...(source === 'camera'
        ? { encodings: [{ maxBitrate: videoBitrateCap(this.#snapshot.maxVideoBitrate, this.options.maxVideoBitrate) }], codecOptions: { videoGoogleStartBitrate: 600 } }
        : { codecOptions: { opusStereo: false, opusDtx: true, opusFec: true } }),
    });
    if (paused) producer.pause();
    this.#producers.set(source, producer);
    this.timeline.mark(`media.produce.${source}`);
  }

  /**
   * One consume per producer at a time: the same producer is announced by the
   * snapshot and by producerAdded, and a second consume would make the server
   * replace the first consumer while this side wires it up.
   */
  #consume(info: ProducerInfo): Promise<void> {
    const running = this.#consuming.get(info.producerId);
    if (running) return running;
    const p = this.#consumeOnce(info).finally(() => this.#consuming.delete(info.producerId));
    this.#consuming.set(info.producerId, p);
    return p;
  }

  async #consumeOnce(info: ProducerInfo): Promise<void> {
    const recv = this.#endpoint.recv;
    const device = this.#endpoint.device;
    if (this.#closed || !recv || recv.closed || !device || this.#consumers.has(info.producerId) || info.participantId === this.#snapshot.participantId) return;
    const r = await this.signal.request('consume', {
      callId: this.callId,
      transportId: recv.id,
      producerId: info.producerId,
      rtpCapabilities: wireRtpCapabilities(device.rtpCapabilities),
    });
    if (recv.closed || this.#consumers.has(info.producerId) || this.#closed) return;
    this.timeline.mark(`media.consume.${r.kind}`);
    const consumer = await recv.consume({ id: r.consumerId, producerId: r.producerId, kind: r.kind, rtpParameters: consumerRtpParameters(r.rtpParameters) });
    this.timeline.mark(`media.consumer.${r.kind}`);
    // A remote track is muted until its first RTP packet arrives.
    const firstRtp = (): void => this.timeline.mark(`media.firstRtp.${r.kind}`);
    if (consumer.track.muted) consumer.track.addEventListener('unmute', firstRtp, { once: true });
    else firstRtp();
    const remote: RemoteMedia = { producerId: info.producerId, participantId: info.participantId, kind: r.kind, source: info.source, track: consumer.track, paused: r.producerPaused };
    this.#consumers.set(info.producerId, { consumer, info: remote });
    this.#emitRemote();
    await this.signal.request('resumeConsumer', { consumerId: consumer.id });
    this.timeline.mark(`media.resume.${r.kind}`);
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
    this.#setQuality(snapshot.stage);
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
    if (producer) await this.#setPaused(producer, muted || this.#soundHeld());
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
        await this.signal.request('closeProducer', { producerId: producer.id });
      }
      for (const t of this.#stream.getVideoTracks()) {
        t.stop();
        this.#stream.removeTrack(t);
      }
    } else if (!producer) {
      const cam = await navigator.mediaDevices.getUserMedia({ video: CAMERA });
      const track = cam.getVideoTracks()[0]!;
      this.#stream.addTrack(track);
      await this.#produce('camera', track, this.#videoHeld());
      if (this.#quality.stage === 'low-video') this.#applyStage();
    }
    this.#emitLocal();
  }

  async stats(): Promise<CallStats> {
    const live = (t: msc.Transport | null): msc.Transport | null => (t && !t.closed ? t : null);
    const [recv, send] = await Promise.all([live(this.#endpoint.recv)?.getStats() ?? null, live(this.#endpoint.send)?.getStats() ?? null]);
    const { stats, sample } = readStats({ recv, send }, this.#lastBytes, Date.now(), { iceRestarts: this.#endpoint.iceRestarts, mediaResets: this.#mediaResets });
    this.#lastBytes = sample;
    return stats;
  }

  /** The transports this call's media runs on (its own, or the one opened while waiting). */
  get endpoint(): MediaEndpoint {
    return this.#endpoint;
  }

  /** Ids of the live transports (for server-side stats). */
  transportIds(): string[] {
    return [this.#endpoint.send, this.#endpoint.recv].filter((t): t is msc.Transport => !!t && !t.closed).map((t) => t.id);
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
    const states = this.#endpoint.states();
    if (this.signal.state !== 'open') return this.#setHealth('reconnecting');
    if (states.every((s) => s === 'connected')) return this.#setHealth('connected');
    if (states.some((s) => s === 'disconnected' || s === 'failed' || s === null)) return this.#setHealth(this.#health === 'connecting' ? 'connecting' : 'reconnecting');
  }

  #setHealth(h: MediaHealth): void {
    if (this.#health === h) return;
    this.#health = h;
    this.#emit('health', h);
  }

  get health(): MediaHealth {
    return this.#health;
  }

  // ------------------------------------------------------------ quality on a bad network

  /** The call's stage now, as the server said it. */
  get quality(): CallQuality {
    return this.#quality;
  }

  /** The stage this end's own measurements allow (diagnostics and tests). */
  get measuredStage(): QualityStage {
    return this.#ladder.stage;
  }

  #videoHeld(): boolean {
    return rank(this.#quality.stage) >= rank('audio');
  }

  #soundHeld(): boolean {
    return rank(this.#quality.stage) >= rank('text');
  }

  #setQuality(q: CallQuality): void {
    const was = this.#quality;
    this.#quality = q;
    if (was.stage !== q.stage) {
      log.info('call quality stage', { call: this.callId, from: was.stage, to: q.stage, by: q.by, weak: q.weak, reason: q.reason });
      this.timeline.mark(`quality.${q.stage}`);
      this.#applyStage();
    }
    this.#emit('quality', q);
  }

  /** Applies the call's stage to what this end sends: encoder scaling, video held, sound held. */
  #applyStage(): void {
    this.#applying = this.#applying
      .then(async () => {
        if (this.#closed) return;
        const stage = this.#quality.stage;
        const camera = this.#producers.get('camera');
        const mic = this.#producers.get('microphone');
        if (camera && !camera.closed) {
          if (!this.#videoHeld()) {
            const cap = videoBitrateCap(this.#snapshot.maxVideoBitrate, this.options.maxVideoBitrate);
            await camera.setRtpEncodingParameters(stage === 'low-video' ? { scaleResolutionDownBy: 2, maxFramerate: 15, maxBitrate: Math.min(cap, LOW_VIDEO_BITRATE) } : { scaleResolutionDownBy: 1, maxFramerate: 30, maxBitrate: cap });
          }
          await this.#setPaused(camera, this.#videoHeld());
        }
        if (mic && !mic.closed) await this.#setPaused(mic, this.#micMuted || this.#soundHeld());
        this.#emitLocal();
      })
      .catch((err: unknown) => log.warn('applying the quality stage failed', { call: this.callId, stage: this.#quality.stage, error: err }));
  }

  async #setPaused(producer: msc.Producer, paused: boolean): Promise<void> {
    if (producer.closed || producer.paused === paused) return;
    if (paused) producer.pause();
    else producer.resume();
    await this.signal.request(paused ? 'pauseProducer' : 'resumeProducer', { producerId: producer.id });
  }

  #startWatch(): void {
    if (this.#watch || this.#closed) return;
    this.#watch = setInterval(() => void this.#measure(), this.#snapshot.quality.periodMs);
  }

  /** One period: what the path allows now; a change is reported to the server, which sets the call's stage. */
  async #measure(): Promise<void> {
    if (this.#measuring || this.#closed) return;
    this.#measuring = true;
    try {
      const live = (t: msc.Transport | null): msc.Transport | null => (t && !t.closed ? t : null);
      const [recv, send] = await Promise.all([live(this.#endpoint.recv)?.getStats() ?? null, live(this.#endpoint.send)?.getStats() ?? null]);
      const camera = this.#producers.get('camera');
      const sample = this.#sampler.next(readPath({ recv, send }, Date.now()), !!camera && !camera.paused && !camera.closed);
      const change = sample && !this.#closed ? this.#ladder.sample(sample) : null;
      if (!change) return;
      log.info('this end measured a quality change', { call: this.callId, from: change.from, to: change.to, reason: change.reason });
      await this.signal.request('reportQuality', { callId: this.callId, stage: change.to, reason: change.reason.slice(0, 200) });
    } catch (err) {
      log.warn('measuring call quality failed', { call: this.callId, error: err });
    } finally {
      this.#measuring = false;
    }
  }

  /** Closes this call's producers and consumers and releases camera and microphone; the endpoint stays unless the call made it. Idempotent. */
  stop(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#watch) clearInterval(this.#watch);
    this.#watch = null;
    for (const off of this.#unsubscribe.splice(0)) off();
    for (const { consumer } of this.#consumers.values()) consumer.close();
    this.#consumers.clear();
    for (const p of this.#producers.values()) p.close();
    this.#producers.clear();
    if (this.#ownsEndpoint) this.#endpoint.close();
    for (const t of this.#stream.getTracks()) t.stop();
    this.#emitRemote();
    this.#emitLocal();
  }
}
