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
    expect(await s.findUserByUsername('anna')).toEqual(user);
    expect(await s.findUserById(user.id)).toEqual(user);
    await expect(s.createUser({ ...user, id: userId('u-fedcba9876543210') })).rejects.toBeInstanceOf(StoreConflictError);
  });

  it('finds sessions only until they expire and purges expired ones', async () => {
    const s = open();
    await s.createUser(user);
    const t0 = new Date('2026-01-01T10:00:00Z');
    await s.createSession({ tokenHash: 'a', userId: user.id, createdAt: t0, expiresAt: new Date(t0.getTime() + 60_000) });
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
