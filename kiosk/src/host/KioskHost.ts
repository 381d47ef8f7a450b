/**
 * The browser-shell host: stands in for Electron's main process where the
 * Electron binary is absent (Chromium in --kiosk --app mode). It listens on
 * loopback only and
 *  - serves the kiosk UI and API by proxying booth-server, adding the kiosk's
 *    current token (KioskIdentity) as the Authorization header, so the
 *    credential never reaches page script (the same job Electron's webRequest
 *    hook does);
 *  - answers the bridge calls of contract.ts at POST /bridge/<call> (JSON
 *    arguments, validated) and streams the bridge events as Server-Sent
 *    Events at GET /bridge/events;
 *  - owns the kiosk's hardware (KioskHardware): card reader and printer.
 */
import type { IncomingHttpHeaders } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import httpProxy from '@fastify/http-proxy';
import type { BoothConfig } from '@citizen/config';
import { createBridgeImpl, invokeBridgeCall } from '../bridgeImpl';
import { BRIDGE_ERROR_CODES, BRIDGE_EVENTS, EVENTS_PATH, type BridgeErrorBody, type BridgeErrorCode, type BridgeEvent } from '../contract';
import { credentialServerUrl } from '../credential';
import type { KioskIdentitySource } from '../identity';
import { KioskHardware, type KioskHardwareOptions } from '../hardware/KioskHardware';
import { HeartbeatSender, MediaReportBox } from '../health/HeartbeatSender';
import { KIOSK_VERSION } from '../bridgeImpl';
import { loadKioskContent } from '@citizen/config/kioskContent';
import { startShellControl } from '../control/shellControl';
import type { SelfTest } from '../selftest/SelfTest';
import { createTechnicianServices } from '../technician/services';

export interface KioskHostOptions {
  kiosk: BoothConfig['kiosk'];
  /** Whose token the proxies add; the bridge's identity and enrol calls use it too. */
  identity: KioskIdentitySource;
  logger?: boolean | { level: string; stream?: NodeJS.WritableStream };
  /** A hardware service to use (tests); otherwise one is made from `kiosk` config and closed with the host. */
  hardware?: KioskHardware;
  hardwareOptions?: KioskHardwareOptions;
  /** Limits of one event stream to a reader that does not keep up (defaults below; tests shorten them). */
  eventStream?: Partial<EventStreamLimits>;
  /** Open the control channel to booth-server and run its configuration profile (the shell does; unit tests of other things leave it off). */
  control?: boolean | { backoff?: { minMs: number; maxMs: number }; noticeSeconds?: number; graceMs?: number };
  /**
   * Restarts this host (remote action restart): the launcher's (shell.ts closes
   * the host and builds it again in the same process). Absent: a restart
   * action fails, saying this shell cannot restart itself.
   */
  restart?: () => Promise<void>;
  /** Built again by a restart: the first page to open its event stream is told to reload, so it runs against this host. */
  reloadPage?: boolean;
  /** Send the fleet-health heartbeat to booth-server (the shell does; unit tests of other things leave it off). */
  heartbeat?: boolean;
}

export interface EventStreamLimits {
  /** Bytes buffered for one stream beyond what the socket took; more and the stream is dropped. */
  maxBufferedBytes: number;
  /** How long a stream may stay backed up (no 'drain') before it is dropped. */
  drainTimeoutMs: number;
}

/*
 * Bridge events are small (a status object, a masked card) and a stream starts
 * with the current device state, so a reader that falls this far behind loses
 * nothing by being dropped: EventSource reconnects by itself.
 */
const EVENT_STREAM_LIMITS: EventStreamLimits = { maxBufferedBytes: 256 * 1024, drainTimeoutMs: 30_000 };

declare module 'fastify' {
  interface FastifyInstance {
    kioskHardware: KioskHardware;
    /** The kiosk's self-test (technician mode, remote actions). */
    kioskSelfTest: SelfTest;
  }
}

/** Hosts a page of this host may be reached by. Anything else is a DNS-rebinding attempt or another site. */
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;
const SSE_HEARTBEAT_MS = 15_000;

/**
 * Why a request may not use this host, or null if it may. Only the kiosk page,
 * in the kiosk's own browser, may use it:
 *  - Host must be a loopback name, or a DNS-rebound name (evil.example
 *    resolving to 127.0.0.1) would make another site's page same-origin;
 *  - Origin, when sent (POST, WebSocket upgrade, cross-origin fetch), must be
 *    the host's own;
 *  - Sec-Fetch-Site, when sent, must be same-origin, or none: the kiosk
 *    browser's own top-level navigation to /kiosk/, which carries no Origin.
 * A request with neither Origin nor Sec-Fetch-Site comes from a process on
 * this machine, not from a web page, and passes.
 */
export function foreignRequestReason(headers: IncomingHttpHeaders): string | null {
  const host = headers.host ?? '';
  if (!LOOPBACK_HOST.test(host)) return `host ${host || '(none)'} is not a loopback name`;
  const origin = headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) return `origin ${origin} is not http://${host}`;
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `sec-fetch-site ${site}`;
  return null;
}

function sendError(reply: FastifyReply, body: BridgeErrorBody): FastifyReply {
  const statusCode = BRIDGE_ERROR_CODES[body.code as BridgeErrorCode] ?? 500;
  return reply.code(statusCode).send({ statusCode, ...body });
}

export async function buildKioskHost(opts: KioskHostOptions): Promise<FastifyInstance> {
  const logger =
    opts.logger && typeof opts.logger === 'object'
      ? {
          level: opts.logger.level,
          ...(opts.logger.stream ? { stream: opts.logger.stream } : {}),
          // Belt and braces: card numbers are never handed to the logger, but
          // should a request body or object with one ever be logged, it is censored.
          redact: { paths: ['req.body', 'body', '*.cardNumber', '*.pan', 'card.number'], censor: '[redacted]' },
        }
      : (opts.logger ?? false);
  // Before anything else: the proxies below add the credential to whatever they forward.
  credentialServerUrl(opts.kiosk.serverUrl);
  const streamLimits: EventStreamLimits = { ...EVENT_STREAM_LIMITS, ...opts.eventStream };
  const app = Fastify({ logger });
  // Asked per request: the token is renewed while the host runs. Whatever
  // Authorization or cookie the page sent is dropped, never forwarded.
  const upstreamHeaders = (headers: Record<string, unknown>): Record<string, unknown> => {
    const { authorization: _page, cookie: _cookie, ...rest } = headers;
    const auth = opts.identity.authorization();
    return auth ? { ...rest, authorization: auth } : rest;
  };

  /*
   * One guard for every request, registered before any route so that every
   * route and plugin below inherits it, and the 404 handler too. Every route of
   * this host either carries the kiosk credential upstream (the proxies) or
   * reaches the hardware (the bridge), so none is exempt. It never looks at
   * the URL: the router decodes percent-escapes before it matches
   * (`/%62ridge/info` is the bridge), so a check on the raw path could be
   * sidestepped. WebSocket upgrades reach it too: @fastify/http-proxy sends
   * them through the router, and a refused one is answered 403 instead of 101.
   */
  app.addHook('onRequest', async (request, reply) => {
    const reason = foreignRequestReason(request.headers);
    if (reason === null) return;
    request.log.warn(`request refused [method:${request.method}, url:${request.url}, reason:${reason}]`);
    await sendError(reply, { code: 'BRIDGE_FORBIDDEN_ORIGIN', message: `${reason}: only the kiosk page may use the kiosk host` });
  });
  // A token booth-server refuses (revoked, re-enrolled elsewhere, a server restart): the shell asks for a new one at once.
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 401 && request.url.startsWith('/api/kiosk')) opts.identity.recheck?.();
  });
  const ownHardware = !opts.hardware;
  const hardware =
    opts.hardware ??
    new KioskHardware(opts.kiosk, {
      ...opts.hardwareOptions,
      log: opts.hardwareOptions?.log ?? { info: (m) => app.log.info(m), warn: (m) => app.log.warn(m) },
    });
  app.decorate('kioskHardware', hardware);
  if (ownHardware) {
    hardware.start();
    app.addHook('onClose', async () => hardware.close());
  }
  const media = new MediaReportBox();
  const content = loadKioskContent();
  const technician = createTechnicianServices({
    config: opts.kiosk,
    hardware,
    identity: opts.identity,
    version: KIOSK_VERSION,
    serverUrl: opts.kiosk.serverUrl,
    media,
    log: { info: (m) => app.log.info(m), warn: (m) => app.log.warn(m) },
  });
  app.decorate('kioskSelfTest', technician.selfTest);
  const controlOpts = typeof opts.control === 'object' ? opts.control : {};
  const control = opts.control
    ? startShellControl({
        serverUrl: opts.kiosk.serverUrl,
        identity: opts.identity,
        config: opts.kiosk,
        content,
        hardware,
        log: { info: (m) => app.log.info(m), warn: (m) => app.log.warn(m) },
        ...(controlOpts.backoff ? { backoff: controlOpts.backoff } : {}),
        ...(controlOpts.noticeSeconds !== undefined ? { noticeSeconds: controlOpts.noticeSeconds } : {}),
        ...(controlOpts.graceMs !== undefined ? { graceMs: controlOpts.graceMs } : {}),
        selfTest: technician.selfTest,
        // Called only once the bridge below exists (an action runs after the host is built).
        endSession: () => bridge.endSession(null),
        // The page listens for `reload` on its event stream; with no stream open there is no screen to reload.
        reload: async () => {
          if (hardware.listenerCount('reload') === 0) throw new Error('no kiosk screen is connected to this shell');
          hardware.emit('reload', {});
        },
        ...(opts.restart ? { restart: opts.restart } : {}),
      })
    : null;
  // Before the hardware closes (onClose): nothing is applied to closed devices.
  if (control) app.addHook('preClose', async () => control.close());
  const bridge = createBridgeImpl({
    config: opts.kiosk,
    shell: 'browser',
    hardware,
    media,
    identity: opts.identity,
    content,
    ...(control ? { profile: control.profile, actions: control.actions } : {}),
    technician,
  });
  if (opts.heartbeat) {
    const heartbeat = new HeartbeatSender({
      serverUrl: opts.kiosk.serverUrl,
      authorization: () => opts.identity.authorization() ?? '',
      appVersion: KIOSK_VERSION,
      // Chromium's renderer crashes are not visible to this host (Electron's main process counts its own).
      sources: { hardware: () => hardware.status(), media: () => media.get(), rendererCrashes: () => 0 },
      log: { info: (m) => app.log.info(m), warn: (m) => app.log.warn(m) },
    });
    const soon = (): void => heartbeat.sendSoon();
    media.onChange = soon;
    hardware.on('printerStatus', soon);
    hardware.on('cardReaderStatus', soon);
    app.addHook('onReady', async () => heartbeat.start());
    app.addHook('preClose', async () => {
      hardware.off('printerStatus', soon);
      hardware.off('cardReaderStatus', soon);
      await heartbeat.close();
    });
  }

  // Only the kiosk UI, its API calls and its signalling socket go upstream;
  // staff-only paths (console, docs, metrics) are not reachable through the kiosk.
  for (const prefix of ['/kiosk', '/api/kiosk']) {
    await app.register(httpProxy, {
      upstream: opts.kiosk.serverUrl,
      prefix,
      rewritePrefix: prefix,
      replyOptions: { rewriteRequestHeaders: (_req, headers) => upstreamHeaders(headers) as typeof headers },
    });
  }
  // @fastify/http-proxy calls wsClientOptions.rewriteRequestHeaders for every
  // upgrade (its default copies the page's cookie); its typings omit it, so it
  // goes in through a variable, which TypeScript lets carry the extra field.
  const wsClientOptions = { headers: {}, rewriteRequestHeaders: (headers: Record<string, unknown>) => upstreamHeaders(headers) };
  await app.register(httpProxy, {
    upstream: opts.kiosk.serverUrl,
    prefix: '/ws/kiosk',
    rewritePrefix: '/ws/kiosk',
    websocket: true,
    wsClientOptions,
  });

  // Bodies are parsed here, not by fastify's JSON parser, so an empty or
  // malformed body gets the bridge's own coded error.
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 16_384 }, (_req, body, done) => done(null, body));
    scope.post('/bridge/:call', async (request: FastifyRequest<{ Params: { call: string } }>, reply) => {
      const raw = typeof request.body === 'string' ? request.body : '';
      let args: unknown;
      if (raw.trim() !== '') {
        try {
          args = JSON.parse(raw);
        } catch {
          return sendError(reply, { code: 'BRIDGE_INVALID_ARGUMENTS', message: `${request.params.call}: the body is not JSON` });
        }
      }
      const result = await invokeBridgeCall(bridge, request.params.call, args);
      if (!result.ok) return sendError(reply, result.error);
      return reply.send(result.value);
    });
  });

  let reloadPage = opts.reloadPage === true;
  // Open event streams; ended before the server closes, which would otherwise wait for them.
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });
  app.get(EVENTS_PATH, (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let drainTimer: NodeJS.Timeout | undefined;
    /*
     * Backpressure: once the socket stops taking data (write() returns false)
     * Node buffers every further write in memory. A reader that is slow or
     * stuck (a frozen renderer, a socket nobody reads) would grow that buffer
     * without bound, so the stream is dropped when the buffer passes
     * maxBufferedBytes or the socket has not drained within drainTimeoutMs.
     * destroy(), not end(): end() would keep the buffer until a stuck reader
     * took it.
     */
    const drop = (why: string): void => {
      request.log.warn(`event stream dropped [reason:${why}, buffered:${res.writableLength}]`);
      stop();
      res.destroy();
    };
    const write = (chunk: string): void => {
      if (res.destroyed || res.writableEnded) return;
      if (res.writableLength + Buffer.byteLength(chunk) > streamLimits.maxBufferedBytes) return drop('reader too slow');
      if (res.write(chunk) || drainTimer) return;
      drainTimer = setTimeout(() => drop('reader stopped reading'), streamLimits.drainTimeoutMs);
      drainTimer.unref();
      res.once('drain', () => {
        clearTimeout(drainTimer);
        drainTimer = undefined;
      });
    };
    const send = (event: BridgeEvent, payload: unknown): void => write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
    const listeners = (Object.keys(BRIDGE_EVENTS) as BridgeEvent[]).map((event) => {
      const fn = (payload: unknown): void => send(event, payload);
      hardware.on(event, fn);
      return () => hardware.off(event, fn);
    });
    const heartbeat = setInterval(() => write(': keep-alive\n\n'), SSE_HEARTBEAT_MS);
    heartbeat.unref();
    const stop = (): void => {
      if (!streams.delete(end)) return;
      clearInterval(heartbeat);
      clearTimeout(drainTimer);
      for (const off of listeners) off();
    };
    const end = (): void => {
      stop();
      res.end();
    };
    streams.add(end);
    request.raw.once('close', stop);
    // The state at connect, so a (re)loaded renderer need not ask first.
    const now = hardware.status();
    send('printerStatus', now.printer);
    send('cardReaderStatus', now.cardReader);
    if (reloadPage) {
      reloadPage = false;
      send('reload', {});
    }
  });

  app.get('/', async (_request, reply) => reply.redirect('/kiosk/'));
  return app;
}
