/**
 * What is SQLite's own: the file, its durability pragmas, and migrations
 * that rebuild tables or move data in an existing file. The store contract
 * both stores keep is in testing/storeConformance.ts (conformance.test.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { userId } from '@citizen/protocol';
import { SqliteStore } from './SqliteStore';
import { MIGRATIONS } from './migrations';

const stores: SqliteStore[] = [];
const open = (file = ':memory:'): SqliteStore => {
  const s = new SqliteStore(file);
  stores.push(s);
  return s;
};
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const user = {
  id: userId('u-0123456789abcdef'),
  username: 'anna',
  displayName: 'Anna',
  role: 'agent' as const,
  skills: { languages: { da: 3, en: 2 }, topics: { passport: 1 } },
  passwordHash: 'x',
};
const t0 = new Date('2026-03-02T09:00:00Z');

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

describe('migration 5: inquiries as cases', () => {
  it('keeps a version-4 database’s inquiries as received cases with their place and a created event', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-cases-'));
    const file = join(dir, 'booth.sqlite');
    const v4 = new SqliteStore(file, MIGRATIONS.filter((m) => m.version <= 4));
    expect(await v4.schemaVersion()).toBe(4);
    await v4.close();
    const raw = new Database(file);
    raw.prepare("INSERT INTO kiosks (id, name, location, languages, credential_hash, enrolled_at) VALUES ('k-old-1', 'Old', 'Town hall, east entrance', '[\"da\"]', 'h', 0)").run();
    raw.prepare("INSERT INTO users (id, username, display_name, role, password_hash) VALUES ('u-00000000000000aa', 'old', 'Old Agent', 'agent', 'x')").run();
    const insert = raw.prepare(
      'INSERT INTO inquiries (id, reference, kiosk_id, language, topic, answers, status, agent_id, end_reason, created_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    insert.run('c-old-1', 'BS-AB12-CD34', 'k-old-1', 'uk', 'passport', '{"postcode":"8000"}', 'ended', 'u-00000000000000aa', 'hangup-agent', t0.getTime(), t0.getTime() + 600_000);
    insert.run('c-old-2', 'BS-EF56-0789', 'k-old-1', 'da', null, '{}', 'abandoned', null, 'left-queue', t0.getTime() + 1000, t0.getTime() + 2000);
    raw.close();

    const s = open(file);
    dirs.push(dir);
    expect(await s.schemaVersion()).toBeGreaterThanOrEqual(5);
    const found = await s.findInquiryCase('c-old-1', { kind: 'all' });
    expect(found?.inquiry).toMatchObject({
      reference: 'BS-AB12-CD34',
      status: 'ended',
      agentId: 'u-00000000000000aa',
      endReason: 'hangup-agent',
      answers: { postcode: '8000' },
      caseStatus: 'received',
      outcomeCode: null,
      nextStep: null,
      place: 'Town hall, east entrance',
      promisedBy: null,
      resolvedAt: null,
      assigneeId: null,
    });
    expect(found?.events).toEqual([{ id: expect.any(Number), inquiryId: 'c-old-1', at: t0, actor: { kind: 'kiosk' }, kind: 'created', place: 'Town hall, east entrance' }]);
    // The contact status is untouched, and the old row API still reads both rows.
    expect(await s.findInquiry('c-old-2')).toMatchObject({ status: 'abandoned', endReason: 'left-queue' });
    expect((await s.findInquiryCaseByReference('BS-EF56-0789'))?.caseStatus).toBe('received');
    expect((await s.listInquiryCases({ kind: 'all' }, { limit: 10, offset: 0 })).total).toBe(2);
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
