/**
 * Console session state as signals: who is signed in, and what a failed
 * sign-in said. Kept apart from rendering so it can be tested directly.
 */
import { signal } from '@preact/signals';
import type { User } from '@citizen/protocol';
import { createLogger } from '@citizen/call-client';
import { ApiError, type Api } from './api';

const log = createLogger('console-session');

export type Session = { state: 'checking' } | { state: 'signed-out'; error: string | null } | { state: 'signed-in'; user: User };

export function createSessionState(api: Api) {
  const session = signal<Session>({ state: 'checking' });

  async function restore(): Promise<void> {
    try {
      session.value = { state: 'signed-in', user: (await api.me()).user };
    } catch {
      session.value = { state: 'signed-out', error: null };
    }
  }

  async function signIn(username: string, password: string): Promise<void> {
    try {
      session.value = { state: 'signed-in', user: (await api.login(username, password)).user };
    } catch (err) {
      const message =
        err instanceof ApiError && err.code === 'LOGIN_THROTTLED'
          ? 'Too many attempts. Wait a minute and try again.'
          : err instanceof ApiError && (err.code === 'LOGIN_FAILED' || err.code === 'BAD_REQUEST')
            ? 'Wrong username or password.'
            : 'The server could not be reached.';
      session.value = { state: 'signed-out', error: message };
    }
  }

  async function signOut(): Promise<void> {
    // Signed out locally either way; a failed server sign-out expires with the session (and is logged).
    await api.logout().catch((err: unknown) => log.warn('sign-out request failed', { error: err }));
    session.value = { state: 'signed-out', error: null };
  }

  return { session, restore, signIn, signOut };
}
export type SessionState = ReturnType<typeof createSessionState>;
