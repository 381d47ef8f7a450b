/**
 * User management for administrators: the account list and every change an
 * administrator can make, as signals and actions (no rendering), so the flow
 * can be tested against a fake API.
 */
import { signal } from '@preact/signals';
import type { AdminUser, CreateUserRequest, UpdateUserRequest } from '@citizen/protocol';
import { ApiError, type Api } from '../api';

const MESSAGES: Record<string, string> = {
  USER_EXISTS: 'That username is taken.',
  USER_NOT_FOUND: 'That account no longer exists.',
  ADMIN_SELF_LOCKOUT: 'You cannot disable your own account or take the administrator role from yourself.',
  BAD_REQUEST: 'Check the fields: usernames are lower-case, passwords at least 10 characters, levels 1-3.',
  FORBIDDEN: 'Only administrators manage accounts.',
  UNAUTHENTICATED: 'Your session ended. Sign in again.',
};

export function createAdminState(api: Api) {
  const users = signal<AdminUser[] | null>(null);
  const error = signal<string | null>(null);
  const notice = signal<string | null>(null);
  const busy = signal(false);

  const replace = (u: AdminUser): void => {
    users.value = (users.value ?? []).some((x) => x.id === u.id) ? (users.value ?? []).map((x) => (x.id === u.id ? u : x)) : [...(users.value ?? []), u].sort((a, b) => a.username.localeCompare(b.username));
  };

  /** Runs one change; resolves true when it went through. */
  async function run(fn: () => Promise<string | null>): Promise<boolean> {
    busy.value = true;
    error.value = null;
    notice.value = null;
    try {
      notice.value = await fn();
      return true;
    } catch (err) {
      error.value = err instanceof ApiError ? (MESSAGES[err.code] ?? err.message) : 'The server could not be reached.';
      return false;
    } finally {
      busy.value = false;
    }
  }

  const nameOf = (id: string): string => users.value?.find((u) => u.id === id)?.username ?? id;

  return {
    users,
    error,
    notice,
    busy,
    load: () =>
      run(async () => {
        users.value = (await api.users()).users;
        return null;
      }),
    create: (body: CreateUserRequest) =>
      run(async () => {
        replace((await api.createUser(body)).user);
        return `Account ${body.username} created.`;
      }),
    update: (id: string, change: UpdateUserRequest) =>
      run(async () => {
        replace((await api.updateUser(id, change)).user);
        return `Account ${nameOf(id)} saved.`;
      }),
    resetPassword: (id: string, password: string) =>
      run(async () => {
        await api.resetPassword(id, password);
        users.value = (await api.users()).users;
        return `New password set for ${nameOf(id)}; their sessions ended.`;
      }),
    setDisabled: (id: string, disabled: boolean) =>
      run(async () => {
        replace((await (disabled ? api.disableUser(id) : api.enableUser(id))).user);
        return disabled ? `Account ${nameOf(id)} disabled; its sessions ended.` : `Account ${nameOf(id)} enabled.`;
      }),
    revokeSessions: (id: string) =>
      run(async () => {
        const { revoked } = await api.revokeSessions(id);
        users.value = (await api.users()).users;
        return `${revoked} session${revoked === 1 ? '' : 's'} of ${nameOf(id)} ended.`;
      }),
    resetTotp: (id: string) =>
      run(async () => {
        replace((await api.resetTotp(id)).user);
        return `Two-step sign-in turned off for ${nameOf(id)}; they can set it up again.`;
      }),
  };
}
export type AdminState = ReturnType<typeof createAdminState>;
