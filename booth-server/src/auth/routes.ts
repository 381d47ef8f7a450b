import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { LoginRequest, LoginResponse, SESSION_COOKIE, User, type User as UserT } from '@citizen/protocol';
import { BoothError } from '../errors';
import { hashSecret, newSecret, verifyPassword } from './secrets';
import { LoginThrottle } from './LoginThrottle';
import type { Store, UserRecord } from '../store/Store';

export interface AuthRoutesOptions {
  store: Store;
  sessionTtlMinutes: number;
  secureCookies: boolean;
  /** Sign-in attempts per client address per minute (@fastify/rate-limit). */
  loginAttemptsPerMinute: number;
  /** Password checks per minute over all addresses. */
  loginAttemptsPerMinuteGlobal: number;
}

export function publicUser(u: UserRecord): UserT {
  return { id: u.id, username: u.username, displayName: u.displayName, role: u.role, skills: u.skills };
}

export async function authRoutes(app: FastifyInstance, opts: AuthRoutesOptions): Promise<void> {
  const { store, sessionTtlMinutes, secureCookies } = opts;
  const throttle = new LoginThrottle({ globalPerMinute: opts.loginAttemptsPerMinuteGlobal });

  app.post<{ Body: LoginRequest }>(
    '/api/auth/login',
    {
      config: {
        auth: 'public',
        rateLimit: {
          max: opts.loginAttemptsPerMinute,
          timeWindow: 60_000,
          errorResponseBuilder: (_req, ctx) => new BoothError('LOGIN_THROTTLED', `too many sign-in attempts from this address; retry in ${Math.ceil(ctx.ttl / 1000)} s`),
        },
      },
      schema: {
        tags: ['auth'],
        summary: 'Sign in an agent, supervisor or technician; sets the session cookie',
        body: LoginRequest,
        response: { 200: LoginResponse },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      const now = Date.now();
      const verdict = throttle.check(username, request.ip);
      if (!verdict.ok) {
        void reply.header('retry-after', Math.ceil(verdict.retryAfterMs / 1000));
        throw new BoothError(
          'LOGIN_THROTTLED',
          verdict.scope === 'user' ? 'too many failed sign-ins for this user from this address; wait and try again' : 'too many sign-in attempts right now; wait and try again',
        );
      }
      const user = await store.findUserByUsername(username);
      // Verify against a fixed hash when the user does not exist, so timing does not reveal usernames.
      const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
      if (!user || !ok) {
        throttle.failed(username, request.ip);
        request.log.info({ username, ip: request.ip }, 'sign-in failed');
        throw new BoothError('LOGIN_FAILED', 'wrong username or password');
      }
      throttle.succeeded(username, request.ip);
      const token = newSecret();
      const expiresAt = new Date(now + sessionTtlMinutes * 60_000);
      await store.createSession({ tokenHash: hashSecret(token), userId: user.id, createdAt: new Date(now), expiresAt });
      reply.setCookie(SESSION_COOKIE, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: secureCookies,
        expires: expiresAt,
      });
      request.log.info({ userId: user.id, role: user.role }, 'signed in');
      return { user: publicUser(user), expiresAt: expiresAt.toISOString() };
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { auth: { roles: ['agent', 'supervisor', 'technician'] } },
      schema: { tags: ['auth'], summary: 'End the current session', response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      if (request.principal?.kind === 'user') {
        const { tokenHash } = request.principal;
        await store.deleteSession(tokenHash);
        // Sockets opened with this sign-in close now, not at the next periodic re-check.
        if (app.hasDecorator('calls')) app.calls.revoke((s) => s.kind === 'staff' && s.authTokenHash === tokenHash);
      }
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { auth: { roles: ['agent', 'supervisor', 'technician'] } },
      schema: { tags: ['auth'], summary: 'The signed-in user', response: { 200: Type.Object({ user: User }) } },
    },
    async (request) => {
      if (request.principal?.kind !== 'user') throw new BoothError('UNAUTHENTICATED', 'not signed in');
      return { user: publicUser(request.principal.user) };
    },
  );
}

// scrypt hash of a random string nobody knows; only used to equalise timing.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
