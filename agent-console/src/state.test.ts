/**
 * The console's sign-in flow without rendering: one or two steps, what each
 * failure says, and the look after the idle end (a look, not a poll).
 */
import { describe, expect, it } from 'vitest';
import type { SessionInfo } from '@citizen/protocol';
import { ApiError, type Api } from './api';
import { createSessionState } from './state';

const info = (over: Partial<SessionInfo> = {}): SessionInfo => ({
  user: { id: 'u-0000000000000001', username: 'anna', displayName: 'Anna Holm', role: 'agent', skills: { languages: { da: 3 }, topics: {} } },
  totpEnabled: false,
  expiresAt: new Date(Date.now() + 8 * 3_600_000).toISOString(),
  idleExpiresAt: new Date(Date.now() + 1_800_000).toISOString(),
  csrfToken: 't',
  ...over,
});

/** An Api whose calls the test scripts; anything unscripted fails loudly. */
function fakeApi(script: Partial<Api>): Api {
  return new Proxy(script, {
    get: (target, prop: string) => target[prop as keyof Api] ?? (() => Promise.reject(new Error(`unexpected call ${prop}`))),
  }) as Api;
}

function timers() {
  const pending: { fn: () => void; ms: number }[] = [];
  return { pending, setTimer: (fn: () => void, ms: number) => (pending.push({ fn, ms }), () => pending.splice(pending.findIndex((p) => p.fn === fn), 1)) };
}

describe('console session', () => {
  it('signs in with a password alone', async () => {
    const s = createSessionState(fakeApi({ login: async () => ({ status: 'signed-in', ...info() }) }), timers());
    await s.signIn('anna', 'demo-agent');
    expect(s.session.value).toMatchObject({ state: 'signed-in', user: { username: 'anna' }, totpEnabled: false });
  });

  it('asks for the code, keeps the challenge, and signs in with the code', async () => {
    const codes: [string, string][] = [];
    const s = createSessionState(
      fakeApi({
        login: async () => ({ status: 'totp-required', challenge: 'ch-1', challengeExpiresAt: new Date().toISOString() }),
        loginCode: async (challenge, code) => {
          codes.push([challenge, code]);
          if (codes.length === 1) throw new ApiError(401, 'LOGIN_CODE_WRONG', 'wrong');
          return { status: 'signed-in', ...info({ totpEnabled: true }) };
        },
      }),
      timers(),
    );
    await s.signIn('anna', 'demo-agent');
    expect(s.session.value).toEqual({ state: 'code', challenge: 'ch-1', error: null });
    await s.submitCode('000 000');
    expect(s.session.value).toMatchObject({ state: 'code', error: 'Wrong code. Enter the current 6-digit code from your app.' });
    await s.submitCode('123 456');
    expect(codes).toEqual([
      ['ch-1', '000000'],
      ['ch-1', '123456'],
    ]);
    expect(s.session.value).toMatchObject({ state: 'signed-in', totpEnabled: true });
  });

  it('starts over when the challenge expired', async () => {
    const s = createSessionState(
      fakeApi({
        login: async () => ({ status: 'totp-required', challenge: 'ch', challengeExpiresAt: new Date().toISOString() }),
        loginCode: async () => {
          throw new ApiError(401, 'LOGIN_CHALLENGE_INVALID', 'expired');
        },
      }),
      timers(),
    );
    await s.signIn('anna', 'demo-agent');
    await s.submitCode('123456');
    expect(s.session.value).toEqual({ state: 'signed-out', error: 'The sign-in took too long. Sign in again.' });
  });

  it('looks again just after the idle end, and signs out when the server has ended the session', async () => {
    const t = timers();
    let alive = true;
    const s = createSessionState(
      fakeApi({
        me: async () => {
          if (!alive) throw new ApiError(401, 'UNAUTHENTICATED', 'gone');
          return info();
        },
      }),
      t,
    );
    await s.restore();
    expect(t.pending).toHaveLength(1);
    expect(t.pending[0]!.ms).toBeGreaterThan(1_790_000);
    t.pending[0]!.fn();
    await new Promise((r) => setTimeout(r, 0));
    expect(s.session.value.state).toBe('signed-in');
    alive = false;
    t.pending.at(-1)!.fn();
    await new Promise((r) => setTimeout(r, 0));
    expect(s.session.value).toEqual({ state: 'signed-out', error: 'Your session ended. Sign in again.' });
  });
});
