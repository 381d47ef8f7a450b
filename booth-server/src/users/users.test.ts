/**
 * Staff accounts managed by an administrator over the REST API: list, create,
 * edit, reset password, disable and enable, end sessions, reset a second
 * factor. Whatever takes access away closes the user's open sockets at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignalClient } from '@citizen/call-client';
import type { AdminUser, StaffRequests } from '@citizen/protocol';
import { createTestApp, next, signIn, signInHeaders, staffClient, type TestApp } from '../testing';

let t: TestApp;
let url: string;
let admin: { cookie: string; 'x-csrf-token': string };
const sockets: SignalClient<StaffRequests>[] = [];

beforeAll(async () => {
  t = await createTestApp((c) => {
    c.sfu.rtcMinPort = 52400;
    c.sfu.rtcMaxPort = 52499;
  });
  url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  admin = await signInHeaders(t.app, 'admin', 'demo-admin');
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t.app.close();
});

const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, payload?: object, headers: Record<string, string> = admin) =>
  t.app.inject({ method, url: `/api/admin/users${path}`, headers, ...(payload === undefined ? {} : { payload }) });
const login = (username: string, password: string) => t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
const me = (cookie: string) => t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
const idOf = async (username: string): Promise<string> => (await t.store.findUserByUsername(username))!.id;

/** Opens an agent socket with the cookie; `closed` resolves with its close code. */
async function openSocket(cookie: string): Promise<{ closed: Promise<number> }> {
  const client = staffClient(url, cookie);
  sockets.push(client);
  await next(client as never, 'session');
  // Wrapped: an async function would otherwise wait for the promise it returns.
  return { closed: next<{ code: number }>(client as never, 'ended', 5000).then((e) => e.code) };
}

const newUser = {
  username: 'lina',
  displayName: 'Lina Berg',
  role: 'agent',
  skills: { languages: { da: 3, pl: 2 }, topics: { passport: 1 } },
  password: 'first-password-lina',
};

describe('user management', () => {
  it('lists every account with its state', async () => {
    const res = await api('GET', '');
    expect(res.statusCode).toBe(200);
    const users = res.json().users as AdminUser[];
    expect(users.map((u) => u.username)).toEqual(['admin', 'anna', 'omar', 'sara', 'tech']);
    expect(users.find((u) => u.username === 'admin')).toMatchObject({ role: 'admin', disabled: false, totpEnabled: false, activeSessions: 1 });
    expect(JSON.stringify(users)).not.toMatch(/passwordHash|scrypt/);
  });

  it('creates an account that can sign in, and refuses a taken username or a bad request', async () => {
    const created = await api('POST', '', newUser);
    expect(created.statusCode).toBe(201);
    expect(created.json().user).toMatchObject({ username: 'lina', displayName: 'Lina Berg', role: 'agent', skills: newUser.skills, disabled: false, activeSessions: 0 });
    expect(created.json().user.id).toMatch(/^u-[0-9a-f]{16}$/);
    expect((await login('lina', 'first-password-lina')).json()).toMatchObject({ status: 'signed-in', user: { displayName: 'Lina Berg' } });
    expect((await api('POST', '', newUser)).json()).toMatchObject({ statusCode: 409, code: 'USER_EXISTS' });
    for (const bad of [
      { ...newUser, username: 'short-pw', password: 'short' },
      { ...newUser, username: 'bad-role', role: 'root' },
      { ...newUser, username: 'bad-level', skills: { languages: { da: 4 }, topics: {} } },
      { ...newUser, username: 'Bad Name' },
      { ...newUser, username: 'extra', admin: true },
    ]) {
      expect((await api('POST', '', bad)).json().code, bad.username).toBe('BAD_REQUEST');
    }
  });

  it('edits display name, role and skills; a role change closes the user’s sockets', async () => {
    const id = await idOf('lina');
    const { closed: socketClosed } = await openSocket(await signIn(t.app, 'lina', 'first-password-lina'));
    const renamed = await api('PATCH', `/${id}`, { displayName: 'Lina B. Berg', skills: { languages: { da: 3 }, topics: {} } });
    expect(renamed.json().user).toMatchObject({ displayName: 'Lina B. Berg', role: 'agent', skills: { languages: { da: 3 }, topics: {} } });
    const promoted = await api('PATCH', `/${id}`, { role: 'supervisor' });
    expect(promoted.json().user.role).toBe('supervisor');
    expect(await socketClosed).toBe(4003);
    expect((await api('PATCH', `/${id}`, {})).json().code).toBe('BAD_REQUEST');
    expect((await api('PATCH', '/u-0000000000000000', { displayName: 'x' })).json()).toMatchObject({ statusCode: 404, code: 'USER_NOT_FOUND' });
    expect((await api('PATCH', '/not-an-id', { displayName: 'x' })).json().code).toBe('USER_NOT_FOUND');
  });

  it('does not let an administrator demote or disable themself', async () => {
    const self = await idOf('admin');
    expect((await api('PATCH', `/${self}`, { role: 'agent' })).json()).toMatchObject({ statusCode: 409, code: 'ADMIN_SELF_LOCKOUT' });
    expect((await api('POST', `/${self}/disable`)).json().code).toBe('ADMIN_SELF_LOCKOUT');
    // Renaming oneself is fine, and so is keeping the role.
    expect((await api('PATCH', `/${self}`, { displayName: 'Ida M.', role: 'admin' })).statusCode).toBe(200);
    expect((await t.store.findUserByUsername('admin'))?.role).toBe('admin');
  });

  it('resets a password: the old one stops working and the user’s sessions and sockets end', async () => {
    const id = await idOf('omar');
    const cookie = await signIn(t.app, 'omar', 'demo-agent');
    const { closed: socketClosed } = await openSocket(cookie);
    const reset = await api('POST', `/${id}/password`, { password: 'a-brand-new-password' });
    expect(reset.statusCode).toBe(204);
    expect(await socketClosed).toBe(4003);
    expect((await me(cookie)).statusCode).toBe(401);
    expect((await login('omar', 'demo-agent')).json().code).toBe('LOGIN_FAILED');
    expect((await login('omar', 'a-brand-new-password')).statusCode).toBe(200);
    // The administrator's own session is untouched.
    expect((await me(admin.cookie)).statusCode).toBe(200);
  });

  it('disables an account: no sign-in, its session and socket end; enabling lets it sign in again', async () => {
    const id = await idOf('anna');
    const cookie = await signIn(t.app, 'anna', 'demo-agent');
    const { closed: socketClosed } = await openSocket(cookie);
    const disabled = await api('POST', `/${id}/disable`);
    expect(disabled.json().user).toMatchObject({ disabled: true, activeSessions: 0 });
    expect(await socketClosed).toBe(4003);
    expect((await me(cookie)).statusCode).toBe(401);
    // Same answer as a wrong password: a disabled account reveals nothing.
    expect((await login('anna', 'demo-agent')).json()).toMatchObject({ statusCode: 401, code: 'LOGIN_FAILED' });
    const enabled = await api('POST', `/${id}/enable`);
    expect(enabled.json().user.disabled).toBe(false);
    expect((await login('anna', 'demo-agent')).statusCode).toBe(200);
  });

  it('refuses a session of a disabled account even if it was left in the store', async () => {
    const cookie = await signIn(t.app, 'sara', 'demo-supervisor');
    const id = await idOf('sara');
    await t.store.setUserDisabled(id as never, new Date());
    try {
      expect((await me(cookie)).statusCode).toBe(401);
    } finally {
      await t.store.setUserDisabled(id as never, null);
    }
    expect((await me(cookie)).statusCode).toBe(200);
  });

  it('ends a user’s sessions and closes their sockets at once', async () => {
    const id = await idOf('sara');
    const a = await signIn(t.app, 'sara', 'demo-supervisor');
    const b = await signIn(t.app, 'sara', 'demo-supervisor');
    const { closed: socketClosed } = await openSocket(b);
    const listed = (await api('GET', '')).json().users as AdminUser[];
    expect(listed.find((u) => u.username === 'sara')?.activeSessions).toBeGreaterThanOrEqual(2);
    const revoked = await api('DELETE', `/${id}/sessions`);
    expect(revoked.json().revoked).toBeGreaterThanOrEqual(2);
    expect(await socketClosed).toBe(4003);
    expect((await me(a)).statusCode).toBe(401);
    expect((await me(b)).statusCode).toBe(401);
  });

  it('turns off a user’s second factor (a lost phone)', async () => {
    const id = await idOf('tech');
    await t.store.setTotp(id as never, { secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', lastStep: 1 });
    expect((await login('tech', 'demo-tech')).json().status).toBe('totp-required');
    const res = await api('DELETE', `/${id}/totp`);
    expect(res.json().user.totpEnabled).toBe(false);
    expect((await login('tech', 'demo-tech')).json().status).toBe('signed-in');
  });
});
