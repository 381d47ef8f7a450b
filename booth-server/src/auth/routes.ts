/**
 * Sign-in, sign-out and the signed-in user's own session.
 *
 * Sign-in takes one step (password) or, for a user with a second factor, two:
 * the password answers with a challenge (random, stored only as a hash,
 * `auth.totpChallengeSeconds` long, single use, at most MAX_CODE_FAILURES wrong
 * codes), and POST /api/auth/login/totp trades the challenge and a code for
 * the session. Both steps are limited per address (the route's rate limit)
 * and by the LoginThrottle; a correct password alone does not clear the
 * throttle's memory of failures, only a completed sign-in does, so a guesser
 * who has the password cannot reset the back-off between code guesses.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  LoginRequest,
  LoginResponse,
  RevokedSessions,
  SESSION_COOKIE,
  SessionInfo,
  SignedIn,
  TotpLoginRequest,
  type SessionInfo as SessionInfoT,
  type SignedIn as SignedInT,
  type User as UserT,
} from '@citizen/protocol';
import { Type } from '@sinclair/typebox';
import { BoothError } from '../errors';
import { hashSecret, newSecret, verifyPassword } from './secrets';
import type { LoginThrottle } from './LoginThrottle';
import type { SessionPolicy } from './sessions';
import { CSRF_COOKIE, issueCsrfToken } from './csrf';
import { clearCookie, setCookie } from './cookies';
import { checkTotp } from './totp';
import { ALL_STAFF, revokeSockets } from './access';
import type { SessionRecord, Store, UserAccount, UserRecord } from '../store/Store';

/** Wrong codes one challenge takes before it is withdrawn (the password must be given again). */
export const MAX_CODE_FAILURES = 5;

export interface AuthRoutesOptions {
  store: Store;
  sessions: SessionPolicy;
  throttle: LoginThrottle;
  secureCookies: boolean;
  /** Sign-in attempts per client address per minute (@fastify/rate-limit), for each step. */
  loginAttemptsPerMinute: number;
  totpChallengeSeconds: number;
  now: () => Date;
}

export function publicUser(u: UserRecord): UserT {
  return { id: u.id, username: u.username, displayName: u.displayName, role: u.role, skills: u.skills };
}

export function sessionInfo(reply: FastifyReply, user: UserAccount, s: SessionRecord): SessionInfoT {
  return {
    user: publicUser(user),
    totpEnabled: user.totp !== null,
    expiresAt: s.expiresAt.toISOString(),
    idleExpiresAt: s.idleExpiresAt.toISOString(),
    csrfToken: issueCsrfToken(reply, s.tokenHash),
  };
}

/** A route's rate limit per client address and minute, refused with `code` and when to retry. */
export function perAddressRateLimit(perMinute: number, code: 'LOGIN_THROTTLED' | 'KIOSK_IDENTITY_THROTTLED', what: string) {
  return {
    max: perMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_req: FastifyRequest, ctx: { ttl: number }) =>
      new BoothError(code, `too many ${what} from this address; retry in ${Math.ceil(ctx.ttl / 1000)} s`),
  };
}

/** The rate limit of a sign-in step, per client address. */
export const signInRateLimit = (perMinute: number) => perAddressRateLimit(perMinute, 'LOGIN_THROTTLED', 'sign-in attempts');

export async function authRoutes(app: FastifyInstance, opts: AuthRoutesOptions): Promise<void> {
  const { store, sessions, throttle, secureCookies, now } = opts;
  if (!(opts.totpChallengeSeconds >= 1)) throw new TypeError('auth routes: totpChallengeSeconds must be >= 1');

  const throttled = (reply: FastifyReply, username: string, ip: string): void => {
    const verdict = throttle.check(username, ip);
    if (verdict.ok) return;
    void reply.header('retry-after', Math.ceil(verdict.retryAfterMs / 1000));
    throw new BoothError(
      'LOGIN_THROTTLED',
      verdict.scope === 'user' ? 'too many failed sign-ins for this user from this address; wait and try again' : 'too many sign-in attempts right now; wait and try again',
    );
  };

  async function startSession(request: FastifyRequest, reply: FastifyReply, user: UserAccount): Promise<SignedInT> {
    const { token, record } = sessions.start(user.id, now());
    await store.createSession(record);
    setCookie(reply, SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', secure: secureCookies, expires: record.expiresAt });
    request.log.info({ userId: user.id, role: user.role }, 'signed in');
    return { status: 'signed-in', ...sessionInfo(reply, user, record) };
  }

  app.post<{ Body: LoginRequest }>(
    '/api/auth/login',
    {
      config: { auth: 'public', rateLimit: signInRateLimit(opts.loginAttemptsPerMinute) },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with username and password; sets the session cookie, or asks for the second factor’s code',
        body: LoginRequest,
        response: { 200: LoginResponse },
      },
    },
    async (request, reply) => {
      const { username, password } = request.body;
      throttled(reply, username, request.ip);
      const user = await store.findUserByUsername(username);
      // Verify against a fixed hash when the user does not exist, so timing does not reveal usernames.
      const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
      // A disabled account answers like a wrong password: the caller learns nothing about it.
      if (!user || !ok || user.disabledAt) {
        throttle.failed(username, request.ip);
        request.log.info({ username, ip: request.ip, disabled: Boolean(ok && user?.disabledAt) }, 'sign-in failed');
        throw new BoothError('LOGIN_FAILED', 'wrong username or password');
      }
      if (!user.totp) {
        throttle.succeeded(username, request.ip);
        return startSession(request, reply, user);
      }
      const challenge = newSecret();
      const expiresAt = new Date(now().getTime() + opts.totpChallengeSeconds * 1000);
      await store.createLoginChallenge({ tokenHash: hashSecret(challenge), userId: user.id, expiresAt, failures: 0 });
      return { status: 'totp-required' as const, challenge, challengeExpiresAt: expiresAt.toISOString() };
    },
  );

  app.post<{ Body: TotpLoginRequest }>(
    '/api/auth/login/totp',
    {
      config: { auth: 'public', rateLimit: signInRateLimit(opts.loginAttemptsPerMinute) },
      schema: {
        tags: ['auth'],
        summary: 'Second sign-in step: the challenge from the password step and a code from the authenticator app; sets the session cookie',
        body: TotpLoginRequest,
        response: { 200: SignedIn },
      },
    },
    async (request, reply) => {
      const at = now();
      const hash = hashSecret(request.body.challenge);
      const challenge = await store.findLoginChallenge(hash, at);
      if (!challenge) throw new BoothError('LOGIN_CHALLENGE_INVALID', 'this sign-in has expired or was completed already');
      const user = await store.findUserById(challenge.userId);
      if (!user || user.disabledAt || !user.totp) {
        await store.deleteLoginChallenge(hash);
        throw new BoothError('LOGIN_CHALLENGE_INVALID', 'this sign-in is no longer valid');
      }
      throttled(reply, user.username, request.ip);
      const check = await checkTotp(user.totp.secret, request.body.code, user.totp.lastStep, at);
      if (!check.ok) {
        throttle.failed(user.username, request.ip);
        if ((await store.failLoginChallenge(hash)) >= MAX_CODE_FAILURES) await store.deleteLoginChallenge(hash);
        request.log.info({ userId: user.id, ip: request.ip }, 'sign-in code wrong');
        throw new BoothError('LOGIN_CODE_WRONG', 'wrong or already used code');
      }
      // Both are single use, and both are taken atomically: of two requests
      // racing with the same challenge, or the same code, only one gets through.
      if (!(await store.consumeLoginChallenge(hash, at))) throw new BoothError('LOGIN_CHALLENGE_INVALID', 'this sign-in has expired or was completed already');
      if (!(await store.useTotpStep(user.id, check.step))) {
        throttle.failed(user.username, request.ip);
        throw new BoothError('LOGIN_CODE_WRONG', 'this code was used already; wait for the next one');
      }
      throttle.succeeded(user.username, request.ip);
      return startSession(request, reply, user);
    },
  );

  const endSessionCookies = (reply: FastifyReply): void => {
    for (const name of [SESSION_COOKIE, CSRF_COOKIE]) clearCookie(reply, name, { path: '/', httpOnly: true, sameSite: 'strict', secure: secureCookies });
  };

  app.post(
    '/api/auth/logout',
    {
      config: { auth: { roles: ALL_STAFF } },
      schema: { tags: ['auth'], summary: 'End the current session', response: { 204: Type.Null() } },
    },
    async (request, reply) => {
      if (request.principal?.kind === 'user') {
        const { tokenHash } = request.principal;
        await store.deleteSession(tokenHash);
        app.sessionCache.forgetSession(tokenHash);
        // Sockets opened with this sign-in close now, not at the next periodic re-check.
        revokeSockets(app, (s) => s.authTokenHash === tokenHash);
      }
      endSessionCookies(reply);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/auth/logout-everywhere',
    {
      config: { auth: { roles: ALL_STAFF } },
      schema: {
        tags: ['auth'],
        summary: 'End every session of the signed-in user (this one included) and close their sockets',
        response: { 200: RevokedSessions },
      },
    },
    async (request, reply) => {
      if (request.principal?.kind !== 'user') throw new BoothError('UNAUTHENTICATED', 'not signed in');
      const { user } = request.principal;
      const revoked = await store.deleteUserSessions(user.id);
      app.sessionCache.forgetUser(user.id);
      revokeSockets(app, (s) => s.user.id === user.id);
      request.log.info({ userId: user.id, revoked }, 'signed out everywhere');
      endSessionCookies(reply);
      return { revoked };
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { auth: { roles: ALL_STAFF } },
      schema: { tags: ['auth'], summary: 'The signed-in user, their session’s ends and a CSRF token for writes', response: { 200: SessionInfo } },
    },
    async (request, reply) => {
      if (request.principal?.kind !== 'user') throw new BoothError('UNAUTHENTICATED', 'not signed in');
      return sessionInfo(reply, request.principal.user, request.principal.session);
    },
  );
}

// scrypt hash of a random string nobody knows; only used to equalise timing.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
