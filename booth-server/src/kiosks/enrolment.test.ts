import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomBytes, scryptSync, sign } from 'node:crypto';
import { KIOSK_WS_PATH, kioskTokenSigningInput, newEnrolmentCode, parseEnrolmentCode } from '@citizen/protocol';
import { KIOSK_IDENTITY_LIMITS } from './identityRoutes';
import { enrolmentCodeHash } from './routes';
import { createTestApp, enrolWithCode, kioskToken, rawSocket, signInHeaders, type TestApp } from '../testing';

let t: TestApp;
let url: string;
let clock = Date.now();
const MIN = 60_000;
/** Signed in afresh each time: the tests move the clock past the idle end of a staff session. */
const techHeaders = () => signInHeaders(t.app, 'tech', 'demo-tech');
beforeAll(async () => {
  t = await createTestApp(() => {}, { now: () => new Date(clock) });
  url = await t.app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await t.app.close();
});

async function newKiosk(id: string): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/api/kiosks', headers: await techHeaders(), payload: { id, name: `Kiosk ${id}`, location: 'Library, 1st floor', languages: ['da', 'en'] } });
  expect(res.statusCode, res.body).toBe(201);
  const body = res.json() as { kiosk: { identity: string }; enrolment: { code: string; expiresAt: string } };
  expect(body.kiosk.identity).toBe('awaiting-key');
  expect(parseEnrolmentCode(body.enrolment.code).ok).toBe(true);
  expect(Date.parse(body.enrolment.expiresAt) - clock).toBe(30 * MIN);
  return body.enrolment.code;
}

const enrol = (code: string) => {
  const { publicKey } = generateKeyPairSync('ed25519');
  return t.app.inject({ method: 'POST', url: '/api/kiosk/enrol', payload: { code, publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') } });
};
const self = (kioskId: string, token: string) => t.app.inject({ method: 'GET', url: '/api/kiosk/self', headers: { authorization: `Kiosk ${kioskId}:${token}` } });
const challenge = async (kioskId: string): Promise<string> => {
  const res = await t.app.inject({ method: 'POST', url: '/api/kiosk/challenge', payload: { kioskId } });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { challenge: string }).challenge;
};

describe('kiosk enrolment', () => {
  it('binds the key of the kiosk that types the code; its signed challenge gets a token the API accepts', async () => {
    const code = await newKiosk('k-enrol-1');
    // Typed on a keypad: lower case, no hyphens, an O for a 0 is all the same code.
    const kiosk = await enrolWithCode(t.app, code.replace(/-/g, '').toLowerCase());
    expect(kiosk.kioskId).toBe('k-enrol-1');
    const res = await self(kiosk.kioskId, kiosk.credential);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ kiosk: { id: 'k-enrol-1', identity: 'enrolled' } });
    const audit = await t.store.listKioskAudit(kiosk.kioskId as never, 10);
    expect(audit.map((a) => a.action)).toEqual(['enrolled', 'code-issued', 'created']);
  });

  it('refuses a reused, a wrong, a mistyped and an expired code, each with its own code', async () => {
    const code = await newKiosk('k-enrol-2');
    expect((await enrol(code)).statusCode).toBe(200);
    const reused = await enrol(code);
    expect(reused.statusCode).toBe(409);
    expect(reused.json()).toMatchObject({ code: 'ENROLMENT_CODE_USED' });

    // Well-formed with a matching check character, but nobody's code.
    const wrong = await enrol('000-000-000');
    expect(wrong.json()).toMatchObject({ code: 'ENROLMENT_CODE_UNKNOWN' });
    expect(wrong.statusCode).toBe(401);
    const mistyped = await enrol(`${code.slice(0, -1)}${code.endsWith('0') ? '1' : '0'}`);
    expect(mistyped.json()).toMatchObject({ code: 'ENROLMENT_CODE_MISTYPED' });
    expect((await enrol('12345')).json()).toMatchObject({ code: 'ENROLMENT_CODE_MALFORMED' });

    const late = await newKiosk('k-enrol-3');
    clock += 30 * MIN + 1;
    const expired = await enrol(late);
    expect(expired.statusCode).toBe(410);
    expect(expired.json()).toMatchObject({ code: 'ENROLMENT_CODE_EXPIRED', fix: expect.stringMatching(/new code/) });
  });

  it('refuses a key that is not Ed25519', async () => {
    const code = await newKiosk('k-enrol-rsa');
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const res = await t.app.inject({ method: 'POST', url: '/api/kiosk/enrol', payload: { code, publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') } });
    expect(res.json()).toMatchObject({ code: 'KIOSK_PUBLIC_KEY_INVALID' });
  });
});

describe('kiosk tokens', () => {
  it('expire after 15 minutes; a new signed challenge gets a new one', async () => {
    const kiosk = await enrolWithCode(t.app, await newKiosk('k-token-1'));
    clock += 14 * MIN;
    expect((await self(kiosk.kioskId, kiosk.credential)).statusCode).toBe(200);
    clock += 1 * MIN;
    expect((await self(kiosk.kioskId, kiosk.credential)).statusCode).toBe(401);
    const fresh = await kioskToken(t.app, kiosk.kioskId, kiosk.privateKey);
    expect((await self(kiosk.kioskId, fresh)).statusCode).toBe(200);
    // A token is for its own kiosk only.
    expect((await self('k-demo-central-1', fresh)).statusCode).toBe(401);
  });

  it('refuses a signature over another challenge, by another key, and a challenge used twice or too late', async () => {
    const kiosk = await enrolWithCode(t.app, await newKiosk('k-token-2'));
    const [a, b] = [await challenge(kiosk.kioskId), await challenge(kiosk.kioskId)];
    const sig = (c: string, key = kiosk.privateKey) => sign(null, Buffer.from(kioskTokenSigningInput(kiosk.kioskId, c)), key).toString('base64');
    const token = (c: string, signature: string) => t.app.inject({ method: 'POST', url: '/api/kiosk/token', payload: { kioskId: kiosk.kioskId, challenge: c, signature } });

    const wrongChallenge = await token(b, sig(a));
    expect(wrongChallenge.statusCode).toBe(401);
    expect(wrongChallenge.json()).toMatchObject({ code: 'KIOSK_SIGNATURE_INVALID' });
    // The failed try used b up; a still works, once.
    expect((await token(b, sig(b))).json()).toMatchObject({ code: 'KIOSK_CHALLENGE_INVALID' });
    expect((await token(a, sig(a))).statusCode).toBe(200);
    expect((await token(a, sig(a))).json()).toMatchObject({ code: 'KIOSK_CHALLENGE_INVALID' });

    const other = generateKeyPairSync('ed25519').privateKey;
    const c = await challenge(kiosk.kioskId);
    expect((await token(c, sig(c, other))).json()).toMatchObject({ code: 'KIOSK_SIGNATURE_INVALID' });

    const slow = await challenge(kiosk.kioskId);
    clock += 61_000;
    expect((await token(slow, sig(slow))).json()).toMatchObject({ code: 'KIOSK_CHALLENGE_INVALID' });
  });

  it('a new enrolment code, once used, voids the old key and its tokens (hardware swap)', async () => {
    const old = await enrolWithCode(t.app, await newKiosk('k-swap-1'));
    const res = await t.app.inject({ method: 'POST', url: '/api/kiosks/k-swap-1/enrolment-code', headers: await techHeaders() });
    expect(res.statusCode).toBe(201);
    // Until the new code is used, the old key still works.
    expect((await self(old.kioskId, old.credential)).statusCode).toBe(200);
    const swapped = await enrolWithCode(t.app, (res.json() as { code: string }).code);
    expect((await self(old.kioskId, old.credential)).statusCode).toBe(401);
    await expect(kioskToken(t.app, old.kioskId, old.privateKey)).rejects.toThrow(/KIOSK_SIGNATURE_INVALID/);
    expect((await self(swapped.kioskId, swapped.credential)).statusCode).toBe(200);
  });
});

describe('kiosk revocation', () => {
  it('refuses the kiosk everywhere at once: its socket closes, its token and key stop working, and who did it is audited', async () => {
    const kiosk = await enrolWithCode(t.app, await newKiosk('k-revoke-1'));
    const sock = await rawSocket(url, KIOSK_WS_PATH, { authorization: `Kiosk ${kiosk.kioskId}:${kiosk.credential}` });
    expect((await sock.request('hello', {})).ok).toBe(true);

    const res = await t.app.inject({ method: 'POST', url: '/api/kiosks/k-revoke-1/revoke', headers: await techHeaders() });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ kiosk: { identity: 'revoked' }, closedSockets: 1 });
    expect((await sock.closed).code).toBe(4003);

    expect((await self(kiosk.kioskId, kiosk.credential)).statusCode).toBe(401);
    await expect(rawSocket(url, KIOSK_WS_PATH, { authorization: `Kiosk ${kiosk.kioskId}:${kiosk.credential}` })).rejects.toThrow(/401/);
    const again = await t.app.inject({ method: 'POST', url: '/api/kiosk/challenge', payload: { kioskId: kiosk.kioskId } });
    expect(again.json()).toMatchObject({ code: 'KIOSK_NOT_ENROLLED' });

    const techUser = await t.store.findUserByUsername('tech');
    const [last] = await t.store.listKioskAudit(kiosk.kioskId as never, 1);
    expect(last).toMatchObject({ action: 'revoked', actor: techUser!.id, at: new Date(clock) });

    // A new code brings it back (after the hardware was checked).
    const code = await t.app.inject({ method: 'POST', url: '/api/kiosks/k-revoke-1/enrolment-code', headers: await techHeaders() });
    const back = await enrolWithCode(t.app, (code.json() as { code: string }).code);
    expect((await self(back.kioskId, back.credential)).json()).toMatchObject({ kiosk: { identity: 'enrolled' } });
  });

  it('404s for an unknown kiosk', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/kiosks/k-nobody-here/revoke', headers: await techHeaders() });
    expect(res.json()).toMatchObject({ code: 'KIOSK_NOT_FOUND' });
  });
});

describe('audit log', () => {
  it('lists who did what to a kiosk, newest first, with staff by name; technicians and administrators only', async () => {
    const created = await t.app.inject({ method: 'POST', url: '/api/kiosks', headers: await techHeaders(), payload: { id: 'k-audit-1', name: 'Audit', location: 'Library', languages: ['da'] } });
    await enrolWithCode(t.app, (created.json() as { enrolment: { code: string } }).enrolment.code);
    const admin = await signInHeaders(t.app, 'admin', 'demo-admin');
    expect((await t.app.inject({ method: 'POST', url: '/api/kiosks/k-audit-1/revoke', headers: admin })).statusCode).toBe(200);

    const res = await t.app.inject({ method: 'GET', url: '/api/kiosks/k-audit-1/audit', headers: await techHeaders() });
    expect(res.statusCode).toBe(200);
    const { entries } = res.json() as { entries: { action: string; actor: Record<string, unknown>; data: Record<string, unknown> }[] };
    expect(entries.map((e) => e.action)).toEqual(['revoked', 'enrolled', 'code-issued', 'created']);
    expect(entries[0]!.actor).toMatchObject({ kind: 'user', username: 'admin' });
    expect(entries[1]!.actor).toEqual({ kind: 'kiosk' });
    expect(entries[3]!).toMatchObject({ actor: { kind: 'user', username: 'tech' }, data: { name: 'Audit', location: 'Library' } });
    expect((await t.app.inject({ method: 'GET', url: '/api/kiosks/k-audit-1/audit?limit=1', headers: admin })).json().entries).toHaveLength(1);

    const agent = await signInHeaders(t.app, 'anna', 'demo-agent');
    expect((await t.app.inject({ method: 'GET', url: '/api/kiosks/k-audit-1/audit', headers: agent })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/kiosks/k-nobody-here/audit', headers: admin })).json()).toMatchObject({ code: 'KIOSK_NOT_FOUND' });
    expect((await t.app.inject({ method: 'GET', url: '/api/kiosks/k-audit-1/audit?limit=0', headers: admin })).statusCode).toBe(400);
  });
});

describe('limits on the public identity routes', () => {
  it('refuses an address that keeps trying codes, with KIOSK_IDENTITY_THROTTLED; other addresses go on', async () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const payload = { code: '000000000', publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') };
    const enrol = (remoteAddress: string) => t.app.inject({ method: 'POST', url: '/api/kiosk/enrol', payload, remoteAddress });
    for (let i = 0; i < KIOSK_IDENTITY_LIMITS.enrolPerMinute; i++) expect((await enrol('203.0.113.7')).statusCode).not.toBe(429);
    const refused = await enrol('203.0.113.7');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'KIOSK_IDENTITY_THROTTLED' });
    expect((await enrol('203.0.113.8')).statusCode).not.toBe(429);
  });

  it('caps code checks over all addresses (each costs a slow hash), and the next minute opens again', async () => {
    clock += 61_000;
    const { publicKey } = generateKeyPairSync('ed25519');
    const spki = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    // Well-formed codes nobody issued, each from another address: only the global budget can stop them.
    const enrol = (i: number) =>
      t.app.inject({ method: 'POST', url: '/api/kiosk/enrol', payload: { code: newEnrolmentCode((n) => randomBytes(n)), publicKey: spki }, remoteAddress: `198.51.100.${i % 250}` });
    for (let i = 0; i < KIOSK_IDENTITY_LIMITS.enrolPerMinuteGlobal; i++) expect((await enrol(i)).json()).toMatchObject({ code: 'ENROLMENT_CODE_UNKNOWN' });
    expect((await enrol(7)).json()).toMatchObject({ code: 'KIOSK_IDENTITY_THROTTLED', message: expect.stringMatching(/retry in \d+ s/) });
    clock += 60_000;
    expect((await enrol(8)).json()).toMatchObject({ code: 'ENROLMENT_CODE_UNKNOWN' });
  });

  it('keeps codes as scrypt hashes (memory-hard), as the store holds them', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/kiosks', headers: await techHeaders(), payload: { id: 'k-hash-1', name: 'Hash', location: 'Lab', languages: ['da'] } });
    const code = parseEnrolmentCode((res.json() as { enrolment: { code: string } }).enrolment.code);
    if (!code.ok) throw new Error('the server issued a malformed code');
    const expected = scryptSync(code.code, 'citizen-kiosk/enrolment-code/v1', 32, { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }).toString('base64url');
    expect(await enrolmentCodeHash(code.code)).toBe(expected);
    // Redeemable by exactly that hash: the code works.
    expect((await enrolWithCode(t.app, code.code)).kioskId).toBe('k-hash-1');
  });
});
