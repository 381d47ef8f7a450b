/**
 * Versioned schema migrations. Append only: a released migration is never
 * edited, a change is a new entry with the next version.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
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
];
