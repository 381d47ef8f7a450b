/**
 * The Store contract as one suite, run against every implementation
 * (store/conformance.test.ts: SqliteStore in process, PgStore on a real
 * PostgreSQL). What an implementation must do beyond its SQL: conflicts as
 * StoreConflictError, single-use things used once even when asked at once,
 * ordering, dates and JSON back as written, ping and close.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { kioskId, userId, type Heartbeat, type ProfileBody } from '@citizen/protocol';
import { HEALTHY } from '../../fleet/testing';
import { StoreClosedError, StoreConflictError, type InquiryRecord, type Store } from '../Store';

export interface StoreFactory {
  /** A new, empty store at the newest schema version. */
  fresh(): Promise<Store>;
  /** The newest schema version this implementation knows. */
  newestVersion: number;
}

const DAY = 86_400_000;
const user = {
  id: userId('u-0123456789abcdef'),
  username: 'anna',
  displayName: 'Anna',
  role: 'agent' as const,
  skills: { languages: { da: 3, en: 2 }, topics: { passport: 1 } },
  passwordHash: 'x',
};
const anna = { id: userId('u-00000000000000a1'), username: 'anna', displayName: 'Anna', role: 'agent' as const, skills: { languages: {}, topics: {} }, passwordHash: 'x' };
const omar = { ...anna, id: userId('u-00000000000000a2'), username: 'omar', displayName: 'Omar' };
const sara = { ...anna, id: userId('u-00000000000000b1'), username: 'sara', displayName: 'Sara', role: 'supervisor' as const };
const kiosk = {
  id: kioskId('k-test-1'),
  name: 'Test',
  location: 'Central library, ground floor',
  languages: ['da'],
  credentialHash: 'h',
  publicKey: null,
  revokedAt: null,
  enrolledAt: new Date('2026-01-01T00:00:00Z'),
  lastSeenAt: null,
};
const t0 = new Date('2026-03-02T09:00:00Z');
const body = (over: Partial<ProfileBody> = {}): ProfileBody => ({
  flows: ['talk', 'eid-help'],
  languages: ['da', 'en', 'ar'],
  session: { idleWarnSeconds: 60, idleWipeSeconds: 20, readAloudOnArrival: false },
  openingHours: null,
  call: { maxVideoBitrate: 600_000 },
  ...over,
});

let n = 0;
function inquiry(over: Partial<InquiryRecord> = {}): InquiryRecord {
  n++;
  return {
    id: `c${n}`,
    reference: `BS-0000-${String(n).padStart(4, '0')}`,
    kioskId: kiosk.id,
    language: 'da',
    topic: 'passport',
    answers: {},
    status: 'queued',
    createdAt: t0,
    ...over,
  };
}

export function describeStoreConformance(name: string, factory: StoreFactory): void {
  const stores: Store[] = [];
  const open = async (): Promise<Store> => {
    const s = await factory.fresh();
    stores.push(s);
    return s;
  };
  /**
   * Opens the connections a networked store will use before a race, so the
   * racing calls really overlap rather than queue behind connection set-up.
   */
  const warm = async (s: Store): Promise<void> => {
    await Promise.all(Array.from({ length: 8 }, () => s.ping()));
  };
  const withPeople = async (): Promise<Store> => {
    const s = await open();
    await s.createKiosk(kiosk);
    for (const u of [anna, omar, sara]) await s.createUser(u);
    return s;
  };

  describe(`${name}: store contract`, () => {
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.close()));
    });

    describe('basics', () => {
      it('is at the newest schema version', async () => {
        expect(await (await open()).schemaVersion()).toBe(factory.newestVersion);
      });

      it('round-trips users and refuses a duplicate username', async () => {
        const s = await open();
        await s.createUser(user);
        const account = { ...user, disabledAt: null, totp: null };
        expect(await s.findUserByUsername('anna')).toEqual(account);
        expect(await s.findUserById(user.id)).toEqual(account);
        await expect(s.createUser({ ...user, id: userId('u-fedcba9876543210') })).rejects.toBeInstanceOf(StoreConflictError);
      });

      it('finds sessions only until they expire and purges expired ones', async () => {
        const s = await open();
        await s.createUser(user);
        const start = new Date('2026-01-01T10:00:00Z');
        await s.createSession({ tokenHash: 'a', userId: user.id, createdAt: start, expiresAt: new Date(start.getTime() + 60_000), lastSeenAt: start, idleExpiresAt: new Date(start.getTime() + 60_000) });
        expect(await s.findSession('a', new Date(start.getTime() + 59_000))).toMatchObject({ userId: user.id });
        expect(await s.findSession('a', new Date(start.getTime() + 60_000))).toBeUndefined();
        expect(await s.deleteExpiredSessions(new Date(start.getTime() + 61_000))).toBe(1);
      });

      it('enrols kiosks, refuses duplicates, records last seen and rotates credentials', async () => {
        const s = await open();
        await s.createKiosk(kiosk);
        await expect(s.createKiosk(kiosk)).rejects.toBeInstanceOf(StoreConflictError);
        const seen = new Date('2026-02-02T12:00:00Z');
        await s.touchKiosk(kiosk.id, seen);
        expect((await s.findKiosk(kiosk.id))?.lastSeenAt).toEqual(seen);
        expect(await s.findKiosk(kiosk.id)).toEqual({ ...kiosk, lastSeenAt: seen });
        expect(await s.setKioskCredential(kiosk.id, 'h2')).toBe(true);
        expect(await s.setKioskCredential(kioskId('k-unknown-1'), 'h3')).toBe(false);
        expect((await s.listKiosks()).map((k) => k.credentialHash)).toEqual(['h2']);
      });

      it('lists kiosks and users in byte order of id and username, whatever the locale', async () => {
        const s = await open();
        for (const id of ['k-bb1', 'k-aa10', 'k-aa-2', 'k-aa1']) await s.createKiosk({ ...kiosk, id: kioskId(id) });
        expect((await s.listKiosks()).map((k) => k.id)).toEqual(['k-aa-2', 'k-aa1', 'k-aa10', 'k-bb1']);
        for (const [i, u] of ['bo', 'Bo', 'anna', 'Zed'].entries()) await s.createUser({ ...user, id: userId(`u-00000000000000c${i}`), username: u });
        expect((await s.listUsers()).map((u) => u.username)).toEqual(['Bo', 'Zed', 'anna', 'bo']);
      });

      it('keeps inquiries with unique references and records how they ended', async () => {
        const s = await open();
        await s.createKiosk(kiosk);
        await s.createUser(user);
        const i = { id: 'c1', reference: 'BS-7K3Q-92XD', kioskId: kiosk.id, language: 'da', topic: 'housing-benefit', answers: { postcode: '1620' }, status: 'queued' as const, createdAt: new Date('2026-03-01T09:00:00Z') };
        await s.createInquiry(i);
        await expect(s.createInquiry({ ...i, id: 'c2' })).rejects.toBeInstanceOf(StoreConflictError);
        await expect(s.createInquiry({ ...i, reference: 'BS-7K3Q-92XE' })).rejects.toBeInstanceOf(StoreConflictError);
        await s.updateInquiry('c1', { status: 'in-call', agentId: user.id });
        await s.updateInquiry('c1', { status: 'ended', endReason: 'hangup-agent', endedAt: new Date('2026-03-01T09:10:00Z') });
        expect(await s.findInquiryByReference('BS-7K3Q-92XD')).toMatchObject({
          id: 'c1',
          status: 'ended',
          agentId: user.id,
          endReason: 'hangup-agent',
          answers: { postcode: '1620' },
          endedAt: new Date('2026-03-01T09:10:00Z'),
        });
        expect(await s.findInquiryByReference('BS-0000-0000')).toBeUndefined();
        // A failed create leaves nothing behind, not even its created event.
        expect((await s.listInquiryCases({ kind: 'all' }, { limit: 10, offset: 0 })).total).toBe(1);
      });

      it('refuses an inquiry of an unknown kiosk and stores nothing of it', async () => {
        const s = await open();
        await expect(s.createInquiry(inquiry({ id: 'orphan', kioskId: 'k-nobody-1' }))).rejects.toThrow();
        expect(await s.findInquiry('orphan')).toBeUndefined();
      });

      it('answers ping until closed, and close is idempotent', async () => {
        const s = await open();
        expect(await s.ping()).toBe(true);
        await s.close();
        await s.close();
        expect(await s.ping()).toBe(false);
        await expect(s.listKiosks()).rejects.toBeInstanceOf(StoreClosedError);
      });

      it('closes open inquiries in one go and leaves finished ones alone', async () => {
        const s = await open();
        await s.createKiosk(kiosk);
        const base = { kioskId: kiosk.id, language: 'da', topic: null, answers: {}, createdAt: new Date() };
        await s.createInquiry({ ...base, id: 'a', reference: 'BS-0000-001Y', status: 'queued' });
        await s.createInquiry({ ...base, id: 'b', reference: 'BS-0000-002W', status: 'in-call' });
        await s.createInquiry({ ...base, id: 'c', reference: 'BS-0000-003T', status: 'abandoned', endReason: 'left-queue', endedAt: new Date() });
        expect(await s.closeOpenInquiries(new Date(), 'interrupted')).toBe(2);
        expect((await s.findInquiry('a'))?.status).toBe('abandoned');
        expect((await s.findInquiry('b'))?.status).toBe('ended');
        expect((await s.findInquiry('c'))?.endReason).toBe('left-queue');
      });
    });

    describe('accounts', () => {
      const plus = (ms: number): Date => new Date(t0.getTime() + ms);
      const session = (tokenHash: string, userIdValue = user.id, expiresAt = plus(3_600_000), idleExpiresAt = plus(1_800_000)) => ({
        tokenHash,
        userId: userIdValue,
        createdAt: t0,
        expiresAt,
        lastSeenAt: t0,
        idleExpiresAt,
      });

      it('lists, edits, disables and enables users', async () => {
        const s = await open();
        await s.createUser(user);
        await s.createUser({ ...user, id: userId('u-00000000000000b0'), username: 'bo', role: 'admin' });
        expect((await s.listUsers()).map((u) => u.username)).toEqual(['anna', 'bo']);
        const edited = await s.updateUser(user.id, { role: 'supervisor', skills: { languages: { uk: 3 }, topics: {} } });
        expect(edited).toMatchObject({ displayName: 'Anna', role: 'supervisor', skills: { languages: { uk: 3 }, topics: {} } });
        expect(await s.updateUser(userId('u-00000000000000ff'), { displayName: 'x' })).toBeUndefined();
        expect(await s.setUserDisabled(user.id, t0)).toBe(true);
        expect((await s.findUserById(user.id))?.disabledAt).toEqual(t0);
        await s.setUserDisabled(user.id, null);
        expect((await s.findUserById(user.id))?.disabledAt).toBeNull();
        expect(await s.setPasswordHash(user.id, 'y')).toBe(true);
        expect((await s.findUserById(user.id))?.passwordHash).toBe('y');
        expect(await s.setPasswordHash(userId('u-00000000000000ff'), 'y')).toBe(false);
      });

      it('ends sessions on their idle end or their absolute end, whichever comes first, and records use', async () => {
        const s = await open();
        await s.createUser(user);
        await s.createSession(session('idle', user.id, plus(3_600_000), plus(600_000)));
        expect(await s.findSession('idle', plus(599_000))).toBeDefined();
        expect(await s.findSession('idle', plus(600_000))).toBeUndefined();
        await s.touchSession('idle', plus(500_000), plus(1_100_000));
        expect(await s.findSession('idle', plus(1_000_000))).toMatchObject({ lastSeenAt: plus(500_000), idleExpiresAt: plus(1_100_000) });
        // A use never carries the idle end past the absolute end.
        await s.touchSession('idle', plus(3_000_000), plus(5_000_000));
        expect((await s.findSession('idle', plus(3_100_000)))?.idleExpiresAt).toEqual(plus(3_600_000));
        expect(await s.findSession('idle', plus(3_600_000))).toBeUndefined();
        expect(await s.deleteExpiredSessions(plus(3_600_000))).toBe(1);
      });

      it('counts and ends a user’s sessions, keeping one when asked', async () => {
        const s = await open();
        await s.createUser(user);
        const other = userId('u-00000000000000b0');
        await s.createUser({ ...user, id: other, username: 'bo' });
        for (const h of ['a', 'b', 'c']) await s.createSession(session(h));
        await s.createSession(session('o', other));
        await s.createSession(session('gone', user.id, plus(1000), plus(1000)));
        expect(await s.countSessions(plus(2000))).toEqual(new Map([[user.id, 3], [other, 1]]));
        expect(await s.deleteUserSessions(user.id, 'b')).toBe(3);
        expect(await s.findSession('b', plus(2000))).toBeDefined();
        expect(await s.findSession('o', plus(2000))).toBeDefined();
        expect(await s.deleteUserSessions(user.id)).toBe(1);
        await s.deleteSession('o');
        expect(await s.findSession('o', plus(2000))).toBeUndefined();
      });

      it('keeps a TOTP enrolment pending until it expires, and accepts each time step once', async () => {
        const s = await open();
        await s.createUser(user);
        await s.setTotpPending(user.id, { secret: 'PENDING', expiresAt: plus(600_000) });
        expect(await s.findTotpPending(user.id, plus(1000))).toEqual({ secret: 'PENDING', expiresAt: plus(600_000) });
        expect(await s.findTotpPending(user.id, plus(600_000))).toBeUndefined();
        expect(await s.useTotpStep(user.id, 10)).toBe(false);
        await s.setTotp(user.id, { secret: 'PENDING', lastStep: 100 });
        expect((await s.findUserById(user.id))?.totp).toEqual({ secret: 'PENDING', lastStep: 100 });
        expect(await s.findTotpPending(user.id, plus(1000))).toBeUndefined();
        expect(await s.useTotpStep(user.id, 100)).toBe(false);
        expect(await s.useTotpStep(user.id, 101)).toBe(true);
        expect(await s.useTotpStep(user.id, 101)).toBe(false);
        await s.setTotp(user.id, null);
        expect((await s.findUserById(user.id))?.totp).toBeNull();
      });

      it('lets a sign-in challenge be used once, before it expires, and counts wrong codes', async () => {
        const s = await open();
        await s.createUser(user);
        await s.createLoginChallenge({ tokenHash: 'c', userId: user.id, expiresAt: plus(180_000), failures: 0 });
        expect(await s.failLoginChallenge('c')).toBe(1);
        expect(await s.failLoginChallenge('c')).toBe(2);
        expect(await s.findLoginChallenge('c', plus(1000))).toMatchObject({ userId: user.id, failures: 2 });
        expect(await s.consumeLoginChallenge('c', plus(180_000))).toBe(false);
        expect(await s.consumeLoginChallenge('c', plus(1000))).toBe(true);
        expect(await s.consumeLoginChallenge('c', plus(1000))).toBe(false);
        expect(await s.failLoginChallenge('c')).toBe(0);
        await s.createLoginChallenge({ tokenHash: 'old', userId: user.id, expiresAt: plus(1000), failures: 0 });
        expect(await s.deleteExpiredLoginChallenges(plus(1000))).toBe(1);
        await s.createLoginChallenge({ tokenHash: 'd', userId: user.id, expiresAt: plus(180_000), failures: 0 });
        await s.deleteLoginChallenge('d');
        expect(await s.findLoginChallenge('d', plus(1000))).toBeUndefined();
      });

      it('single use holds when asked at once: one challenge consumed, one TOTP step accepted, one rating', async () => {
        const s = await withPeople();
        await s.createLoginChallenge({ tokenHash: 'race', userId: anna.id, expiresAt: plus(180_000), failures: 0 });
        await warm(s);
        const consumed = await Promise.all(Array.from({ length: 8 }, () => s.consumeLoginChallenge('race', plus(1000))));
        expect(consumed.filter(Boolean)).toHaveLength(1);
        await s.setTotp(anna.id, { secret: 'S', lastStep: 1 });
        const steps = await Promise.all(Array.from({ length: 8 }, () => s.useTotpStep(anna.id, 2)));
        expect(steps.filter(Boolean)).toHaveLength(1);
        const fails = await Promise.all(Array.from({ length: 5 }, () => s.createLoginChallenge({ tokenHash: 'f', userId: anna.id, expiresAt: plus(180_000), failures: 0 }).then(() => 'ok', () => 'refused')));
        expect(fails.filter((f) => f === 'ok')).toHaveLength(1);
        const counted = await Promise.all(Array.from({ length: 6 }, () => s.failLoginChallenge('f')));
        expect([...counted].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
        await s.createInquiry(inquiry({ id: 'rated', status: 'ended', endReason: 'hangup-agent', endedAt: t0 }));
        const ratings = await Promise.all([1, 2, 3, 4, 5].map((r) => s.rateInquiry('rated', kiosk.id, r)));
        expect(ratings.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('kiosk identity', () => {
      const code = (codeHash: string, expiresAt = new Date(t0.getTime() + 60_000)) => ({ codeHash, kioskId: kiosk.id, createdAt: t0, createdBy: 'system' as const, expiresAt });

      it('redeems a code once, binds the key, voids other codes, and revocation undoes it; all audited', async () => {
        const s = await open();
        await s.createKiosk({ ...kiosk, credentialHash: '' });
        await s.createEnrolmentCode(code('c1'));
        await s.createEnrolmentCode(code('c2'));
        // A new code voids the unused one before it.
        expect(await s.redeemEnrolmentCode('c1', 'PK', 'fp', t0)).toEqual({ ok: false, reason: 'unknown' });
        expect(await s.redeemEnrolmentCode('c2', 'PK', 'fp', new Date(t0.getTime() + 60_000))).toEqual({ ok: false, reason: 'expired' });
        const ok = await s.redeemEnrolmentCode('c2', 'PK', 'fp', new Date(t0.getTime() + 1000));
        expect(ok).toEqual({ ok: true, kiosk: { ...kiosk, credentialHash: 'fp', publicKey: 'PK', revokedAt: null, enrolledAt: new Date(t0.getTime() + 1000) } });
        expect(await s.redeemEnrolmentCode('c2', 'PK2', 'fp2', new Date(t0.getTime() + 2000))).toEqual({ ok: false, reason: 'used' });

        expect(await s.revokeKiosk(kiosk.id, new Date(t0.getTime() + 3000), anna.id)).toBe(true);
        expect(await s.revokeKiosk(kioskId('k-unknown-1'), t0, 'system')).toBe(false);
        expect(await s.findKiosk(kiosk.id)).toMatchObject({ publicKey: null, credentialHash: '', revokedAt: new Date(t0.getTime() + 3000) });
        const audit = await s.listKioskAudit(kiosk.id, 10);
        expect(audit.map((a) => [a.action, a.actor])).toEqual([['revoked', anna.id], ['enrolled', 'kiosk'], ['code-issued', 'system'], ['code-issued', 'system']]);
        expect(audit[1]).toEqual({ kioskId: kiosk.id, at: new Date(t0.getTime() + 1000), actor: 'kiosk', action: 'enrolled', data: { keyFingerprint: 'fp' } });
        expect(await s.listKioskAudit(kiosk.id, 1)).toHaveLength(1);
      });

      it('redeems one code once when several kiosks redeem it at once', async () => {
        const s = await open();
        await s.createKiosk({ ...kiosk, credentialHash: '' });
        await s.createEnrolmentCode(code('race'));
        await warm(s);
        const results = await Promise.all(Array.from({ length: 6 }, (_, i) => s.redeemEnrolmentCode('race', `PK${i}`, `fp${i}`, new Date(t0.getTime() + 1000))));
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.reason)).toEqual(Array(5).fill('used'));
        const winner = results.find((r) => r.ok);
        expect((await s.findKiosk(kiosk.id))?.publicKey).toBe(winner?.ok && winner.kiosk.publicKey);
        expect((await s.listKioskAudit(kiosk.id, 20)).filter((a) => a.action === 'enrolled')).toHaveLength(1);
      });

      it('leaves one unused code when several are issued at once', async () => {
        const s = await open();
        await s.createKiosk({ ...kiosk, credentialHash: '' });
        await warm(s);
        await Promise.all(['a', 'b', 'c', 'd'].map((h) => s.createEnrolmentCode(code(h))));
        const redeemed = await Promise.all(['a', 'b', 'c', 'd'].map((h) => s.redeemEnrolmentCode(h, 'PK', 'fp', new Date(t0.getTime() + 1000))));
        expect(redeemed.filter((r) => r.ok)).toHaveLength(1);
      });
    });

    describe('profiles', () => {
      it('numbers versions per profile, keeps every one, and records what a kiosk acknowledged', async () => {
        const s = await open();
        const at = new Date('2026-01-01T00:00:00Z');
        const v1 = await s.addProfileVersion({ profile: 'p-a', body: body(), createdAt: at, createdBy: 'system', rolledBackFrom: null, note: '' });
        const v2 = await s.addProfileVersion({ profile: 'p-a', body: body({ flows: ['talk'] }), createdAt: at, createdBy: anna.id, rolledBackFrom: 1, note: 'fewer' });
        const other = await s.addProfileVersion({ profile: 'p-b', body: body(), createdAt: at, createdBy: 'system', rolledBackFrom: null, note: '' });
        expect([v1.version, v2.version, other.version]).toEqual([1, 2, 1]);
        expect(await s.findProfileVersion('p-a')).toEqual({ profile: 'p-a', version: 2, body: body({ flows: ['talk'] }), createdAt: at, createdBy: anna.id, rolledBackFrom: 1, note: 'fewer' });
        expect((await s.findProfileVersion('p-a', 1))?.body.flows).toEqual(['talk', 'eid-help']);
        expect(await s.findProfileVersion('p-a', 3)).toBeUndefined();
        expect((await s.listProfileVersions('p-a', 10)).map((v) => v.version)).toEqual([2, 1]);
        expect((await s.listProfileVersions('p-a', 1)).map((v) => v.version)).toEqual([2]);
        expect((await s.listCurrentProfileVersions()).map((v) => `${v.profile}@${v.version}`)).toEqual(['p-a@2', 'p-b@1']);

        await s.createKiosk(kiosk);
        expect(await s.setKioskProfile(kiosk.id, 'p-a', at, 'system')).toBe(true);
        expect(await s.setKioskProfile(kioskId('k-nobody-here'), 'p-a', at, 'system')).toBe(false);
        await s.recordProfileAck(kiosk.id, { profile: 'p-a', version: 2, result: 'failed', reason: 'port', at });
        expect(await s.findKioskProfile(kiosk.id)).toMatchObject({ profile: 'p-a', appliedVersion: null, failedVersion: 2, failure: 'port' });
        await s.recordProfileAck(kiosk.id, { profile: 'p-a', version: 1, result: 'applied', reason: null, at });
        expect(await s.findKioskProfile(kiosk.id)).toMatchObject({ appliedProfile: 'p-a', appliedVersion: 1, failedVersion: null, failure: null, appliedAt: at });
        expect((await s.listKioskProfiles()).map((k) => k.kioskId)).toEqual([kiosk.id]);
        expect((await s.listKioskAudit(kiosk.id, 10)).map((a) => a.action)).toEqual(['profile-applied', 'profile-failed', 'profile-assigned']);
      });

      it('gives versions saved at once distinct numbers', async () => {
        const s = await open();
        await warm(s);
        const saved = await Promise.all(Array.from({ length: 8 }, (_, i) => s.addProfileVersion({ profile: 'p-race', body: body(), createdAt: t0, createdBy: 'system', rolledBackFrom: null, note: `n${i}` })));
        expect(saved.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
        expect(await s.listProfileVersions('p-race', 20)).toHaveLength(8);
      });
    });

    describe('inquiry cases', () => {
      it('stamps place (the kiosk’s location unless given) and promisedBy at creation, with a created event by the kiosk', async () => {
        const s = await withPeople();
        const promised = new Date(t0.getTime() + 10 * DAY);
        await s.createInquiry(inquiry({ id: 'a', promisedBy: promised }));
        await s.createInquiry(inquiry({ id: 'b', place: 'Pop-up booth, harbour festival' }));
        const a = await s.findInquiryCase('a', { kind: 'all' });
        expect(a?.inquiry).toMatchObject({ place: kiosk.location, promisedBy: promised, caseStatus: 'received' });
        expect(a?.events).toEqual([{ id: expect.any(Number), inquiryId: 'a', at: t0, actor: { kind: 'kiosk' }, kind: 'created', place: kiosk.location }]);
        expect((await s.findInquiryCase('b', { kind: 'all' }))?.inquiry.place).toBe('Pop-up booth, harbour festival');
      });

      it('records contact-started and contact-ended from the call layer’s writes, once each', async () => {
        const s = await withPeople();
        await s.createInquiry(inquiry({ id: 'c' }));
        await s.updateInquiry('c', { status: 'in-call', agentId: anna.id, answeredAt: new Date(t0.getTime() + 30_000) });
        const ended = new Date(t0.getTime() + 600_000);
        await s.updateInquiry('c', { status: 'ended', endReason: 'hangup-agent', endedAt: ended });
        // A retried end write must not add a second end.
        await s.updateInquiry('c', { status: 'ended', endReason: 'hangup-agent', endedAt: ended });
        const found = await s.findInquiryCase('c', { kind: 'all' });
        expect(found?.inquiry).toMatchObject({ answeredAt: new Date(t0.getTime() + 30_000), endedAt: ended, agentId: anna.id });
        const events = found?.events ?? [];
        expect(events.map((e) => e.kind)).toEqual(['created', 'contact-started', 'contact-ended']);
        expect(events[1]).toMatchObject({ actor: { kind: 'staff', userId: anna.id }, agentId: anna.id });
        expect(events[2]).toMatchObject({ actor: { kind: 'system' }, at: ended, contactStatus: 'ended', endReason: 'hangup-agent' });
      });

      it('records one end when the same end is written several times at once', async () => {
        const s = await withPeople();
        await s.createInquiry(inquiry({ id: 'twice', status: 'in-call', agentId: anna.id }));
        await warm(s);
        await Promise.all(Array.from({ length: 5 }, () => s.updateInquiry('twice', { status: 'ended', endReason: 'hangup-agent', endedAt: t0 })));
        const events = (await s.findInquiryCase('twice', { kind: 'all' }))?.events ?? [];
        expect(events.filter((e) => e.kind === 'contact-ended')).toHaveLength(1);
      });

      it('closes open inquiries at start-up with a contact-ended event each, but not those with an open callback', async () => {
        const s = await withPeople();
        await s.createInquiry(inquiry({ id: 'q' }));
        await s.createInquiry(inquiry({ id: 'i', status: 'in-call', agentId: anna.id }));
        await s.createInquiry(inquiry({ id: 'done', status: 'ended', endReason: 'hangup-agent', endedAt: t0 }));
        await s.createInquiry(inquiry({ id: 'cb' }));
        await s.createCallback({ id: 'cb-1', inquiryId: 'cb', kioskId: kiosk.id, phone: '+4512345678', request: { language: 'da' }, queuedAt: t0, state: 'waiting', agentId: null, attempts: 0, notBefore: null });
        expect(await s.closeOpenInquiries(t0, 'interrupted')).toBe(2);
        const last = async (id: string) => (await s.findInquiryCase(id, { kind: 'all' }))?.events.at(-1);
        expect(await last('q')).toMatchObject({ kind: 'contact-ended', contactStatus: 'abandoned', endReason: 'interrupted', actor: { kind: 'system' }, at: t0 });
        expect(await last('i')).toMatchObject({ kind: 'contact-ended', contactStatus: 'ended', endReason: 'interrupted' });
        expect(await last('done')).toMatchObject({ kind: 'created' });
        expect((await s.findInquiry('cb'))?.status).toBe('queued');
        expect(await s.findInquiry('q')).toMatchObject({ status: 'abandoned', endReason: 'interrupted', endedAt: t0 });
      });

      it('updates case fields with one event per real change, in the same transaction; resolving stamps resolvedAt, reopening clears it', async () => {
        const s = await withPeople();
        await s.createInquiry(inquiry({ id: 'u' }));
        const by = (at: Date) => ({ actor: { kind: 'staff' as const, userId: sara.id }, at, scope: { kind: 'all' as const } });
        const t1 = new Date(t0.getTime() + DAY);
        const r1 = await s.updateInquiryCase('u', { caseStatus: 'in-progress', outcomeCode: 'forwarded', nextStep: 'bring-id', assigneeId: anna.id }, by(t1));
        expect(r1?.inquiry).toMatchObject({ caseStatus: 'in-progress', outcomeCode: 'forwarded', nextStep: 'bring-id', assigneeId: anna.id, resolvedAt: null });
        expect(r1?.events.slice(1)).toEqual([
          { id: expect.any(Number), inquiryId: 'u', at: t1, actor: { kind: 'staff', userId: sara.id }, kind: 'status-changed', from: 'received', to: 'in-progress' },
          { id: expect.any(Number), inquiryId: 'u', at: t1, actor: { kind: 'staff', userId: sara.id }, kind: 'outcome', outcomeCode: 'forwarded', nextStep: 'bring-id' },
          { id: expect.any(Number), inquiryId: 'u', at: t1, actor: { kind: 'staff', userId: sara.id }, kind: 'assigned', from: null, to: anna.id },
        ]);
        expect((await s.findInquiryCase('u', { kind: 'all' }))?.inquiry).toEqual(r1?.inquiry);

        // The same values again change nothing and record nothing.
        const same = await s.updateInquiryCase('u', { caseStatus: 'in-progress', outcomeCode: 'forwarded', assigneeId: anna.id }, by(t1));
        expect(same?.events).toHaveLength(4);

        const t2 = new Date(t0.getTime() + 3 * DAY);
        expect((await s.updateInquiryCase('u', { caseStatus: 'resolved' }, by(t2)))?.inquiry.resolvedAt).toEqual(t2);
        const reopened = await s.updateInquiryCase('u', { caseStatus: 'waiting-for-resident', nextStep: null }, by(new Date(t2.getTime() + DAY)));
        expect(reopened?.inquiry).toMatchObject({ caseStatus: 'waiting-for-resident', resolvedAt: null, nextStep: null, outcomeCode: 'forwarded' });
        expect(reopened?.events.slice(-2).map((e) => e.kind)).toEqual(['status-changed', 'outcome']);
        expect(await s.updateInquiryCase('nope', { caseStatus: 'resolved' }, by(t2))).toBeUndefined();
      });

      it('records each of several staff members changing one case at once from what was there', async () => {
        const s = await withPeople();
        await s.createInquiry(inquiry({ id: 'busy' }));
        const all = { kind: 'all' as const };
        const assignees = [anna.id, omar.id, sara.id, null, anna.id, omar.id];
        await warm(s);
        await Promise.all(assignees.map((a, i) => s.updateInquiryCase('busy', { assigneeId: a }, { actor: { kind: 'staff', userId: sara.id }, at: new Date(t0.getTime() + i), scope: all })));
        const events = ((await s.findInquiryCase('busy', all))?.events ?? []).filter((e) => e.kind === 'assigned');
        // A chain: each change starts where the one before it ended.
        let from: string | null = null;
        for (const e of events) {
          expect(e.kind === 'assigned' && e.from).toBe(from);
          from = e.kind === 'assigned' ? e.to : from;
        }
        expect((await s.findInquiryCase('busy', all))?.inquiry.assigneeId).toBe(from);
      });

      it('leaves a case outside the author’s scope alone and reports it as not found', async () => {
        const s = await withPeople();
        await s.createInquiry(inquiry({ id: 'mine', agentId: anna.id, status: 'ended' }));
        await s.createInquiry(inquiry({ id: 'theirs', agentId: omar.id, status: 'ended' }));
        const asAnna = { actor: { kind: 'staff' as const, userId: anna.id }, at: t0, scope: { kind: 'handled-or-assigned' as const, userId: anna.id } };
        expect(await s.updateInquiryCase('theirs', { caseStatus: 'resolved' }, asAnna)).toBeUndefined();
        expect(await s.addInquiryNote('theirs', 'hello', asAnna)).toBeUndefined();
        expect(await s.findInquiryCase('theirs', asAnna.scope)).toBeUndefined();
        expect((await s.findInquiryCase('theirs', { kind: 'all' }))?.inquiry.caseStatus).toBe('received');
        expect((await s.findInquiryCase('theirs', { kind: 'all' }))?.events).toHaveLength(1);
        const note = await s.addInquiryNote('mine', 'Called back, left a message', asAnna);
        expect(note).toMatchObject({ kind: 'note', text: 'Called back, left a message', actor: { kind: 'staff', userId: anna.id }, inquiryId: 'mine', at: t0 });
        await s.recordInquiryEvent('mine', { kind: 'note', text: 'from the call' }, new Date(t0.getTime() + 5), { kind: 'system' });
        expect((await s.findInquiryCase('mine', { kind: 'all' }))?.events.map((e) => e.kind)).toEqual(['created', 'note', 'note']);

        // Assigned to anna: now within her scope.
        await s.updateInquiryCase('theirs', { assigneeId: anna.id }, { ...asAnna, scope: { kind: 'all' } });
        expect(await s.findInquiryCase('theirs', asAnna.scope)).toBeDefined();
        expect((await s.findInquiryCaseByReference((await s.findInquiry('theirs'))!.reference))?.assigneeId).toBe(anna.id);
      });

      it('lists cases newest first with filters, scope and paging', async () => {
        const s = await withPeople();
        for (let i = 0; i < 7; i++) {
          await s.createInquiry(
            inquiry({ id: `l${i}`, createdAt: new Date(t0.getTime() + i * 60_000), topic: i % 2 ? 'passport' : 'housing-benefit', agentId: i < 4 ? anna.id : omar.id, status: 'ended' }),
          );
        }
        const all = { kind: 'all' as const };
        await s.updateInquiryCase('l5', { caseStatus: 'resolved', assigneeId: anna.id }, { actor: { kind: 'staff', userId: sara.id }, at: t0, scope: all });
        const ids = async (...args: Parameters<Store['listInquiryCases']>) => (await s.listInquiryCases(...args)).items.map((c) => c.id);

        expect(await ids(all, { limit: 3, offset: 0 })).toEqual(['l6', 'l5', 'l4']);
        expect(await ids(all, { limit: 3, offset: 6 })).toEqual(['l0']);
        expect((await s.listInquiryCases(all, { limit: 3, offset: 0 })).total).toBe(7);
        expect(await ids(all, { topic: 'passport', limit: 10, offset: 0 })).toEqual(['l5', 'l3', 'l1']);
        expect(await ids(all, { caseStatus: 'resolved', limit: 10, offset: 0 })).toEqual(['l5']);
        expect(await ids(all, { involving: omar.id, limit: 10, offset: 0 })).toEqual(['l6', 'l5', 'l4']);
        const annas = { kind: 'handled-or-assigned' as const, userId: anna.id };
        expect(await ids(annas, { limit: 10, offset: 0 })).toEqual(['l5', 'l3', 'l2', 'l1', 'l0']);
        const page = await s.listInquiryCases(annas, { topic: 'passport', limit: 1, offset: 1 });
        expect(page).toMatchObject({ total: 3, items: [{ id: 'l3' }] });
      });

      it('computes achieved response times per topic (median and 90th percentile) over resolved cases in the window only', async () => {
        const s = await withPeople();
        const now = new Date('2026-06-30T12:00:00Z');
        const from = new Date(now.getTime() - 90 * DAY);
        const by = (at: Date) => ({ actor: { kind: 'staff' as const, userId: sara.id }, at, scope: { kind: 'all' as const } });
        const passportDays = [4, 1, 10, 3, 2];
        for (const [i, days] of passportDays.entries()) {
          const created = new Date(now.getTime() - 30 * DAY - i * DAY);
          await s.createInquiry(inquiry({ id: `p${i}`, createdAt: created }));
          await s.updateInquiryCase(`p${i}`, { caseStatus: 'resolved' }, by(new Date(created.getTime() + days * DAY)));
        }
        const housing = [
          { days: 6, created: new Date(now.getTime() - 20 * DAY) },
          { days: 8, created: new Date(now.getTime() - 40 * DAY) },
          { days: 1, created: new Date(from.getTime() - 5 * DAY) },
        ];
        for (const [i, h] of housing.entries()) {
          await s.createInquiry(inquiry({ id: `h${i}`, topic: 'housing-benefit', createdAt: h.created }));
          await s.updateInquiryCase(`h${i}`, { caseStatus: 'resolved' }, by(new Date(h.created.getTime() + h.days * DAY)));
        }
        await s.createInquiry(inquiry({ id: 'notopic', topic: null, createdAt: new Date(now.getTime() - 5 * DAY) }));
        await s.updateInquiryCase('notopic', { caseStatus: 'resolved' }, by(new Date(now.getTime() - 4 * DAY)));
        await s.createInquiry(inquiry({ id: 'open', topic: 'housing-benefit', createdAt: new Date(now.getTime() - 50 * DAY) }));
        await s.createInquiry(inquiry({ id: 'reopened', topic: 'housing-benefit', createdAt: new Date(now.getTime() - 10 * DAY) }));
        await s.updateInquiryCase('reopened', { caseStatus: 'resolved' }, by(new Date(now.getTime() - 9 * DAY)));
        await s.updateInquiryCase('reopened', { caseStatus: 'in-progress' }, by(new Date(now.getTime() - 8 * DAY)));

        const stats = await s.inquiryResponseTimes(from, now);
        // No topic first, then topics in byte order.
        expect(stats.map((r) => r.topic)).toEqual([null, 'housing-benefit', 'passport']);
        const byTopic = new Map(stats.map((r) => [r.topic, r]));
        expect(byTopic.get('passport')).toEqual({ topic: 'passport', resolvedCount: 5, medianMs: 3 * DAY, p90Ms: 7.6 * DAY });
        const h = byTopic.get('housing-benefit');
        expect(h?.resolvedCount).toBe(2);
        expect(h?.medianMs).toBe(7 * DAY);
        expect(h?.p90Ms).toBeCloseTo(7.8 * DAY, 0);
        expect(await s.inquiryResponseTimes(now, new Date(now.getTime() + DAY))).toEqual([]);
      });

      it('counts contacts per day and queue for reports', async () => {
        const s = await withPeople();
        const day1 = { day: '2026-03-02', start: new Date('2026-03-02T00:00:00Z'), end: new Date('2026-03-03T00:00:00Z') };
        const day2 = { day: '2026-03-03', start: day1.end, end: new Date('2026-03-04T00:00:00Z') };
        const at = (d: typeof day1, min: number) => new Date(d.start.getTime() + 9 * 3_600_000 + min * 60_000);
        // day 1, queue a: answered after 1 and 3 minutes, handled 10 and 20, rated 4 and 5; one abandoned after 5 minutes; one the server closed.
        await s.createInquiry(inquiry({ id: 'a1', queueId: 'a', createdAt: at(day1, 0) }));
        await s.updateInquiry('a1', { status: 'in-call', agentId: anna.id, answeredAt: at(day1, 1) });
        await s.updateInquiry('a1', { status: 'ended', endReason: 'hangup-agent', endedAt: at(day1, 11) });
        await s.createInquiry(inquiry({ id: 'a2', queueId: 'a', createdAt: at(day1, 0) }));
        await s.updateInquiry('a2', { status: 'in-call', agentId: anna.id, answeredAt: at(day1, 3) });
        await s.updateInquiry('a2', { status: 'ended', endReason: 'hangup-agent', endedAt: at(day1, 23) });
        expect(await s.rateInquiry('a1', kiosk.id, 4)).toBe(true);
        expect(await s.rateInquiry('a2', kiosk.id, 5)).toBe(true);
        expect(await s.rateInquiry('a2', kiosk.id, 1)).toBe(false);
        expect(await s.rateInquiry('a1', 'k-other-1', 1)).toBe(false);
        await s.createInquiry(inquiry({ id: 'a3', queueId: 'a', createdAt: at(day1, 0) }));
        await s.updateInquiry('a3', { status: 'abandoned', endReason: 'left-queue', endedAt: at(day1, 5) });
        await s.createInquiry(inquiry({ id: 'a4', queueId: 'a', createdAt: at(day1, 0) }));
        await s.closeOpenInquiries(at(day1, 30), 'interrupted');
        // day 1: an unknown queue and no queue; day 2: queue b.
        await s.createInquiry(inquiry({ id: 'z1', queueId: 'zz', createdAt: at(day1, 2), status: 'abandoned', endReason: 'left-queue', endedAt: at(day1, 3) }));
        await s.createInquiry(inquiry({ id: 'n1', createdAt: at(day1, 2), status: 'abandoned', endReason: 'left-queue', endedAt: at(day1, 3) }));
        await s.createInquiry(inquiry({ id: 'b1', queueId: 'b', createdAt: at(day2, 0) }));
        await s.updateInquiry('b1', { status: 'in-call', agentId: omar.id, answeredAt: at(day2, 2) });

        const targets = new Map([['a', 120_000], ['b', 60_000]]);
        const figures = await s.dailyContactFigures({ days: [day1, day2], serviceLevelWithinMs: targets });
        expect(figures).toEqual([
          {
            day: '2026-03-02', queueId: 'a', contacts: 4, answered: 2, abandoned: 1, waitAvgMs: 120_000, waitP90Ms: 168_000,
            answeredWithinTarget: 1, serviceLevelCounted: 3, handleAvgMs: 900_000, ratingAvg: 4.5, ratings: 2,
          },
          { day: '2026-03-02', queueId: 'zz', contacts: 1, answered: 0, abandoned: 1, waitAvgMs: null, waitP90Ms: null, answeredWithinTarget: null, serviceLevelCounted: null, handleAvgMs: null, ratingAvg: null, ratings: 0 },
          { day: '2026-03-02', queueId: null, contacts: 1, answered: 0, abandoned: 1, waitAvgMs: null, waitP90Ms: null, answeredWithinTarget: null, serviceLevelCounted: null, handleAvgMs: null, ratingAvg: null, ratings: 0 },
          { day: '2026-03-03', queueId: 'b', contacts: 1, answered: 1, abandoned: 0, waitAvgMs: 120_000, waitP90Ms: 120_000, answeredWithinTarget: 0, serviceLevelCounted: 1, handleAvgMs: null, ratingAvg: null, ratings: 0 },
        ]);
        expect((await s.dailyContactFigures({ days: [day1, day2], queueId: 'b', serviceLevelWithinMs: targets })).map((f) => f.queueId)).toEqual(['b']);
      });
    });

    describe('callbacks', () => {
      it('keeps callbacks in their place and forgets the phone number when one closes', async () => {
        const s = await withPeople();
        await s.createInquiry(inquiry({ id: 'i1' }));
        await s.createInquiry(inquiry({ id: 'i2' }));
        const request = { language: 'da', topic: 'passport', answers: { postcode: '8000' }, needs: ['hearing' as const] };
        const cb = (id: string, inquiryId: string, queuedAt: Date) => ({ id, inquiryId, kioskId: kiosk.id, phone: '+4512345678', request, queuedAt, state: 'waiting' as const, agentId: null, attempts: 0, notBefore: null });
        await s.createCallback(cb('cb2', 'i2', new Date(t0.getTime() + 1000)));
        await s.createCallback(cb('cb1', 'i1', t0));
        expect((await s.listOpenCallbacks()).map((c) => c.id)).toEqual(['cb1', 'cb2']);
        expect(await s.findCallback('cb1')).toEqual(cb('cb1', 'i1', t0));
        const later = new Date(t0.getTime() + 60_000);
        await s.updateCallback('cb1', { state: 'taken', agentId: anna.id, attempts: 1 });
        await s.updateCallback('cb1', { state: 'waiting', agentId: null, notBefore: later });
        expect(await s.findCallback('cb1')).toMatchObject({ state: 'waiting', agentId: null, attempts: 1, notBefore: later, phone: '+4512345678' });
        await s.updateCallback('cb1', { attempts: 2 });
        expect(await s.findCallback('cb1')).toMatchObject({ attempts: 2, notBefore: later });
        await s.updateCallback('cb1', { state: 'done' });
        expect(await s.findCallback('cb1')).toMatchObject({ state: 'done', phone: null });
        expect((await s.listOpenCallbacks()).map((c) => c.id)).toEqual(['cb2']);
        expect(await s.findCallback('nope')).toBeUndefined();
      });

      it('lets one agent only take a waiting callback, however many ask at once', async () => {
        const s = await withPeople();
        await s.createInquiry(inquiry({ id: 'i1' }));
        await s.createCallback({ id: 'cb1', inquiryId: 'i1', kioskId: kiosk.id, phone: '+4512345678', request: { language: 'da' }, queuedAt: t0, state: 'waiting', agentId: null, attempts: 0, notBefore: null });
        const got = await Promise.all([anna.id, omar.id, anna.id, omar.id].map((a) => s.claimCallback('cb1', a)));
        expect(got.filter(Boolean)).toHaveLength(1);
        const winner = [anna.id, omar.id, anna.id, omar.id][got.indexOf(true)];
        expect(await s.findCallback('cb1')).toMatchObject({ state: 'taken', agentId: winner });
        // Taken, done or unknown: nobody else gets it.
        expect(await s.claimCallback('cb1', anna.id)).toBe(false);
        await s.updateCallback('cb1', { state: 'waiting', agentId: null });
        expect(await s.claimCallback('cb1', omar.id)).toBe(true);
        await s.updateCallback('cb1', { state: 'done' });
        expect(await s.claimCallback('cb1', anna.id)).toBe(false);
        expect(await s.claimCallback('nope', anna.id)).toBe(false);
      });
    });

    describe('fleet health', () => {
      const hb = (uptimeSeconds: number, rttMs: number | null): Heartbeat => ({ ...HEALTHY, uptimeSeconds, rttMs });

      it('stores heartbeats in batches and reads them back newest first, and the latest per kiosk', async () => {
        const s = await open();
        const k2 = kioskId('k-test-2');
        await s.createKiosk(kiosk);
        await s.createKiosk({ ...kiosk, id: k2 });
        const at = (sec: number) => new Date(t0.getTime() + sec * 1000);
        await s.addHeartbeats([]);
        await s.addHeartbeats([1, 2, 3, 4].map((i) => ({ kioskId: kiosk.id, at: at(i), heartbeat: hb(i, i === 2 ? null : i * 10) })));
        await s.addHeartbeats([{ kioskId: k2, at: at(1), heartbeat: hb(7, 5) }]);
        expect((await s.listHeartbeats(kiosk.id, at(2), 10)).map((h) => h.heartbeat.uptimeSeconds)).toEqual([4, 3, 2]);
        expect((await s.listHeartbeats(kiosk.id, at(0), 2)).map((h) => h.at)).toEqual([at(4), at(3)]);
        expect((await s.listHeartbeats(kiosk.id, at(0), 10))[2]).toEqual({ kioskId: kiosk.id, at: at(2), heartbeat: hb(2, null) });
        expect((await s.latestHeartbeats(2)).map((h) => `${h.kioskId}@${h.heartbeat.uptimeSeconds}`)).toEqual(['k-test-1@3', 'k-test-1@4', 'k-test-2@7']);
        // A batch with one bad row stores none of it.
        await expect(s.addHeartbeats([{ kioskId: kiosk.id, at: at(9), heartbeat: hb(9, 1) }, { kioskId: kioskId('k-nobody-1'), at: at(9), heartbeat: hb(9, 1) }])).rejects.toThrow();
        expect(await s.listHeartbeats(kiosk.id, at(9), 10)).toEqual([]);
        expect(await s.pruneFleetHistory(at(3))).toBe(3);
      });

      it('keeps one active alert per kiosk and kind, clears it once, and prunes only cleared ones', async () => {
        const s = await open();
        await s.createKiosk(kiosk);
        const a = await s.raiseFleetAlert({ kioskId: kiosk.id, kind: 'offline', raisedAt: t0, detail: 'no heartbeat' });
        expect(a).toEqual({ id: expect.any(Number), kioskId: kiosk.id, kind: 'offline', raisedAt: t0, clearedAt: null, detail: 'no heartbeat' });
        await expect(s.raiseFleetAlert({ kioskId: kiosk.id, kind: 'offline', raisedAt: t0, detail: 'again' })).rejects.toBeInstanceOf(StoreConflictError);
        const p = await s.raiseFleetAlert({ kioskId: kiosk.id, kind: 'paper-out', raisedAt: new Date(t0.getTime() + 1), detail: '' });
        expect((await s.listActiveFleetAlerts()).map((x) => x.id)).toEqual([a.id, p.id]);
        const cleared = new Date(t0.getTime() + 5000);
        const clears = await Promise.all([s.clearFleetAlert(a.id, cleared), s.clearFleetAlert(a.id, cleared)]);
        expect(clears.filter(Boolean)).toHaveLength(1);
        const again = await s.raiseFleetAlert({ kioskId: kiosk.id, kind: 'offline', raisedAt: new Date(t0.getTime() + 6000), detail: 'again' });
        expect((await s.listFleetAlerts(kiosk.id, new Date(t0.getTime() + 6000), 10)).map((x) => x.id)).toEqual([again.id, p.id]);
        expect((await s.listFleetAlerts(kiosk.id, t0, 10)).map((x) => [x.id, x.clearedAt])).toEqual([[again.id, null], [p.id, null], [a.id, cleared]]);
        await s.pruneFleetHistory(new Date(t0.getTime() + 10_000));
        expect((await s.listFleetAlerts(kiosk.id, t0, 10)).map((x) => x.id)).toEqual([again.id, p.id]);
      });
    });

    describe('remote actions', () => {
      it('stores, changes, finishes once and expires actions, audited, with the requester’s name', async () => {
        const s = await withPeople();
        const a = await s.addKioskAction({ kioskId: kiosk.id, action: 'self-test', force: true, requestedBy: anna.id, requestedAt: t0 });
        expect(a).toEqual({ id: expect.any(Number), kioskId: kiosk.id, action: 'self-test', force: true, requestedBy: anna.id, requestedByName: 'anna', requestedAt: t0, state: 'requested', updatedAt: t0, reason: null, report: null, finishedAt: null });
        const b = await s.addKioskAction({ kioskId: kiosk.id, action: 'reload', force: false, requestedBy: userId('u-00000000000000ee'), requestedAt: t0 });
        expect(b.requestedByName).toBeNull();
        expect(await s.updateKioskAction(a.id, { state: 'sent', at: new Date(t0.getTime() + 1), actor: 'system', audit: false })).toMatchObject({ state: 'sent', finishedAt: null });
        const report = { startedAt: t0.toISOString(), durationMs: 5, ok: true, checks: [] };
        const t1 = new Date(t0.getTime() + 2);
        const done = await s.updateKioskAction(a.id, { state: 'succeeded', at: t1, report, actor: 'kiosk', audit: true });
        expect(done).toMatchObject({ state: 'succeeded', report, finishedAt: t1, updatedAt: t1 });
        expect(await s.updateKioskAction(a.id, { state: 'failed', at: t1, reason: 'late', actor: 'kiosk', audit: true })).toBeUndefined();
        expect(await s.findKioskAction(a.id)).toEqual(done);
        expect((await s.listOpenKioskActions(kiosk.id)).map((x) => x.id)).toEqual([b.id]);
        expect((await s.listKioskActions(kiosk.id, 10)).map((x) => x.id)).toEqual([b.id, a.id]);

        const expired = await s.expireKioskActions(t0, new Date(t0.getTime() + 900_000));
        expect(expired.map((x) => [x.id, x.state])).toEqual([[b.id, 'expired']]);
        expect(await s.expireKioskActions(t0, new Date(t0.getTime() + 900_000))).toEqual([]);
        expect((await s.listKioskAudit(kiosk.id, 10)).map((x) => [x.action, x.actor, x.data.outcome ?? null])).toEqual([
          ['action-result', 'system', 'expired'],
          ['action-result', 'kiosk', 'succeeded'],
          ['action-requested', userId('u-00000000000000ee'), null],
          ['action-requested', anna.id, null],
        ]);
        expect(await s.findKioskAction(9999)).toBeUndefined();
      });

      it('finishes an action once when a report and the expiry race', async () => {
        const s = await withPeople();
        const a = await s.addKioskAction({ kioskId: kiosk.id, action: 'restart', force: false, requestedBy: anna.id, requestedAt: t0 });
        const at = new Date(t0.getTime() + 900_000);
        await warm(s);
        const [reported, expired] = await Promise.all([s.updateKioskAction(a.id, { state: 'failed', at, reason: 'x', actor: 'kiosk', audit: true }), s.expireKioskActions(t0, at)]);
        expect(Number(reported !== undefined) + expired.length).toBe(1);
        expect((await s.listKioskAudit(kiosk.id, 10)).filter((x) => x.action === 'action-result')).toHaveLength(1);
      });
    });
  });
}
