import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ACTION_EXPIRY_MINUTES, FINAL_ACTION_STATES, InquiryEventData, kioskId, userId, type KioskActionName, type KioskActionStateName, type SelfTestReport, type AgentSkills, type AlertKind, type Heartbeat, type CallRequestInfo, type CaseStatus, type InquiryActor, type NextStep, type Role } from '@citizen/protocol';
import { MIGRATIONS, type Migration } from './migrations';
import type { LoginChallengeRecord, TotpPending, TotpState, UserAccount, UserChange } from './Store';
import type { DailyContactFigures, DailyContactQuery } from './Store';
import type { KioskId, UserId } from '@citizen/protocol';
import {
  StoreClosedError,
  StoreConflictError,
  type KioskActionChange,
  type KioskActionRecord,
  type CallbackChange,
  type CallbackRecord,
  type FleetAlertRecord,
  type HeartbeatRecord,
  type InquiryCaseAuthor,
  type InquiryCaseChange,
  type InquiryCaseFilter,
  type InquiryCaseRecord,
  type InquiryEventRecord,
  type InquiryRecord,
  type InquiryScope,
  type InquiryStatus,
  type InquiryUpdate,
  type EnrolmentCodeRecord,
  type KioskAuditActor,
  type KioskAuditRecord,
  type KioskRecord,
  type KioskProfileRecord,
  type ProfileVersionRecord,
  type RedeemResult,
  type SessionRecord,
  type Store,
  type TopicResponseTimes,
  type UserRecord,
} from './Store';
import { applyCaseChange } from './caseChange';
import { actorText, toActor, toSession, type SessionRow } from './rows';
import { dailyFigures, responseTimesByTopic, type DailyFiguresRow } from './figures';

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: string;
  skills: string;
  password_hash: string;
  disabled_at: number | null;
  totp_secret: string | null;
  totp_last_step: number | null;
}
interface ChallengeRow {
  token_hash: string;
  user_id: string;
  expires_at: number;
  failures: number;
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
/** The columns migration 5 adds; a row read after it has them all. */
interface CallbackRow {
  id: string;
  inquiry_id: string;
  kiosk_id: string;
  phone: string | null;
  request: string;
  queued_at: number;
  state: string;
  agent_id: string | null;
  attempts: number;
  not_before: number | null;
}

interface InquiryCaseRow extends InquiryRow {
  queue_id: string | null;
  answered_at: number | null;
  rating: number | null;
  case_status: string;
  outcome_code: string | null;
  next_step: string | null;
  place: string | null;
  promised_by: number | null;
  resolved_at: number | null;
  assignee_id: string | null;
}
interface InquiryEventRow {
  id: number;
  inquiry_id: string;
  at: number;
  actor: string;
  kind: string;
  data: string;
}
/** One (day, queue) group of dailyContactFigures. */
interface KioskRow {
  id: string;
  name: string;
  location: string;
  languages: string;
  credential_hash: string;
  public_key: string | null;
  revoked_at: number | null;
  enrolled_at: number;
  last_seen_at: number | null;
}

/**
 * Embedded store on better-sqlite3 (WAL mode). Calls are synchronous under the
 * hood; the async interface is what a networked store needs.
 */
export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
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
      (this.#prep('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    const apply = this.#db.transaction((m: Migration) => {
      this.#db.exec(m.sql);
      if (m.foreignKeysOff) {
        // Step 10 of SQLite's table rebuild: a dangling reference rolls the migration back.
        const broken = this.#db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0) throw new Error(`migration ${m.version} (${m.name}) left ${broken.length} dangling foreign key reference(s)`);
      }
      this.#prep('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    });
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      if (!m.foreignKeysOff) {
        apply(m);
        continue;
      }
      // PRAGMA foreign_keys does nothing inside a transaction, so it is switched around it.
      this.#db.pragma('foreign_keys = OFF');
      try {
        apply(m);
      } finally {
        this.#db.pragma('foreign_keys = ON');
      }
    }
  }

  #db_(): Database.Database {
    if (this.#closed) throw new StoreClosedError();
    return this.#db;
  }

  /**
   * A prepared statement, prepared once per SQL text: preparing parses and
   * plans the statement, which cost more than running it on every request.
   */
  #prep(sql: string): Database.Statement {
    const db = this.#db_();
    let stmt = this.#statements.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }

  async ping(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      return (this.#prep('SELECT 1 AS ok').get() as { ok: number }).ok === 1;
    } catch {
      return false;
    }
  }

  async schemaVersion(): Promise<number> {
    const row = this.#prep('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    return row.v ?? 0;
  }

  async createUser(u: UserRecord): Promise<void> {
    try {
      this.#prep('INSERT INTO users (id, username, display_name, role, skills, password_hash) VALUES (?, ?, ?, ?, ?, ?)')
        .run(u.id, u.username, u.displayName, u.role, JSON.stringify(u.skills), u.passwordHash);
    } catch (err) {
      throw conflictOr(err, `user ${u.username}`);
    }
  }

  async findUserByUsername(username: string): Promise<UserAccount | undefined> {
    const row = this.#prep('SELECT * FROM users WHERE username = ?').get(username) as UserRow | undefined;
    return row && toAccount(row);
  }

  async findUserById(id: string): Promise<UserAccount | undefined> {
    const row = this.#prep('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row && toAccount(row);
  }

  async listUsers(): Promise<UserAccount[]> {
    return (this.#prep('SELECT * FROM users ORDER BY username').all() as UserRow[]).map(toAccount);
  }

  async updateUser(id: string, c: UserChange): Promise<UserAccount | undefined> {
    const db = this.#db_();
    this.#prep('UPDATE users SET display_name = COALESCE(?, display_name), role = COALESCE(?, role), skills = COALESCE(?, skills) WHERE id = ?').run(
      c.displayName ?? null,
      c.role ?? null,
      c.skills ? JSON.stringify(c.skills) : null,
      id,
    );
    return this.findUserById(id);
  }

  async setUserDisabled(id: string, disabledAt: Date | null): Promise<boolean> {
    return this.#prep('UPDATE users SET disabled_at = ? WHERE id = ?').run(disabledAt?.getTime() ?? null, id).changes === 1;
  }

  async setTotpPending(id: string, pending: TotpPending | null): Promise<boolean> {
    return (
      this.#prep('UPDATE users SET totp_pending_secret = ?, totp_pending_expires_at = ? WHERE id = ?')
        .run(pending?.secret ?? null, pending?.expiresAt.getTime() ?? null, id).changes === 1
    );
  }

  async findTotpPending(id: string, now: Date): Promise<TotpPending | undefined> {
    const row = this.#prep('SELECT totp_pending_secret AS secret, totp_pending_expires_at AS expires FROM users WHERE id = ? AND totp_pending_expires_at > ?')
      .get(id, now.getTime()) as { secret: string; expires: number } | undefined;
    return row && { secret: row.secret, expiresAt: new Date(row.expires) };
  }

  async setTotp(id: string, totp: TotpState | null): Promise<boolean> {
    return (
      this.#prep('UPDATE users SET totp_secret = ?, totp_last_step = ?, totp_pending_secret = NULL, totp_pending_expires_at = NULL WHERE id = ?')
        .run(totp?.secret ?? null, totp?.lastStep ?? null, id).changes === 1
    );
  }

  async useTotpStep(id: string, step: number): Promise<boolean> {
    // One conditional UPDATE: two requests with the same code cannot both pass.
    return this.#prep('UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?').run(step, id, step).changes === 1;
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<boolean> {
    return this.#prep('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, id).changes === 1;
  }

  /** The durability settings in force on this connection (for tests and /ready diagnostics). */
  durability(): { journalMode: string; synchronous: 'off' | 'normal' | 'full' | 'extra' } {
    const journalMode = String(this.#db_().pragma('journal_mode', { simple: true }));
    const sync = Number(this.#db_().pragma('synchronous', { simple: true }));
    return { journalMode, synchronous: (['off', 'normal', 'full', 'extra'] as const)[sync] ?? 'off' };
  }

  async createSession(s: SessionRecord): Promise<void> {
    this.#prep('INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, idle_expires_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(s.tokenHash, s.userId, s.createdAt.getTime(), s.expiresAt.getTime(), s.lastSeenAt.getTime(), s.idleExpiresAt.getTime());
  }

  async findSession(tokenHash: string, now: Date): Promise<SessionRecord | undefined> {
    const row = this.#prep('SELECT * FROM sessions WHERE token_hash = ? AND expires_at > ? AND idle_expires_at > ?')
      .get(tokenHash, now.getTime(), now.getTime()) as SessionRow | undefined;
    return row && toSession(row);
  }

  async touchSession(tokenHash: string, lastSeenAt: Date, idleExpiresAt: Date): Promise<void> {
    this.#prep('UPDATE sessions SET last_seen_at = ?, idle_expires_at = MIN(?, expires_at) WHERE token_hash = ?')
      .run(lastSeenAt.getTime(), idleExpiresAt.getTime(), tokenHash);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    this.#prep('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash);
  }

  async deleteUserSessions(userId: UserId, keepTokenHash?: string): Promise<number> {
    return this.#prep('DELETE FROM sessions WHERE user_id = ? AND token_hash IS NOT ?').run(userId, keepTokenHash ?? null).changes;
  }

  async countSessions(now: Date): Promise<Map<UserId, number>> {
    const rows = this.#prep('SELECT user_id, COUNT(*) AS n FROM sessions WHERE expires_at > ? AND idle_expires_at > ? GROUP BY user_id')
      .all(now.getTime(), now.getTime()) as { user_id: string; n: number }[];
    return new Map(rows.map((r) => [userId(r.user_id), r.n]));
  }

  async deleteExpiredSessions(now: Date): Promise<number> {
    return this.#prep('DELETE FROM sessions WHERE expires_at <= ? OR idle_expires_at <= ?').run(now.getTime(), now.getTime()).changes;
  }

  async createLoginChallenge(c: LoginChallengeRecord): Promise<void> {
    this.#prep('INSERT INTO login_challenges (token_hash, user_id, expires_at, failures) VALUES (?, ?, ?, ?)')
      .run(c.tokenHash, c.userId, c.expiresAt.getTime(), c.failures);
  }

  async findLoginChallenge(tokenHash: string, now: Date): Promise<LoginChallengeRecord | undefined> {
    const row = this.#prep('SELECT * FROM login_challenges WHERE token_hash = ? AND expires_at > ?').get(tokenHash, now.getTime()) as ChallengeRow | undefined;
    return row && { tokenHash: row.token_hash, userId: userId(row.user_id), expiresAt: new Date(row.expires_at), failures: row.failures };
  }

  async failLoginChallenge(tokenHash: string): Promise<number> {
    const row = this.#prep('UPDATE login_challenges SET failures = failures + 1 WHERE token_hash = ? RETURNING failures').get(tokenHash) as
      | { failures: number }
      | undefined;
    return row?.failures ?? 0;
  }

  async consumeLoginChallenge(tokenHash: string, now: Date): Promise<boolean> {
    // One conditional DELETE: of two requests with the same challenge only one sees a row go.
    return this.#prep('DELETE FROM login_challenges WHERE token_hash = ? AND expires_at > ?').run(tokenHash, now.getTime()).changes === 1;
  }

  async deleteLoginChallenge(tokenHash: string): Promise<void> {
    this.#prep('DELETE FROM login_challenges WHERE token_hash = ?').run(tokenHash);
  }

  async deleteExpiredLoginChallenges(now: Date): Promise<number> {
    return this.#prep('DELETE FROM login_challenges WHERE expires_at <= ?').run(now.getTime()).changes;
  }

  async createKiosk(k: KioskRecord): Promise<void> {
    try {
      this.#prep(
          'INSERT INTO kiosks (id, name, location, languages, credential_hash, public_key, revoked_at, enrolled_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          k.id, k.name, k.location, JSON.stringify(k.languages), k.credentialHash, k.publicKey, k.revokedAt?.getTime() ?? null, k.enrolledAt.getTime(), k.lastSeenAt?.getTime() ?? null,
        );
    } catch (err) {
      throw conflictOr(err, `kiosk ${k.id}`);
    }
  }

  async findKiosk(id: string): Promise<KioskRecord | undefined> {
    const row = this.#prep('SELECT * FROM kiosks WHERE id = ?').get(id) as KioskRow | undefined;
    return row && toKiosk(row);
  }

  async listKiosks(): Promise<KioskRecord[]> {
    return (this.#prep('SELECT * FROM kiosks ORDER BY id').all() as KioskRow[]).map(toKiosk);
  }

  async touchKiosk(id: string, at: Date): Promise<void> {
    this.#prep('UPDATE kiosks SET last_seen_at = ? WHERE id = ?').run(at.getTime(), id);
  }

  async setKioskCredential(id: string, credentialHash: string): Promise<boolean> {
    return this.#prep('UPDATE kiosks SET credential_hash = ? WHERE id = ?').run(credentialHash, id).changes === 1;
  }

  async createEnrolmentCode(c: EnrolmentCodeRecord): Promise<void> {
    this.#db_().transaction(() => {
      this.#prep('DELETE FROM kiosk_enrolment_codes WHERE kiosk_id = ? AND used_at IS NULL').run(c.kioskId);
      this.#prep('INSERT INTO kiosk_enrolment_codes (code_hash, kiosk_id, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?)').run(
        c.codeHash, c.kioskId, c.createdAt.getTime(), c.createdBy, c.expiresAt.getTime(),
      );
      this.#audit({ kioskId: c.kioskId, at: c.createdAt, actor: c.createdBy, action: 'code-issued', data: { expiresAt: c.expiresAt.toISOString() } });
    })();
  }

  async redeemEnrolmentCode(codeHash: string, publicKey: string, keyHash: string, now: Date): Promise<RedeemResult> {
    return this.#db_().transaction((): RedeemResult => {
      const row = this.#prep('SELECT kiosk_id, expires_at, used_at FROM kiosk_enrolment_codes WHERE code_hash = ?').get(codeHash) as
        | { kiosk_id: string; expires_at: number; used_at: number | null }
        | undefined;
      if (!row) return { ok: false, reason: 'unknown' };
      if (row.used_at !== null) return { ok: false, reason: 'used' };
      if (row.expires_at <= now.getTime()) return { ok: false, reason: 'expired' };
      this.#prep('UPDATE kiosk_enrolment_codes SET used_at = ? WHERE code_hash = ?').run(now.getTime(), codeHash);
      this.#prep('DELETE FROM kiosk_enrolment_codes WHERE kiosk_id = ? AND used_at IS NULL').run(row.kiosk_id);
      this.#prep('UPDATE kiosks SET public_key = ?, credential_hash = ?, revoked_at = NULL, enrolled_at = ? WHERE id = ?').run(publicKey, keyHash, now.getTime(), row.kiosk_id);
      this.#audit({ kioskId: kioskId(row.kiosk_id), at: now, actor: 'kiosk', action: 'enrolled', data: { keyFingerprint: keyHash } });
      return { ok: true, kiosk: toKiosk(this.#prep('SELECT * FROM kiosks WHERE id = ?').get(row.kiosk_id) as KioskRow) };
    })();
  }

  async revokeKiosk(id: KioskId, at: Date, actor: KioskAuditActor): Promise<boolean> {
    return this.#db_().transaction((): boolean => {
      const changed = this.#prep("UPDATE kiosks SET public_key = NULL, credential_hash = '', revoked_at = ? WHERE id = ?").run(at.getTime(), id).changes === 1;
      if (!changed) return false;
      this.#prep('DELETE FROM kiosk_enrolment_codes WHERE kiosk_id = ? AND used_at IS NULL').run(id);
      this.#audit({ kioskId: id, at, actor, action: 'revoked', data: {} });
      return true;
    })();
  }

  async addKioskAudit(entry: KioskAuditRecord): Promise<void> {
    this.#audit(entry);
  }

  #audit(e: KioskAuditRecord): void {
    this.#prep('INSERT INTO kiosk_audit (kiosk_id, at, actor, action, data) VALUES (?, ?, ?, ?, ?)').run(e.kioskId, e.at.getTime(), e.actor, e.action, JSON.stringify(e.data));
  }

  async addProfileVersion(v: Omit<ProfileVersionRecord, 'version'>): Promise<ProfileVersionRecord> {
    return this.#db_().transaction((): ProfileVersionRecord => {
      const { n } = this.#prep('SELECT COALESCE(MAX(version), 0) + 1 AS n FROM kiosk_profile_versions WHERE profile = ?').get(v.profile) as { n: number };
      this.#prep('INSERT INTO kiosk_profile_versions (profile, version, body, created_at, created_by, rolled_back_from, note) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        v.profile, n, JSON.stringify(v.body), v.createdAt.getTime(), v.createdBy, v.rolledBackFrom, v.note,
      );
      return { ...v, version: n };
    })();
  }

  async findProfileVersion(profile: string, version?: number): Promise<ProfileVersionRecord | undefined> {
    const row = (
      version === undefined
        ? this.#prep('SELECT * FROM kiosk_profile_versions WHERE profile = ? ORDER BY version DESC LIMIT 1').get(profile)
        : this.#prep('SELECT * FROM kiosk_profile_versions WHERE profile = ? AND version = ?').get(profile, version)
    ) as ProfileVersionRow | undefined;
    return row && toProfileVersion(row);
  }

  async listCurrentProfileVersions(): Promise<ProfileVersionRecord[]> {
    const rows = this.#prep(
      'SELECT v.* FROM kiosk_profile_versions v JOIN (SELECT profile, MAX(version) AS version FROM kiosk_profile_versions GROUP BY profile) c USING (profile, version) ORDER BY v.profile',
    ).all() as ProfileVersionRow[];
    return rows.map(toProfileVersion);
  }

  async listProfileVersions(profile: string, limit: number): Promise<ProfileVersionRecord[]> {
    return (this.#prep('SELECT * FROM kiosk_profile_versions WHERE profile = ? ORDER BY version DESC LIMIT ?').all(profile, limit) as ProfileVersionRow[]).map(toProfileVersion);
  }

  async setKioskProfile(id: KioskId, profile: string | null, at: Date, actor: KioskAuditActor): Promise<boolean> {
    return this.#db_().transaction((): boolean => {
      const before = this.#prep('SELECT profile FROM kiosks WHERE id = ?').get(id) as { profile: string | null } | undefined;
      if (!before) return false;
      this.#prep('UPDATE kiosks SET profile = ? WHERE id = ?').run(profile, id);
      this.#audit({ kioskId: id, at, actor, action: 'profile-assigned', data: { profile, previous: before.profile } });
      return true;
    })();
  }

  async findKioskProfile(id: KioskId): Promise<KioskProfileRecord | undefined> {
    const row = this.#prep(`SELECT ${KIOSK_PROFILE_COLUMNS} FROM kiosks WHERE id = ?`).get(id) as KioskProfileRow | undefined;
    return row && toKioskProfile(row);
  }

  async listKioskProfiles(): Promise<KioskProfileRecord[]> {
    return (this.#prep(`SELECT ${KIOSK_PROFILE_COLUMNS} FROM kiosks ORDER BY id`).all() as KioskProfileRow[]).map(toKioskProfile);
  }

  async recordProfileAck(id: KioskId, ack: { profile: string; version: number; result: 'applied' | 'failed'; reason: string | null; at: Date }): Promise<void> {
    this.#db_().transaction(() => {
      if (ack.result === 'applied') {
        this.#prep(
          'UPDATE kiosks SET applied_profile = ?, applied_profile_version = ?, applied_profile_at = ?, profile_failed_version = NULL, profile_failure = NULL WHERE id = ?',
        ).run(ack.profile, ack.version, ack.at.getTime(), id);
      } else {
        this.#prep('UPDATE kiosks SET profile_failed_version = ?, profile_failure = ? WHERE id = ?').run(ack.version, ack.reason, id);
      }
      this.#audit({
        kioskId: id,
        at: ack.at,
        actor: 'kiosk',
        action: ack.result === 'applied' ? 'profile-applied' : 'profile-failed',
        data: { profile: ack.profile, version: ack.version, ...(ack.reason ? { reason: ack.reason } : {}) },
      });
    })();
  }

  async addKioskAction(a: { kioskId: KioskId; action: KioskActionName; force: boolean; requestedBy: UserId; requestedAt: Date }): Promise<KioskActionRecord> {
    return this.#db_().transaction((): KioskActionRecord => {
      const at = a.requestedAt.getTime();
      const { lastInsertRowid } = this.#prep(
        "INSERT INTO kiosk_actions (kiosk_id, action, force, requested_by, requested_at, state, updated_at) VALUES (?, ?, ?, ?, ?, 'requested', ?)",
      ).run(a.kioskId, a.action, a.force ? 1 : 0, a.requestedBy, at, at);
      const id = Number(lastInsertRowid);
      this.#audit({ kioskId: a.kioskId, at: a.requestedAt, actor: a.requestedBy, action: 'action-requested', data: { actionId: id, action: a.action, force: a.force } });
      return this.#action(id)!;
    })();
  }

  #action(id: number): KioskActionRecord | undefined {
    const row = this.#prep(`${ACTION_SELECT} WHERE a.id = ?`).get(id) as KioskActionRow | undefined;
    return row && toKioskAction(row);
  }

  async findKioskAction(id: number): Promise<KioskActionRecord | undefined> {
    return this.#action(id);
  }

  async listKioskActions(id: KioskId, limit: number): Promise<KioskActionRecord[]> {
    return (this.#prep(`${ACTION_SELECT} WHERE a.kiosk_id = ? ORDER BY a.id DESC LIMIT ?`).all(id, limit) as KioskActionRow[]).map(toKioskAction);
  }

  async listOpenKioskActions(id: KioskId): Promise<KioskActionRecord[]> {
    return (this.#prep(`${ACTION_SELECT} WHERE a.kiosk_id = ? AND a.finished_at IS NULL ORDER BY a.id`).all(id) as KioskActionRow[]).map(toKioskAction);
  }

  async updateKioskAction(id: number, c: KioskActionChange): Promise<KioskActionRecord | undefined> {
    return this.#db_().transaction((): KioskActionRecord | undefined => {
      const final = FINAL_ACTION_STATES.includes(c.state);
      const at = c.at.getTime();
      const changed = this.#prep(
        `UPDATE kiosk_actions SET state = ?, updated_at = ?, reason = ?, result = COALESCE(?, result), finished_at = ? WHERE id = ? AND finished_at IS NULL`,
      ).run(c.state, at, c.reason ?? null, c.report ? JSON.stringify(c.report) : null, final ? at : null, id).changes;
      if (changed !== 1) return undefined;
      const rec = this.#action(id)!;
      if (c.audit) this.#auditActionResult(rec, c.actor);
      return rec;
    })();
  }

  async expireKioskActions(before: Date, at: Date): Promise<KioskActionRecord[]> {
    return this.#db_().transaction((): KioskActionRecord[] => {
      const ids = (
        this.#prep("SELECT id FROM kiosk_actions WHERE finished_at IS NULL AND state IN ('requested', 'sent', 'deferred') AND requested_at <= ?").all(before.getTime()) as { id: number }[]
      ).map((r) => r.id);
      const expire = this.#prep("UPDATE kiosk_actions SET state = 'expired', updated_at = ?, finished_at = ?, reason = ? WHERE id = ?");
      return ids.map((id) => {
        expire.run(at.getTime(), at.getTime(), `not started within ${ACTION_EXPIRY_MINUTES} minutes`, id);
        const rec = this.#action(id)!;
        this.#auditActionResult(rec, 'system');
        return rec;
      });
    })();
  }

  #auditActionResult(a: KioskActionRecord, actor: 'kiosk' | 'system'): void {
    this.#audit({
      kioskId: a.kioskId,
      at: a.updatedAt,
      actor,
      action: 'action-result',
      data: { actionId: a.id, action: a.action, outcome: a.state, ...(a.reason ? { reason: a.reason } : {}), ...(a.report ? { selfTestOk: a.report.ok } : {}) },
    });
  }

  async listKioskAudit(id: KioskId, limit: number): Promise<KioskAuditRecord[]> {
    const rows = this.#prep('SELECT kiosk_id, at, actor, action, data FROM kiosk_audit WHERE kiosk_id = ? ORDER BY id DESC LIMIT ?').all(id, limit) as {
      kiosk_id: string;
      at: number;
      actor: string;
      action: string;
      data: string;
    }[];
    return rows.map((r) => ({
      kioskId: kioskId(r.kiosk_id),
      at: new Date(r.at),
      actor: r.actor as KioskAuditActor,
      action: r.action as KioskAuditRecord['action'],
      data: JSON.parse(r.data) as KioskAuditRecord['data'],
    }));
  }

  async createInquiry(i: InquiryRecord): Promise<void> {
    const db = this.#db_();
    // The row and its `created` event land together, so no case lacks the start of its trail.
    const create = db.transaction(() => {
      this.#prep(
        `INSERT INTO inquiries (id, reference, kiosk_id, language, topic, answers, status, agent_id, end_reason, created_at, ended_at, promised_by, queue_id, place)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, COALESCE(?, (SELECT location FROM kiosks WHERE id = ?)))`,
      ).run(
        i.id, i.reference, i.kioskId, i.language, i.topic, JSON.stringify(i.answers), i.status, i.agentId ?? null, i.endReason ?? null,
        i.createdAt.getTime(), i.endedAt?.getTime() ?? null, i.promisedBy?.getTime() ?? null, i.queueId ?? null, i.place ?? null, i.kioskId,
      );
      const { place } = this.#prep('SELECT place FROM inquiries WHERE id = ?').get(i.id) as { place: string | null };
      insertEvent(db, i.id, i.createdAt, { kind: 'kiosk' }, { kind: 'created', place });
    });
    try {
      create();
    } catch (err) {
      throw conflictOr(err, `inquiry ${i.id}`);
    }
  }

  async updateInquiry(id: string, u: InquiryUpdate): Promise<void> {
    const db = this.#db_();
    const update = db.transaction(() => {
      const before = this.#prep('SELECT status, agent_id FROM inquiries WHERE id = ?').get(id) as { status: string; agent_id: string | null } | undefined;
      this.#prep(
        'UPDATE inquiries SET status = ?, agent_id = COALESCE(?, agent_id), answered_at = COALESCE(?, answered_at), end_reason = COALESCE(?, end_reason), ended_at = COALESCE(?, ended_at) WHERE id = ?',
      ).run(u.status, u.agentId ?? null, u.answeredAt?.getTime() ?? null, u.endReason ?? null, u.endedAt?.getTime() ?? null, id);
      if (!before) return;
      // Only real transitions go into the case trail: the call layer retries
      // a failed end write until it lands, and a repeat must not add a second end.
      const agentId = u.agentId ?? before.agent_id;
      if (u.status === 'in-call' && before.status !== 'in-call' && agentId) {
        insertEvent(db, id, new Date(), { kind: 'staff', userId: agentId }, { kind: 'contact-started', agentId });
      } else if ((u.status === 'ended' || u.status === 'abandoned') && (before.status === 'queued' || before.status === 'in-call')) {
        insertEvent(db, id, u.endedAt ?? new Date(), { kind: 'system' }, { kind: 'contact-ended', contactStatus: u.status, endReason: u.endReason ?? null });
      }
    });
    update();
  }

  async findInquiry(id: string): Promise<InquiryRecord | undefined> {
    return toInquiry(this.#prep('SELECT * FROM inquiries WHERE id = ?').get(id) as InquiryRow | undefined);
  }

  async findInquiryByReference(reference: string): Promise<InquiryRecord | undefined> {
    return toInquiry(this.#prep('SELECT * FROM inquiries WHERE reference = ?').get(reference) as InquiryRow | undefined);
  }

  async closeOpenInquiries(now: Date, endReason: string): Promise<number> {
    const db = this.#db_();
    // An inquiry with an open callback is still waiting (the callback survives restarts): not closed.
    const callbackOpen = "id NOT IN (SELECT inquiry_id FROM callbacks WHERE state IN ('waiting', 'taken'))";
    const run = db.transaction(() => {
      this.#prep(
        `INSERT INTO inquiry_events (inquiry_id, at, actor, kind, data)
         SELECT id, ?, 'system', 'contact-ended', json_object('contactStatus', CASE status WHEN 'queued' THEN 'abandoned' ELSE 'ended' END, 'endReason', ?)
         FROM inquiries WHERE status IN ('queued', 'in-call') AND ${callbackOpen}`,
      ).run(now.getTime(), endReason);
      const a = this.#prep(`UPDATE inquiries SET status = 'abandoned', end_reason = ?, ended_at = ? WHERE status = 'queued' AND ${callbackOpen}`).run(endReason, now.getTime()).changes;
      const b = this.#prep(`UPDATE inquiries SET status = 'ended', end_reason = ?, ended_at = ? WHERE status = 'in-call' AND ${callbackOpen}`).run(endReason, now.getTime()).changes;
      return a + b;
    });
    return run();
  }

  async rateInquiry(id: string, kioskId: string, rating: number): Promise<boolean> {
    if (!Number.isInteger(rating) || rating < 1 || rating > 5) throw new TypeError('rateInquiry: rating must be an integer 1-5');
    return (
      this.#prep("UPDATE inquiries SET rating = ? WHERE id = ? AND kiosk_id = ? AND rating IS NULL AND status = 'ended'").run(rating, id, kioskId).changes === 1
    );
  }

  async createCallback(c: CallbackRecord): Promise<void> {
    this.#prep(
      'INSERT INTO callbacks (id, inquiry_id, kiosk_id, phone, request, queued_at, state, agent_id, attempts, not_before, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ).run(c.id, c.inquiryId, c.kioskId, c.phone, JSON.stringify(c.request), c.queuedAt.getTime(), c.state, c.agentId, c.attempts, c.notBefore?.getTime() ?? null, Date.now());
  }

  async updateCallback(id: string, change: CallbackChange): Promise<void> {
    const closing = change.state === 'done' || change.state === 'failed';
    this.#prep(
      `UPDATE callbacks SET state = COALESCE(?, state), agent_id = CASE WHEN ? THEN ? ELSE agent_id END, attempts = COALESCE(?, attempts),
         not_before = CASE WHEN ? THEN ? ELSE not_before END, phone = CASE WHEN ? THEN NULL ELSE phone END, updated_at = ? WHERE id = ?`,
    ).run(
      change.state ?? null,
      change.agentId !== undefined ? 1 : 0,
      change.agentId ?? null,
      change.attempts ?? null,
      change.notBefore !== undefined ? 1 : 0,
      change.notBefore?.getTime() ?? null,
      closing ? 1 : 0,
      Date.now(),
      id,
    );
  }

  async claimCallback(id: string, agentId: string): Promise<boolean> {
    return this.#prep("UPDATE callbacks SET state = 'taken', agent_id = ?, updated_at = ? WHERE id = ? AND state = 'waiting'").run(agentId, Date.now(), id).changes === 1;
  }

  async listOpenCallbacks(): Promise<CallbackRecord[]> {
    return (this.#prep("SELECT * FROM callbacks WHERE state IN ('waiting', 'taken') ORDER BY queued_at").all() as CallbackRow[]).map(callbackOf);
  }

  async findCallback(id: string): Promise<CallbackRecord | undefined> {
    const row = this.#prep('SELECT * FROM callbacks WHERE id = ?').get(id) as CallbackRow | undefined;
    return row && callbackOf(row);
  }

  async listInquiryCases(scope: InquiryScope, filter: InquiryCaseFilter): Promise<{ items: InquiryCaseRecord[]; total: number }> {
    const db = this.#db_();
    const where = [scopeClause(scope)];
    if (filter.caseStatus !== undefined) where.push({ sql: 'case_status = ?', params: [filter.caseStatus] });
    if (filter.topic !== undefined) where.push({ sql: 'topic = ?', params: [filter.topic] });
    if (filter.involving !== undefined) where.push(scopeClause({ kind: 'handled-or-assigned', userId: filter.involving }));
    const sql = where.map((w) => w.sql).join(' AND ');
    const params = where.flatMap((w) => w.params);
    const read = db.transaction(() => {
      const { n } = this.#prep(`SELECT COUNT(*) AS n FROM inquiries WHERE ${sql}`).get(...params) as { n: number };
      const rows = this.#prep(`SELECT * FROM inquiries WHERE ${sql} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`).all(...params, filter.limit, filter.offset) as InquiryCaseRow[];
      return { items: rows.map(toCase), total: n };
    });
    return read();
  }

  async findInquiryCase(id: string, scope: InquiryScope): Promise<{ inquiry: InquiryCaseRecord; events: InquiryEventRecord[] } | undefined> {
    const db = this.#db_();
    const read = db.transaction(() => {
      const row = caseRow(db, id, scope);
      return row && { inquiry: toCase(row), events: eventsOf(db, id) };
    });
    return read();
  }

  async findInquiryCaseByReference(reference: string): Promise<InquiryCaseRecord | undefined> {
    const row = this.#prep('SELECT * FROM inquiries WHERE reference = ?').get(reference) as InquiryCaseRow | undefined;
    return row && toCase(row);
  }

  async updateInquiryCase(id: string, change: InquiryCaseChange, by: InquiryCaseAuthor): Promise<{ inquiry: InquiryCaseRecord; events: InquiryEventRecord[] } | undefined> {
    const db = this.#db_();
    // Read, compare and write in one transaction: two staff members changing
    // the same case at once each record what they changed from what was there.
    const update = db.transaction(() => {
      const row = caseRow(db, id, by.scope);
      if (!row) return undefined;
      const { after, events } = applyCaseChange(toCase(row), change, by.at);
      if (events.length > 0) {
        this.#prep('UPDATE inquiries SET case_status = ?, resolved_at = ?, outcome_code = ?, next_step = ?, assignee_id = ? WHERE id = ?').run(
          after.caseStatus, after.resolvedAt?.getTime() ?? null, after.outcomeCode, after.nextStep, after.assigneeId, id,
        );
        for (const e of events) insertEvent(db, id, by.at, by.actor, e);
      }
      return { inquiry: after, events: eventsOf(db, id) };
    });
    return update();
  }

  async addInquiryNote(id: string, text: string, by: InquiryCaseAuthor): Promise<InquiryEventRecord | undefined> {
    const db = this.#db_();
    const add = db.transaction(() => {
      if (!caseRow(db, id, by.scope)) return undefined;
      const eventId = insertEvent(db, id, by.at, by.actor, { kind: 'note', text });
      return eventsOf(db, id).find((e) => e.id === eventId);
    });
    return add();
  }

  async recordInquiryEvent(id: string, event: InquiryEventData, at: Date, actor: InquiryActor): Promise<void> {
    insertEvent(this.#db_(), id, at, actor, event);
  }

  async inquiryResponseTimes(from: Date, to: Date): Promise<TopicResponseTimes[]> {
    // A clock stepped back could make resolved_at precede created_at; such a case took no time, not negative time.
    const rows = this.#prep(
        `SELECT topic, MAX(0, resolved_at - created_at) AS ms FROM inquiries
         WHERE case_status = 'resolved' AND resolved_at >= ? AND resolved_at < ? ORDER BY topic, ms`,
      )
      .all(from.getTime(), to.getTime()) as { topic: string | null; ms: number }[];
    return responseTimesByTopic(rows);
  }

  async dailyContactFigures(query: DailyContactQuery): Promise<DailyContactFigures[]> {
    const db = this.#db_();
    // The days and the service-level times go in as JSON tables: a report
    // spans up to a year of days whose bounds only the caller knows (time
    // zones, daylight saving), and SQLite has no zone database of its own.
    const days = JSON.stringify(query.days.map((d) => ({ day: d.day, start: d.start.getTime(), end: d.end.getTime() })));
    const targets = JSON.stringify(Object.fromEntries(query.serviceLevelWithinMs));
    const queue = query.queueId ?? null;
    // Contacts the server itself closed (shutdown, a crash found at start-up)
    // are not residents who gave up. A clock stepped back could order the
    // stamps wrongly; such a wait or call took no time, not negative time.
    const withDays = `WITH days AS (SELECT json_extract(value, '$.day') AS day, json_extract(value, '$.start') AS start_ms, json_extract(value, '$.end') AS end_ms FROM json_each(@days)),
      targets AS (SELECT key AS queue_id, value AS within_ms FROM json_each(@targets))`;
    const abandoned = "(i.status = 'abandoned' AND i.answered_at IS NULL AND COALESCE(i.end_reason, '') NOT IN ('server-shutdown', 'interrupted'))";
    const read = db.transaction(() => {
      const groups = this.#prep(
        `${withDays}
         SELECT d.day AS day, i.queue_id AS queue_id, t.within_ms AS within_ms,
           COUNT(*) AS contacts,
           SUM(i.answered_at IS NOT NULL) AS answered,
           SUM(${abandoned}) AS abandoned,
           AVG(CASE WHEN i.answered_at IS NOT NULL THEN MAX(0, i.answered_at - i.created_at) END) AS wait_avg_ms,
           SUM(CASE WHEN i.answered_at IS NOT NULL AND i.answered_at - i.created_at <= t.within_ms THEN 1 ELSE 0 END) AS answered_within,
           SUM(CASE WHEN ${abandoned} AND i.ended_at - i.created_at >= t.within_ms THEN 1 ELSE 0 END) AS abandoned_after,
           AVG(CASE WHEN i.answered_at IS NOT NULL AND i.ended_at IS NOT NULL THEN MAX(0, i.ended_at - i.answered_at) END) AS handle_avg_ms,
           AVG(i.rating) AS rating_avg,
           COUNT(i.rating) AS ratings
         FROM days d JOIN inquiries i ON i.created_at >= d.start_ms AND i.created_at < d.end_ms
         LEFT JOIN targets t ON t.queue_id = i.queue_id
         WHERE (@queue IS NULL OR i.queue_id = @queue)
         GROUP BY d.day, i.queue_id
         ORDER BY d.day, i.queue_id IS NULL, i.queue_id`,
      ).all({ days, targets, queue }) as DailyFiguresRow[];
      const waits = this.#prep(
        `${withDays}
         SELECT d.day AS day, i.queue_id AS queue_id, MAX(0, i.answered_at - i.created_at) AS ms
         FROM days d JOIN inquiries i ON i.created_at >= d.start_ms AND i.created_at < d.end_ms
         WHERE i.answered_at IS NOT NULL AND (@queue IS NULL OR i.queue_id = @queue)
         ORDER BY d.day, i.queue_id, ms`,
      ).all({ days, targets, queue }) as { day: string; queue_id: string | null; ms: number }[];
      return { groups, waits };
    });
    const { groups, waits } = read();
    return dailyFigures(groups, waits);
  }

  async addHeartbeats(records: readonly HeartbeatRecord[]): Promise<void> {
    if (records.length === 0) return;
    const db = this.#db_();
    const insert = this.#prep('INSERT INTO kiosk_heartbeats (kiosk_id, at, uptime_s, rtt_ms, data) VALUES (?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (const r of records) insert.run(r.kioskId, r.at.getTime(), r.heartbeat.uptimeSeconds, r.heartbeat.rttMs, JSON.stringify(r.heartbeat));
    })();
  }

  async listHeartbeats(id: string, since: Date, limit: number): Promise<HeartbeatRecord[]> {
    const rows = this.#prep('SELECT kiosk_id, at, data FROM kiosk_heartbeats WHERE kiosk_id = ? AND at >= ? ORDER BY at DESC LIMIT ?').all(id, since.getTime(), limit) as HeartbeatRow[];
    return rows.map(toHeartbeat);
  }

  async latestHeartbeats(perKiosk: number): Promise<HeartbeatRecord[]> {
    const rows = this.#prep(
      `SELECT kiosk_id, at, data FROM (
         SELECT kiosk_id, at, data, ROW_NUMBER() OVER (PARTITION BY kiosk_id ORDER BY at DESC) AS n FROM kiosk_heartbeats
       ) WHERE n <= ? ORDER BY kiosk_id, at`,
    ).all(perKiosk) as HeartbeatRow[];
    return rows.map(toHeartbeat);
  }

  async pruneFleetHistory(before: Date): Promise<number> {
    const db = this.#db_();
    return db.transaction(() => {
      this.#prep('DELETE FROM fleet_alerts WHERE cleared_at IS NOT NULL AND cleared_at < ?').run(before.getTime());
      return this.#prep('DELETE FROM kiosk_heartbeats WHERE at < ?').run(before.getTime()).changes;
    })();
  }

  async raiseFleetAlert(a: Omit<FleetAlertRecord, 'id' | 'clearedAt'>): Promise<FleetAlertRecord> {
    try {
      const r = this.#prep('INSERT INTO fleet_alerts (kiosk_id, kind, raised_at, detail) VALUES (?, ?, ?, ?)').run(a.kioskId, a.kind, a.raisedAt.getTime(), a.detail);
      return { ...a, id: Number(r.lastInsertRowid), clearedAt: null };
    } catch (err) {
      throw conflictOr(err, `active ${a.kind} alert of kiosk ${a.kioskId}`);
    }
  }

  async clearFleetAlert(id: number, at: Date): Promise<boolean> {
    return this.#prep('UPDATE fleet_alerts SET cleared_at = ? WHERE id = ? AND cleared_at IS NULL').run(at.getTime(), id).changes === 1;
  }

  async listActiveFleetAlerts(): Promise<FleetAlertRecord[]> {
    return (this.#prep('SELECT * FROM fleet_alerts WHERE cleared_at IS NULL ORDER BY id').all() as FleetAlertRow[]).map(toFleetAlert);
  }

  async listFleetAlerts(id: string, since: Date, limit: number): Promise<FleetAlertRecord[]> {
    const rows = this.#prep('SELECT * FROM fleet_alerts WHERE kiosk_id = ? AND (raised_at >= ? OR cleared_at IS NULL) ORDER BY raised_at DESC, id DESC LIMIT ?').all(id, since.getTime(), limit) as FleetAlertRow[];
    return rows.map(toFleetAlert);
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

function toCase(r: InquiryCaseRow): InquiryCaseRecord {
  return {
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
    caseStatus: r.case_status as CaseStatus,
    outcomeCode: r.outcome_code,
    nextStep: r.next_step as NextStep | null,
    place: r.place,
    promisedBy: r.promised_by === null ? null : new Date(r.promised_by),
    resolvedAt: r.resolved_at === null ? null : new Date(r.resolved_at),
    assigneeId: r.assignee_id,
    queueId: r.queue_id,
    answeredAt: r.answered_at === null ? null : new Date(r.answered_at),
    rating: r.rating,
  };
}

function scopeClause(scope: InquiryScope): { sql: string; params: string[] } {
  return scope.kind === 'all' ? { sql: '1', params: [] } : { sql: '(agent_id = ? OR assignee_id = ?)', params: [scope.userId, scope.userId] };
}

function caseRow(db: Database.Database, id: string, scope: InquiryScope): InquiryCaseRow | undefined {
  const { sql, params } = scopeClause(scope);
  return db.prepare(`SELECT * FROM inquiries WHERE id = ? AND ${sql}`).get(id, ...params) as InquiryCaseRow | undefined;
}

/** Actors are stored as 'kiosk', 'system' or the staff member's user id (which always starts with `u-`). */


function insertEvent(db: Database.Database, inquiryId: string, at: Date, actor: InquiryActor, event: InquiryEventData): number {
  const { kind, ...fields } = event;
  const result = db.prepare('INSERT INTO inquiry_events (inquiry_id, at, actor, kind, data) VALUES (?, ?, ?, ?, ?)').run(inquiryId, at.getTime(), actorText(actor), kind, JSON.stringify(fields));
  return Number(result.lastInsertRowid);
}

function eventsOf(db: Database.Database, inquiryId: string): InquiryEventRecord[] {
  const rows = db.prepare('SELECT * FROM inquiry_events WHERE inquiry_id = ? ORDER BY id').all(inquiryId) as InquiryEventRow[];
  return rows.map(toEvent);
}

function toEvent(r: InquiryEventRow): InquiryEventRecord {
  const data: unknown = { ...(JSON.parse(r.data) as object), kind: r.kind };
  // Checked, not cast: a row written by a newer version (a kind this one does
  // not know) must fail loudly here rather than reach a client half-formed.
  if (!Value.Check(InquiryEventData, data)) throw new Error(`inquiry event ${r.id} of ${r.inquiry_id} does not match its kind ${JSON.stringify(r.kind)}`);
  return { ...data, id: r.id, inquiryId: r.inquiry_id, at: new Date(r.at), actor: toActor(r.actor) };
}

function conflictOr(err: unknown, what: string): unknown {
  const code = (err as { code?: string }).code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' ? new StoreConflictError(what) : err;
}

function toAccount(r: UserRow): UserAccount {
  return {
    id: userId(r.id),
    username: r.username,
    displayName: r.display_name,
    role: r.role as Role,
    skills: JSON.parse(r.skills) as AgentSkills,
    passwordHash: r.password_hash,
    disabledAt: r.disabled_at === null ? null : new Date(r.disabled_at),
    // The table's CHECK keeps secret and last step both set or both NULL.
    totp: r.totp_secret !== null && r.totp_last_step !== null ? { secret: r.totp_secret, lastStep: r.totp_last_step } : null,
  };
}


interface HeartbeatRow {
  kiosk_id: string;
  at: number;
  data: string;
}
interface FleetAlertRow {
  id: number;
  kiosk_id: string;
  kind: string;
  raised_at: number;
  cleared_at: number | null;
  detail: string;
}

/** The payload was validated against the Heartbeat schema before it was written. */
function toHeartbeat(r: HeartbeatRow): HeartbeatRecord {
  return { kioskId: kioskId(r.kiosk_id), at: new Date(r.at), heartbeat: JSON.parse(r.data) as Heartbeat };
}

function toFleetAlert(r: FleetAlertRow): FleetAlertRecord {
  return {
    id: r.id,
    kioskId: kioskId(r.kiosk_id),
    kind: r.kind as AlertKind,
    raisedAt: new Date(r.raised_at),
    clearedAt: r.cleared_at === null ? null : new Date(r.cleared_at),
    detail: r.detail,
  };
}

interface ProfileVersionRow {
  profile: string;
  version: number;
  body: string;
  created_at: number;
  created_by: string;
  rolled_back_from: number | null;
  note: string;
}

function toProfileVersion(r: ProfileVersionRow): ProfileVersionRecord {
  return {
    profile: r.profile,
    version: r.version,
    body: JSON.parse(r.body) as ProfileVersionRecord['body'],
    createdAt: new Date(r.created_at),
    createdBy: r.created_by === 'system' ? 'system' : userId(r.created_by),
    rolledBackFrom: r.rolled_back_from,
    note: r.note,
  };
}

const ACTION_SELECT = 'SELECT a.*, u.username AS requested_by_name FROM kiosk_actions a LEFT JOIN users u ON u.id = a.requested_by';
interface KioskActionRow {
  id: number;
  kiosk_id: string;
  action: string;
  force: number;
  requested_by: string;
  requested_by_name: string | null;
  requested_at: number;
  state: string;
  updated_at: number;
  reason: string | null;
  result: string | null;
  finished_at: number | null;
}
function toKioskAction(r: KioskActionRow): KioskActionRecord {
  return {
    id: r.id,
    kioskId: kioskId(r.kiosk_id),
    action: r.action as KioskActionName,
    force: r.force === 1,
    requestedBy: userId(r.requested_by),
    requestedByName: r.requested_by_name,
    requestedAt: new Date(r.requested_at),
    state: r.state as KioskActionStateName,
    updatedAt: new Date(r.updated_at),
    reason: r.reason,
    report: r.result === null ? null : (JSON.parse(r.result) as SelfTestReport),
    finishedAt: r.finished_at === null ? null : new Date(r.finished_at),
  };
}

const KIOSK_PROFILE_COLUMNS = 'id, profile, applied_profile, applied_profile_version, applied_profile_at, profile_failed_version, profile_failure';
interface KioskProfileRow {
  id: string;
  profile: string | null;
  applied_profile: string | null;
  applied_profile_version: number | null;
  applied_profile_at: number | null;
  profile_failed_version: number | null;
  profile_failure: string | null;
}

function toKioskProfile(r: KioskProfileRow): KioskProfileRecord {
  return {
    kioskId: kioskId(r.id),
    profile: r.profile,
    appliedProfile: r.applied_profile,
    appliedVersion: r.applied_profile_version,
    appliedAt: r.applied_profile_at === null ? null : new Date(r.applied_profile_at),
    failedVersion: r.profile_failed_version,
    failure: r.profile_failure,
  };
}

function toKiosk(r: KioskRow): KioskRecord {
  return {
    id: kioskId(r.id),
    name: r.name,
    location: r.location,
    languages: JSON.parse(r.languages) as string[],
    credentialHash: r.credential_hash,
    publicKey: r.public_key,
    revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at),
    enrolledAt: new Date(r.enrolled_at),
    lastSeenAt: r.last_seen_at === null ? null : new Date(r.last_seen_at),
  };
}

function callbackOf(r: CallbackRow): CallbackRecord {
  return {
    id: r.id,
    inquiryId: r.inquiry_id,
    kioskId: r.kiosk_id,
    phone: r.phone,
    request: JSON.parse(r.request) as CallRequestInfo,
    queuedAt: new Date(r.queued_at),
    state: r.state as CallbackRecord['state'],
    agentId: r.agent_id,
    attempts: r.attempts,
    notBefore: r.not_before === null ? null : new Date(r.not_before),
  };
}
