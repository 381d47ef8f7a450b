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
 */
import { Device } from 'mediasoup-client';
import type { types as msc } from 'mediasoup-client';
import type { CallSnapshot } from '@citizen/protocol';
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

export class MediaEndpoint {
  #device: Device | null = null;
  #send: msc.Transport | null = null;
  #recv: msc.Transport | null = null;
  #opening: Promise<void> | null = null;
  #closed = false;
  #iceRestarts = 0;
  #maxVideoBitrate = 0;
  readonly #listeners: { [K in keyof EndpointEvents]: Set<() => void> } = { rebuilt: new Set(), connection: new Set() };
  readonly #unsubscribe: (() => void)[] = [];

  constructor(
    private readonly signal: CallSignal,
    readonly timeline: Timeline = new Timeline(),
  ) {
    this.#unsubscribe.push(
      signal.on('mediaReset', ({ routerRtpCapabilities }) => {
        if (this.#closed || !this.#opening) return;
        log.info('media endpoint moved by the server; making transports again');
        this.#opening = this.#opening
          .catch(() => undefined) // a failed first open is retried by the rebuild itself
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
      const { routerRtpCapabilities, maxVideoBitrate } = await this.signal.request('openMedia', {});
      this.#maxVideoBitrate = maxVideoBitrate;
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
    const options = transportOptions(params);
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
      if (state === 'connected') this.timeline.mark(`media.connected.${direction}`);
      if (state === 'disconnected' || state === 'failed') void this.#restartIce(transport);
      this.#emit('connection');
    });
    return transport;
  }

  async #restartIce(transport: msc.Transport): Promise<void> {
    if (transport.closed || this.#closed) return;
    try {
      const { iceParameters } = await this.signal.request('restartIce', { transportId: transport.id });
      if (transport.closed) return;
      await transport.restartIce({ iceParameters });
      this.#iceRestarts++;
    } catch (err) {
      log.warn('ICE restart failed; will retry on the next state change', { transport: transport.id, error: err });
    }
  }

  /** Restarts ICE on both transports now (diagnostics and tests). */
  async restartIce(): Promise<void> {
    await Promise.all([this.#send, this.#recv].filter((t): t is msc.Transport => !!t).map((t) => this.#restartIce(t)));
  }

  #closeTransports(): void {
    this.#send?.close();
    this.#recv?.close();
    this.#send = null;
    this.#recv = null;
  }

  /** Closes the transports (and with them every producer and consumer on them). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#unsubscribe.splice(0)) off();
    this.#closeTransports();
    this.#emit('connection');
  }
}
