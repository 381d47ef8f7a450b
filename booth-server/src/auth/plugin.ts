/**
 * Authentication and authorization for every route. Each route declares
 * `config: { auth: ... }`; a route that declares nothing is refused (deny by
 * default), except the static UI bundles and the API docs, which carry no data.
 *
 * - Staff (agents, supervisors, technicians, administrators): an HttpOnly,
 *   SameSite=Strict session cookie from POST /api/auth/login; the server
 *   stores only its hash. A session ends when idle or at its absolute end
 *   (./sessions.ts), when revoked, and when its account is disabled. Sign-ins
 *   read from the store are kept for a few seconds (./SessionCache.ts): the
 *   routes that change sessions or accounts tell the cache at once.
 * - Kiosks: `Authorization: Kiosk <kioskId>:<token>`, sent by the kiosk
 *   shell (Electron main or the browser-shell host), never by page script. The
 *   token is short-lived, got by signing a challenge with the kiosk's enrolled
 *   key (../kiosks/identityRoutes.ts), and bound to that key: re-enrolment or
 *   revocation voids it at once.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';
import { KIOSK_AUTH_SCHEME, SESSION_COOKIE, kioskId, type Role } from '@citizen/protocol';
import { BoothError } from '../errors';
import { timingSafeEqual } from 'node:crypto';
import { hashSecret } from './secrets';
import { requestCookie } from './cookies';
import type { SessionPolicy } from './sessions';
import { SessionCache } from './SessionCache';
import type { KioskRecord, SessionRecord, Store, UserAccount } from '../store/Store';
import { KIOSK_CHALLENGE_MS, KIOSK_TOKEN_MS, MemoryKioskTokens, type KioskTokens } from '../kiosks/KioskTokens';

export type RouteAuth = 'public' | 'kiosk' | 'metrics' | { roles: readonly Role[] };

/**
 * `session` is as it stands after this request's use of it. A signed-in user's
 * objects may be the cache's, shared with other requests: read them, never change them.
 */
export type Principal = { kind: 'user'; user: UserAccount; tokenHash: string; session: SessionRecord } | { kind: 'kiosk'; kiosk: KioskRecord };

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** Sign-ins read recently; whatever changes a session or an account forgets it here. */
    sessionCache: SessionCache;
    /** Kiosks' challenges and tokens; revocation and re-enrolment drop a kiosk's here. */
    kioskTokens: KioskTokens;
  }
}

export interface AuthPluginOptions {
  store: Store;
  sessions: SessionPolicy;
  metricsToken: string;
  /** URL prefixes served without authentication (static bundles, docs). */
  publicPrefixes: readonly string[];
  now: () => Date;
  /** Shared by every node of a site; in memory (one node) when absent. */
  kioskTokens?: KioskTokens;
}

const SESSION_SWEEP_MS = 10 * 60_000;

/** The hooks this plugin gave routes (see isAuthHook). */
const AUTH_HOOKS = new WeakSet<object>();
/**
 * Whether a route's onRequest hook is its authentication check: hooks that
 * need the caller (the CSRF check) go right after it.
 */
export function isAuthHook(hook: unknown): boolean {
  return typeof hook === 'function' && AUTH_HOOKS.has(hook);
}
/** How long a sign-in read from the store is trusted before it is read again (see SessionCache). */
export const SESSION_CACHE_MS = 5_000;
const SESSION_CACHE_ENTRIES = 10_000;

async function authPlugin(app: FastifyInstance, opts: AuthPluginOptions): Promise<void> {
  const { store, sessions, metricsToken, publicPrefixes, now } = opts;
  if (!store) throw new TypeError('auth plugin: store is required');
  if (!sessions) throw new TypeError('auth plugin: sessions is required');
  app.decorateRequest('principal', null);
  const cache = new SessionCache({ ttlMs: SESSION_CACHE_MS, maxEntries: SESSION_CACHE_ENTRIES });
  app.decorate('sessionCache', cache);
  const kioskTokens = opts.kioskTokens ?? new MemoryKioskTokens({ challengeMs: KIOSK_CHALLENGE_MS, tokenMs: KIOSK_TOKEN_MS, now });
  app.decorate('kioskTokens', kioskTokens);
  app.addHook('onClose', async () => kioskTokens.close());

  // Expired sign-ins and sign-in challenges are refused by the store already; this keeps the tables small.
  const sweep = (): void => {
    const at = now();
    Promise.all([store.deleteExpiredSessions(at), store.deleteExpiredLoginChallenges(at)]).then(
      ([n]) => n > 0 && app.log.info({ deleted: n }, 'expired sessions removed'),
      (err: unknown) => app.log.warn({ err }, 'expired session sweep failed'),
    );
  };
  const sweeper = setInterval(sweep, SESSION_SWEEP_MS);
  sweeper.unref();
  app.addHook('onReady', async () => sweep());
  app.addHook('onClose', async () => clearInterval(sweeper));

  // Structural deny-by-default: a route registered without `config.auth` fails
  // start-up, so a forgotten declaration cannot ship as an open route. Every
  // other route gets its check here, as the first of its own onRequest hooks:
  // worked out once per route (which kind of caller, which roles, the refusal
  // text), so a request runs only its own route's check and nothing reads the
  // route's options again. Public routes, the static bundles and the docs get
  // none. The app registers this plugin before any plugin that adds routes, so
  // every route passes through here; the authorization sweep test calls every
  // route as every kind of caller.
  app.addHook('onRoute', (route) => {
    const auth = (route.config as { auth?: RouteAuth } | undefined)?.auth;
    if (auth === undefined) {
      if (!publicPrefixes.some((p) => route.url.startsWith(p))) {
        throw new BoothError('ROUTE_WITHOUT_AUTH', `route ${String(route.method)} ${route.url} declares no config.auth`);
      }
      return;
    }
    if (auth === 'public') return;
    // A new array: fastify's HEAD twin of a GET route starts from the same options.
    route.onRequest = [authHook(auth, `${String(route.method)} ${route.url}`), ...[route.onRequest ?? []].flat()];
  });

  /**
   * A route's check: sets the caller on the request, or refuses. Callback
   * style, not async: a cached sign-in is checked without a trip through the
   * promise queue; only a store read waits.
   */
  function authHook(auth: Exclude<RouteAuth, 'public'>, route: string): onRequestHookHandler {
    let hook: onRequestHookHandler;
    if (auth === 'kiosk') {
      const admitKiosk = (request: FastifyRequest, principal: Principal | null): BoothError | undefined => {
        if (!principal) return new BoothError('UNAUTHENTICATED', 'authentication required');
        request.principal = principal;
        return principal.kind === 'kiosk' ? undefined : new BoothError('FORBIDDEN', 'only kiosks may call this');
      };
      hook = (request, _reply, done) => {
        const found = identify(request, now());
        if (found instanceof Promise) found.then((principal) => done(admitKiosk(request, principal)), done);
        else done(admitKiosk(request, found));
      };
    } else {
      const roles: readonly Role[] = auth === 'metrics' ? ['technician'] : auth.roles;
      if (!Array.isArray(roles) || roles.length === 0) {
        throw new TypeError(`route ${route}: config.auth must be 'public', 'kiosk', 'metrics' or { roles: [at least one role] }`);
      }
      const refusal = `requires role ${roles.join(' or ')}`;
      const admitUser = (request: FastifyRequest, principal: Principal | null): BoothError | undefined => {
        if (!principal) return new BoothError('UNAUTHENTICATED', 'authentication required');
        request.principal = principal;
        if (principal.kind !== 'user' || !roles.includes(principal.user.role)) return new BoothError('FORBIDDEN', refusal);
        return undefined;
      };
      const acceptsMetricsToken = auth === 'metrics' && Boolean(metricsToken);
      hook = (request, _reply, done) => {
        if (acceptsMetricsToken && bearerMatches(request.headers.authorization, metricsToken)) return done();
        const found = identify(request, now());
        if (found instanceof Promise) found.then((principal) => done(admitUser(request, principal)), done);
        else done(admitUser(request, found));
      };
    }
    AUTH_HOOKS.add(hook);
    return hook;
  }

  const onTouchFailed = (request: FastifyRequest, err: unknown, what: string): void => request.log.warn({ err }, `could not record ${what}`);

  /** The caller, from the cache when it can (synchronously), else from the store. */
  function identify(request: FastifyRequest, at: Date): Principal | null | Promise<Principal | null> {
    const header = request.headers.authorization;
    if (header?.startsWith(`${KIOSK_AUTH_SCHEME} `)) return identifyKiosk(header, store, kioskTokens, at, (err, what) => onTouchFailed(request, err, what));
    const token = requestCookie(request, SESSION_COOKIE);
    if (!token) return null;
    const tokenHash = hashSecret(token);
    const cached = cache.get(tokenHash, at.getTime());
    if (cached) return signedIn(request, tokenHash, cached.session, cached.user, at);
    return readSignIn(request, tokenHash, at);
  }

  async function readSignIn(request: FastifyRequest, tokenHash: string, at: Date): Promise<Principal | null> {
    const epoch = cache.epoch();
    const session = await store.findSession(tokenHash, at);
    if (!session) return null;
    const user = await store.findUserById(session.userId);
    // Disabling an account deletes its sessions; this also covers a session created in between.
    if (!user || user.disabledAt) return null;
    cache.set(tokenHash, { session, user }, at.getTime(), epoch);
    return signedIn(request, tokenHash, session, user, at);
  }

  function signedIn(request: FastifyRequest, tokenHash: string, session: SessionRecord, user: UserAccount, at: Date): Principal {
    const touched = sessions.touched(session, at);
    if (touched) {
      cache.recordUse(tokenHash, touched);
      // Like the kiosk's last-seen time, a failed write does not refuse the request;
      // the session then idles out a little earlier than it would have. The
      // cache forgets it, so the next request reads the store's idle end again.
      store.touchSession(tokenHash, touched.lastSeenAt, touched.idleExpiresAt).catch((err: unknown) => {
        cache.forgetSession(tokenHash);
        onTouchFailed(request, err, 'session use');
      });
    }
    return { kind: 'user', user, tokenHash, session: touched ?? session };
  }
}

/** Constant-time comparison of the bearer token (both sides hashed first, so lengths match). */
function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const a = Buffer.from(hashSecret(header.slice(7)));
  const b = Buffer.from(hashSecret(token));
  return timingSafeEqual(a, b);
}

/** How stale a kiosk's last-seen time may get before a request refreshes it. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

async function identifyKiosk(header: string, store: Store, tokens: KioskTokens, now: Date, onTouchFailed: (err: unknown, what: string) => void): Promise<Principal | null> {
  const value = header.slice(KIOSK_AUTH_SCHEME.length + 1);
  const sep = value.indexOf(':');
  if (sep < 0) return null;
  let id;
  try {
    id = kioskId(value.slice(0, sep));
  } catch {
    return null;
  }
  const grant = await tokens.findToken(value.slice(sep + 1), now);
  if (!grant || grant.kioskId !== id) return null;
  // The token is only as good as the key it was issued for: a revoked or re-enrolled kiosk is refused here at once.
  const kiosk = await store.findKiosk(id);
  if (!kiosk || kiosk.revokedAt || !kiosk.credentialHash || kiosk.credentialHash !== grant.keyHash) return null;
  // Bookkeeping, not authentication: written at most once a minute, and a
  // failed write never refuses the kiosk.
  if (!kiosk.lastSeenAt || now.getTime() - kiosk.lastSeenAt.getTime() >= LAST_SEEN_RESOLUTION_MS) {
    store.touchKiosk(kiosk.id, now).catch((err: unknown) => onTouchFailed(err, 'kiosk last-seen time'));
  }
  return { kind: 'kiosk', kiosk };
}

export default fp(authPlugin, { name: 'citizen-auth' });
