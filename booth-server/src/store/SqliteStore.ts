import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { kioskId, userId, type AgentSkills, type Role } from '@citizen/protocol';
import { MIGRATIONS, type Migration } from './migrations';
import { StoreClosedError, StoreConflictError, type InquiryRecord, type InquiryStatus, type InquiryUpdate, type KioskRecord, type SessionRecord, type Store, type UserRecord } from './Store';

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: string;
  skills: string;
  password_hash: string;
}
interface SessionRow {
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
}
interface InquiryRow {
  id: string;
  reference: string;
  kiosk_id: string;
  language: string;
  topic: string | null;
  answers: string;
  status: string;
  agent_id: string | null;
  end_reason: string | null;
  created_at: number;
  ended_at: number | null;
}
interface KioskRow {
  id: string;
  name: string;
  location: string;
  languages: string;
  credential_hash: string;
  enrolled_at: number;
  last_seen_at: number | null;
}

/**
 * Embedded store on better-sqlite3 (WAL mode). Calls are synchronous under the
 * hood; the async interface is what a networked store needs.
 */
export class SqliteStore implements Store {
  readonly #db: Database.Database;
  #closed = false;

  /** Opens (creating if needed) the database file and applies pending migrations. `:memory:` for tests. */
  constructor(file: string, migrations: readonly Migration[] = MIGRATIONS) {
    if (typeof file !== 'string' || !file) throw new TypeError('SqliteStore: file must be a non-empty string');
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    // FULL: a commit is fsynced before it returns. With NORMAL a WAL commit can
    // be lost on power failure, and inquiries, sign-ins and audit rows are
    // acknowledged to people as soon as the write returns.
    this.#db.pragma('synchronous = FULL');
    this.#db.pragma('foreign_keys = ON');
    this.#db.pragma('busy_timeout = 5000');
    this.#migrate(migrations);
  }

  #migrate(migrations: readonly Migration[]): void {
    this.#db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
    const applied = new Set(
      (this.#db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    const apply = this.#db.transaction((m: Migration) => {
      this.#db.exec(m.sql);
      this.#db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    });
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (!applied.has(m.version)) apply(m);
    }
  }

  #db_(): Database.Database {
    if (this.#closed) throw new StoreClosedError();
    return this.#db;
  }

  async ping(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      return (this.#db.prepare('SELECT 1 AS ok').get() as { ok: number }).ok === 1;
    } catch {
      return false;
    }
  }

  async schemaVersion(): Promise<number> {
    const row = this.#db_().prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    return row.v ?? 0;
  }

  async createUser(u: UserRecord): Promise<void> {
    try {
      this.#db_()
        .prepare('INSERT INTO users (id, username, display_name, role, skills, password_hash) VALUES (?, ?, ?, ?, ?, ?)')
        .run(u.id, u.username, u.displayName, u.role, JSON.stringify(u.skills), u.passwordHash);
    } catch (err) {
      throw conflictOr(err, `user ${u.username}`);
    }
  }

  async findUserByUsername(username: string): Promise<UserRecord | undefined> {
    const row = this.#db_().prepare('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
    return row && toUser(row);
  }

  async findUserById(id: string): Promise<UserRecord | undefined> {
    const row = this.#db_().prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row && toUser(row);
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<boolean> {
    return this.#db_().prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, id).changes === 1;
  }

  /** The durability settings in force on this connection (for tests and /ready diagnostics). */
  durability(): { journalMode: string; synchronous: 'off' | 'normal' | 'full' | 'extra' } {
    const journalMode = String(this.#db_().pragma('journal_mode', { simple: true }));
    const sync = Number(this.#db_().pragma('synchronous', { simple: true }));
    return { journalMode, synchronous: (['off', 'normal', 'full', 'extra'] as const)[sync] ?? 'off' };
  }

  async createSession(s: SessionRecord): Promise<void> {
    this.#db_()
      .prepare('INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(s.tokenHash, s.userId, s.createdAt.getTime(), s.expiresAt.getTime());
  }

  async findSession(tokenHash: string, now: Date): Promise<SessionRecord | undefined> {
    const row = this.#db_()
      .prepare('SELECT * FROM sessions WHERE token_hash = ? AND expires_at > ?')
      .get(tokenHash, now.getTime()) as SessionRow | undefined;
    return (
      row && {
        tokenHash: row.token_hash,
        userId: userId(row.user_id),
        createdAt: new Date(row.created_at),
        expiresAt: new Date(row.expires_at),
      }
    );
  }

  async deleteSession(tokenHash: string): Promise<void> {
    this.#db_().prepare('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash);
  }

  async deleteExpiredSessions(now: Date): Promise<number> {
    return this.#db_().prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now.getTime()).changes;
  }

  async createKiosk(k: KioskRecord): Promise<void> {
    try {
      this.#db_()
        .prepare(
          'INSERT INTO kiosks (id, name, location, languages, credential_hash, enrolled_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(k.id, k.name, k.location, JSON.stringify(k.languages), k.credentialHash, k.enrolledAt.getTime(), k.lastSeenAt?.getTime() ?? null);
    } catch (err) {
      throw conflictOr(err, `kiosk ${k.id}`);
    }
  }

  async findKiosk(id: string): Promise<KioskRecord | undefined> {
    const row = this.#db_().prepare('SELECT * FROM kiosks WHERE id = ?').get(id) as KioskRow | undefined;
    return row && toKiosk(row);
  }

  async listKiosks(): Promise<KioskRecord[]> {
    return (this.#db_().prepare('SELECT * FROM kiosks ORDER BY id').all() as KioskRow[]).map(toKiosk);
  }

  async touchKiosk(id: string, at: Date): Promise<void> {
    this.#db_().prepare('UPDATE kiosks SET last_seen_at = ? WHERE id = ?').run(at.getTime(), id);
  }

  async setKioskCredential(id: string, credentialHash: string): Promise<boolean> {
    return this.#db_().prepare('UPDATE kiosks SET credential_hash = ? WHERE id = ?').run(credentialHash, id).changes === 1;
  }

  async createInquiry(i: InquiryRecord): Promise<void> {
    try {
      this.#db_()
        .prepare(
          'INSERT INTO inquiries (id, reference, kiosk_id, language, topic, answers, status, agent_id, end_reason, created_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(i.id, i.reference, i.kioskId, i.language, i.topic, JSON.stringify(i.answers), i.status, i.agentId ?? null, i.endReason ?? null, i.createdAt.getTime(), i.endedAt?.getTime() ?? null);
    } catch (err) {
      throw conflictOr(err, `inquiry ${i.id}`);
    }
  }

  async updateInquiry(id: string, u: InquiryUpdate): Promise<void> {
    this.#db_()
      .prepare(
        'UPDATE inquiries SET status = ?, agent_id = COALESCE(?, agent_id), end_reason = COALESCE(?, end_reason), ended_at = COALESCE(?, ended_at) WHERE id = ?',
      )
      .run(u.status, u.agentId ?? null, u.endReason ?? null, u.endedAt?.getTime() ?? null, id);
  }

  async findInquiry(id: string): Promise<InquiryRecord | undefined> {
    return toInquiry(this.#db_().prepare('SELECT * FROM inquiries WHERE id = ?').get(id) as InquiryRow | undefined);
  }

  async findInquiryByReference(reference: string): Promise<InquiryRecord | undefined> {
    return toInquiry(this.#db_().prepare('SELECT * FROM inquiries WHERE reference = ?').get(reference) as InquiryRow | undefined);
  }

  async closeOpenInquiries(now: Date, endReason: string): Promise<number> {
    const db = this.#db_();
    const run = db.transaction(() => {
      const a = db.prepare("UPDATE inquiries SET status = 'abandoned', end_reason = ?, ended_at = ? WHERE status = 'queued'").run(endReason, now.getTime()).changes;
      const b = db.prepare("UPDATE inquiries SET status = 'ended', end_reason = ?, ended_at = ? WHERE status = 'in-call'").run(endReason, now.getTime()).changes;
      return a + b;
    });
    return run();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}

function toInquiry(r: InquiryRow | undefined): InquiryRecord | undefined {
    return (
      r && {
        id: r.id,
        reference: r.reference,
        kioskId: r.kiosk_id,
        language: r.language,
        topic: r.topic,
        answers: JSON.parse(r.answers) as Record<string, string>,
        status: r.status as InquiryStatus,
        agentId: r.agent_id,
        endReason: r.end_reason,
        createdAt: new Date(r.created_at),
        endedAt: r.ended_at === null ? null : new Date(r.ended_at),
      }
    );
}

function conflictOr(err: unknown, what: string): unknown {
  const code = (err as { code?: string }).code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' ? new StoreConflictError(what) : err;
}

function toUser(r: UserRow): UserRecord {
  return {
    id: userId(r.id),
    username: r.username,
    displayName: r.display_name,
    role: r.role as Role,
    skills: JSON.parse(r.skills) as AgentSkills,
    passwordHash: r.password_hash,
  };
}

function toKiosk(r: KioskRow): KioskRecord {
  return {
    id: kioskId(r.id),
    name: r.name,
    location: r.location,
    languages: JSON.parse(r.languages) as string[],
    credentialHash: r.credential_hash,
    enrolledAt: new Date(r.enrolled_at),
    lastSeenAt: r.last_seen_at === null ? null : new Date(r.last_seen_at),
  };
}
