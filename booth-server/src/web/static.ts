/**
 * Serves the built kiosk renderer at /kiosk/ and the agent console at
 * /console/ (both built by `npm run build` into their dist/ folders). A
 * missing build is reported at start-up, not as a 404 later.
 */
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface StaticOptions {
  kioskDist: string;
  consoleDist: string;
}

export async function staticRoutes(app: FastifyInstance, opts: StaticOptions): Promise<void> {
  for (const [prefix, dir] of [
    ['/kiosk/', opts.kioskDist],
    ['/console/', opts.consoleDist],
  ] as const) {
    if (!existsSync(join(dir, 'index.html'))) {
      throw Object.assign(new Error(`UI bundle missing: ${join(dir, 'index.html')} (run \`npm run build\`)`), { code: 'UI_NOT_BUILT' });
    }
    await app.register(fastifyStatic, {
      root: dir,
      prefix,
      decorateReply: false,
      index: ['index.html'],
      // Content-Security-Policy, nosniff and the other security headers come from ./securityHeaders.ts, for every response.
    });
  }
  app.get('/', { config: { auth: 'public' }, schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/'));
}
