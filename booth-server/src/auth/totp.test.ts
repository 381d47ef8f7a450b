/**
 * TOTP second factor on an injected clock: enrolment (server-made secret,
 * confirmed with a code), two-step sign-in with a short-lived, single-use
 * challenge, replayed codes and challenges, limits on the code step, and
 * turning the factor off.
 */
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signInHeaders, type TestApp } from '../testing';
import { MAX_CODE_FAILURES } from './routes';

let clock = Date.now();
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp(
    (c) => {
      c.sfu.rtcMinPort = 52100;
      c.sfu.rtcMaxPort = 52199;
      c.auth.totpChallengeSeconds = 120;
      c.auth.totpIssuer = 'Borgerservice Test';
    },
    { now: () => new Date(clock) },
  );
});
afterAll(async () => {
  await t.app.close();
});

const code = (secret: string, at = clock): Promise<string> => generate({ secret, epoch: Math.floor(at / 1000) });
/** Moves the clock to the start of the next 30 s step, so the code of the step before is no longer current. */
const nextStep = (): void => {
  clock = (Math.floor(clock / 30_000) + 1) * 30_000 + 1000;
};
const post = (url: string, headers: Record<string, string>, payload?: object) => t.app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload }) });
const login = (username: string, password: string, ip = '192.0.2.10') => t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress: ip });
const loginCode = (challenge: string, c: string, ip = '192.0.2.10') => t.app.inject({ method: 'POST', url: '/api/auth/login/totp', payload: { challenge, code: c }, remoteAddress: ip });

/** Enrols the user's authenticator and returns its secret. */
async function enrol(username: string, password: string): Promise<string> {
  const headers = await signInHeaders(t.app, username, password);
  const started = await post('/api/auth/totp/enrol', headers);
  expect(started.statusCode).toBe(200);
  const { secret, otpauthUri } = started.json() as { secret: string; otpauthUri: string };
  expect(otpauthUri).toBe(`otpauth://totp/Borgerservice%20Test:${username}?secret=${secret}&issuer=Borgerservice%20Test`);
  const confirmed = await post('/api/auth/totp/confirm', headers, { code: await code(secret) });
  expect(confirmed.statusCode).toBe(200);
  expect(confirmed.json().totpEnabled).toBe(true);
  nextStep();
  return secret;
}

describe('enrolment', () => {
  it('keeps the secret on the server: the account shows only that the factor is on', async () => {
    await enrol('tech', 'demo-tech');
    const headers = await signInHeaders(t.app, 'tech', 'demo-tech').catch((e: unknown) => e);
    // Sign-in now takes two steps, so the one-step helper refuses.
    expect(String(headers)).toMatch(/not complete/);
    const user = await t.store.findUserByUsername('tech');
    expect(user?.totp?.secret).toMatch(/^[A-Z2-7]{32}$/);
  });

  it('refuses a wrong first code and an enrolment that expired', async () => {
    const headers = await signInHeaders(t.app, 'omar', 'demo-agent');
    const { secret } = (await post('/api/auth/totp/enrol', headers)).json() as { secret: string };
    const wrong = await post('/api/auth/totp/confirm', headers, { code: (Number(await code(secret)) ^ 1).toString().padStart(6, '0') });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().code).toBe('TOTP_CODE_WRONG');
    clock += 11 * 60_000;
    const late = await post('/api/auth/totp/confirm', headers, { code: await code(secret) });
    expect(late.json().code).toBe('TOTP_NO_ENROLMENT');
    expect((await t.store.findUserByUsername('omar'))?.totp).toBeNull();
  });

  it('refuses a second enrolment while the factor is on', async () => {
    await enrol('sara', 'demo-supervisor');
    const first = await login('sara', 'demo-supervisor');
    const secret = (await t.store.findUserByUsername('sara'))!.totp!.secret;
    const signedIn = await loginCode(first.json().challenge, await code(secret));
    const headers = { cookie: signedIn.cookies.map((c) => `${c.name}=${c.value}`).join('; '), 'x-csrf-token': signedIn.json().csrfToken };
    expect((await post('/api/auth/totp/enrol', headers)).json().code).toBe('TOTP_ALREADY_ENABLED');
    nextStep();
  });
});

describe('two-step sign-in', () => {
  let secret: string;
  beforeAll(async () => {
    secret = await enrol('anna', 'demo-agent');
  });

  it('asks for a code after the password, and signs in with it', async () => {
    const first = await login('anna', 'demo-agent');
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ status: 'totp-required', challengeExpiresAt: new Date(clock + 120_000).toISOString() });
    expect(first.cookies.find((c) => c.name === 'sid')).toBeUndefined();
    const second = await loginCode(first.json().challenge, await code(secret));
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ status: 'signed-in', user: { username: 'anna' }, totpEnabled: true });
    expect(second.cookies.find((c) => c.name === 'sid')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    nextStep();
  });

  it('accepts a challenge once: replaying it after a sign-in is refused', async () => {
    const { challenge } = (await login('anna', 'demo-agent')).json() as { challenge: string };
    expect((await loginCode(challenge, await code(secret))).statusCode).toBe(200);
    nextStep();
    const replay = await loginCode(challenge, await code(secret));
    expect(replay.statusCode).toBe(401);
    expect(replay.json().code).toBe('LOGIN_CHALLENGE_INVALID');
  });

  it('accepts a code once: the same code with a new challenge is refused', async () => {
    const used = await code(secret);
    const a = (await login('anna', 'demo-agent')).json() as { challenge: string };
    expect((await loginCode(a.challenge, used)).statusCode).toBe(200);
    const b = (await login('anna', 'demo-agent')).json() as { challenge: string };
    const replay = await loginCode(b.challenge, used);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().code).toBe('LOGIN_CODE_WRONG');
    nextStep();
  });

  it('refuses an expired challenge', async () => {
    const { challenge } = (await login('anna', 'demo-agent')).json() as { challenge: string };
    clock += 121_000;
    const late = await loginCode(challenge, await code(secret));
    expect(late.json().code).toBe('LOGIN_CHALLENGE_INVALID');
    nextStep();
  });

  it('withdraws a challenge after too many wrong codes', async () => {
    const { challenge } = (await login('anna', 'demo-agent', '192.0.2.77')).json() as { challenge: string };
    const good = await code(secret);
    const bad = good === '000000' ? '000001' : '000000';
    const codes: string[] = [];
    for (let i = 0; i < MAX_CODE_FAILURES; i++) {
      // Another address each time, so the per-address back-off does not answer first.
      codes.push((await loginCode(challenge, bad, `192.0.2.${100 + i}`)).json().code);
    }
    expect(codes).toEqual(Array(MAX_CODE_FAILURES).fill('LOGIN_CODE_WRONG'));
    expect((await loginCode(challenge, good, '192.0.2.200')).json().code).toBe('LOGIN_CHALLENGE_INVALID');
  });

  it('backs off wrong codes per user and address, like wrong passwords, and a correct password does not reset it', async () => {
    const ip = '198.51.100.9';
    const codes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const { challenge } = (await login('anna', 'demo-agent', ip)).json() as { challenge?: string; code?: string };
      codes.push(challenge ? (await loginCode(challenge, '999999', ip)).json().code : 'password step throttled');
    }
    expect(codes.slice(0, 3)).toEqual(['LOGIN_CODE_WRONG', 'LOGIN_CODE_WRONG', 'LOGIN_CODE_WRONG']);
    expect(codes[3]).toMatch(/LOGIN_THROTTLED|throttled/);
  });

  it('refuses the code step when the account was disabled in between', async () => {
    const { challenge } = (await login('anna', 'demo-agent', '203.0.113.50')).json() as { challenge: string };
    const anna = await t.store.findUserByUsername('anna');
    await t.store.setUserDisabled(anna!.id, new Date(clock));
    try {
      expect((await loginCode(challenge, await code(secret), '203.0.113.50')).json().code).toBe('LOGIN_CHALLENGE_INVALID');
    } finally {
      await t.store.setUserDisabled(anna!.id, null);
    }
  });
});

describe('turning the factor off', () => {
  it('needs a current code, and then sign-in takes one step again', async () => {
    const secret = await enrol('admin', 'demo-admin');
    const first = (await login('admin', 'demo-admin', '203.0.113.60')).json() as { challenge: string };
    const signedIn = await loginCode(first.challenge, await code(secret), '203.0.113.60');
    const headers = { cookie: signedIn.cookies.map((c) => `${c.name}=${c.value}`).join('; '), 'x-csrf-token': signedIn.json().csrfToken as string };
    // The code just used to sign in cannot turn the factor off as well.
    expect((await post('/api/auth/totp/disable', headers, { code: await code(secret) })).json().code).toBe('TOTP_CODE_WRONG');
    nextStep();
    const off = await post('/api/auth/totp/disable', headers, { code: await code(secret) });
    expect(off.statusCode).toBe(200);
    expect(off.json().totpEnabled).toBe(false);
    expect((await t.store.findUserByUsername('admin'))?.totp).toBeNull();
    expect((await login('admin', 'demo-admin', '203.0.113.60')).json().status).toBe('signed-in');
    expect((await post('/api/auth/totp/disable', headers, { code: await code(secret) })).json().code).toBe('TOTP_NOT_ENABLED');
  });
});
