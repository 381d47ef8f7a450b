/**
 * The browser-shell host: stands in for Electron's main process where the
 * Electron binary is absent (Chromium in --kiosk --app mode). It listens on
 * loopback only and
 *  - serves the kiosk UI and API by proxying booth-server, adding the kiosk's
 *    credential header, so the credential never reaches page script (the same
 *    job Electron's webRequest hook does);
 *  - answers the bridge calls of contract.ts at /bridge/<call>.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import httpProxy from '@fastify/http-proxy';
import type { BoothConfig } from '@citizen/config';
import { createBridgeImpl } from '../bridgeImpl';
import { BRIDGE_CALLS, httpPath, type BridgeCall } from '../contract';
import { kioskAuthHeader, type KioskCredentialFile } from '../credential';

export interface KioskHostOptions {
  kiosk: BoothConfig['kiosk'];
  credential: KioskCredentialFile;
  logger?: boolean | { level: string };
}

export async function buildKioskHost(opts: KioskHostOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: opts.logger ?? false });
  const auth = kioskAuthHeader(opts.credential);
  const bridge = createBridgeImpl(opts.kiosk, 'browser');

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

  // Bridge calls only from the kiosk page itself: a browser sends Origin on POST,
  // so another page on this machine cannot drive the kiosk's hardware.
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/bridge/')) return;
    const origin = request.headers.origin;
    const self = `http://${request.headers.host ?? ''}`;
    if (origin !== undefined && origin !== self) {
      await reply.code(403).send({ statusCode: 403, code: 'BRIDGE_FORBIDDEN_ORIGIN', error: 'Forbidden', message: `origin ${origin} may not call the kiosk bridge` });
    }
  });

  for (const call of Object.keys(BRIDGE_CALLS) as BridgeCall[]) {
    app.post(httpPath(call), { schema: { response: { 200: BRIDGE_CALLS[call] } } }, async () => bridge[call]());
  }
  app.get('/', async (_request, reply) => reply.redirect('/kiosk/'));
  return app;
}
