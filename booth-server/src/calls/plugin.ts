/**
 * Signalling endpoints: /ws/kiosk (kiosk credential) and /ws/agent (staff
 * session cookie). Authentication runs in the normal onRequest hook before
 * the upgrade; each socket then gets a SignalSocket that validates its
 * messages and hands them to the CallService.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import { Gauge } from 'prom-client';
import { KIOSK_REQUESTS, KIOSK_WS_PATH, STAFF_REQUESTS, STAFF_WS_PATH, type RequestData } from '@citizen/protocol';
import type { BoothConfig } from '@citizen/config';
import type { Store } from '../store/Store';
import type { WorkerPool } from '../sfu/WorkerPool';
import { SignalSocket, type MethodTable } from '../signalling/SignalSocket';
import { CallService, type ClientIdentity, type KioskSession, type Session, type StaffSession } from './CallService';
import { SignalFailure } from './errors';

declare module 'fastify' {
  interface FastifyInstance {
    calls: CallService;
  }
}

export interface CallsPluginOptions {
  store: Store;
  sfu: WorkerPool;
  config: BoothConfig;
}

type KioskReq = typeof KIOSK_REQUESTS;
type StaffReq = typeof STAFF_REQUESTS;

async function callsPlugin(app: FastifyInstance, opts: CallsPluginOptions): Promise<void> {
  const { config } = opts;
  const service = new CallService({
    store: opts.store,
    sfu: opts.sfu,
    media: {
      listenIps: config.sfu.listenIps,
      initialAvailableOutgoingBitrate: config.sfu.initialAvailableOutgoingBitrate,
      maxIncomingBitrate: config.sfu.maxIncomingBitrate,
      maxVideoBitrate: config.sfu.maxVideoBitrate,
    },
    reconnectGraceSeconds: config.calls.reconnectGraceSeconds,
    offerTimeoutSeconds: config.calls.offerTimeoutSeconds,
    averageHandleSeconds: config.calls.averageHandleSeconds,
    log: (level, msg, ctx) => app.log[level](ctx ?? {}, msg),
  });
  app.decorate('calls', service);
  registerSfuGauges(app, service);

  const connect = (socket: import('ws').WebSocket, identity: ClientIdentity, methods: MethodTable): void => {
    const peer = new SignalSocket(socket, methods, {
      maxMessagesPerSecond: config.calls.maxMessagesPerSecond,
      log: (level, msg, ctx) => app.log[level](ctx ?? {}, msg),
    });
    let session: Session | null = null;
    peer.setHandler(async (method, data) => {
      if (method === 'hello') {
        const { resumeToken } = data as RequestData<KioskReq, 'hello'>;
        const r = service.hello(identity, peer, resumeToken);
        session = r.session;
        return { resumeToken: session.resumeToken, resumed: r.resumed, call: service.snapshotFor(session) };
      }
      if (!session) throw new SignalFailure('HELLO_FIRST');
      return dispatch(service, session, method, data);
    });
    peer.onClose(() => {
      if (session) service.detach(session, peer);
    });
  };

  app.get(KIOSK_WS_PATH, { websocket: true, config: { auth: 'kiosk' }, schema: { hide: true } }, (socket, request) => {
    if (request.principal?.kind !== 'kiosk') return socket.close(1008, 'not a kiosk');
    connect(socket, { kind: 'kiosk', kiosk: request.principal.kiosk }, KIOSK_REQUESTS as unknown as MethodTable);
  });
  app.get(STAFF_WS_PATH, { websocket: true, config: { auth: { roles: ['agent', 'supervisor'] } }, schema: { hide: true } }, (socket, request) => {
    if (request.principal?.kind !== 'user') return socket.close(1008, 'not signed in');
    connect(socket, { kind: 'staff', user: request.principal.user }, STAFF_REQUESTS as unknown as MethodTable);
  });

  // Before the SFU pool and the store close (app.ts registers those later in onClose order).
  app.addHook('preClose', async () => service.close());
}

/** Requests common to kiosks and staff, then the role-specific ones. */
async function dispatch(service: CallService, session: Session, method: string, data: unknown): Promise<unknown> {
  const d = data as Record<string, never>;
  switch (method) {
    case 'createTransport': {
      const { callId, direction } = data as RequestData<KioskReq, 'createTransport'>;
      const { room, participantId } = service.room(session, callId);
      return room.createTransport(participantId, direction);
    }
    case 'connectTransport': {
      const { callId, transportId, dtlsParameters } = data as RequestData<KioskReq, 'connectTransport'>;
      const { room, participantId } = service.room(session, callId);
      return room.connectTransport(participantId, transportId, dtlsParameters as ms.DtlsParameters);
    }
    case 'produce': {
      const { callId, transportId, kind, source, rtpParameters, paused } = data as RequestData<KioskReq, 'produce'>;
      const { room, participantId } = service.room(session, callId);
      return { producerId: await room.produce(participantId, transportId, kind, source, rtpParameters as ms.RtpParameters, paused) };
    }
    case 'closeProducer': {
      const { callId, producerId } = data as RequestData<KioskReq, 'closeProducer'>;
      const { room, participantId } = service.room(session, callId);
      return room.closeProducer(participantId, producerId);
    }
    case 'pauseProducer':
    case 'resumeProducer': {
      const { callId, producerId } = data as RequestData<KioskReq, 'pauseProducer'>;
      const { room, participantId } = service.room(session, callId);
      return room.setProducerPaused(participantId, producerId, method === 'pauseProducer');
    }
    case 'consume': {
      const { callId, transportId, producerId, rtpCapabilities } = data as RequestData<KioskReq, 'consume'>;
      const { room, participantId } = service.room(session, callId);
      return room.consume(participantId, transportId, producerId, rtpCapabilities as ms.RtpCapabilities);
    }
    case 'resumeConsumer': {
      const { callId, consumerId } = data as RequestData<KioskReq, 'resumeConsumer'>;
      const { room, participantId } = service.room(session, callId);
      return room.resumeConsumer(participantId, consumerId);
    }
    case 'restartIce': {
      const { callId, transportId } = data as RequestData<KioskReq, 'restartIce'>;
      const { room, participantId } = service.room(session, callId);
      return { iceParameters: await room.restartIce(participantId, transportId) };
    }
    case 'getTransportStats': {
      const { callId, transportId } = data as RequestData<KioskReq, 'getTransportStats'>;
      const { room, participantId } = service.room(session, callId);
      return room.transportStats(participantId, transportId);
    }
    case 'endCall':
      return service.endCall(session, (data as RequestData<KioskReq, 'endCall'>).callId);
  }
  if (session.kind === 'kiosk') return dispatchKiosk(service, session, method, d);
  return dispatchStaff(service, session, method, d);
}

async function dispatchKiosk(service: CallService, session: KioskSession, method: string, data: unknown): Promise<unknown> {
  switch (method) {
    case 'requestCall':
      return service.requestCall(session, data as RequestData<KioskReq, 'requestCall'>);
    case 'leaveQueue':
      return service.leaveQueue(session, (data as RequestData<KioskReq, 'leaveQueue'>).callId);
  }
  throw new SignalFailure('UNKNOWN_METHOD');
}

async function dispatchStaff(service: CallService, session: StaffSession, method: string, data: unknown): Promise<unknown> {
  switch (method) {
    case 'setAvailability':
      return service.setAvailability(session, (data as RequestData<StaffReq, 'setAvailability'>).available);
    case 'acceptCall':
      return service.acceptCall(session, (data as RequestData<StaffReq, 'acceptCall'>).callId);
    case 'declineCall':
      return service.declineCall(session, (data as RequestData<StaffReq, 'declineCall'>).callId);
    case 'listCalls':
      return service.listCalls(session);
    case 'joinCall': {
      const { callId, as } = data as RequestData<StaffReq, 'joinCall'>;
      return service.joinCall(session, callId, as);
    }
    case 'leaveCall':
      return service.leaveCall(session, (data as RequestData<StaffReq, 'leaveCall'>).callId);
  }
  throw new SignalFailure('UNKNOWN_METHOD');
}

/**
 * Live mediasoup object counts, taken from mediasoup's own observer events
 * (not from our maps), so a leak in the call code shows up here.
 */
const live = { router: 0, transport: 0, producer: 0, consumer: 0 };
let observing = false;
function observeMediasoup(): void {
  if (observing) return;
  observing = true;
  const track = (kind: keyof typeof live, obj: { observer: { once(e: 'close', fn: () => void): void } }): void => {
    live[kind]++;
    obj.observer.once('close', () => live[kind]--);
  };
  mediasoup.observer.on('newworker', (worker: ms.Worker) => {
    worker.observer.on('newrouter', (router: ms.Router) => {
      track('router', router);
      router.observer.on('newtransport', (transport: ms.Transport) => {
        track('transport', transport);
        transport.observer.on('newproducer', (p: ms.Producer) => track('producer', p));
        transport.observer.on('newconsumer', (c: ms.Consumer) => track('consumer', c));
      });
    });
  });
}
export function liveSfuObjects(): Readonly<typeof live> {
  return { ...live };
}
observeMediasoup();

function registerSfuGauges(app: FastifyInstance, service: CallService): void {
  new Gauge({
    name: 'booth_sfu_objects',
    help: 'Live mediasoup objects in this process by kind',
    labelNames: ['kind'] as const,
    registers: [app.metrics],
    collect() {
      for (const [kind, n] of Object.entries(live)) this.set({ kind }, n);
    },
  });
  new Gauge({
    name: 'booth_calls',
    help: 'Calls by state, and signalling sessions',
    labelNames: ['state'] as const,
    registers: [app.metrics],
    collect() {
      const c = service.counts();
      this.set({ state: 'queued' }, c.queued);
      this.set({ state: 'offered' }, c.offered);
      this.set({ state: 'in-call' }, c.inCall);
      this.set({ state: 'sessions' }, c.sessions);
    },
  });
}

export default fp(callsPlugin, { name: 'citizen-calls', dependencies: ['citizen-metrics', 'citizen-auth'] });
