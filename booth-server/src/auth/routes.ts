import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { LoginRequest, LoginResponse, SESSION_COOKIE, User, type User as UserT } from '@citizen/protocol';
import { BoothError } from '../errors';
import { hashSecret, newSecret, verifyPassword } from './secrets';
import type { Store, UserRecord } from '../store/Store';

export interface AuthRoutesOptions {
  store: Store;
  sessionTtlMinutes: number;
  secureCookies: boolean;
}

/** Failed sign-ins per username within the window before sign-in is refused for a while. */
const MAX_FAILURES = 5;
const FAILURE_WINDOW_MS = 60_000;

export function publicUser(u: UserRecord): UserT {
  return { id: u.id, username: u.username, displayName: u.displayName, role: u.role, languages: u.languages };
}

export async function authRoutes(app: FastifyInstance, opts: AuthRoutesOptions): Promise<void> {
  const { store, sessionTtlMinutes, secureCookies } = opts;
  const failures = new Map<string, { count: number; since: number }>();

  app.post<{ Body: LoginRequest }>(
    '/api/auth/login',
    {
      config: { auth: 'public' },
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
      const f = failures.get(username);
      if (f && now - f.since < FAILURE_WINDOW_MS && f.count >= MAX_FAILURES) {
        throw new BoothError('LOGIN_THROTTLED', 'too many failed sign-ins for this user');
      }
      const user = await store.findUserByUsername(username);
      // Verify against a fixed hash when the user does not exist, so timing does not reveal usernames.
      const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
      if (!user || !ok) {
        const entry = f && now - f.since < FAILURE_WINDOW_MS ? f : { count: 0, since: now };
        entry.count += 1;
        failures.set(username, entry);
        request.log.info({ username }, 'sign-in failed');
        throw new BoothError('LOGIN_FAILED', 'wrong username or password');
      }
      failures.delete(username);
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
      if (request.principal?.kind === 'user') await store.deleteSession(request.principal.tokenHash);
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
