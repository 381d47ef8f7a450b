/**
 * CSRF protection for cookie-authenticated writes (@fastify/csrf-protection).
 *
 * Every POST, PATCH, PUT and DELETE that the session cookie authenticates
 * must carry the token in the `x-csrf-token` header. Exempt, because no
 * session cookie authenticates them: sign-in and its code step (public),
 * kiosks (`Authorization` header, the kiosk shell strips cookies), the
 * metrics token. The session cookie is SameSite=Strict already; the token is
 * the second line for browsers or set-ups where that is not enough.
 *
 * The token's secret lives in its own HttpOnly cookie, and each token is bound
 * to the sign-in (the session token's hash as the plugin's `userInfo`): a
 * secret cookie planted by a sibling subdomain is no use without the victim's
 * session. The HMAC key is made per process, so tokens issued before a restart
 * are refused with CSRF_TOKEN_INVALID and the console fetches a fresh one from
 * GET /api/auth/me.
 */
import fp from 'fastify-plugin';
import fastifyCsrf from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, onRequestHookHandler } from 'fastify';
import { randomBytes } from 'node:crypto';
import { CSRF_HEADER } from '@citizen/protocol';
import { isAuthHook } from './plugin';

export const CSRF_COOKIE = 'csrf';
const WRITES = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

export interface CsrfOptions {
  secureCookies: boolean;
}

async function csrfPlugin(app: FastifyInstance, opts: CsrfOptions): Promise<void> {
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: CSRF_COOKIE,
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, secure: opts.secureCookies },
    // The header only: a token in the body or query would be easier to leak.
    getToken: (request) => {
      const v = request.headers[CSRF_HEADER];
      return typeof v === 'string' ? v : undefined;
    },
    getUserInfo: (request) => (request.principal?.kind === 'user' ? request.principal.tokenHash : ''),
    csrfOpts: { userInfo: true, hmacKey: randomBytes(32) },
  });

  // Per route, at registration, right after the route's authentication check
  // (the auth plugin's onRoute hook, which runs before this one, puts it
  // first): only routes that take a write method and check their callers get
  // it. The others cannot be cookie-authenticated writes (public routes have
  // no caller on the request; GET and HEAD are not writes). At request time
  // the check still looks at the method and at who the caller turned out to be.
  const check: onRequestHookHandler = (request, reply, done) => {
    if (!WRITES.has(request.method) || request.principal?.kind !== 'user') {
      done();
      return;
    }
    app.csrfProtection(request, reply, done);
  };
  app.addHook('onRoute', (route) => {
    if (![route.method].flat().some((m) => WRITES.has(m))) return;
    const hooks = [route.onRequest ?? []].flat();
    const at = hooks.findIndex(isAuthHook);
    if (at < 0) {
      // No check of the caller: only a public route (or a static bundle) may be like that.
      const auth = (route.config as { auth?: unknown } | undefined)?.auth;
      if (auth === undefined || auth === 'public') return;
      throw new TypeError(`csrf: route ${String(route.method)} ${route.url} has no authentication hook to follow (register citizen-auth first)`);
    }
    route.onRequest = [...hooks.slice(0, at + 1), check, ...hooks.slice(at + 1)];
  });
}

/** A CSRF token for the session with this token hash (sets the secret cookie when the browser has none). */
export function issueCsrfToken(reply: FastifyReply, sessionTokenHash: string): string {
  return reply.generateCsrf({ userInfo: sessionTokenHash });
}

export default fp(csrfPlugin, { name: 'citizen-csrf', dependencies: ['@fastify/cookie', 'citizen-auth'] });
