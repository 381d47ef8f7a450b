/**
 * Signalling endpoints: /ws/kiosk (kiosk credential) and /ws/agent (staff
 * session cookie). Authentication runs in the normal onRequest hook before
 * the upgrade; each socket then gets a SignalSocket that validates its
 * messages and hands them to the handler table of its kind of client.
 *
 * A socket is authorised for as long as what it was opened with is valid:
 * sign-out closes the user's sockets at once (auth routes call `revoke`), and
 * a periodic re-check closes sockets whose sign-in expired or was deleted, or
 * whose kiosk was removed or got a new credential.
 */
import fp from 'fastify-plugin';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { KIOSK_REQUESTS, KIOSK_WS_PATH, STAFF_REQUESTS, STAFF_WS_PATH, type MethodTable, type RequestData } from '@citizen/protocol';
import type { BoothConfig } from '@citizen/config';
import type { Store } from '../store/Store';
import type { WorkerPool } from '../sfu/WorkerPool';
import { SignalSocket } from '../signalling/SignalSocket';
import { CallService, type ClientIdentity, type Session } from './CallService';
import { SignalFailure } from './errors';
import { invoke, kioskHandlers, staffHandlers, type HandlerTable } from './handlers';
import { qualityStepCounter, registerCallMetrics } from './metrics';
import { MEDIA_CODECS } from './CallRoom';
import { SharedRouters } from '../sfu/SharedRouters';
import { SkillRouting } from '../routing/SkillRouting';
import { QueueSet } from '../routing/queues';
import { promiseFor } from '../inquiries/serviceStandards';
import { TurnIssuer } from '../turn/credentials';

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

async function callsPlugin(app: FastifyInstance, opts: CallsPluginOptions): Promise<void> {
  const { config, store } = opts;
  const log = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, ctx?: Record<string, unknown>): void => app.log[level](ctx ?? {}, msg);
  const routers = await SharedRouters.create(opts.sfu, MEDIA_CODECS, log);
  const queues = new QueueSet(config.routing.queues);
  const qualitySteps = qualityStepCounter(app);
  const service = new CallService({
    store,
    routers,
    media: {
      listenIps: config.sfu.listenIps,
      initialAvailableOutgoingBitrate: config.sfu.initialAvailableOutgoingBitrate,
      maxIncomingBitrate: config.sfu.maxIncomingBitrate,
      maxVideoBitrate: config.sfu.maxVideoBitrate,
      maxTransports: config.calls.maxTransportsPerParticipant,
      maxConsumers: config.calls.maxConsumersPerParticipant,
    },
    ...(config.turn.enabled ? { turn: new TurnIssuer(config.turn) } : {}),
    reconnectGraceSeconds: config.calls.reconnectGraceSeconds,
    offerTimeoutSeconds: config.calls.offerTimeoutSeconds,
    averageHandleSeconds: config.calls.averageHandleSeconds,
    maxCallRequestsPerKioskPerMinute: config.calls.maxCallRequestsPerKioskPerMinute,
    wrapUpSeconds: config.routing.wrapUpSeconds,
    promise: (topic, createdAt) => promiseFor(config.inquiries.serviceStandards, topic, createdAt),
    routing: new SkillRouting({ queues, agingSeconds: config.routing.agingSeconds, priorityNeeds: config.routing.priorityNeeds }),
    queues,
    callbacks: {
      retryMinutes: config.routing.callbackRetryMinutes,
      maxAttempts: config.routing.callbackMaxAttempts,
      suggestAboveSeconds: config.routing.callbackOfferAboveSeconds,
    },
    quality: config.calls.quality,
    qualityChanged: (q) => qualitySteps.inc({ stage: q.stage, by: q.by }),
    log,
  });
  app.decorate('calls', service);
  registerCallMetrics(app, service);
  // Rows a previous run left open (crash, kill -9, power loss) are closed before anyone connects.
  await service.journal.reconcile(new Date());
  await service.loadCallbacks();

  const kiosk = kioskHandlers(service);
  const staff = staffHandlers(service);

  function connect<M extends MethodTable, S extends Session>(ws: WebSocket, identity: ClientIdentity, methods: M, table: HandlerTable<M, S>): void {
    const peer = new SignalSocket(ws, methods, {
      maxMessagesPerSecond: config.calls.maxMessagesPerSecond,
      pingIntervalMs: config.calls.pingIntervalSeconds * 1000,
      checkResults: config.calls.checkResults,
      log,
    });
    let session: S | null = null;
    peer.setHandler(async (method, data) => {
      if (method === 'hello') {
        const { resumeToken } = data as RequestData<M, 'hello'> & { resumeToken?: string };
        const r = service.hello(identity, peer, resumeToken);
        session = r.session as S;
        return { resumeToken: r.session.resumeToken, resumed: r.resumed, call: r.call };
      }
      if (!session || !service.sessions.isOpen(session)) throw new SignalFailure('HELLO_FIRST');
      return invoke(table, method as Exclude<keyof M, 'hello'>, session, data);
    });
    peer.onClose(() => {
      if (session) service.sessions.detach(session, peer);
    });
  }

  app.get(KIOSK_WS_PATH, { websocket: true, config: { auth: 'kiosk' }, schema: { hide: true } }, (socket, request) => {
    if (request.principal?.kind !== 'kiosk') return socket.close(1008, 'not a kiosk');
    connect(socket, { kind: 'kiosk', kiosk: request.principal.kiosk }, KIOSK_REQUESTS, kiosk);
  });
  app.get(STAFF_WS_PATH, { websocket: true, config: { auth: { roles: ['agent', 'supervisor'] } }, schema: { hide: true } }, (socket, request) => {
    if (request.principal?.kind !== 'user') return socket.close(1008, 'not signed in');
    connect(socket, { kind: 'staff', user: request.principal.user, authTokenHash: request.principal.tokenHash }, STAFF_REQUESTS, staff);
  });

  app.get(
    '/api/diagnostics/call-setup',
    {
      config: { auth: 'metrics' },
      schema: {
        tags: ['ops'],
        summary: 'Server-side set-up stages of the last 100 calls (ids and times only), for technicians and the set-up benchmark',
        response: {
          200: Type.Object({ calls: Type.Array(Type.Object({ callId: Type.String(), marks: Type.Record(Type.String(), Type.Number()) })) }),
        },
      },
    },
    async () => ({ calls: service.recentTimelines() }),
  );

  const recheck = setInterval(() => void recheckSockets(service, store, log), config.auth.socketRecheckSeconds * 1000);
  recheck.unref();
  app.decorate('recheckSockets', () => recheckSockets(service, store, log));

  // Before the SFU pool and the store close (app.ts registers those later in onClose order).
  app.addHook('preClose', async () => {
    clearInterval(recheck);
    await service.close();
    routers.close();
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Closes sockets whose sign-in or kiosk credential is no longer valid; resolves with how many. */
    recheckSockets(): Promise<number>;
  }
}

async function recheckSockets(service: CallService, store: Store, log: (level: 'warn', msg: string, ctx?: Record<string, unknown>) => void): Promise<number> {
  const now = new Date();
  const revoked = new Set<Session>();
  for (const s of [...service.sessions.all()]) {
    try {
      if (s.kind === 'staff') {
        if (!(await store.findSession(s.authTokenHash, now))) revoked.add(s);
      } else {
        const k = await store.findKiosk(s.kiosk.id);
        if (!k || k.credentialHash !== s.kiosk.credentialHash) revoked.add(s);
      }
    } catch (err) {
      // A store that cannot answer does not disconnect people; the next round checks again.
      log('warn', 'socket re-check failed', { error: (err as Error).message });
      return 0;
    }
  }
  return service.sessions.revoke((s) => revoked.has(s));
}

export default fp(callsPlugin, { name: 'citizen-calls', dependencies: ['citizen-metrics', 'citizen-auth'] });
