/**
 * Fleet health: kiosks' heartbeats in, health and alerts out.
 *
 *   POST /api/kiosk/heartbeat   kiosks: the shell's heartbeat (schema Heartbeat)
 *   GET  /api/fleet             technicians, administrators: every kiosk's health
 *   GET  /api/fleet/kiosks/:id  technicians, administrators: one kiosk with its history
 *   GET  /ws/fleet              technicians, administrators: pushes kioskHealth and fleetAlert
 *
 * The fleet socket is push-only and separate from /ws/agent on purpose: the
 * agents' socket carries calls, offers and residents' answers, which a
 * technician must never receive. Nothing under /api/fleet or /ws/fleet holds
 * resident data: device states, counters, times, alert kinds.
 *
 * A fleet socket lives as long as its sign-in: sign-out and account changes
 * close it at once (auth/access.ts revokeSockets), a periodic re-check closes
 * it when the sign-in expired, and a console that stops reading (1 MiB
 * buffered) is cut off.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { Type } from '@sinclair/typebox';
import {
  FLEET_WS_PATH,
  FleetOverview,
  HEARTBEAT_PATH,
  Heartbeat,
  HeartbeatAck,
  KioskHealthDetail,
  KioskHealthQuery,
  kioskId,
  type FleetNotification,
  type Role,
} from '@citizen/protocol';
import type { BoothConfig } from '@citizen/config';
import { BoothError } from '../errors';
import type { Store, UserRecord } from '../store/Store';
import { FleetMonitor, toAlert, type FleetClock } from './FleetMonitor';
import { FleetWebhook } from './FleetWebhook';

/** Who may see fleet health. Agents and supervisors serve residents; they do not look after kiosks. */
const FLEET_ROLES: readonly Role[] = ['technician', 'admin'];
const MAX_SOCKET_BUFFER = 1024 * 1024;

export interface FleetPluginOptions {
  store: Store;
  fleet: BoothConfig['fleet'];
  /** `calls.pingIntervalSeconds`: liveness of fleet sockets, as of the others. */
  pingIntervalSeconds: number;
  /** `auth.socketRecheckSeconds`. */
  socketRecheckSeconds: number;
  clock?: FleetClock;
  /** Several nodes: the `fleet` duty; offline checks and alerts (store, webhook) only while this node holds it. */
  duty?: { isHeld(): boolean };
}

interface FleetSocket {
  ws: WebSocket;
  user: UserRecord;
  authTokenHash: string;
  answeredPing: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    fleet: {
      monitor: FleetMonitor;
      /** Closes the fleet sockets of the sign-ins `match` selects (4003); resolves with how many. */
      revokeSockets(match: (s: { user: UserRecord; authTokenHash: string }) => boolean): number;
      /** Pushes a notification to every open fleet socket (other features' news for technicians). */
      notify(n: FleetNotification): void;
    };
  }
}

async function fleetPlugin(app: FastifyInstance, opts: FleetPluginOptions): Promise<void> {
  const { store, fleet } = opts;
  if (!store) throw new TypeError('fleet plugin: store is required');
  if (!fleet) throw new TypeError('fleet plugin: fleet config is required');
  if (fleet.webhook.url && !fleet.webhook.secret) throw new TypeError('fleet.webhook.secret: required when fleet.webhook.url is set (receivers check the signature)');
  const log = (level: 'info' | 'warn' | 'error', msg: string, ctx?: Record<string, unknown>): void => app.log[level](ctx ?? {}, msg);

  const monitor = await FleetMonitor.create({
    store,
    heartbeatSeconds: fleet.heartbeatSeconds,
    offlineAfterMissed: fleet.offlineAfterMissed,
    historyDays: fleet.historyDays,
    rendererCrashesAlertAt: fleet.rendererCrashesAlertAt,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.duty ? { duty: opts.duty } : {}),
    log,
  });
  const webhook = fleet.webhook.url ? new FleetWebhook({ ...fleet.webhook, log }) : null;
  if (webhook) {
    // send() never rejects: failures are logged by the webhook itself. Only the
    // node that raised or cleared an alert posts it (others follow it from the store).
    monitor.on('alert', (alert, kiosk, origin) => origin.raisedHere && void webhook.send({ type: alert.clearedAt ? 'alert.cleared' : 'alert.raised', alert, kiosk, sentAt: new Date().toISOString() }));
  }

  const sockets = new Set<FleetSocket>();
  const broadcast = (n: FleetNotification): void => {
    if (sockets.size === 0) return;
    const text = JSON.stringify(n);
    for (const s of sockets) {
      if (s.ws.bufferedAmount > MAX_SOCKET_BUFFER) {
        log('warn', `fleet socket dropped, console not reading [user:${s.user.id}]`);
        s.ws.terminate();
        continue;
      }
      s.ws.send(text);
    }
  };
  monitor.on('kiosk', (data) => broadcast({ type: 'notification', method: 'kioskHealth', data }));
  monitor.on('alert', (data) => broadcast({ type: 'notification', method: 'fleetAlert', data }));

  /** 4003 as on the signalling sockets: the sign-in is gone, do not reconnect. */
  const revoke = (match: (s: FleetSocket) => boolean, code = 4003, reason = 'sign-in revoked'): number => {
    let n = 0;
    for (const s of [...sockets]) {
      if (!match(s)) continue;
      sockets.delete(s);
      s.ws.close(code, reason);
      n++;
    }
    return n;
  };
  app.decorate('fleet', { monitor, revokeSockets: (match) => revoke(match), notify: broadcast });

  app.post<{ Body: Heartbeat }>(
    HEARTBEAT_PATH,
    {
      config: { auth: 'kiosk' },
      schema: {
        tags: ['fleet'],
        summary: "The kiosk shell's heartbeat: app version, uptime, round trip and each device's state",
        body: Heartbeat,
        response: { 200: HeartbeatAck },
      },
    },
    async (request) => {
      if (request.principal?.kind !== 'kiosk') throw new BoothError('UNAUTHENTICATED', 'not a kiosk');
      monitor.heartbeat(request.principal.kiosk, request.body);
      return { intervalSeconds: fleet.heartbeatSeconds };
    },
  );

  app.get(
    '/api/fleet',
    {
      config: { auth: { roles: FLEET_ROLES } },
      schema: { tags: ['fleet'], summary: "Every enrolled kiosk's health: online or offline, last heartbeat, recent uptime and round trip, active alerts", response: { 200: FleetOverview } },
    },
    async (_request, reply) => {
      void reply.header('cache-control', 'no-store');
      return { heartbeatSeconds: fleet.heartbeatSeconds, kiosks: monitor.overview(await store.listKiosks()) };
    },
  );

  app.get<{ Params: { id: string }; Querystring: KioskHealthQuery }>(
    '/api/fleet/kiosks/:id',
    {
      config: { auth: { roles: FLEET_ROLES } },
      schema: {
        tags: ['fleet'],
        summary: "One kiosk's health with its heartbeats and alerts of the last `hours` (default 24)",
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        querystring: KioskHealthQuery,
        response: { 200: KioskHealthDetail },
      },
    },
    async (request, reply) => {
      let id;
      try {
        id = kioskId(request.params.id);
      } catch {
        throw new BoothError('NOT_FOUND', `no kiosk ${request.params.id}`);
      }
      const kiosk = await store.findKiosk(id);
      if (!kiosk) throw new BoothError('NOT_FOUND', `no kiosk ${id}`);
      const since = new Date(Date.now() - (request.query.hours ?? 24) * 3_600_000);
      const limit = request.query.limit ?? 500;
      // Heartbeats still in the write buffer belong to the history too.
      await monitor.flush();
      const [history, alerts] = await Promise.all([store.listHeartbeats(id, since, limit), store.listFleetAlerts(id, since, 200)]);
      void reply.header('cache-control', 'no-store');
      return {
        kiosk: monitor.health(kiosk),
        history: history.map((h) => ({ at: h.at.toISOString(), heartbeat: h.heartbeat })),
        alerts: alerts.map(toAlert),
      };
    },
  );

  app.get(FLEET_WS_PATH, { websocket: true, config: { auth: { roles: FLEET_ROLES } }, schema: { hide: true } }, (ws, request) => {
    if (request.principal?.kind !== 'user') return ws.close(1008, 'not signed in');
    const s: FleetSocket = { ws, user: request.principal.user, authTokenHash: request.principal.tokenHash, answeredPing: true };
    sockets.add(s);
    // Push only: whatever a console sends is ignored.
    ws.on('pong', () => (s.answeredPing = true));
    ws.on('close', () => sockets.delete(s));
    ws.on('error', () => sockets.delete(s));
  });

  const timers: NodeJS.Timeout[] = [];
  if (opts.pingIntervalSeconds > 0) {
    timers.push(
      setInterval(() => {
        for (const s of [...sockets]) {
          if (!s.answeredPing) {
            sockets.delete(s);
            s.ws.terminate();
            continue;
          }
          s.answeredPing = false;
          s.ws.ping();
        }
      }, opts.pingIntervalSeconds * 1000),
    );
  }
  timers.push(
    setInterval(() => {
      const now = new Date();
      void Promise.all([...sockets].map(async (s) => ((await store.findSession(s.authTokenHash, now)) ? null : s))).then(
        (gone) => revoke((s) => gone.includes(s)),
        (err: unknown) => log('warn', 'fleet socket re-check failed', { err }),
      );
    }, opts.socketRecheckSeconds * 1000),
  );
  for (const t of timers) t.unref();

  // Before the store closes (app.ts closes it in onClose): the last heartbeats and alert changes are written.
  app.addHook('preClose', async () => {
    for (const t of timers) clearInterval(t);
    revoke(() => true, 1001, 'server shutting down');
    await monitor.close();
    await webhook?.close();
  });
}

export default fp(fleetPlugin, { name: 'citizen-fleet', dependencies: ['citizen-auth'] });
