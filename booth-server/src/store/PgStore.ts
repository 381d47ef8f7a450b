import pg from 'pg';
import { Value } from '@sinclair/typebox/value';
import { ACTION_EXPIRY_MINUTES, FINAL_ACTION_STATES, InquiryEventData, kioskId, userId, type KioskActionName, type KioskActionStateName, type SelfTestReport, type AgentSkills, type AlertKind, type CallRequestInfo, type CaseStatus, type Heartbeat, type InquiryActor, type NextStep, type Role } from '@citizen/protocol';
import type { KioskId, UserId } from '@citizen/protocol';
import { PG_MIGRATIONS, type PgMigration } from './pgMigrations';
import { BoothError } from '../errors';
import {
  StoreClosedError,
  StoreConflictError,
  type CallbackChange,
  type CallbackRecord,
  type DailyContactFigures,
  type DailyContactQuery,
  type EnrolmentCodeRecord,
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
  type KioskActionChange,
  type KioskActionRecord,
  type KioskAuditActor,
  type KioskAuditRecord,
  type KioskProfileRecord,
  type KioskRecord,
  type LoginChallengeRecord,
  type ProfileVersionRecord,
  type RedeemResult,
  type SessionRecord,
  type Store,
  type TopicResponseTimes,
  type TotpPending,
  type TotpState,
  type UserAccount,
  type UserChange,
  type UserRecord,
} from './Store';
import { applyCaseChange } from './caseChange';
import { actorText, toActor, toSession, type SessionRow } from './rows';
import { dailyFigures, responseTimesByTopic, type DailyFiguresRow } from './figures';

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

/**
 * Errors that mean the database is not reachable (refused, reset, shut down,
 * connection lost or not made in time), not that the statement was wrong.
 * They become STORE_UNAVAILABLE (503, and the same code over signalling), so
 * a caller hears "try again in a moment" and an operator looks at /ready.
 */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);
const UNREACHABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly/;

export function unreachable(err: unknown): unknown {
  const e = err as { code?: unknown; message?: unknown };
  const yes = (typeof e?.code === 'string' && UNREACHABLE_CODES.has(e.code)) || (typeof e?.message === 'string' && UNREACHABLE_MESSAGES.test(e.message));
  // The message goes to API clients: no address; what failed stays in `cause` for the logs.
  return yes ? Object.assign(new BoothError('STORE_UNAVAILABLE', 'the database is not reachable right now'), { cause: err }) : err;
}

/** One key for every node's migration runner (pg_advisory_xact_lock's 64-bit key space). */
const MIGRATION_LOCK = 0x6b696f736b5f6d67n; // "kiosk_mg"
/** Namespace of the per-profile locks that number versions (the two-key space, apart from the one above). */
const PROFILE_LOCK_NS = 0x6b705f76; // "kp_v"

/**
 * BIGINT (int8) columns hold milliseconds and counts, all far below 2^53:
 * read them as numbers, as better-sqlite3 does, not as node-postgres' strings.
 */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface PgStoreOptions {
  /** Most connections this node holds (default 10). */
  maxConnections?: number;
  /** Migrations to apply (tests apply a prefix to test an upgrade). */
  migrations?: readonly PgMigration[];
  /** An idle connection failed (the server restarted, the network dropped); the pool replaces it. Default: a process warning. */
  onIdleError?: (err: Error) => void;
}

/**
 * PostgreSQL store on node-postgres, for sites that run several booth-server
 * nodes on one database. Same schema versions and semantics as SqliteStore;
 * the conformance suite (store.conformance.ts) runs against both.
 *
 * Durability: nothing is written behind. Every method's writes are one
 * statement (autocommit) or one transaction, and its promise resolves after
 * COMMIT returned, i.e. once the server flushed the commit to its WAL
 * (synchronous_commit is turned on for this store's connections if the
 * server runs with it off; a server with fsync=off is refused). A node
 * killed right after an acknowledgement loses nothing it acknowledged.
 *
 * Concurrency: several nodes write at once, where SQLite had one writer at a
 * time. Single-use things (challenges, TOTP steps, ratings, alerts cleared)
 * are one conditional UPDATE/DELETE, which PostgreSQL re-checks against the
 * row a concurrent writer committed; read-then-write sequences lock the row
 * they read (SELECT … FOR UPDATE) in a fixed order (kiosk before its codes);
 * reads that span statements run in one REPEATABLE READ snapshot.
 */
export class PgStore implements Store {
  readonly #pool: pg.Pool;
  #closed = false;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Connects, checks the server's durability settings and applies pending migrations. */
  static async open(url: string, opts: PgStoreOptions = {}): Promise<PgStore> {
    if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url)) throw new TypeError('PgStore: url must be a postgres:// or postgresql:// URL');
    const onIdleError = opts.onIdleError ?? ((err: Error) => process.emitWarning(`PgStore: idle connection failed: ${err.message}`));
    const pool = (options?: string): pg.Pool => {
      const p = new pg.Pool({ connectionString: url, max: opts.maxConnections ?? 10, connectionTimeoutMillis: 5000, types: TYPES, ...(options ? { options } : {}) });
      p.on('error', onIdleError);
      return p;
    };
    let store = new PgStore(pool());
    try {
      const d = await store.durability().catch((err: unknown) => {
        const why = ((err as { cause?: Error }).cause ?? (err as Error)).message;
        throw new Error(`PgStore: cannot reach PostgreSQL at ${where(url)}: ${why}`, { cause: err });
      });
      if (d.fsync !== 'on') throw new Error('PgStore: the PostgreSQL server runs with fsync=off, so acknowledged writes would not survive a crash; turn fsync on');
      // A site may run the server (or this database) with synchronous_commit
      // off: commits acknowledged before they are on disk. This store's writes
      // are acknowledged to people, so its sessions start with it on. Stronger
      // settings (remote_write, remote_apply) are left as they are.
      if (d.synchronousCommit === 'off') {
        await store.close();
        store = new PgStore(pool('-c synchronous_commit=on'));
      }
      await store.#migrate(opts.migrations ?? PG_MIGRATIONS);
    } catch (err) {
      await store.close();
      throw err;
    }
    return store;
  }

  /**
   * Each migration in its own transaction, under one advisory lock held to
   * its commit: nodes that start together queue on the lock, and each finds
   * what the one before it applied.
   */
  async #migrate(migrations: readonly PgMigration[]): Promise<void> {
    const ensure = `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`;
    const applied = await this.#tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
      await c.query(ensure);
      return new Set((await c.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    });
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      await this.#tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
        if ((await c.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version])).rowCount) return;
        await c.query(m.sql);
        await c.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
      });
    }
  }

  #pool_(): pg.Pool {
    if (this.#closed) throw new StoreClosedError();
    return this.#pool;
  }

  /** The pool for one statement: an unreachable database is STORE_UNAVAILABLE. */
  readonly #direct: Pick<pg.Pool, 'query'> = {
    query: ((sql: string, params?: unknown[]) => this.#pool_().query(sql, params).catch((err: unknown) => Promise.reject(unreachable(err)))) as pg.Pool['query'],
  };

  async #q<R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], on: Queryable = this.#direct): Promise<pg.QueryResult<R>> {
    return on.query<R>(sql, params);
  }

  /**
   * Runs `fn` in one transaction on one connection and commits. A failed
   * ROLLBACK (connection gone) discards the connection instead of returning
   * it to the pool in an unknown state.
   */
  async #tx<T>(fn: (c: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    const c = await this.#pool_()
      .connect()
      .catch((err: unknown) => Promise.reject(unreachable(err)));
    let broken: Error | undefined;
    try {
      await c.query(begin);
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      try {
        await c.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr as Error;
      }
      throw unreachable(err);
    } finally {
      c.release(broken);
    }
  }

  /** A consistent read over several statements. */
  #snapshot<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#tx(fn, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  }

  async ping(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      return (await this.#q<{ ok: number }>('SELECT 1 AS ok')).rows[0]?.ok === 1;
    } catch {
      return false;
    }
  }

  /** The settings that make a commit durable, as this store's connections see them (tests, diagnostics). */
  async durability(): Promise<{ fsync: string; synchronousCommit: string; fullPageWrites: string }> {
    const r = await this.#q<{ fsync: string; sc: string; fpw: string }>(
      "SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc, current_setting('full_page_writes') AS fpw",
    );
    const row = r.rows[0]!;
    return { fsync: row.fsync, synchronousCommit: row.sc, fullPageWrites: row.fpw };
  }

  async schemaVersion(): Promise<number> {
    return (await this.#q<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations')).rows[0]?.v ?? 0;
  }

  async createUser(u: UserRecord): Promise<void> {
    try {
      await this.#q('INSERT INTO users (id, username, display_name, role, skills, password_hash) VALUES ($1, $2, $3, $4, $5, $6)', [
        u.id, u.username, u.displayName, u.role, JSON.stringify(u.skills), u.passwordHash,
      ]);
    } catch (err) {
      throw conflictOr(err, `user ${u.username}`);
    }
  }

  async findUserByUsername(username: string): Promise<UserAccount | undefined> {
    const row = (await this.#q<UserRow>('SELECT * FROM users WHERE username = $1', [username])).rows[0];
    return row && toAccount(row);
  }

  async findUserById(id: string): Promise<UserAccount | undefined> {
    const row = (await this.#q<UserRow>('SELECT * FROM users WHERE id = $1', [id])).rows[0];
    return row && toAccount(row);
  }

  async listUsers(): Promise<UserAccount[]> {
    // COLLATE "C": byte order, as SQLite's BINARY, whatever the database's locale.
    return (await this.#q<UserRow>('SELECT * FROM users ORDER BY username COLLATE "C"')).rows.map(toAccount);
  }

  async updateUser(id: string, c: UserChange): Promise<UserAccount | undefined> {
    const row = (
      await this.#q<UserRow>(
        'UPDATE users SET display_name = COALESCE($1, display_name), role = COALESCE($2, role), skills = COALESCE($3::json, skills) WHERE id = $4 RETURNING *',
        [c.displayName ?? null, c.role ?? null, c.skills ? JSON.stringify(c.skills) : null, id],
      )
    ).rows[0];
    return row && toAccount(row);
  }

  async setUserDisabled(id: string, disabledAt: Date | null): Promise<boolean> {
    return (await this.#q('UPDATE users SET disabled_at = $1 WHERE id = $2', [disabledAt?.getTime() ?? null, id])).rowCount === 1;
  }

  async setTotpPending(id: string, pending: TotpPending | null): Promise<boolean> {
    const r = await this.#q('UPDATE users SET totp_pending_secret = $1, totp_pending_expires_at = $2 WHERE id = $3', [
      pending?.secret ?? null, pending?.expiresAt.getTime() ?? null, id,
    ]);
    return r.rowCount === 1;
  }

  async findTotpPending(id: string, now: Date): Promise<TotpPending | undefined> {
    const row = (
      await this.#q<{ secret: string; expires: number }>(
        'SELECT totp_pending_secret AS secret, totp_pending_expires_at AS expires FROM users WHERE id = $1 AND totp_pending_expires_at > $2',
        [id, now.getTime()],
      )
    ).rows[0];
    return row && { secret: row.secret, expiresAt: new Date(row.expires) };
  }

  async setTotp(id: string, totp: TotpState | null): Promise<boolean> {
    const r = await this.#q('UPDATE users SET totp_secret = $1, totp_last_step = $2, totp_pending_secret = NULL, totp_pending_expires_at = NULL WHERE id = $3', [
      totp?.secret ?? null, totp?.lastStep ?? null, id,
    ]);
    return r.rowCount === 1;
  }

  async useTotpStep(id: string, step: number): Promise<boolean> {
    // One conditional UPDATE: a concurrent one with the same step waits for this
    // row, then re-checks the condition against what this one wrote, and fails.
    return (await this.#q('UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1', [step, id])).rowCount === 1;
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<boolean> {
    return (await this.#q('UPDATE users SET password_hash = $1 WHERE id = $2', [passwordHash, id])).rowCount === 1;
  }

  async createSession(s: SessionRecord): Promise<void> {
    await this.#q('INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at, idle_expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      s.tokenHash, s.userId, s.createdAt.getTime(), s.expiresAt.getTime(), s.lastSeenAt.getTime(), s.idleExpiresAt.getTime(),
    ]);
  }

  async findSession(tokenHash: string, now: Date): Promise<SessionRecord | undefined> {
    const row = (await this.#q<SessionRow>('SELECT * FROM sessions WHERE token_hash = $1 AND expires_at > $2 AND idle_expires_at > $2', [tokenHash, now.getTime()])).rows[0];
    return row && toSession(row);
  }

  async touchSession(tokenHash: string, lastSeenAt: Date, idleExpiresAt: Date): Promise<void> {
    await this.#q('UPDATE sessions SET last_seen_at = $1, idle_expires_at = LEAST($2, expires_at) WHERE token_hash = $3', [
      lastSeenAt.getTime(), idleExpiresAt.getTime(), tokenHash,
    ]);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.#q('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
  }

  async deleteUserSessions(id: UserId, keepTokenHash?: string): Promise<number> {
    return (await this.#q('DELETE FROM sessions WHERE user_id = $1 AND token_hash IS DISTINCT FROM $2', [id, keepTokenHash ?? null])).rowCount ?? 0;
  }

  async countSessions(now: Date): Promise<Map<UserId, number>> {
    const rows = (
      await this.#q<{ user_id: string; n: number }>('SELECT user_id, COUNT(*) AS n FROM sessions WHERE expires_at > $1 AND idle_expires_at > $1 GROUP BY user_id', [now.getTime()])
    ).rows;
    return new Map(rows.map((r) => [userId(r.user_id), r.n]));
  }

  async deleteExpiredSessions(now: Date): Promise<number> {
    return (await this.#q('DELETE FROM sessions WHERE expires_at <= $1 OR idle_expires_at <= $1', [now.getTime()])).rowCount ?? 0;
  }

  async createLoginChallenge(c: LoginChallengeRecord): Promise<void> {
    await this.#q('INSERT INTO login_challenges (token_hash, user_id, expires_at, failures) VALUES ($1, $2, $3, $4)', [c.tokenHash, c.userId, c.expiresAt.getTime(), c.failures]);
  }

  async findLoginChallenge(tokenHash: string, now: Date): Promise<LoginChallengeRecord | undefined> {
    const row = (await this.#q<ChallengeRow>('SELECT * FROM login_challenges WHERE token_hash = $1 AND expires_at > $2', [tokenHash, now.getTime()])).rows[0];
    return row && { tokenHash: row.token_hash, userId: userId(row.user_id), expiresAt: new Date(row.expires_at), failures: row.failures };
  }

  async failLoginChallenge(tokenHash: string): Promise<number> {
    const row = (await this.#q<{ failures: number }>('UPDATE login_challenges SET failures = failures + 1 WHERE token_hash = $1 RETURNING failures', [tokenHash])).rows[0];
    return row?.failures ?? 0;
  }

  async consumeLoginChallenge(tokenHash: string, now: Date): Promise<boolean> {
    // One conditional DELETE: of two requests with the same challenge only one sees a row go.
    return (await this.#q('DELETE FROM login_challenges WHERE token_hash = $1 AND expires_at > $2', [tokenHash, now.getTime()])).rowCount === 1;
  }

  async deleteLoginChallenge(tokenHash: string): Promise<void> {
    await this.#q('DELETE FROM login_challenges WHERE token_hash = $1', [tokenHash]);
  }

  async deleteExpiredLoginChallenges(now: Date): Promise<number> {
    return (await this.#q('DELETE FROM login_challenges WHERE expires_at <= $1', [now.getTime()])).rowCount ?? 0;
  }

  async createKiosk(k: KioskRecord): Promise<void> {
    try {
      await this.#q(
        'INSERT INTO kiosks (id, name, location, languages, credential_hash, public_key, revoked_at, enrolled_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)',
        [k.id, k.name, k.location, JSON.stringify(k.languages), k.credentialHash, k.publicKey, k.revokedAt?.getTime() ?? null, k.enrolledAt.getTime(), k.lastSeenAt?.getTime() ?? null],
      );
    } catch (err) {
      throw conflictOr(err, `kiosk ${k.id}`);
    }
  }

  async findKiosk(id: string): Promise<KioskRecord | undefined> {
    const row = (await this.#q<KioskRow>('SELECT * FROM kiosks WHERE id = $1', [id])).rows[0];
    return row && toKiosk(row);
  }

  async listKiosks(): Promise<KioskRecord[]> {
    return (await this.#q<KioskRow>('SELECT * FROM kiosks ORDER BY id COLLATE "C"')).rows.map(toKiosk);
  }

  async touchKiosk(id: string, at: Date): Promise<void> {
    await this.#q('UPDATE kiosks SET last_seen_at = $1 WHERE id = $2', [at.getTime(), id]);
  }

  async setKioskCredential(id: string, credentialHash: string): Promise<boolean> {
    return (await this.#q('UPDATE kiosks SET credential_hash = $1 WHERE id = $2', [credentialHash, id])).rowCount === 1;
  }

  async createEnrolmentCode(c: EnrolmentCodeRecord): Promise<void> {
    await this.#tx(async (tx) => {
      // The kiosk row is the lock every code change of this kiosk takes first:
      // two codes issued at once leave one unused code, as with SQLite's single writer.
      await tx.query('SELECT 1 FROM kiosks WHERE id = $1 FOR UPDATE', [c.kioskId]);
      await tx.query('DELETE FROM kiosk_enrolment_codes WHERE kiosk_id = $1 AND used_at IS NULL', [c.kioskId]);
      await tx.query('INSERT INTO kiosk_enrolment_codes (code_hash, kiosk_id, created_at, created_by, expires_at) VALUES ($1, $2, $3, $4, $5)', [
        c.codeHash, c.kioskId, c.createdAt.getTime(), c.createdBy, c.expiresAt.getTime(),
      ]);
      await this.#audit(tx, { kioskId: c.kioskId, at: c.createdAt, actor: c.createdBy, action: 'code-issued', data: { expiresAt: c.expiresAt.toISOString() } });
    });
  }

  async redeemEnrolmentCode(codeHash: string, publicKey: string, keyHash: string, now: Date): Promise<RedeemResult> {
    return this.#tx(async (tx): Promise<RedeemResult> => {
      const owner = (await tx.query<{ kiosk_id: string }>('SELECT kiosk_id FROM kiosk_enrolment_codes WHERE code_hash = $1', [codeHash])).rows[0];
      if (!owner) return { ok: false, reason: 'unknown' };
      // Kiosk first, then the code (the order createEnrolmentCode and revokeKiosk
      // take them in); the code is read again under its lock, so of two
      // redemptions at once the second sees it used.
      await tx.query('SELECT 1 FROM kiosks WHERE id = $1 FOR UPDATE', [owner.kiosk_id]);
      const row = (
        await tx.query<{ kiosk_id: string; expires_at: number; used_at: number | null }>(
          'SELECT kiosk_id, expires_at, used_at FROM kiosk_enrolment_codes WHERE code_hash = $1 FOR UPDATE',
          [codeHash],
        )
      ).rows[0];
      if (!row) return { ok: false, reason: 'unknown' };
      if (row.used_at !== null) return { ok: false, reason: 'used' };
      if (row.expires_at <= now.getTime()) return { ok: false, reason: 'expired' };
      await tx.query('UPDATE kiosk_enrolment_codes SET used_at = $1 WHERE code_hash = $2', [now.getTime(), codeHash]);
      await tx.query('DELETE FROM kiosk_enrolment_codes WHERE kiosk_id = $1 AND used_at IS NULL', [row.kiosk_id]);
      const kiosk = (
        await tx.query<KioskRow>('UPDATE kiosks SET public_key = $1, credential_hash = $2, revoked_at = NULL, enrolled_at = $3 WHERE id = $4 RETURNING *', [
          publicKey, keyHash, now.getTime(), row.kiosk_id,
        ])
      ).rows[0]!;
      await this.#audit(tx, { kioskId: kioskId(row.kiosk_id), at: now, actor: 'kiosk', action: 'enrolled', data: { keyFingerprint: keyHash } });
      return { ok: true, kiosk: toKiosk(kiosk) };
    });
  }

  async revokeKiosk(id: KioskId, at: Date, actor: KioskAuditActor): Promise<boolean> {
    return this.#tx(async (tx) => {
      const changed = (await tx.query("UPDATE kiosks SET public_key = NULL, credential_hash = '', revoked_at = $1 WHERE id = $2", [at.getTime(), id])).rowCount === 1;
      if (!changed) return false;
      await tx.query('DELETE FROM kiosk_enrolment_codes WHERE kiosk_id = $1 AND used_at IS NULL', [id]);
      await this.#audit(tx, { kioskId: id, at, actor, action: 'revoked', data: {} });
      return true;
    });
  }

  async addKioskAudit(entry: KioskAuditRecord): Promise<void> {
    await this.#audit(this.#direct, entry);
  }

  async #audit(on: Queryable, e: KioskAuditRecord): Promise<void> {
    await on.query('INSERT INTO kiosk_audit (kiosk_id, at, actor, action, data) VALUES ($1, $2, $3, $4, $5)', [e.kioskId, e.at.getTime(), e.actor, e.action, JSON.stringify(e.data)]);
  }

  async listKioskAudit(id: KioskId, limit: number): Promise<KioskAuditRecord[]> {
    const rows = (
      await this.#q<{ kiosk_id: string; at: number; actor: string; action: string; data: KioskAuditRecord['data'] }>(
        'SELECT kiosk_id, at, actor, action, data FROM kiosk_audit WHERE kiosk_id = $1 ORDER BY id DESC LIMIT $2',
        [id, limit],
      )
    ).rows;
    return rows.map((r) => ({ kioskId: kioskId(r.kiosk_id), at: new Date(r.at), actor: r.actor as KioskAuditActor, action: r.action as KioskAuditRecord['action'], data: r.data }));
  }

  async addProfileVersion(v: Omit<ProfileVersionRecord, 'version'>): Promise<ProfileVersionRecord> {
    return this.#tx(async (tx) => {
      // Numbering reads MAX and inserts: two nodes saving the same profile at
      // once would read the same MAX. A lock per profile name queues them.
      await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [PROFILE_LOCK_NS, v.profile]);
      const n = (await tx.query<{ n: number }>('SELECT COALESCE(MAX(version), 0) + 1 AS n FROM kiosk_profile_versions WHERE profile = $1', [v.profile])).rows[0]!.n;
      await tx.query('INSERT INTO kiosk_profile_versions (profile, version, body, created_at, created_by, rolled_back_from, note) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        v.profile, n, JSON.stringify(v.body), v.createdAt.getTime(), v.createdBy, v.rolledBackFrom, v.note,
      ]);
      return { ...v, version: n };
    });
  }

  async findProfileVersion(profile: string, version?: number): Promise<ProfileVersionRecord | undefined> {
    const r =
      version === undefined
        ? await this.#q<ProfileVersionRow>('SELECT * FROM kiosk_profile_versions WHERE profile = $1 ORDER BY version DESC LIMIT 1', [profile])
        : await this.#q<ProfileVersionRow>('SELECT * FROM kiosk_profile_versions WHERE profile = $1 AND version = $2', [profile, version]);
    const row = r.rows[0];
    return row && toProfileVersion(row);
  }

  async listCurrentProfileVersions(): Promise<ProfileVersionRecord[]> {
    const r = await this.#q<ProfileVersionRow>(
      'SELECT DISTINCT ON (profile COLLATE "C") * FROM kiosk_profile_versions ORDER BY profile COLLATE "C", version DESC',
    );
    return r.rows.map(toProfileVersion);
  }

  async listProfileVersions(profile: string, limit: number): Promise<ProfileVersionRecord[]> {
    return (await this.#q<ProfileVersionRow>('SELECT * FROM kiosk_profile_versions WHERE profile = $1 ORDER BY version DESC LIMIT $2', [profile, limit])).rows.map(toProfileVersion);
  }

  async setKioskProfile(id: KioskId, profile: string | null, at: Date, actor: KioskAuditActor): Promise<boolean> {
    return this.#tx(async (tx) => {
      const before = (await tx.query<{ profile: string | null }>('SELECT profile FROM kiosks WHERE id = $1 FOR UPDATE', [id])).rows[0];
      if (!before) return false;
      await tx.query('UPDATE kiosks SET profile = $1 WHERE id = $2', [profile, id]);
      await this.#audit(tx, { kioskId: id, at, actor, action: 'profile-assigned', data: { profile, previous: before.profile } });
      return true;
    });
  }

  async findKioskProfile(id: KioskId): Promise<KioskProfileRecord | undefined> {
    const row = (await this.#q<KioskProfileRow>(`SELECT ${KIOSK_PROFILE_COLUMNS} FROM kiosks WHERE id = $1`, [id])).rows[0];
    return row && toKioskProfile(row);
  }

  async listKioskProfiles(): Promise<KioskProfileRecord[]> {
    return (await this.#q<KioskProfileRow>(`SELECT ${KIOSK_PROFILE_COLUMNS} FROM kiosks ORDER BY id COLLATE "C"`)).rows.map(toKioskProfile);
  }

  async recordProfileAck(id: KioskId, ack: { profile: string; version: number; result: 'applied' | 'failed'; reason: string | null; at: Date }): Promise<void> {
    await this.#tx(async (tx) => {
      if (ack.result === 'applied') {
        await tx.query(
          'UPDATE kiosks SET applied_profile = $1, applied_profile_version = $2, applied_profile_at = $3, profile_failed_version = NULL, profile_failure = NULL WHERE id = $4',
          [ack.profile, ack.version, ack.at.getTime(), id],
        );
      } else {
        await tx.query('UPDATE kiosks SET profile_failed_version = $1, profile_failure = $2 WHERE id = $3', [ack.version, ack.reason, id]);
      }
      await this.#audit(tx, {
        kioskId: id,
        at: ack.at,
        actor: 'kiosk',
        action: ack.result === 'applied' ? 'profile-applied' : 'profile-failed',
        data: { profile: ack.profile, version: ack.version, ...(ack.reason ? { reason: ack.reason } : {}) },
      });
    });
  }

  async addKioskAction(a: { kioskId: KioskId; action: KioskActionName; force: boolean; requestedBy: UserId; requestedAt: Date }): Promise<KioskActionRecord> {
    return this.#tx(async (tx) => {
      const at = a.requestedAt.getTime();
      const { id } = (
        await tx.query<{ id: number }>(
          "INSERT INTO kiosk_actions (kiosk_id, action, force, requested_by, requested_at, state, updated_at) VALUES ($1, $2, $3, $4, $5, 'requested', $5) RETURNING id",
          [a.kioskId, a.action, a.force, a.requestedBy, at],
        )
      ).rows[0]!;
      await this.#audit(tx, { kioskId: a.kioskId, at: a.requestedAt, actor: a.requestedBy, action: 'action-requested', data: { actionId: id, action: a.action, force: a.force } });
      return (await actionOf(tx, id))!;
    });
  }

  async findKioskAction(id: number): Promise<KioskActionRecord | undefined> {
    return actionOf(this.#direct, id);
  }

  async listKioskActions(id: KioskId, limit: number): Promise<KioskActionRecord[]> {
    return (await this.#q<KioskActionRow>(`${ACTION_SELECT} WHERE a.kiosk_id = $1 ORDER BY a.id DESC LIMIT $2`, [id, limit])).rows.map(toKioskAction);
  }

  async listOpenKioskActions(id: KioskId): Promise<KioskActionRecord[]> {
    return (await this.#q<KioskActionRow>(`${ACTION_SELECT} WHERE a.kiosk_id = $1 AND a.finished_at IS NULL ORDER BY a.id`, [id])).rows.map(toKioskAction);
  }

  async updateKioskAction(id: number, c: KioskActionChange): Promise<KioskActionRecord | undefined> {
    return this.#tx(async (tx) => {
      const final = FINAL_ACTION_STATES.includes(c.state);
      const at = c.at.getTime();
      // Conditional on not being final: a late report racing the expiry changes nothing once either committed.
      const changed = await tx.query(
        'UPDATE kiosk_actions SET state = $1, updated_at = $2, reason = $3, result = COALESCE($4::json, result), finished_at = $5 WHERE id = $6 AND finished_at IS NULL',
        [c.state, at, c.reason ?? null, c.report ? JSON.stringify(c.report) : null, final ? at : null, id],
      );
      if (changed.rowCount !== 1) return undefined;
      const rec = (await actionOf(tx, id))!;
      if (c.audit) await this.#auditActionResult(tx, rec, c.actor);
      return rec;
    });
  }

  async expireKioskActions(before: Date, at: Date): Promise<KioskActionRecord[]> {
    return this.#tx(async (tx) => {
      const ids = (
        await tx.query<{ id: number }>(
          `UPDATE kiosk_actions SET state = 'expired', updated_at = $1, finished_at = $1, reason = $2
           WHERE finished_at IS NULL AND state IN ('requested', 'sent', 'deferred') AND requested_at <= $3 RETURNING id`,
          [at.getTime(), `not started within ${ACTION_EXPIRY_MINUTES} minutes`, before.getTime()],
        )
      ).rows
        .map((r) => r.id)
        .sort((x, y) => x - y);
      const out: KioskActionRecord[] = [];
      for (const id of ids) {
        const rec = (await actionOf(tx, id))!;
        await this.#auditActionResult(tx, rec, 'system');
        out.push(rec);
      }
      return out;
    });
  }

  async #auditActionResult(on: Queryable, a: KioskActionRecord, actor: 'kiosk' | 'system'): Promise<void> {
    await this.#audit(on, {
      kioskId: a.kioskId,
      at: a.updatedAt,
      actor,
      action: 'action-result',
      data: { actionId: a.id, action: a.action, outcome: a.state, ...(a.reason ? { reason: a.reason } : {}), ...(a.report ? { selfTestOk: a.report.ok } : {}) },
    });
  }

  async createInquiry(i: InquiryRecord): Promise<void> {
    // The row and its `created` event in one statement (so one commit, one
    // round trip): no case lacks the start of its trail.
    try {
      await this.#q(
        `WITH ins AS (
           INSERT INTO inquiries (id, reference, kiosk_id, language, topic, answers, status, agent_id, end_reason, created_at, ended_at, promised_by, queue_id, place)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, COALESCE($14, (SELECT location FROM kiosks WHERE id = $3)))
           RETURNING id, created_at, place)
         INSERT INTO inquiry_events (inquiry_id, at, actor, kind, data) SELECT id, created_at, 'kiosk', 'created', json_build_object('place', place) FROM ins`,
        [
          i.id, i.reference, i.kioskId, i.language, i.topic, JSON.stringify(i.answers), i.status, i.agentId ?? null, i.endReason ?? null,
          i.createdAt.getTime(), i.endedAt?.getTime() ?? null, i.promisedBy?.getTime() ?? null, i.queueId ?? null, i.place ?? null,
        ],
      );
    } catch (err) {
      throw conflictOr(err, `inquiry ${i.id}`);
    }
  }

  async updateInquiry(id: string, u: InquiryUpdate): Promise<void> {
    await this.#tx(async (tx) => {
      // Locked: two writes of the same transition at once must record it once.
      const before = (await tx.query<{ status: string; agent_id: string | null }>('SELECT status, agent_id FROM inquiries WHERE id = $1 FOR UPDATE', [id])).rows[0];
      if (!before) return;
      await tx.query(
        'UPDATE inquiries SET status = $1, agent_id = COALESCE($2, agent_id), answered_at = COALESCE($3, answered_at), end_reason = COALESCE($4, end_reason), ended_at = COALESCE($5, ended_at) WHERE id = $6',
        [u.status, u.agentId ?? null, u.answeredAt?.getTime() ?? null, u.endReason ?? null, u.endedAt?.getTime() ?? null, id],
      );
      // Only real transitions go into the case trail: the call layer retries
      // a failed end write until it lands, and a repeat must not add a second end.
      const agentId = u.agentId ?? before.agent_id;
      if (u.status === 'in-call' && before.status !== 'in-call' && agentId) {
        await insertEvent(tx, id, new Date(), { kind: 'staff', userId: agentId }, { kind: 'contact-started', agentId });
      } else if ((u.status === 'ended' || u.status === 'abandoned') && (before.status === 'queued' || before.status === 'in-call')) {
        await insertEvent(tx, id, u.endedAt ?? new Date(), { kind: 'system' }, { kind: 'contact-ended', contactStatus: u.status, endReason: u.endReason ?? null });
      }
    });
  }

  async findInquiry(id: string): Promise<InquiryRecord | undefined> {
    return toInquiry((await this.#q<InquiryRow>('SELECT * FROM inquiries WHERE id = $1', [id])).rows[0]);
  }

  async findInquiryByReference(reference: string): Promise<InquiryRecord | undefined> {
    return toInquiry((await this.#q<InquiryRow>('SELECT * FROM inquiries WHERE reference = $1', [reference])).rows[0]);
  }

  async closeOpenInquiries(now: Date, endReason: string): Promise<number> {
    // One statement: the rows it closes and their events are the same set,
    // whatever another node writes meanwhile. An inquiry with an open callback
    // is still waiting (the callback survives restarts): not closed.
    const r = await this.#q(
      `WITH closed AS (
         UPDATE inquiries SET status = CASE status WHEN 'queued' THEN 'abandoned' ELSE 'ended' END, end_reason = $1, ended_at = $2
         WHERE status IN ('queued', 'in-call') AND id NOT IN (SELECT inquiry_id FROM callbacks WHERE state IN ('waiting', 'taken'))
         RETURNING id, status)
       INSERT INTO inquiry_events (inquiry_id, at, actor, kind, data)
       SELECT id, $2, 'system', 'contact-ended', json_build_object('contactStatus', status, 'endReason', $1::text) FROM closed ORDER BY id`,
      [endReason, now.getTime()],
    );
    return r.rowCount ?? 0;
  }

  async rateInquiry(id: string, kiosk: string, rating: number): Promise<boolean> {
    if (!Number.isInteger(rating) || rating < 1 || rating > 5) throw new TypeError('rateInquiry: rating must be an integer 1-5');
    const r = await this.#q("UPDATE inquiries SET rating = $1 WHERE id = $2 AND kiosk_id = $3 AND rating IS NULL AND status = 'ended'", [rating, id, kiosk]);
    return r.rowCount === 1;
  }

  async createCallback(c: CallbackRecord): Promise<void> {
    await this.#q(
      'INSERT INTO callbacks (id, inquiry_id, kiosk_id, phone, request, queued_at, state, agent_id, attempts, not_before, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
      [c.id, c.inquiryId, c.kioskId, c.phone, JSON.stringify(c.request), c.queuedAt.getTime(), c.state, c.agentId, c.attempts, c.notBefore?.getTime() ?? null, Date.now()],
    );
  }

  async updateCallback(id: string, change: CallbackChange): Promise<void> {
    const closing = change.state === 'done' || change.state === 'failed';
    await this.#q(
      `UPDATE callbacks SET state = COALESCE($1, state), agent_id = CASE WHEN $2::boolean THEN $3 ELSE agent_id END, attempts = COALESCE($4, attempts),
         not_before = CASE WHEN $5::boolean THEN $6::bigint ELSE not_before END, phone = CASE WHEN $7::boolean THEN NULL ELSE phone END, updated_at = $8 WHERE id = $9`,
      [
        change.state ?? null,
        change.agentId !== undefined,
        change.agentId ?? null,
        change.attempts ?? null,
        change.notBefore !== undefined,
        change.notBefore?.getTime() ?? null,
        closing,
        Date.now(),
        id,
      ],
    );
  }

  async claimCallback(id: string, agentId: string): Promise<boolean> {
    const r = await this.#q("UPDATE callbacks SET state = 'taken', agent_id = $1, updated_at = $2 WHERE id = $3 AND state = 'waiting'", [agentId, Date.now(), id]);
    return r.rowCount === 1;
  }

  async listOpenCallbacks(): Promise<CallbackRecord[]> {
    return (await this.#q<CallbackRow>("SELECT * FROM callbacks WHERE state IN ('waiting', 'taken') ORDER BY queued_at")).rows.map(callbackOf);
  }

  async findCallback(id: string): Promise<CallbackRecord | undefined> {
    const row = (await this.#q<CallbackRow>('SELECT * FROM callbacks WHERE id = $1', [id])).rows[0];
    return row && callbackOf(row);
  }

  async listInquiryCases(scope: InquiryScope, filter: InquiryCaseFilter): Promise<{ items: InquiryCaseRecord[]; total: number }> {
    const p = params();
    const where = [scopeClause(scope, p)];
    if (filter.caseStatus !== undefined) where.push(`case_status = ${p.add(filter.caseStatus)}`);
    if (filter.topic !== undefined) where.push(`topic = ${p.add(filter.topic)}`);
    if (filter.involving !== undefined) where.push(scopeClause({ kind: 'handled-or-assigned', userId: filter.involving }, p));
    const sql = where.join(' AND ');
    return this.#snapshot(async (tx) => {
      const total = (await tx.query<{ n: number }>(`SELECT COUNT(*) AS n FROM inquiries WHERE ${sql}`, p.values)).rows[0]!.n;
      const rows = (
        await tx.query<InquiryCaseRow>(`SELECT * FROM inquiries WHERE ${sql} ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT ${p.add(filter.limit)} OFFSET ${p.add(filter.offset)}`, p.values)
      ).rows;
      return { items: rows.map(toCase), total };
    });
  }

  async findInquiryCase(id: string, scope: InquiryScope): Promise<{ inquiry: InquiryCaseRecord; events: InquiryEventRecord[] } | undefined> {
    return this.#snapshot(async (tx) => {
      const row = await caseRow(tx, id, scope, '');
      return row && { inquiry: toCase(row), events: await eventsOf(tx, id) };
    });
  }

  async findInquiryCaseByReference(reference: string): Promise<InquiryCaseRecord | undefined> {
    const row = (await this.#q<InquiryCaseRow>('SELECT * FROM inquiries WHERE reference = $1', [reference])).rows[0];
    return row && toCase(row);
  }

  async updateInquiryCase(id: string, change: InquiryCaseChange, by: InquiryCaseAuthor): Promise<{ inquiry: InquiryCaseRecord; events: InquiryEventRecord[] } | undefined> {
    // Read (locked), compare and write in one transaction: two staff members
    // changing the same case at once each record what they changed from what was there.
    return this.#tx(async (tx) => {
      const row = await caseRow(tx, id, by.scope, 'FOR UPDATE');
      if (!row) return undefined;
      const { after, events } = applyCaseChange(toCase(row), change, by.at);
      if (events.length > 0) {
        await tx.query('UPDATE inquiries SET case_status = $1, resolved_at = $2, outcome_code = $3, next_step = $4, assignee_id = $5 WHERE id = $6', [
          after.caseStatus, after.resolvedAt?.getTime() ?? null, after.outcomeCode, after.nextStep, after.assigneeId, id,
        ]);
        for (const e of events) await insertEvent(tx, id, by.at, by.actor, e);
      }
      return { inquiry: after, events: await eventsOf(tx, id) };
    });
  }

  async addInquiryNote(id: string, text: string, by: InquiryCaseAuthor): Promise<InquiryEventRecord | undefined> {
    return this.#tx(async (tx) => {
      if (!(await caseRow(tx, id, by.scope, 'FOR SHARE'))) return undefined;
      const eventId = await insertEvent(tx, id, by.at, by.actor, { kind: 'note', text });
      const row = (await tx.query<InquiryEventRow>('SELECT * FROM inquiry_events WHERE id = $1', [eventId])).rows[0];
      return row && toEvent(row);
    });
  }

  async recordInquiryEvent(id: string, event: InquiryEventData, at: Date, actor: InquiryActor): Promise<void> {
    await insertEvent(this.#direct, id, at, actor, event);
  }

  async inquiryResponseTimes(from: Date, to: Date): Promise<TopicResponseTimes[]> {
    // A clock stepped back could make resolved_at precede created_at; such a case took no time, not negative time.
    // NULLS FIRST and byte order: the topics come out in SQLite's order.
    const rows = (
      await this.#q<{ topic: string | null; ms: number }>(
        `SELECT topic, GREATEST(0, resolved_at - created_at) AS ms FROM inquiries
         WHERE case_status = 'resolved' AND resolved_at >= $1 AND resolved_at < $2 ORDER BY topic COLLATE "C" NULLS FIRST, ms`,
        [from.getTime(), to.getTime()],
      )
    ).rows;
    return responseTimesByTopic(rows);
  }

  async dailyContactFigures(query: DailyContactQuery): Promise<DailyContactFigures[]> {
    // The days and the service-level times go in as JSON, as with SQLite: a
    // report spans up to a year of days whose bounds only the caller knows.
    const days = JSON.stringify(query.days.map((d) => ({ day: d.day, start_ms: d.start.getTime(), end_ms: d.end.getTime() })));
    const targets = JSON.stringify(Object.fromEntries(query.serviceLevelWithinMs));
    const queue = query.queueId ?? null;
    const withDays = `WITH days AS (SELECT * FROM json_to_recordset($1::json) AS d(day text, start_ms bigint, end_ms bigint)),
      targets AS (SELECT key AS queue_id, value::float8 AS within_ms FROM json_each_text($2::json))`;
    // Contacts the server itself closed (shutdown, a crash found at start-up)
    // are not residents who gave up. A clock stepped back could order the
    // stamps wrongly; such a wait or call took no time, not negative time.
    // Averages in float8, as SQLite's (integer sums divided as doubles).
    const abandoned = "(i.status = 'abandoned' AND i.answered_at IS NULL AND COALESCE(i.end_reason, '') NOT IN ('server-shutdown', 'interrupted'))";
    const { groups, waits } = await this.#snapshot(async (tx) => {
      const groups = (
        await tx.query<DailyFiguresRow>(
          `${withDays}
           SELECT d.day AS day, i.queue_id AS queue_id, t.within_ms AS within_ms,
             COUNT(*)::int AS contacts,
             (COUNT(*) FILTER (WHERE i.answered_at IS NOT NULL))::int AS answered,
             (COUNT(*) FILTER (WHERE ${abandoned}))::int AS abandoned,
             AVG(GREATEST(0, i.answered_at - i.created_at)::float8) FILTER (WHERE i.answered_at IS NOT NULL) AS wait_avg_ms,
             (COUNT(*) FILTER (WHERE i.answered_at IS NOT NULL AND i.answered_at - i.created_at <= t.within_ms))::int AS answered_within,
             (COUNT(*) FILTER (WHERE ${abandoned} AND i.ended_at - i.created_at >= t.within_ms))::int AS abandoned_after,
             AVG(GREATEST(0, i.ended_at - i.answered_at)::float8) FILTER (WHERE i.answered_at IS NOT NULL AND i.ended_at IS NOT NULL) AS handle_avg_ms,
             AVG(i.rating::float8) AS rating_avg,
             COUNT(i.rating)::int AS ratings
           FROM days d JOIN inquiries i ON i.created_at >= d.start_ms AND i.created_at < d.end_ms
           LEFT JOIN targets t ON t.queue_id = i.queue_id
           WHERE ($3::text IS NULL OR i.queue_id = $3)
           GROUP BY d.day, i.queue_id, t.within_ms
           ORDER BY d.day COLLATE "C", i.queue_id IS NULL, i.queue_id COLLATE "C"`,
          [days, targets, queue],
        )
      ).rows;
      const waits = (
        await tx.query<{ day: string; queue_id: string | null; ms: number }>(
          `${withDays}
           SELECT d.day AS day, i.queue_id AS queue_id, GREATEST(0, i.answered_at - i.created_at) AS ms
           FROM days d JOIN inquiries i ON i.created_at >= d.start_ms AND i.created_at < d.end_ms
           WHERE i.answered_at IS NOT NULL AND ($3::text IS NULL OR i.queue_id = $3)
           ORDER BY ms`,
          [days, targets, queue],
        )
      ).rows;
      return { groups, waits };
    });
    return dailyFigures(groups, waits);
  }

  async addHeartbeats(records: readonly HeartbeatRecord[]): Promise<void> {
    if (records.length === 0) return;
    // One statement for the batch: all of it or none, one commit.
    await this.#q('INSERT INTO kiosk_heartbeats (kiosk_id, at, uptime_s, rtt_ms, data) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::json[])', [
      records.map((r) => r.kioskId),
      records.map((r) => r.at.getTime()),
      records.map((r) => r.heartbeat.uptimeSeconds),
      records.map((r) => r.heartbeat.rttMs),
      records.map((r) => JSON.stringify(r.heartbeat)),
    ]);
  }

  async listHeartbeats(id: string, since: Date, limit: number): Promise<HeartbeatRecord[]> {
    const rows = (await this.#q<HeartbeatRow>('SELECT kiosk_id, at, data FROM kiosk_heartbeats WHERE kiosk_id = $1 AND at >= $2 ORDER BY at DESC LIMIT $3', [id, since.getTime(), limit])).rows;
    return rows.map(toHeartbeat);
  }

  async latestHeartbeats(perKiosk: number): Promise<HeartbeatRecord[]> {
    const rows = (
      await this.#q<HeartbeatRow>(
        `SELECT kiosk_id, at, data FROM (
           SELECT kiosk_id, at, data, ROW_NUMBER() OVER (PARTITION BY kiosk_id ORDER BY at DESC) AS n FROM kiosk_heartbeats
         ) h WHERE n <= $1 ORDER BY kiosk_id COLLATE "C", at`,
        [perKiosk],
      )
    ).rows;
    return rows.map(toHeartbeat);
  }

  async pruneFleetHistory(before: Date): Promise<number> {
    return this.#tx(async (tx) => {
      await tx.query('DELETE FROM fleet_alerts WHERE cleared_at IS NOT NULL AND cleared_at < $1', [before.getTime()]);
      return (await tx.query('DELETE FROM kiosk_heartbeats WHERE at < $1', [before.getTime()])).rowCount ?? 0;
    });
  }

  async raiseFleetAlert(a: Omit<FleetAlertRecord, 'id' | 'clearedAt'>): Promise<FleetAlertRecord> {
    try {
      const r = await this.#q<{ id: number }>('INSERT INTO fleet_alerts (kiosk_id, kind, raised_at, detail) VALUES ($1, $2, $3, $4) RETURNING id', [
        a.kioskId, a.kind, a.raisedAt.getTime(), a.detail,
      ]);
      return { ...a, id: r.rows[0]!.id, clearedAt: null };
    } catch (err) {
      throw conflictOr(err, `active ${a.kind} alert of kiosk ${a.kioskId}`);
    }
  }

  async clearFleetAlert(id: number, at: Date): Promise<boolean> {
    return (await this.#q('UPDATE fleet_alerts SET cleared_at = $1 WHERE id = $2 AND cleared_at IS NULL', [at.getTime(), id])).rowCount === 1;
  }

  async listActiveFleetAlerts(): Promise<FleetAlertRecord[]> {
    return (await this.#q<FleetAlertRow>('SELECT * FROM fleet_alerts WHERE cleared_at IS NULL ORDER BY id')).rows.map(toFleetAlert);
  }

  async listFleetAlerts(id: string, since: Date, limit: number): Promise<FleetAlertRecord[]> {
    const rows = (
      await this.#q<FleetAlertRow>('SELECT * FROM fleet_alerts WHERE kiosk_id = $1 AND (raised_at >= $2 OR cleared_at IS NULL) ORDER BY raised_at DESC, id DESC LIMIT $3', [
        id, since.getTime(), limit,
      ])
    ).rows;
    return rows.map(toFleetAlert);
  }

  /** Ends the pool after the queries in flight; idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}

interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: string;
  skills: AgentSkills;
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
interface KioskRow {
  id: string;
  name: string;
  location: string;
  languages: string[];
  credential_hash: string;
  public_key: string | null;
  revoked_at: number | null;
  enrolled_at: number;
  last_seen_at: number | null;
}
interface InquiryRow {
  id: string;
  reference: string;
  kiosk_id: string;
  language: string;
  topic: string | null;
  answers: Record<string, string>;
  status: string;
  agent_id: string | null;
  end_reason: string | null;
  created_at: number;
  ended_at: number | null;
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
  data: object;
}
interface CallbackRow {
  id: string;
  inquiry_id: string;
  kiosk_id: string;
  phone: string | null;
  request: CallRequestInfo;
  queued_at: number;
  state: string;
  agent_id: string | null;
  attempts: number;
  not_before: number | null;
}
interface HeartbeatRow {
  kiosk_id: string;
  at: number;
  data: Heartbeat;
}
interface FleetAlertRow {
  id: number;
  kiosk_id: string;
  kind: string;
  raised_at: number;
  cleared_at: number | null;
  detail: string;
}
interface ProfileVersionRow {
  profile: string;
  version: number;
  body: ProfileVersionRecord['body'];
  created_at: number;
  created_by: string;
  rolled_back_from: number | null;
  note: string;
}
const ACTION_SELECT = 'SELECT a.*, u.username AS requested_by_name FROM kiosk_actions a LEFT JOIN users u ON u.id = a.requested_by';
interface KioskActionRow {
  id: number;
  kiosk_id: string;
  action: string;
  force: boolean;
  requested_by: string;
  requested_by_name: string | null;
  requested_at: number;
  state: string;
  updated_at: number;
  reason: string | null;
  result: SelfTestReport | null;
  finished_at: number | null;
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

/** Host, port and database of a URL, for messages: never its password. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(an unparsable URL)';
  }
}

/** Positional parameters collected while a query is put together. */
function params(): { values: unknown[]; add(v: unknown): string } {
  const values: unknown[] = [];
  return { values, add: (v) => `$${values.push(v)}` };
}

function scopeClause(scope: InquiryScope, p: ReturnType<typeof params>): string {
  if (scope.kind === 'all') return 'TRUE';
  const u = p.add(scope.userId);
  return `(agent_id = ${u} OR assignee_id = ${u})`;
}

async function caseRow(on: Queryable, id: string, scope: InquiryScope, lock: '' | 'FOR UPDATE' | 'FOR SHARE'): Promise<InquiryCaseRow | undefined> {
  const p = params();
  const idParam = p.add(id);
  return (await on.query<InquiryCaseRow>(`SELECT * FROM inquiries WHERE id = ${idParam} AND ${scopeClause(scope, p)} ${lock}`, p.values)).rows[0];
}

/** Actors are stored as 'kiosk', 'system' or the staff member's user id (which always starts with `u-`). */


async function insertEvent(on: Queryable, inquiryId: string, at: Date, actor: InquiryActor, event: InquiryEventData): Promise<number> {
  const { kind, ...fields } = event;
  const r = await on.query<{ id: number }>('INSERT INTO inquiry_events (inquiry_id, at, actor, kind, data) VALUES ($1, $2, $3, $4, $5) RETURNING id', [
    inquiryId, at.getTime(), actorText(actor), kind, JSON.stringify(fields),
  ]);
  return r.rows[0]!.id;
}

async function eventsOf(on: Queryable, inquiryId: string): Promise<InquiryEventRecord[]> {
  return (await on.query<InquiryEventRow>('SELECT * FROM inquiry_events WHERE inquiry_id = $1 ORDER BY id', [inquiryId])).rows.map(toEvent);
}

function toEvent(r: InquiryEventRow): InquiryEventRecord {
  const data: unknown = { ...r.data, kind: r.kind };
  // Checked, not cast: a row written by a newer version (a kind this one does
  // not know) must fail loudly here rather than reach a client half-formed.
  if (!Value.Check(InquiryEventData, data)) throw new Error(`inquiry event ${r.id} of ${r.inquiry_id} does not match its kind ${JSON.stringify(r.kind)}`);
  return { ...data, id: r.id, inquiryId: r.inquiry_id, at: new Date(r.at), actor: toActor(r.actor) };
}

/** 23505: unique_violation (a primary key or a unique index). */
function conflictOr(err: unknown, what: string): unknown {
  return (err as { code?: string }).code === '23505' ? new StoreConflictError(what) : err;
}

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

function toAccount(r: UserRow): UserAccount {
  return {
    id: userId(r.id),
    username: r.username,
    displayName: r.display_name,
    role: r.role as Role,
    skills: r.skills,
    passwordHash: r.password_hash,
    disabledAt: date(r.disabled_at),
    // The table's CHECK keeps secret and last step both set or both NULL.
    totp: r.totp_secret !== null && r.totp_last_step !== null ? { secret: r.totp_secret, lastStep: r.totp_last_step } : null,
  };
}


function toKiosk(r: KioskRow): KioskRecord {
  return {
    id: kioskId(r.id),
    name: r.name,
    location: r.location,
    languages: r.languages,
    credentialHash: r.credential_hash,
    publicKey: r.public_key,
    revokedAt: date(r.revoked_at),
    enrolledAt: new Date(r.enrolled_at),
    lastSeenAt: date(r.last_seen_at),
  };
}

function toInquiry(r: InquiryRow | undefined): InquiryRecord | undefined {
  return (
    r && {
      id: r.id,
      reference: r.reference,
      kioskId: r.kiosk_id,
      language: r.language,
      topic: r.topic,
      answers: r.answers,
      status: r.status as InquiryStatus,
      agentId: r.agent_id,
      endReason: r.end_reason,
      createdAt: new Date(r.created_at),
      endedAt: date(r.ended_at),
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
    answers: r.answers,
    status: r.status as InquiryStatus,
    agentId: r.agent_id,
    endReason: r.end_reason,
    createdAt: new Date(r.created_at),
    endedAt: date(r.ended_at),
    caseStatus: r.case_status as CaseStatus,
    outcomeCode: r.outcome_code,
    nextStep: r.next_step as NextStep | null,
    place: r.place,
    promisedBy: date(r.promised_by),
    resolvedAt: date(r.resolved_at),
    assigneeId: r.assignee_id,
    queueId: r.queue_id,
    answeredAt: date(r.answered_at),
    rating: r.rating,
  };
}

function callbackOf(r: CallbackRow): CallbackRecord {
  return {
    id: r.id,
    inquiryId: r.inquiry_id,
    kioskId: r.kiosk_id,
    phone: r.phone,
    request: r.request,
    queuedAt: new Date(r.queued_at),
    state: r.state as CallbackRecord['state'],
    agentId: r.agent_id,
    attempts: r.attempts,
    notBefore: date(r.not_before),
  };
}

/** The payload was validated against the Heartbeat schema before it was written. */
function toHeartbeat(r: HeartbeatRow): HeartbeatRecord {
  return { kioskId: kioskId(r.kiosk_id), at: new Date(r.at), heartbeat: r.data };
}

function toFleetAlert(r: FleetAlertRow): FleetAlertRecord {
  return { id: r.id, kioskId: kioskId(r.kiosk_id), kind: r.kind as AlertKind, raisedAt: new Date(r.raised_at), clearedAt: date(r.cleared_at), detail: r.detail };
}

function toProfileVersion(r: ProfileVersionRow): ProfileVersionRecord {
  return {
    profile: r.profile,
    version: r.version,
    body: r.body,
    createdAt: new Date(r.created_at),
    createdBy: r.created_by === 'system' ? 'system' : userId(r.created_by),
    rolledBackFrom: r.rolled_back_from,
    note: r.note,
  };
}

function toKioskProfile(r: KioskProfileRow): KioskProfileRecord {
  return {
    kioskId: kioskId(r.id),
    profile: r.profile,
    appliedProfile: r.applied_profile,
    appliedVersion: r.applied_profile_version,
    appliedAt: date(r.applied_profile_at),
    failedVersion: r.profile_failed_version,
    failure: r.profile_failure,
  };
}

async function actionOf(on: Queryable, id: number): Promise<KioskActionRecord | undefined> {
  const row = (await on.query<KioskActionRow>(`${ACTION_SELECT} WHERE a.id = $1`, [id])).rows[0];
  return row && toKioskAction(row);
}

function toKioskAction(r: KioskActionRow): KioskActionRecord {
  return {
    id: r.id,
    kioskId: kioskId(r.kiosk_id),
    action: r.action as KioskActionName,
    force: r.force,
    requestedBy: userId(r.requested_by),
    requestedByName: r.requested_by_name,
    requestedAt: new Date(r.requested_at),
    state: r.state as KioskActionStateName,
    updatedAt: new Date(r.updated_at),
    reason: r.reason,
    report: r.result,
    finishedAt: date(r.finished_at),
  };
}
