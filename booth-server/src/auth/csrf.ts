/**
 * CSRF protection for cookie-authenticated writes.
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
 *
 * The tokens are @fastify/csrf's (a salt and an HMAC of secret, salt and
 * user info), the scheme @fastify/csrf-protection uses; the cookie is read
 * only by the check and when a token is issued (./cookies.ts), so no request
 * pays for a cookie plugin's hooks.
 */
import fp from 'fastify-plugin';
import Tokens from '@fastify/csrf';
import type { FastifyInstance, FastifyReply, onRequestHookHandler } from 'fastify';
import { randomBytes } from 'node:crypto';
import { CSRF_HEADER } from '@citizen/protocol';
import { BoothError } from '../errors';
import { isAuthHook } from './plugin';
import { requestCookie, setCookie, type CookieOptions } from './cookies';

export const CSRF_COOKIE = 'csrf';
const WRITES = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

export interface CsrfOptions {
  secureCookies: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Issues CSRF tokens (see issueCsrfToken). */
    csrf: { issue(reply: FastifyReply, userInfo: string): string };
  }
}

async function csrfPlugin(app: FastifyInstance, opts: CsrfOptions): Promise<void> {
  const tokens = new Tokens({ userInfo: true, hmacKey: randomBytes(32) });
  const cookieOpts: CookieOptions = { path: '/', sameSite: 'strict', httpOnly: true, secure: opts.secureCookies };

  app.decorate('csrf', {
    issue(reply: FastifyReply, userInfo: string): string {
      let secret = requestCookie(reply.request, CSRF_COOKIE);
      if (!secret) {
        secret = tokens.secretSync();
        setCookie(reply, CSRF_COOKIE, secret, cookieOpts);
      }
      return tokens.create(secret, userInfo);
    },
  });

  // Per route, at registration, right after the route's authentication check
  // (the auth plugin's onRoute hook, which runs before this one, puts it
  // first): only routes that take a write method and check their callers get
  // it. The others cannot be cookie-authenticated writes (public routes have
  // no caller on the request; GET and HEAD are not writes). At request time
  // the check still looks at the method and at who the caller turned out to be:
  // the token must come from this sign-in (its token hash is the user info)
  // and from the secret in this browser's cookie.
  const check: onRequestHookHandler = (request, _reply, done) => {
    if (!WRITES.has(request.method) || request.principal?.kind !== 'user') {
      done();
      return;
    }
    const secret = requestCookie(request, CSRF_COOKIE);
    const token = request.headers[CSRF_HEADER];
    if (!secret || typeof token !== 'string' || !tokens.verify(secret, token, request.principal.tokenHash)) {
      done(new BoothError('CSRF_TOKEN_INVALID', secret ? 'missing or invalid CSRF token' : 'missing CSRF secret cookie'));
      return;
    }
    done();
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
  return reply.server.csrf.issue(reply, sessionTokenHash);
}

export default fp(csrfPlugin, { name: 'citizen-csrf', dependencies: ['citizen-auth'] });
