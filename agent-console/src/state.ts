/**
 * Console session state as signals: who is signed in, the code step of a
 * two-step sign-in, and what a failed step said. Kept apart from rendering so
 * it can be tested directly.
 *
 * The server ends an unused session after its idle time. The console looks
 * again just after the idle end it was told (`idleExpiresAt`), rather than
 * polling: a poll would itself count as use and keep the session alive.
 */
import { signal } from '@preact/signals';
import type { SessionInfo, User } from '@citizen/protocol';
import { createLogger } from '@citizen/call-client';
import { ApiError, type Api } from './api';

const log = createLogger('console-session');

export type Session =
  | { state: 'checking' }
  | { state: 'signed-out'; error: string | null }
  | { state: 'code'; challenge: string; error: string | null }
  | { state: 'signed-in'; user: User; totpEnabled: boolean; expiresAt: Date; idleExpiresAt: Date };

/** How long after the idle end the console asks whether the session is still there. */
const RECHECK_GRACE_MS = 2000;

export interface SessionStateOptions {
  setTimer?: (fn: () => void, ms: number) => () => void;
}

export function createSessionState(api: Api, opts: SessionStateOptions = {}) {
  const setTimer =
    opts.setTimer ??
    ((fn: () => void, ms: number) => {
      // setTimeout takes at most 2^31-1 ms; a longer wait is cut and simply checks earlier.
      const id = setTimeout(fn, Math.min(ms, 2 ** 31 - 1));
      return () => clearTimeout(id);
    });
  const session = signal<Session>({ state: 'checking' });
  let cancelRecheck: (() => void) | null = null;

  function signedIn(info: SessionInfo): void {
    const idleExpiresAt = new Date(info.idleExpiresAt);
    session.value = { state: 'signed-in', user: info.user, totpEnabled: info.totpEnabled, expiresAt: new Date(info.expiresAt), idleExpiresAt };
    cancelRecheck?.();
    cancelRecheck = setTimer(() => void recheck(), Math.max(0, idleExpiresAt.getTime() - Date.now()) + RECHECK_GRACE_MS);
  }

  function signedOut(error: string | null): void {
    cancelRecheck?.();
    cancelRecheck = null;
    session.value = { state: 'signed-out', error };
  }

  async function recheck(): Promise<void> {
    try {
      signedIn(await api.me());
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) signedOut('Your session ended. Sign in again.');
      else log.warn('session check failed', { error: err });
    }
  }

  async function restore(): Promise<void> {
    try {
      signedIn(await api.me());
    } catch {
      signedOut(null);
    }
  }

  async function signIn(username: string, password: string): Promise<void> {
    try {
      const r = await api.login(username, password);
      if (r.status === 'signed-in') signedIn(r);
      else session.value = { state: 'code', challenge: r.challenge, error: null };
    } catch (err) {
      signedOut(
        err instanceof ApiError && err.code === 'LOGIN_THROTTLED'
          ? 'Too many attempts. Wait a minute and try again.'
          : err instanceof ApiError && (err.code === 'LOGIN_FAILED' || err.code === 'BAD_REQUEST')
            ? 'Wrong username or password.'
            : 'The server could not be reached.',
      );
    }
  }

  /** The second step: the code from the authenticator app. */
  async function submitCode(code: string): Promise<void> {
    const s = session.value;
    if (s.state !== 'code') return;
    try {
      signedIn(await api.loginCode(s.challenge, code.replace(/\s+/g, '')));
    } catch (err) {
      const c = err instanceof ApiError ? err.code : null;
      if (c === 'LOGIN_CHALLENGE_INVALID') signedOut('The sign-in took too long. Sign in again.');
      else
        session.value = {
          ...s,
          error:
            c === 'LOGIN_CODE_WRONG' || c === 'BAD_REQUEST'
              ? 'Wrong code. Enter the current 6-digit code from your app.'
              : c === 'LOGIN_THROTTLED'
                ? 'Too many attempts. Wait a minute and try again.'
                : 'The server could not be reached.',
        };
    }
  }

  function cancelCode(): void {
    signedOut(null);
  }

  async function signOut(): Promise<void> {
    // Signed out locally either way; a failed server sign-out expires with the session (and is logged).
    await api.logout().catch((err: unknown) => log.warn('sign-out request failed', { error: err }));
    signedOut(null);
  }

  /** Ends every session of this user, on every device, and signs out here. */
  async function signOutEverywhere(): Promise<void> {
    await api.logoutEverywhere();
    signedOut(null);
  }

  /** After a change the server answered with the session (second factor turned on or off). */
  function update(info: SessionInfo): void {
    signedIn(info);
  }

  return { session, restore, signIn, submitCode, cancelCode, signOut, signOutEverywhere, update };
}
export type SessionState = ReturnType<typeof createSessionState>;
