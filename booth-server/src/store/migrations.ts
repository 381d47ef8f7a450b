/**
 * Versioned schema migrations. Append only: a released migration is never
 * edited, a change is a new entry with the next version.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * Run with foreign key enforcement off, then check every reference
   * (`PRAGMA foreign_key_check`) before committing. Needed to rebuild a table
   * that others reference (SQLite's 12-step procedure): with enforcement on,
   * dropping the old table would fire ON DELETE CASCADE on the referencing rows.
   */
  foreignKeysOff?: boolean;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'users, sessions, kiosks',
    sql: `
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('agent', 'technician', 'supervisor')),
        languages TEXT NOT NULL,
        password_hash TEXT NOT NULL
      );
      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX sessions_expires_at ON sessions(expires_at);
      CREATE TABLE kiosks (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        location TEXT NOT NULL,
        languages TEXT NOT NULL,
        credential_hash TEXT NOT NULL,
        enrolled_at INTEGER NOT NULL,
        last_seen_at INTEGER
      );
    `,
  },
  {
    version: 2,
    name: 'inquiries',
    sql: `
      CREATE TABLE inquiries (
        id TEXT PRIMARY KEY,
        kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
        language TEXT NOT NULL,
        topic TEXT,
        answers TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'in-call', 'ended', 'abandoned')),
        agent_id TEXT REFERENCES users(id),
        end_reason TEXT,
        created_at INTEGER NOT NULL,
        ended_at INTEGER
      );
      CREATE INDEX inquiries_kiosk ON inquiries(kiosk_id, created_at);
    `,
  },
  {
    version: 3,
    name: 'inquiry reference numbers',
    sql: `
      ALTER TABLE inquiries ADD COLUMN reference TEXT;
      UPDATE inquiries SET reference = 'BS-' || upper(substr(hex(randomblob(4)), 1, 4)) || '-' || upper(substr(hex(randomblob(4)), 1, 4)) WHERE reference IS NULL;
      CREATE UNIQUE INDEX inquiries_reference ON inquiries(reference);
    `,
  },
  {
    version: 4,
    name: 'agent skills: languages and topics with levels',
    // Existing languages become level 2 ("good"); topics start empty (an agent without topics takes any topic).
    sql: `
      ALTER TABLE users ADD COLUMN skills TEXT NOT NULL DEFAULT '{"languages":{},"topics":{}}';
      UPDATE users SET skills = json_object(
        'languages', (SELECT json_group_object(value, 2) FROM json_each(users.languages)),
        'topics', json('{}'));
      ALTER TABLE users DROP COLUMN languages;
    `,
  },
  {
    version: 5,
    name: 'inquiries as cases: case status, outcome, next step, promise, history',
    // Existing inquiries become cases that were received (the case status is
    // new; the contact status column keeps its meaning). Their place is the
    // kiosk's location now, the closest snapshot there is; they get no
    // promised date (none was made). Their history starts with the one event
    // whose time is known: created. next_step and outcome_code carry no CHECK:
    // their vocabularies grow (protocol, site config) and a CHECK would need a
    // table rebuild each time; the API validates them.
    sql: `
      ALTER TABLE inquiries ADD COLUMN case_status TEXT NOT NULL DEFAULT 'received'
        CHECK (case_status IN ('received', 'in-progress', 'waiting-for-resident', 'resolved'));
      ALTER TABLE inquiries ADD COLUMN outcome_code TEXT;
      ALTER TABLE inquiries ADD COLUMN next_step TEXT;
      ALTER TABLE inquiries ADD COLUMN place TEXT;
      ALTER TABLE inquiries ADD COLUMN promised_by INTEGER;
      ALTER TABLE inquiries ADD COLUMN resolved_at INTEGER;
      ALTER TABLE inquiries ADD COLUMN assignee_id TEXT REFERENCES users(id);
      UPDATE inquiries SET place = (SELECT location FROM kiosks WHERE kiosks.id = inquiries.kiosk_id);
      CREATE INDEX inquiries_created ON inquiries(created_at);
      CREATE INDEX inquiries_agent ON inquiries(agent_id);
      CREATE INDEX inquiries_assignee ON inquiries(assignee_id);
      CREATE INDEX inquiries_resolved ON inquiries(resolved_at) WHERE resolved_at IS NOT NULL;
      CREATE TABLE inquiry_events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        inquiry_id TEXT NOT NULL REFERENCES inquiries(id) ON DELETE CASCADE,
        at INTEGER NOT NULL,
        -- 'kiosk', 'system' or a staff user id (no foreign key: history outlives accounts)
        actor TEXT NOT NULL,
        kind TEXT NOT NULL,
        -- the kind's own fields as a JSON object
        data TEXT NOT NULL
      );
      CREATE INDEX inquiry_events_inquiry ON inquiry_events(inquiry_id, id);
      INSERT INTO inquiry_events (inquiry_id, at, actor, kind, data)
        SELECT id, created_at, 'kiosk', 'created', json_object('place', place) FROM inquiries ORDER BY created_at;
    `,
  },
  {
    version: 6,
    name: 'accounts: administrator role, disabled accounts, TOTP second factor, idle session expiry, sign-in challenges',
    // The role CHECK can only change by rebuilding users (SQLite's 12-step
    // procedure: new table, copy, drop, rename; no indexes, triggers or views
    // to recreate beyond the UNIQUE constraint in the definition). Foreign
    // keys are off meanwhile, or dropping users would cascade to sessions.
    // Existing sessions keep the lifetime they were granted: their idle end is
    // their absolute end until they are next used.
    foreignKeysOff: true,
    sql: `
      CREATE TABLE users_v6 (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('agent', 'technician', 'supervisor', 'admin')),
        skills TEXT NOT NULL DEFAULT '{"languages":{},"topics":{}}',
        password_hash TEXT NOT NULL,
        disabled_at INTEGER,
        totp_secret TEXT,
        totp_last_step INTEGER,
        totp_pending_secret TEXT,
        totp_pending_expires_at INTEGER,
        CHECK ((totp_secret IS NULL) = (totp_last_step IS NULL)),
        CHECK ((totp_pending_secret IS NULL) = (totp_pending_expires_at IS NULL))
      );
      INSERT INTO users_v6 (id, username, display_name, role, skills, password_hash)
        SELECT id, username, display_name, role, skills, password_hash FROM users;
      DROP TABLE users;
      ALTER TABLE users_v6 RENAME TO users;

      ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE sessions ADD COLUMN idle_expires_at INTEGER NOT NULL DEFAULT 0;
      UPDATE sessions SET last_seen_at = created_at, idle_expires_at = expires_at;
      CREATE INDEX sessions_user ON sessions(user_id);
      CREATE INDEX sessions_idle_expires_at ON sessions(idle_expires_at);

      CREATE TABLE login_challenges (
        token_hash TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        expires_at INTEGER NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX login_challenges_expires_at ON login_challenges(expires_at);
    `,
  },
  {
    version: 7,
    name: 'contact figures: queue, answer time and rating of each inquiry',
    // What reports need per contact: which queue it waited in, when an agent
    // answered (wait = answered − created, handle = ended − answered) and the
    // resident's rating after the call (1-5).
    sql: `
      ALTER TABLE inquiries ADD COLUMN queue_id TEXT;
      ALTER TABLE inquiries ADD COLUMN answered_at INTEGER;
      ALTER TABLE inquiries ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 5);
      CREATE INDEX inquiries_queue_created ON inquiries(queue_id, created_at);
    `,
  },
  {
    version: 8,
    name: 'callbacks: residents called back by phone, keeping their place',
    // The phone number is personal data kept only while the callback is open:
    // the store clears it when the callback is done or given up.
    sql: `
      CREATE TABLE callbacks (
        id TEXT PRIMARY KEY,
        inquiry_id TEXT NOT NULL REFERENCES inquiries(id),
        kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
        phone TEXT,
        request TEXT NOT NULL,
        queued_at INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('waiting', 'taken', 'done', 'failed')),
        agent_id TEXT REFERENCES users(id),
        attempts INTEGER NOT NULL DEFAULT 0,
        not_before INTEGER,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX callbacks_open ON callbacks(state) WHERE state IN ('waiting', 'taken');
    `,
  },
  {
    version: 9,
    name: 'fleet health: kiosk heartbeats and alerts',
    // Heartbeats are telemetry, deleted after fleet.historyDays; the payload is
    // kept whole (JSON) and the two figures the sparklines read are columns too.
    // At most one active alert per kiosk and kind (the partial unique index).
    sql: `
      CREATE TABLE kiosk_heartbeats (
        kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
        at INTEGER NOT NULL,
        uptime_s INTEGER NOT NULL,
        rtt_ms INTEGER,
        data TEXT NOT NULL
      );
      CREATE INDEX kiosk_heartbeats_kiosk_at ON kiosk_heartbeats(kiosk_id, at);
      CREATE INDEX kiosk_heartbeats_at ON kiosk_heartbeats(at);

      CREATE TABLE fleet_alerts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
        kind TEXT NOT NULL CHECK (kind IN ('offline', 'paper-out', 'reader-missing', 'renderer-crashes')),
        raised_at INTEGER NOT NULL,
        cleared_at INTEGER,
        detail TEXT NOT NULL
      );
      CREATE UNIQUE INDEX fleet_alerts_active ON fleet_alerts(kiosk_id, kind) WHERE cleared_at IS NULL;
      CREATE INDEX fleet_alerts_kiosk_raised ON fleet_alerts(kiosk_id, raised_at);
    `,
  },
  {
    version: 10,
    name: 'kiosk device identity: public keys, one-time enrolment codes, revocation, kiosk audit',
    // Kiosks authenticate with a key pair from now on: the static credentials
    // are void (credential_hash becomes the bound key's fingerprint, '' until
    // a key is bound), so every existing kiosk needs an enrolment code. Codes
    // are kept after use, so a reused code can be told apart from a wrong one.
    // Version 9 is the fleet-health migration; the runner applies versions in
    // order and does not need them contiguous.
    sql: `
      ALTER TABLE kiosks ADD COLUMN public_key TEXT;
      ALTER TABLE kiosks ADD COLUMN revoked_at INTEGER;
      UPDATE kiosks SET credential_hash = '';
      CREATE TABLE kiosk_enrolment_codes (
        code_hash TEXT PRIMARY KEY,
        kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      );
      CREATE INDEX kiosk_enrolment_codes_kiosk ON kiosk_enrolment_codes(kiosk_id);
      CREATE TABLE kiosk_audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
        at INTEGER NOT NULL,
        -- a staff user id, 'kiosk' or 'system' (no foreign key: the log outlives accounts)
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        -- the action's own fields as a JSON object
        data TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX kiosk_audit_kiosk ON kiosk_audit(kiosk_id, id);
    `,
  },
  {
    version: 11,
    name: 'kiosk configuration profiles: versions, each kiosk\'s profile and what it applied',
    // Versions are append-only (a rollback is a new version with an old body),
    // so the history stays linear. A kiosk's profile and acknowledgement sit on
    // its row: one kiosk runs one profile version at a time.
    sql: `
      CREATE TABLE kiosk_profile_versions (
        profile TEXT NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        -- a staff user id or 'system' (no foreign key: the history outlives accounts)
        created_by TEXT NOT NULL,
        rolled_back_from INTEGER,
        note TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (profile, version)
      );
      ALTER TABLE kiosks ADD COLUMN profile TEXT;
      ALTER TABLE kiosks ADD COLUMN applied_profile TEXT;
      ALTER TABLE kiosks ADD COLUMN applied_profile_version INTEGER;
      ALTER TABLE kiosks ADD COLUMN applied_profile_at INTEGER;
      ALTER TABLE kiosks ADD COLUMN profile_failed_version INTEGER;
      ALTER TABLE kiosks ADD COLUMN profile_failure TEXT;
    `,
  },
  {
    version: 12,
    name: 'remote actions on kiosks: what was asked, by whom, and what became of it',
    // One row per action, changed in place as the kiosk reports; every change
    // is also in kiosk_audit. requested_by has no foreign key: the record
    // outlives accounts (the audit log's rule).
    sql: `
      CREATE TABLE kiosk_actions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
        action TEXT NOT NULL CHECK (action IN ('restart', 'reload', 'self-test', 'test-page')),
        force INTEGER NOT NULL CHECK (force IN (0, 1)),
        requested_by TEXT NOT NULL,
        requested_at INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('requested', 'sent', 'deferred', 'running', 'succeeded', 'failed', 'expired')),
        updated_at INTEGER NOT NULL,
        reason TEXT,
        -- a SelfTestReport as JSON (self-test, test-page)
        result TEXT,
        finished_at INTEGER
      );
      CREATE INDEX kiosk_actions_kiosk ON kiosk_actions(kiosk_id, id);
      CREATE INDEX kiosk_actions_open ON kiosk_actions(state, requested_at) WHERE finished_at IS NULL;
    `,
  },
];
