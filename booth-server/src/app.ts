/**
 * Builds the booth-server fastify app from its parts. Everything with a
 * lifecycle (store, SFU pool) is passed in or created here and closed by the
 * app's onClose hook, so `app.close()` is the one graceful shutdown.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import Fastify, { type FastifyInstance, type FastifyServerOptions, type RouteOptions } from 'fastify';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import type { BoothConfig } from '@citizen/config';
import { ErrorBody } from '@citizen/protocol';
import authPlugin from './auth/plugin';
import { authRoutes } from './auth/routes';
import csrfPlugin from './auth/csrf';
import sessionKeepAlive, { SessionPolicy } from './auth/sessions';
import { LoginThrottle } from './auth/LoginThrottle';
import { totpRoutes } from './auth/totpRoutes';
import { userRoutes } from './users/routes';
import securityHeaders, { CSP_DIRECTIVES } from './web/securityHeaders';
import { kioskRoutes } from './kiosks/routes';
import { kioskIdentityRoutes } from './kiosks/identityRoutes';
import callsPlugin from './calls/plugin';
import { inquiriesPlugin } from './inquiries/plugin';
import { supervisionPlugin } from './supervision/plugin';
import fleetPlugin from './fleet/plugin';
import controlPlugin from './control/plugin';
import profilesPlugin from './profiles/plugin';
import actionsPlugin from './actions/plugin';
import type { FleetClock } from './fleet/FleetMonitor';
import { healthRoutes } from './health/routes';
import metricsPlugin from './metrics/plugin';
import { RedisKioskTokens } from './kiosks/RedisKioskTokens';
import { Duty } from './cluster/Duty';
import { connectRedis } from './cluster/redis';
import { KIOSK_CHALLENGE_MS, KIOSK_TOKEN_MS } from './kiosks/KioskTokens';
import { staticRoutes, type StaticOptions } from './web/static';
import { BoothError, ERROR_CODES } from './errors';
import type { Store } from './store/Store';
import type { WorkerPool } from './sfu/WorkerPool';

export interface AppDeps {
  config: BoothConfig;
  store: Store;
  sfu: WorkerPool;
  /** Omit to run without the UI bundles (unit tests). */
  ui?: StaticOptions;
  logger?: FastifyServerOptions['logger'];
  /** The clock of sessions, sign-in challenges and codes (tests move it). */
  now?: () => Date;
  /** Sees every route as it is registered, before any plugin (the authorization sweep test). */
  onRoute?: (route: RouteOptions) => void;
  /** The clock of fleet health (heartbeats, the offline rule); tests move a fake one. */
  fleetClock?: FleetClock;
  /** This node's id among the site's nodes (default: host, process and a random part, new per app). */
  nodeId?: string;
}

/** How long a site-wide duty's holder keeps it unrenewed: the longest a dead node's duty waits for another node. */
export const DUTY_TTL_MS = 15_000;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, store, sfu } = deps;
  const now = deps.now ?? ((): Date => new Date());
  // Both checked here as well as by the config loader: tests build configs by hand.
  const sessions = new SessionPolicy(config.auth);
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: config.server.bodyLimitBytes,
    trustProxy: config.server.trustProxy,
    return503OnClosing: true,
    ajv: { customOptions: { removeAdditional: false, allErrors: false } },
  });

  if (deps.onRoute) app.addHook('onRoute', deps.onRoute);
  app.addSchema(ErrorBody);
  app.setErrorHandler((error, request, reply) => {
    const body = toErrorBody(error);
    if (body.statusCode >= 500) request.log.error({ err: error, code: body.code }, 'request failed');
    void reply.code(body.statusCode).send(body);
  });
  app.setNotFoundHandler({ preHandler: undefined }, (request, reply) => {
    void reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: `no route ${request.method} ${request.url}`, fix: ERROR_CODES.NOT_FOUND.fix });
  });

  await app.register(securityHeaders, { hsts: config.auth.secureCookies });
  // Before any plugin that adds routes: its onRoute hook gives every route its
  // check of the caller (and refuses a route that declares none).
  // A site's nodes share the kiosks' short-lived credentials in Redis; one node keeps them in memory.
  const kioskTokens = config.cluster.redisUrl
    ? new RedisKioskTokens({ url: config.cluster.redisUrl, prefix: config.cluster.keyPrefix, challengeMs: KIOSK_CHALLENGE_MS, tokenMs: KIOSK_TOKEN_MS })
    : undefined;
  // Site-wide duties (fleet alerts, action expiry): one node at a time among several; a single node holds them all.
  const nodeId = deps.nodeId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const dutyRedis = config.cluster.redisUrl ? connectRedis(config.cluster.redisUrl) : undefined;
  const dutyOf = (name: string): Duty =>
    Duty.start({
      ...(dutyRedis ? { redis: dutyRedis } : {}),
      keyPrefix: config.cluster.keyPrefix,
      name,
      nodeId,
      ttlMs: DUTY_TTL_MS,
      onAcquired: () => app.log.info(`site-wide duty taken [duty:${name}, node:${nodeId}]`),
      onLost: () => app.log.warn(`site-wide duty lost [duty:${name}, node:${nodeId}]`),
      onError: (err) => app.log.warn({ err }, `site-wide duty: Redis did not answer [duty:${name}]`),
    });
  const duties = { fleet: dutyOf('fleet'), actions: dutyOf('actions') };
  app.decorate('duties', duties);
  // After the plugins' preClose (their last writes), before the store closes.
  app.addHook('onClose', async () => {
    await Promise.all([duties.fleet.close(), duties.actions.close()]);
    dutyRedis?.disconnect();
  });
  await app.register(authPlugin, {
    store,
    sessions,
    metricsToken: config.auth.metricsToken,
    publicPrefixes: ['/kiosk/', '/console/', '/docs'],
    now,
    ...(kioskTokens ? { kioskTokens } : {}),
  });
  // After the auth plugin: its check goes right after the route's check of the caller.
  await app.register(csrfPlugin, { secureCookies: config.auth.secureCookies });
  // Limits are set per route (sign-in); nothing is limited unless it says so.
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyWebsocket, { options: { maxPayload: config.calls.maxMessageBytes } });
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'booth-server API',
        version: '0.1.0',
        description: 'REST API of the citizen kiosk booth-server. Agents and technicians authenticate with the session cookie from /api/auth/login; kiosks with `Authorization: Kiosk <id>:<credential>`.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'sid' },
          kiosk: { type: 'apiKey', in: 'header', name: 'Authorization' },
        },
      },
    },
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    // Swagger UI sets a few inline styles; its page (public, no data) may, nothing else may.
    staticCSP: { ...CSP_DIRECTIVES, 'style-src': ["'self'", "'unsafe-inline'"] },
  });
  await app.register(metricsPlugin, { store, sfu });
  await app.register(healthRoutes, { store, sfu, ...(kioskTokens ? { redis: kioskTokens } : {}) });
  // One throttle for every step that checks a secret (password, sign-in code, the codes of one's own second factor).
  const throttle = new LoginThrottle({ globalPerMinute: config.auth.loginAttemptsPerMinuteGlobal, now: () => now().getTime() });
  await app.register(authRoutes, {
    store,
    sessions,
    throttle,
    secureCookies: config.auth.secureCookies,
    loginAttemptsPerMinute: config.auth.loginAttemptsPerMinute,
    totpChallengeSeconds: config.auth.totpChallengeSeconds,
    now,
  });
  await app.register(totpRoutes, { store, throttle, issuer: config.auth.totpIssuer, attemptsPerMinute: config.auth.loginAttemptsPerMinute, now });
  await app.register(userRoutes, { store, now });
  await app.register(kioskRoutes, { store, now, enrolmentCodeMinutes: config.auth.kioskEnrolmentCodeMinutes });
  await app.register(kioskIdentityRoutes, { store, now });
  await app.register(inquiriesPlugin, {
    store,
    outcomeCodes: config.inquiries.outcomeCodes,
    statusLookupsPerMinute: config.inquiries.statusLookupsPerMinute,
    publicUrl: config.server.publicUrl,
    timeZone: config.kiosk.receipt.timeZone,
    fallbackLanguage: config.kiosk.receipt.fallbackLanguage,
  });
  await app.register(callsPlugin, { store, sfu, config, nodeId });
  // After the calls plugin: the live view is the call service's.
  await app.register(supervisionPlugin, {
    store,
    queues: config.routing.queues,
    timeZone: config.reports.timeZone,
    maxRangeDays: config.reports.maxRangeDays,
    now,
  });
  await app.register(fleetPlugin, {
    store,
    fleet: config.fleet,
    pingIntervalSeconds: config.calls.pingIntervalSeconds,
    socketRecheckSeconds: config.auth.socketRecheckSeconds,
    ...(deps.fleetClock ? { clock: deps.fleetClock } : {}),
    ...(dutyRedis ? { duty: duties.fleet } : {}),
  });
  await app.register(controlPlugin, { store, pingIntervalSeconds: config.calls.pingIntervalSeconds, socketRecheckSeconds: config.auth.socketRecheckSeconds });
  // After the fleet plugin: profile changes are pushed on the fleet socket too.
  await app.register(profilesPlugin, { store, now });
  await app.register(actionsPlugin, { store, now, ...(dutyRedis ? { duty: duties.actions } : {}) });
  await app.register(sessionKeepAlive, { store, policy: sessions, now });
  if (deps.ui) await app.register(staticRoutes, deps.ui);

  // Closing order: stop accepting (fastify), then the SFU (ends media), then the store.
  app.addHook('onClose', async () => {
    await sfu.close();
    await store.close();
  });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This node's site-wide duties (always held by a single node). */
    duties: { fleet: Duty; actions: Duty };
  }
}

function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof BoothError) {
    return { statusCode: error.statusCode, code: error.code, error: httpName(error.statusCode), message: error.message, fix: error.fix };
  }
  const e = error as { statusCode?: number; code?: string; message?: string; validation?: unknown };
  if (e.validation) {
    return { statusCode: 400, code: 'BAD_REQUEST', error: 'Bad Request', message: e.message ?? 'invalid request', fix: ERROR_CODES.BAD_REQUEST.fix };
  }
  const status = e.statusCode ?? 500;
  const mapped =
    e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
      ? 'UNSUPPORTED_MEDIA_TYPE'
      : e.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'PAYLOAD_TOO_LARGE'
        : status < 500
          ? 'BAD_REQUEST'
          : 'INTERNAL';
  return {
    statusCode: mapped === 'INTERNAL' ? 500 : status,
    code: mapped,
    error: httpName(mapped === 'INTERNAL' ? 500 : status),
    message: mapped === 'INTERNAL' ? 'internal error' : (e.message ?? 'bad request'),
    fix: ERROR_CODES[mapped].fix,
  };
}

function httpName(status: number): string {
  return (
    { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 429: 'Too Many Requests', 503: 'Service Unavailable' } as Record<number, string>
  )[status] ?? 'Internal Server Error';
}
