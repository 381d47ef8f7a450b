/**
 * The browser-shell host: stands in for Electron's main process where the
 * Electron binary is absent (Chromium in --kiosk --app mode). It listens on
 * loopback only and
 *  - serves the kiosk UI and API by proxying booth-server, adding the kiosk's
 *    credential header, so the credential never reaches page script (the same
 *    job Electron's webRequest hook does);
 *  - answers the bridge calls of contract.ts at POST /bridge/<call> (JSON
 *    arguments, validated) and streams the bridge events as Server-Sent
 *    Events at GET /bridge/events;
 *  - owns the kiosk's hardware (KioskHardware): card reader and printer.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import httpProxy from '@fastify/http-proxy';
import type { BoothConfig } from '@citizen/config';
import { createBridgeImpl, invokeBridgeCall } from '../bridgeImpl';
import { BRIDGE_ERROR_CODES, BRIDGE_EVENTS, EVENTS_PATH, type BridgeErrorBody, type BridgeErrorCode, type BridgeEvent } from '../contract';
import { kioskAuthHeader, type KioskCredentialFile } from '../credential';
import { KioskHardware, type KioskHardwareOptions } from '../hardware/KioskHardware';

export interface KioskHostOptions {
  kiosk: BoothConfig['kiosk'];
  credential: KioskCredentialFile;
  logger?: boolean | { level: string; stream?: NodeJS.WritableStream };
  /** A hardware service to use (tests); otherwise one is made from `kiosk` config and closed with the host. */
  hardware?: KioskHardware;
  hardwareOptions?: KioskHardwareOptions;
}

declare module 'fastify' {
  interface FastifyInstance {
    kioskHardware: KioskHardware;
  }
}

/** Hosts a page of this host may be reached by. Anything else is a DNS-rebinding attempt or another site. */
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\]):\d+$/;
const SSE_HEARTBEAT_MS = 15_000;

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
  const app = Fastify({ logger });
  const auth = kioskAuthHeader(opts.credential);
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
  const bridge = createBridgeImpl({ config: opts.kiosk, shell: 'browser', hardware });

  // Only the kiosk UI, its API calls and its signalling socket go upstream;
  // staff-only paths (console, docs, metrics) are not reachable through the kiosk.
  for (const prefix of ['/kiosk', '/api/kiosk']) {
    await app.register(httpProxy, {
      upstream: opts.kiosk.serverUrl,
      prefix,
      rewritePrefix: prefix,
      replyOptions: { rewriteRequestHeaders: (_req, headers) => ({ ...headers, authorization: auth, cookie: '' }) },
    });
  }
  await app.register(httpProxy, {
    upstream: opts.kiosk.serverUrl,
    prefix: '/ws/kiosk',
    rewritePrefix: '/ws/kiosk',
    websocket: true,
    wsClientOptions: { headers: { authorization: auth } },
  });

  // Bridge calls only from the kiosk page itself. A browser sends Origin on
  // POST and on cross-origin GET, and Sec-Fetch-Site on both; the Host header
  // must be a loopback name, or a DNS-rebound name could pose as "self".
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/bridge/')) return;
    const host = request.headers.host ?? '';
    const origin = request.headers.origin;
    const site = request.headers['sec-fetch-site'];
    const foreign = !LOOPBACK_HOST.test(host) || (origin !== undefined && origin !== `http://${host}`) || (site !== undefined && site !== 'same-origin' && site !== 'none');
    if (foreign) {
      await sendError(reply, { code: 'BRIDGE_FORBIDDEN_ORIGIN', message: `origin ${origin ?? '(none)'} on host ${host} may not call the kiosk bridge` });
    }
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

  // Open event streams; ended before the server closes, which would otherwise wait for them.
  const streams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });
  app.get(EVENTS_PATH, (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const send = (event: BridgeEvent, payload: unknown): void => void res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
    // The state at connect, so a (re)loaded renderer need not ask first.
    const now = hardware.status();
    send('printerStatus', now.printer);
    send('cardReaderStatus', now.cardReader);
    const listeners = (Object.keys(BRIDGE_EVENTS) as BridgeEvent[]).map((event) => {
      const fn = (payload: unknown): void => send(event, payload);
      hardware.on(event, fn);
      return () => hardware.off(event, fn);
    });
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), SSE_HEARTBEAT_MS);
    heartbeat.unref();
    const stop = (): void => {
      if (!streams.delete(end)) return;
      clearInterval(heartbeat);
      for (const off of listeners) off();
    };
    const end = (): void => {
      stop();
      res.end();
    };
    streams.add(end);
    request.raw.once('close', stop);
  });

  app.get('/', async (_request, reply) => reply.redirect('/kiosk/'));
  return app;
}
