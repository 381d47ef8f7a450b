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
import { RedisNodeBus } from '../cluster/NodeBus';
import { SharedRouting } from '../cluster/SharedRouting';
import { CallCluster } from '../cluster/CallCluster';
import { RoutingDriver } from '../cluster/RoutingDriver';
import { SiteRouting } from '../cluster/SiteRouting';
import { CallDirectory } from '../cluster/CallDirectory';
import type { CallRouting } from '../routing/CallRouting';

declare module 'fastify' {
  interface FastifyInstance {
    calls: CallService;
    /** This node's part of the site's call layer; null on a single node. */
    site: CallCluster | null;
  }
}

export interface CallsPluginOptions {
  store: Store;
  sfu: WorkerPool;
  config: BoothConfig;
  /** This node's id among the site's nodes (leases, duties, messages). */
  nodeId: string;
}

/** How long a site's routing duty lease lasts (a dead router is replaced within it). */
const ROUTING_DUTY_TTL_MS = 3000;
/** How often a node renews its lease, and after how long without a renewal it counts as dead. */
const LEASE_RENEW_MS = 1000;
const LEASE_TTL_MS = 3500;
/** How long a node waits for another to answer a request for one of its calls. */
const NODE_RPC_TIMEOUT_MS = 10_000;
/** How often a node compares its mirror of the site's waiting list with Redis. */
const SITE_QUEUE_RESYNC_MS = 5000;

async function callsPlugin(app: FastifyInstance, opts: CallsPluginOptions): Promise<void> {
  const { config, store } = opts;
  const log = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, ctx?: Record<string, unknown>): void => app.log[level](ctx ?? {}, msg);
  const routers = await SharedRouters.create(opts.sfu, MEDIA_CODECS, log);
  const queues = new QueueSet(config.routing.queues);
  const qualitySteps = qualityStepCounter(app);
  const makeRouting = (): CallRouting => new SkillRouting({ queues, agingSeconds: config.routing.agingSeconds, priorityNeeds: config.routing.priorityNeeds });
  // A site of several nodes (cluster.redisUrl): calls are routed site-wide and may span nodes.
  let site: { bus: RedisNodeBus; shared: SharedRouting; cluster: CallCluster; routing: SiteRouting } | null = null;
  let service: CallService | null = null;
  const redisUrl = config.cluster.redisUrl;
  if (redisUrl) {
    const prefix = config.cluster.keyPrefix;
    const bus = new RedisNodeBus({ url: redisUrl, prefix, onInvalid: (channel, problem) => log('warn', 'a message between nodes failed its schema and was dropped', { channel, problem }) });
    const shared = new SharedRouting({ url: redisUrl, prefix, offerTtlMs: config.calls.offerTimeoutSeconds * 1000 + 5000, makeRouting });
    const cluster = await CallCluster.start({
      nodeId: opts.nodeId,
      bus,
      shared,
      leases: { url: redisUrl, prefix, renewMs: LEASE_RENEW_MS, ttlMs: LEASE_TTL_MS, onError: (err) => log('warn', "could not renew this node's lease", { error: (err as Error).message }) },
      directory: new CallDirectory({ url: redisUrl, prefix, ttlMs: 24 * 3600_000 }),
      rpcTimeoutMs: NODE_RPC_TIMEOUT_MS,
      log,
      makeDriver: (onOffers) =>
        RoutingDriver.start({
          nodeId: opts.nodeId,
          routing: shared,
          bus,
          duty: { redisUrl, keyPrefix: prefix, ttlMs: ROUTING_DUTY_TTL_MS },
          onOffers,
          onError: (err) => log('warn', 'site routing: a pass or a kick failed', { error: (err as Error).message }),
          onHolder: (held) => log('info', held ? 'this node routes the site now' : 'this node no longer routes the site'),
        }),
    });
    const routing = await SiteRouting.start({
      nodeId: opts.nodeId,
      local: makeRouting(),
      shared,
      bus,
      describe: (id) => service?.describeForSite(id) ?? null,
      changed: () => service?.siteQueueChanged(),
      gone: (id) => service?.siteCallGone(id),
      kick: () => cluster.kick(),
      resyncMs: SITE_QUEUE_RESYNC_MS,
      onError: (err) => log('warn', "site routing: Redis did not take a change to the site's waiting list", { error: (err as Error).message }),
    });
    site = { bus, shared, cluster, routing };
  }
  service = new CallService({
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
    routing: site?.routing ?? makeRouting(),
    ...(site ? { site: site.cluster } : {}),
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
  const calls = service;
  app.decorate('calls', calls);
  app.decorate('site', site?.cluster ?? null);
  registerCallMetrics(app, calls);
  // Rows a previous run left open (crash, kill -9, power loss) are closed before anyone connects.
  // On a site, only when no other node is alive: the open rows of live nodes are their calls, and a
  // dead node's are taken over by the nodes its clients reconnect to, or closed by the node that claims it.
  const others = site ? [...(await site.cluster.aliveNow())].filter((n) => n !== opts.nodeId) : [];
  if (others.length === 0) await calls.journal.reconcile(new Date());
  else log('info', 'other nodes of the site are alive: their open inquiries are left to them', { nodes: others.length });
  await calls.loadCallbacks();

  const kiosk = kioskHandlers(calls);
  const staff = staffHandlers(calls);

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
        const r = (await calls.adopt(identity, peer, resumeToken)) ?? calls.hello(identity, peer, resumeToken);
        session = r.session as S;
        return { resumeToken: r.session.resumeToken, resumed: r.resumed, call: r.call ?? (await calls.awaySnapshot(r.session)) };
      }
      if (!session || !calls.sessions.isOpen(session)) throw new SignalFailure('HELLO_FIRST');
      // An agent in a call another node holds: what acts on the call runs there.
      if (session.kind === 'staff' && calls.forwards(session, method as string)) return calls.forward(session, method as string, data);
      return invoke(table, method as Exclude<keyof M, 'hello'>, session, data);
    });
    peer.onClose(() => {
      if (session) calls.sessions.detach(session, peer);
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
    async () => ({ calls: calls.recentTimelines() }),
  );

  const recheck = setInterval(() => void recheckSockets(calls, store, log), config.auth.socketRecheckSeconds * 1000);
  recheck.unref();
  app.decorate('recheckSockets', () => recheckSockets(calls, store, log));

  // Before the SFU pool and the store close (app.ts registers those later in onClose order).
  app.addHook('preClose', async () => {
    clearInterval(recheck);
    await calls.close();
    if (site) {
      await site.routing.close();
      await site.cluster.close();
      await site.bus.close();
      site.shared.close();
    }
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
    // A stand-in's socket and sign-in are checked on its own node.
    if (s.remoteNode) continue;
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
