/**
 * Staff accounts, managed by administrators (role `admin`, and only them):
 * list, create, edit (display name, role, skills), reset a password,
 * disable and enable, end a user's sessions, turn off a lost second factor.
 *
 * Whatever takes access away takes effect at once: the user's sessions are
 * deleted and their open signalling sockets closed (4003), so nothing waits
 * for the periodic socket re-check. A role change also closes their sockets,
 * since a socket carries the role it was opened with. Skills are read when a
 * socket opens; an agent's new skills apply from their next connection.
 *
 * An administrator cannot disable or demote themself, so there is always one
 * administrator left who can undo a mistake.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import {
  AdminUserList,
  AdminUserResponse,
  CreateUserRequest,
  ResetPasswordRequest,
  RevokedSessions,
  UpdateUserRequest,
  userId,
  type AdminUser,
  type UserId,
} from '@citizen/protocol';
import { randomBytes } from 'node:crypto';
import { BoothError } from '../errors';
import { hashPassword } from '../auth/secrets';
import { ADMIN_ONLY, revokeSockets } from '../auth/access';
import { publicUser } from '../auth/routes';
import { StoreConflictError, type Store, type UserAccount } from '../store/Store';

export interface UserRoutesOptions {
  store: Store;
  now: () => Date;
}

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
type IdParams = Static<typeof IdParams>;

export function adminUser(u: UserAccount, activeSessions: number): AdminUser {
  return { ...publicUser(u), disabled: u.disabledAt !== null, totpEnabled: u.totp !== null, activeSessions };
}

export async function userRoutes(app: FastifyInstance, opts: UserRoutesOptions): Promise<void> {
  const { store, now } = opts;
  const config = { auth: { roles: ADMIN_ONLY } };
  const tags = ['admin'];

  /** The admin making the request. */
  const actor = (request: FastifyRequest): { id: UserId; tokenHash: string } => {
    if (request.principal?.kind !== 'user') throw new BoothError('UNAUTHENTICATED', 'not signed in');
    return { id: request.principal.user.id, tokenHash: request.principal.tokenHash };
  };
  const target = async (id: string): Promise<UserAccount> => {
    let uid: UserId;
    try {
      uid = userId(id);
    } catch {
      throw new BoothError('USER_NOT_FOUND', `no user ${id}`);
    }
    const user = await store.findUserById(uid);
    if (!user) throw new BoothError('USER_NOT_FOUND', `no user ${id}`);
    return user;
  };
  const view = async (id: UserId): Promise<{ user: AdminUser }> => {
    const user = await target(id);
    return { user: adminUser(user, (await store.countSessions(now())).get(id) ?? 0) };
  };

  app.get(
    '/api/admin/users',
    { config, schema: { tags, summary: 'Every staff account, by username', response: { 200: AdminUserList } } },
    async () => {
      const [users, counts] = await Promise.all([store.listUsers(), store.countSessions(now())]);
      return { users: users.map((u) => adminUser(u, counts.get(u.id) ?? 0)) };
    },
  );

  app.post<{ Body: CreateUserRequest }>(
    '/api/admin/users',
    {
      config,
      schema: { tags, summary: 'Create a staff account with an initial password', body: CreateUserRequest, response: { 201: AdminUserResponse } },
    },
    async (request, reply) => {
      const { username, displayName, role, skills, password } = request.body;
      const id = userId(`u-${randomBytes(8).toString('hex')}`);
      try {
        await store.createUser({ id, username, displayName, role, skills, passwordHash: await hashPassword(password) });
      } catch (err) {
        if (err instanceof StoreConflictError) throw new BoothError('USER_EXISTS', `username ${username} is taken`);
        throw err;
      }
      request.log.info({ by: actor(request).id, userId: id, role }, 'user created');
      return reply.code(201).send(await view(id));
    },
  );

  app.patch<{ Params: IdParams; Body: UpdateUserRequest }>(
    '/api/admin/users/:id',
    {
      config,
      schema: { tags, summary: 'Change display name, role or skills', params: IdParams, body: UpdateUserRequest, response: { 200: AdminUserResponse } },
    },
    async (request) => {
      const me = actor(request);
      const before = await target(request.params.id);
      const { role } = request.body;
      if (before.id === me.id && role !== undefined && role !== 'admin') throw new BoothError('ADMIN_SELF_LOCKOUT', 'you cannot take the administrator role from yourself');
      await store.updateUser(before.id, request.body);
      // The cached account (role, skills, name) is stale; the next request reads the new one.
      app.sessionCache.forgetUser(before.id);
      if (role !== undefined && role !== before.role) {
        const closed = revokeSockets(app, (s) => s.user.id === before.id);
        request.log.info({ by: me.id, userId: before.id, from: before.role, to: role, socketsClosed: closed }, 'role changed');
      }
      return view(before.id);
    },
  );

  app.post<{ Params: IdParams; Body: ResetPasswordRequest }>(
    '/api/admin/users/:id/password',
    {
      config,
      schema: {
        tags,
        summary: 'Set a new password; the user’s other sessions end',
        params: IdParams,
        body: ResetPasswordRequest,
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      const me = actor(request);
      const user = await target(request.params.id);
      await store.setPasswordHash(user.id, await hashPassword(request.body.password));
      // Whoever knew the old password may hold a session; the admin's own current one stays.
      await store.deleteUserSessions(user.id, me.tokenHash);
      app.sessionCache.forgetUser(user.id);
      revokeSockets(app, (s) => s.user.id === user.id && s.authTokenHash !== me.tokenHash);
      request.log.info({ by: me.id, userId: user.id }, 'password reset');
      return reply.code(204).send();
    },
  );

  app.post<{ Params: IdParams }>(
    '/api/admin/users/:id/disable',
    {
      config,
      schema: { tags, summary: 'Disable the account: no sign-in; its sessions end and its sockets close', params: IdParams, response: { 200: AdminUserResponse } },
    },
    async (request) => {
      const me = actor(request);
      const user = await target(request.params.id);
      if (user.id === me.id) throw new BoothError('ADMIN_SELF_LOCKOUT', 'you cannot disable your own account');
      // Disabled first: a sign-in racing with this cannot create a session that outlives it (identify checks the flag too).
      await store.setUserDisabled(user.id, user.disabledAt ?? now());
      const revoked = await store.deleteUserSessions(user.id);
      app.sessionCache.forgetUser(user.id);
      const closed = revokeSockets(app, (s) => s.user.id === user.id);
      request.log.info({ by: me.id, userId: user.id, revoked, socketsClosed: closed }, 'user disabled');
      return view(user.id);
    },
  );

  app.post<{ Params: IdParams }>(
    '/api/admin/users/:id/enable',
    { config, schema: { tags, summary: 'Enable a disabled account', params: IdParams, response: { 200: AdminUserResponse } } },
    async (request) => {
      const user = await target(request.params.id);
      await store.setUserDisabled(user.id, null);
      app.sessionCache.forgetUser(user.id);
      request.log.info({ by: actor(request).id, userId: user.id }, 'user enabled');
      return view(user.id);
    },
  );

  app.delete<{ Params: IdParams }>(
    '/api/admin/users/:id/sessions',
    {
      config,
      schema: { tags, summary: 'End the user’s sessions and close their sockets (an administrator’s own current session stays)', params: IdParams, response: { 200: RevokedSessions } },
    },
    async (request) => {
      const me = actor(request);
      const user = await target(request.params.id);
      const revoked = await store.deleteUserSessions(user.id, me.tokenHash);
      app.sessionCache.forgetUser(user.id);
      const closed = revokeSockets(app, (s) => s.user.id === user.id && s.authTokenHash !== me.tokenHash);
      request.log.info({ by: me.id, userId: user.id, revoked, socketsClosed: closed }, 'sessions revoked');
      return { revoked };
    },
  );

  app.delete<{ Params: IdParams }>(
    '/api/admin/users/:id/totp',
    {
      config,
      schema: { tags, summary: 'Turn off the user’s second factor (a lost or replaced phone); they can enrol again', params: IdParams, response: { 200: AdminUserResponse } },
    },
    async (request) => {
      const user = await target(request.params.id);
      await store.setTotp(user.id, null);
      app.sessionCache.forgetUser(user.id);
      request.log.info({ by: actor(request).id, userId: user.id }, 'second factor turned off by an administrator');
      return view(user.id);
    },
  );
}
