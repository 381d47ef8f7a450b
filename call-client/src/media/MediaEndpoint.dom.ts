/**
 * This client's transports on the SFU, made before a call needs them: the
 * kiosk opens them while its resident waits in the queue, the console while
 * its agent is available. Each transport carries a small data channel so
 * that WebRTC connects it (ICE and DTLS) at once, instead of when the first
 * media arrives; a call's camera, microphone and the far side's video then
 * start on connections that are already up.
 *
 * No camera or microphone is touched here: opening an endpoint opens network
 * paths only. `close()` closes the transports; the server closes its side
 * when the resident leaves the queue or the call ends.
 *
 * It keeps itself connected: a transport that goes `disconnected` or
 * `failed` gets an ICE restart; `mediaReset` (the server moved this endpoint
 * off a dead worker) makes the transports again and emits `rebuilt`, on which
 * a call re-produces and re-consumes.
 *
 * TURN: openMedia hands it the site's TURN servers with a short-lived
 * credential for this participant. Both transports get them (and the kiosk's
 * `iceTransportPolicy`: `relay` sends everything through TURN). Before the
 * credential expires, before every ICE restart and before transports are made
 * again it asks for a fresh one (`turnCredentials`), so a new allocation never
 * uses a stale credential; allocations already made live on (coturn checks the
 * expiry when it allocates).
 */
import { Device } from 'mediasoup-client';
import type { types as msc } from 'mediasoup-client';
import type { CallSnapshot, IceServer } from '@citizen/protocol';
import type { CallSignal } from './types';
import { createLogger } from '../log';
import { Timeline } from '../timeline';
import { routerCapabilities, transportOptions, wireDtlsParameters, wireRtpParameters } from './wire';

const log = createLogger('media-endpoint');

export type EndpointEvents = {
  /** Transports were made again (after mediaReset): produce and consume again. */
  rebuilt: [];
  /** A transport's connection state changed. */
  connection: [];
};

type Direction = 'send' | 'recv';

export interface MediaEndpointOptions {
  /** relay: only TURN relay candidates (a kiosk on a network that lets nothing else through); all (default): direct first. */
  iceTransportPolicy?: 'all' | 'relay';
}

/** Fresh credentials are fetched this long before the held ones expire. */
const TURN_REFRESH_MARGIN_MS = 60_000;
/**
 * A transport not connected this long after an ICE restart gets another, the
 * wait doubling up to the last (the network may come back at any moment, and
 * a browser reports nothing new while a path stays dead).
 */
const RESTART_RETRY_MS = [5_000, 10_000, 20_000, 30_000];

export class MediaEndpoint {
  #device: Device | null = null;
  #send: msc.Transport | null = null;
  #recv: msc.Transport | null = null;
  #opening: Promise<void> | null = null;
  #closed = false;
  #iceRestarts = 0;
  #maxVideoBitrate = 0;
  #iceServers: IceServer[] = [];
  #turnRefresh: ReturnType<typeof setTimeout> | null = null;
  /** Per transport: the restart running, whether another was asked for meanwhile, the retry timer and how many in a row. */
  readonly #restarts = new Map<msc.Transport, { running: Promise<void> | null; again: boolean; retry: ReturnType<typeof setTimeout> | null; tries: number }>();
  readonly #policy: 'all' | 'relay';
  readonly #listeners: { [K in keyof EndpointEvents]: Set<() => void> } = { rebuilt: new Set(), connection: new Set() };
  readonly #unsubscribe: (() => void)[] = [];

  constructor(
    private readonly signal: CallSignal,
    readonly timeline: Timeline = new Timeline(),
    options: MediaEndpointOptions = {},
  ) {
    this.#policy = options.iceTransportPolicy ?? 'all';
    this.#unsubscribe.push(
      signal.on('mediaReset', ({ routerRtpCapabilities }) => {
        if (this.#closed || !this.#opening) return;
        log.info('media endpoint moved by the server; making transports again');
        this.#opening = this.#opening
          .catch(() => undefined) // a failed first open is retried by the rebuild itself
          .then(() => this.#refreshTurnQuietly())
          .then(() => this.#build(routerRtpCapabilities))
          .then(() => this.#emit('rebuilt'));
        this.#opening.catch((err: unknown) => log.error('rebuild after mediaReset failed', { error: err }));
      }),
    );
  }

  on<K extends keyof EndpointEvents>(event: K, fn: () => void): () => void {
    this.#listeners[event].add(fn);
    return () => this.#listeners[event].delete(fn);
  }

  #emit(event: keyof EndpointEvents): void {
    for (const fn of [...this.#listeners[event]]) {
      try {
        fn();
      } catch (err) {
        log.error('listener threw', { event, error: err });
      }
    }
  }

  /** Opens the endpoint once: device loaded, both transports made and connecting. Later calls share the first. */
  open(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('media endpoint closed'));
    this.#opening ??= (async () => {
      this.timeline.mark('media.open');
      const { routerRtpCapabilities, maxVideoBitrate, iceServers, iceServersExpireAt } = await this.signal.request('openMedia', {});
      this.#maxVideoBitrate = maxVideoBitrate;
      this.#setIceServers(iceServers, iceServersExpireAt);
      if (this.#policy === 'relay' && iceServers.length === 0) log.warn('iceTransportPolicy is relay but the server hands no TURN servers: media cannot connect');
      await this.#build(routerRtpCapabilities);
    })();
    return this.#opening;
  }

  get device(): Device | null {
    return this.#device;
  }
  get send(): msc.Transport | null {
    return this.#send;
  }
  get recv(): msc.Transport | null {
    return this.#recv;
  }
  get maxVideoBitrate(): number {
    return this.#maxVideoBitrate;
  }
  /** The transports' ICE transport policy. */
  get iceTransportPolicy(): 'all' | 'relay' {
    return this.#policy;
  }
  get iceRestarts(): number {
    return this.#iceRestarts;
  }
  get closed(): boolean {
    return this.#closed;
  }

  /** Both transports' connection states (null when not made yet). */
  states(): (msc.ConnectionState | null)[] {
    return [this.#send, this.#recv].map((t) => (t && !t.closed ? t.connectionState : null));
  }

  async #build(caps: Extract<CallSnapshot, { step: 'in-call' }>['routerRtpCapabilities']): Promise<void> {
    this.#closeTransports();
    const device = new Device();
    await device.load({ routerRtpCapabilities: routerCapabilities(caps) });
    if (this.#closed) return;
    this.#device = device;
    this.timeline.mark('media.device');
    const [send, recv] = await Promise.all([this.#transport(device, 'send'), this.#transport(device, 'recv')]);
    if (this.#closed) {
      send.close();
      recv.close();
      return;
    }
    this.#send = send;
    this.#recv = recv;
    // Warm-up: a data channel each way makes WebRTC connect both transports now.
    const warmSend = send.produceData({ ordered: false, maxRetransmits: 0, label: 'warmup', protocol: 'citizen-warmup' });
    const warmRecv = this.signal
      .request('consumeData', { transportId: recv.id })
      .then((d) => recv.consumeData({ id: d.dataConsumerId, dataProducerId: d.dataProducerId, sctpStreamParameters: d.sctpStreamParameters, label: d.label, protocol: d.protocol }));
    // Not awaited: the connection comes up by itself; a call does not wait for it either.
    warmSend.catch((err: unknown) => log.warn('send warm-up channel failed', { error: err }));
    warmRecv.catch((err: unknown) => log.warn('receive warm-up channel failed', { error: err }));
  }

  async #transport(device: Device, direction: Direction): Promise<msc.Transport> {
    const params = await this.signal.request('createTransport', { direction, sctp: true });
    const options = { ...transportOptions(params), iceServers: this.#iceServers, iceTransportPolicy: this.#policy };
    const transport = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
    this.timeline.mark(`media.transport.${direction}`);
    transport.on('connect', ({ dtlsParameters }, ok, fail) => {
      this.timeline.mark(`media.dtls.${direction}`);
      Promise.resolve()
        .then(() => this.signal.request('connectTransport', { transportId: transport.id, dtlsParameters: wireDtlsParameters(dtlsParameters) }))
        .then(() => ok(), fail);
    });
    transport.on('produce', ({ kind, rtpParameters, appData }, ok, fail) => {
      const source = appData.source === 'camera' ? 'camera' : 'microphone';
      const callId = String(appData.callId);
      Promise.resolve()
        .then(() => this.signal.request('produce', { callId, transportId: transport.id, kind, rtpParameters: wireRtpParameters(rtpParameters), source, paused: appData.paused === true }))
        .then((r) => ok({ id: r.producerId }), fail);
    });
    transport.on('producedata', ({ sctpStreamParameters, label, protocol }, ok, fail) => {
      const stream = {
        streamId: sctpStreamParameters.streamId ?? 0,
        ordered: sctpStreamParameters.ordered ?? false,
        ...(sctpStreamParameters.maxRetransmits !== undefined ? { maxRetransmits: sctpStreamParameters.maxRetransmits } : {}),
      };
      this.signal
        .request('produceData', { transportId: transport.id, sctpStreamParameters: stream, label: label ?? '', protocol: protocol ?? '' })
        .then((r) => ok({ id: r.dataProducerId }), fail);
    });
    transport.on('connectionstatechange', (state) => {
      if (state === 'connected') {
        this.timeline.mark(`media.connected.${direction}`);
        this.#connected(transport);
      }
      if (state === 'disconnected' || state === 'failed') void this.#restartIce(transport);
      this.#emit('connection');
    });
    return transport;
  }

  /**
   * One ICE restart at a time per transport: a second asked for while one runs
   * (the browser's state change and a manual one) runs after it, never beside
   * it; two at once would leave the browser with the first answer's ICE
   * credentials and the server with the second's. Until the transport
   * connects, it is tried again on a backing-off timer.
   */
  #restartIce(transport: msc.Transport): Promise<void> {
    if (transport.closed || this.#closed) return Promise.resolve();
    let r = this.#restarts.get(transport);
    if (!r) this.#restarts.set(transport, (r = { running: null, again: false, retry: null, tries: 0 }));
    if (r.running) {
      r.again = true;
      return r.running;
    }
    const entry = r;
    if (entry.retry) clearTimeout(entry.retry);
    entry.retry = null;
    entry.running = (async () => {
      do {
        entry.again = false;
        await this.#restartOnce(transport);
      } while (entry.again && !transport.closed && !this.#closed);
    })().finally(() => {
      entry.running = null;
      if (transport.closed || this.#closed || transport.connectionState === 'connected') return;
      const wait = RESTART_RETRY_MS[Math.min(entry.tries, RESTART_RETRY_MS.length - 1)]!;
      entry.tries++;
      entry.retry = setTimeout(() => {
        entry.retry = null;
        if (transport.connectionState !== 'connected') void this.#restartIce(transport);
      }, wait);
    });
    return entry.running;
  }

  #connected(transport: msc.Transport): void {
    const r = this.#restarts.get(transport);
    if (!r) return;
    if (r.retry) clearTimeout(r.retry);
    r.retry = null;
    r.tries = 0;
  }

  async #restartOnce(transport: msc.Transport): Promise<void> {
    try {
      // A restart gathers again: new TURN allocations need a credential that has not expired.
      await this.#refreshTurnQuietly();
      const { iceParameters } = await this.signal.request('restartIce', { transportId: transport.id });
      if (transport.closed) return;
      await transport.restartIce({ iceParameters });
      this.#iceRestarts++;
    } catch (err) {
      log.warn('ICE restart failed; tried again until the transport connects', { transport: transport.id, error: err });
    }
  }

  /**
   * The path each transport's media takes now (diagnostics and tests): the
   * selected ICE candidate pair's local and remote candidate types (`relay`
   * when through TURN) and, for a relay, how this side reaches TURN.
   */
  async paths(): Promise<{ direction: Direction; local: string | null; remote: string | null; relayProtocol: string | null }[]> {
    const out = [];
    for (const [direction, t] of [['send', this.#send], ['recv', this.#recv]] as const) {
      if (!t || t.closed) continue;
      const report = await t.getStats();
      const all = [...report.values()] as Record<string, unknown>[];
      const transport = all.find((s) => s.type === 'transport' && typeof s.selectedCandidatePairId === 'string');
      const pair =
        (transport && report.get(transport.selectedCandidatePairId as string)) ??
        all.find((s) => s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated === true);
      const local = pair ? (report.get(pair.localCandidateId as string) as Record<string, unknown> | undefined) : undefined;
      const remote = pair ? (report.get(pair.remoteCandidateId as string) as Record<string, unknown> | undefined) : undefined;
      out.push({
        direction,
        local: (local?.candidateType as string | undefined) ?? null,
        remote: (remote?.candidateType as string | undefined) ?? null,
        relayProtocol: (local?.relayProtocol as string | undefined) ?? null,
      });
    }
    return out;
  }

  /** Restarts ICE on both transports now (diagnostics and tests). */
  async restartIce(): Promise<void> {
    await Promise.all([this.#send, this.#recv].filter((t): t is msc.Transport => !!t).map((t) => this.#restartIce(t)));
  }

  /** Keeps the servers and schedules the next refresh before they expire. */
  #setIceServers(iceServers: IceServer[], expireAt: string | null): void {
    this.#iceServers = iceServers;
    if (this.#turnRefresh) clearTimeout(this.#turnRefresh);
    this.#turnRefresh = null;
    if (!expireAt || this.#closed || iceServers.length === 0) return;
    const delay = Math.max(5_000, Date.parse(expireAt) - Date.now() - TURN_REFRESH_MARGIN_MS);
    this.#turnRefresh = setTimeout(() => {
      this.#turnRefresh = null;
      void this.#refreshTurnQuietly();
    }, delay);
  }

  /** A failed refresh keeps the servers held: direct paths and existing allocations still work. */
  #refreshTurnQuietly(): Promise<void> {
    return this.#refreshTurn().catch((err: unknown) => log.warn('refreshing TURN credentials failed; keeping the ones held', { error: err }));
  }

  /** Fresh TURN credentials onto both transports (nothing to do without TURN). */
  async #refreshTurn(): Promise<void> {
    if (this.#closed || this.#iceServers.length === 0) return;
    const { iceServers, iceServersExpireAt } = await this.signal.request('turnCredentials', {});
    this.#setIceServers(iceServers, iceServersExpireAt);
    await Promise.all(
      [this.#send, this.#recv].filter((t): t is msc.Transport => !!t && !t.closed).map((t) => t.updateIceServers({ iceServers: this.#iceServers })),
    );
  }

  #closeTransports(): void {
    for (const r of this.#restarts.values()) if (r.retry) clearTimeout(r.retry);
    this.#restarts.clear();
    this.#send?.close();
    this.#recv?.close();
    this.#send = null;
    this.#recv = null;
  }

  /** Closes the transports (and with them every producer and consumer on them). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#turnRefresh) clearTimeout(this.#turnRefresh);
    this.#turnRefresh = null;
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#closeTransports();
    this.#emit('connection');
  }
}
