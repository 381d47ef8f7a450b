import { describe, expect, it } from 'vitest';
import type { AdminUser } from '@citizen/protocol';
import { ApiError, type Api } from '../api';
import { createAdminState } from './adminState';

const user = (username: string, over: Partial<AdminUser> = {}): AdminUser => ({
  id: `u-${username.padEnd(16, '0')}`,
  username,
  displayName: username,
  role: 'agent',
  skills: { languages: {}, topics: {} },
  disabled: false,
  totpEnabled: false,
  activeSessions: 0,
  ...over,
});

function fakeApi(script: Partial<Api>): Api {
  return new Proxy(script, {
    get: (target, prop: string) => target[prop as keyof Api] ?? (() => Promise.reject(new Error(`unexpected call ${prop}`))),
  }) as Api;
}

describe('user management state', () => {
  it('loads the accounts, adds a created one in username order, and replaces a changed one', async () => {
    const a = createAdminState(
      fakeApi({
        users: async () => ({ users: [user('anna'), user('sara')] }),
        createUser: async (body) => ({ user: user(body.username) }),
        disableUser: async (id) => ({ user: { ...user('anna'), id, disabled: true } }),
      }),
    );
    await a.load();
    await a.create({ username: 'lina', displayName: 'Lina', role: 'agent', skills: { languages: {}, topics: {} }, password: 'first-password' });
    expect(a.users.value?.map((u) => u.username)).toEqual(['anna', 'lina', 'sara']);
    expect(a.notice.value).toBe('Account lina created.');
    await a.setDisabled(user('anna').id, true);
    expect(a.users.value?.find((u) => u.username === 'anna')?.disabled).toBe(true);
    expect(a.notice.value).toBe('Account anna disabled; its sessions ended.');
  });

  it('explains a refusal in words and keeps the list as it was', async () => {
    const a = createAdminState(
      fakeApi({
        users: async () => ({ users: [user('admin', { role: 'admin' })] }),
        updateUser: async () => {
          throw new ApiError(409, 'ADMIN_SELF_LOCKOUT', 'no');
        },
      }),
    );
    await a.load();
    expect(await a.update(user('admin').id, { role: 'agent' })).toBe(false);
    expect(a.error.value).toMatch(/cannot disable your own account or take the administrator role/);
    expect(a.users.value?.[0]?.role).toBe('admin');
  });
});
