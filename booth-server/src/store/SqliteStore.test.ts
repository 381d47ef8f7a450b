import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { kioskId, userId } from '@citizen/protocol';
import { SqliteStore } from './SqliteStore';
import { MIGRATIONS } from './migrations';
import { StoreClosedError, StoreConflictError } from './Store';

const stores: SqliteStore[] = [];
const open = (file = ':memory:'): SqliteStore => {
  const s = new SqliteStore(file);
  stores.push(s);
  return s;
};
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

const user = {
  id: userId('u-0123456789abcdef'),
  username: 'anna',
  displayName: 'Anna',
  role: 'agent' as const,
  skills: { languages: { da: 3, en: 2 }, topics: { passport: 1 } },
  passwordHash: 'x',
};
const kiosk = {
  id: kioskId('k-test-1'),
  name: 'Test',
  location: 'Lab',
  languages: ['da'],
  credentialHash: 'h',
  publicKey: null,
  revokedAt: null,
  enrolledAt: new Date('2026-01-01T00:00:00Z'),
  lastSeenAt: null,
};

describe('SqliteStore', () => {
  it('applies every migration to a new database file, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-'));
    const file = join(dir, 'nested', 'booth.sqlite');
    const s = open(file);
    expect(await s.schemaVersion()).toBe(MIGRATIONS.at(-1)!.version);
    await s.close();
    // Re-opening must not re-run migrations (they would fail on existing tables).
    const again = open(file);
    expect(await again.schemaVersion()).toBe(MIGRATIONS.at(-1)!.version);
    await again.close();
    const db = new Database(file, { readonly: true });
    expect((db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(MIGRATIONS.length);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips users and refuses a duplicate username', async () => {
    const s = open();
    await s.createUser(user);
    const account = { ...user, disabledAt: null, totp: null };
    expect(await s.findUserByUsername('anna')).toEqual(account);
    expect(await s.findUserById(user.id)).toEqual(account);
    await expect(s.createUser({ ...user, id: userId('u-fedcba9876543210') })).rejects.toBeInstanceOf(StoreConflictError);
  });

  it('finds sessions only until they expire and purges expired ones', async () => {
    const s = open();
    await s.createUser(user);
    const t0 = new Date('2026-01-01T10:00:00Z');
    await s.createSession({ tokenHash: 'a', userId: user.id, createdAt: t0, expiresAt: new Date(t0.getTime() + 60_000), lastSeenAt: t0, idleExpiresAt: new Date(t0.getTime() + 60_000) });
    expect(await s.findSession('a', new Date(t0.getTime() + 59_000))).toMatchObject({ userId: user.id });
    expect(await s.findSession('a', new Date(t0.getTime() + 60_000))).toBeUndefined();
    expect(await s.deleteExpiredSessions(new Date(t0.getTime() + 61_000))).toBe(1);
  });

  it('enrols kiosks, refuses duplicates, records last seen and rotates credentials', async () => {
    const s = open();
    await s.createKiosk(kiosk);
    await expect(s.createKiosk(kiosk)).rejects.toBeInstanceOf(StoreConflictError);
    const seen = new Date('2026-02-02T12:00:00Z');
    await s.touchKiosk(kiosk.id, seen);
    expect((await s.findKiosk(kiosk.id))?.lastSeenAt).toEqual(seen);
    expect(await s.setKioskCredential(kiosk.id, 'h2')).toBe(true);
    expect(await s.setKioskCredential(kioskId('k-unknown-1'), 'h3')).toBe(false);
    expect((await s.listKiosks()).map((k) => k.credentialHash)).toEqual(['h2']);
  });

  it('keeps inquiries with unique references and records how they ended', async () => {
    const s = open();
    await s.createKiosk(kiosk);
    await s.createUser(user);
    const inquiry = {
      id: 'c1',
      reference: 'BS-7K3Q-92XD',
      kioskId: kiosk.id,
      language: 'da',
      topic: 'housing-benefit',
      answers: { postcode: '1620' },
      status: 'queued' as const,
      createdAt: new Date('2026-03-01T09:00:00Z'),
    };
    await s.createInquiry(inquiry);
    await expect(s.createInquiry({ ...inquiry, id: 'c2' })).rejects.toBeInstanceOf(StoreConflictError);
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
  });

  it('answers ping until closed, and close is idempotent', async () => {
    const s = open();
    expect(await s.ping()).toBe(true);
    await s.close();
    await s.close();
    expect(await s.ping()).toBe(false);
    await expect(s.listKiosks()).rejects.toBeInstanceOf(StoreClosedError);
  });
});

describe('SqliteStore durability', () => {
  it('syncs every commit to disk before it returns (WAL with synchronous=FULL)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-durable-'));
    try {
      const s = open(join(dir, 'booth.sqlite'));
      expect(s.durability()).toEqual({ journalMode: 'wal', synchronous: 'full' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('closes open inquiries in one go and leaves finished ones alone', async () => {
    const s = open();
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

describe('migration 4: agent skills', () => {
  it('turns a user’s languages into language skills at level 2, with no topics', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-skills-'));
    try {
      const file = join(dir, 'booth.sqlite');
      const v3 = new SqliteStore(file, MIGRATIONS.filter((m) => m.version <= 3));
      await v3.close();
      const raw = new Database(file);
      raw.prepare("INSERT INTO users (id, username, display_name, role, languages, password_hash) VALUES ('u-00000000000000aa', 'old', 'Old Agent', 'agent', '[\"da\",\"uk\"]', 'x')").run();
      raw.close();
      const s = open(file);
      expect((await s.findUserByUsername('old'))?.skills).toEqual({ languages: { da: 2, uk: 2 }, topics: {} });
      expect(await s.schemaVersion()).toBeGreaterThanOrEqual(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('accounts', () => {
  const t0 = new Date('2026-04-01T08:00:00Z');
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
    const s = open();
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
  });

  it('ends sessions on their idle end or their absolute end, whichever comes first, and records use', async () => {
    const s = open();
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
    const s = open();
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
  });

  it('keeps a TOTP enrolment pending until it expires, and accepts each time step once', async () => {
    const s = open();
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
    const s = open();
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
  });
});

describe('migration 6: accounts', () => {
  it('rebuilds users for the admin role without losing sessions, and leaves foreign keys enforced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-accounts-'));
    try {
      const file = join(dir, 'booth.sqlite');
      const before = new SqliteStore(file, MIGRATIONS.filter((m) => m.version < 6));
      await before.close();
      const raw = new Database(file);
      raw.pragma('foreign_keys = ON');
      raw.prepare("INSERT INTO users (id, username, display_name, role, skills, password_hash) VALUES ('u-00000000000000aa', 'old', 'Old Agent', 'agent', '{\"languages\":{\"da\":2},\"topics\":{}}', 'x')").run();
      raw.prepare("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ('live', 'u-00000000000000aa', 1000, 9000000000000)").run();
      expect(() => raw.prepare("INSERT INTO users (id, username, display_name, role, skills, password_hash) VALUES ('u-00000000000000ab', 'adm', 'A', 'admin', '{}', 'x')").run()).toThrow(/CHECK/);
      raw.close();

      const s = open(file);
      expect(await s.schemaVersion()).toBeGreaterThanOrEqual(6);
      // Dropping the old users table with foreign keys on would have cascaded to this session.
      expect(await s.findSession('live', new Date(2000))).toMatchObject({ userId: 'u-00000000000000aa', lastSeenAt: new Date(1000), idleExpiresAt: new Date(9000000000000) });
      expect(await s.findUserByUsername('old')).toMatchObject({ role: 'agent', skills: { languages: { da: 2 }, topics: {} }, disabledAt: null, totp: null });
      await s.createUser({ ...user, id: userId('u-00000000000000ab'), username: 'adm', role: 'admin' });
      expect((await s.findUserByUsername('adm'))?.role).toBe('admin');
      await s.close();

      const check = new Database(file);
      expect(check.pragma('foreign_key_check')).toEqual([]);
      expect((check.prepare("SELECT sql FROM sqlite_master WHERE name = 'sessions'").get() as { sql: string }).sql).toMatch(/REFERENCES users\(id\) ON DELETE CASCADE/);
      check.close();
      // The store switches enforcement back on after the migration: deleting a user still cascades.
      const again = open(file);
      await again.createSession({ tokenHash: 'x', userId: userId('u-00000000000000ab'), createdAt: new Date(0), expiresAt: new Date(1e13), lastSeenAt: new Date(0), idleExpiresAt: new Date(1e13) });
      await expect(again.createSession({ tokenHash: 'y', userId: userId('u-00000000000000cc'), createdAt: new Date(0), expiresAt: new Date(1e13), lastSeenAt: new Date(0), idleExpiresAt: new Date(1e13) })).rejects.toThrow(/FOREIGN KEY/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rolls a foreign-keys-off migration back when it leaves a dangling reference', async () => {
    const broken = { version: 99, name: 'breaks a reference', foreignKeysOff: true, sql: "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, idle_expires_at) VALUES ('d', 'u-000000000000dead', 0, 1, 0, 1)" };
    expect(() => new SqliteStore(':memory:', [...MIGRATIONS, broken])).toThrow(/migration 99 .* dangling foreign key/);
  });
});
