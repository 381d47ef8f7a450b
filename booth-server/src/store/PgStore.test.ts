/**
 * What is PostgreSQL's own: the migrations (same versions as SQLite's, applied
 * once even by nodes starting together, moving existing data), durability
 * settings, and a writer killed with SIGKILL right after acknowledgements.
 * The store contract itself runs in conformance.test.ts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kioskId, userId } from '@citizen/protocol';
import { REPO_ROOT, loadConfig } from '@citizen/config';
import { startServer } from '../server';
import { MIGRATIONS } from './migrations';
import { PG_MIGRATIONS } from './pgMigrations';
import { PgStore } from './PgStore';
import { startTestPostgres, type TestPostgres } from './testing/postgres';

let server: TestPostgres;
let databases = 0;
const newDatabase = () => server.createDatabase(`pgstore_${++databases}`);
const stores: PgStore[] = [];
const clients: pg.Client[] = [];
const open = async (url: string, opts?: Parameters<typeof PgStore.open>[1]): Promise<PgStore> => {
  const s = await PgStore.open(url, opts);
  stores.push(s);
  return s;
};
const raw = async (url: string): Promise<pg.Client> => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  clients.push(c);
  return c;
};
beforeAll(async () => {
  server = await startTestPostgres();
}, 60_000);
afterEach(async () => {
  await Promise.all([...stores.splice(0).map((s) => s.close()), ...clients.splice(0).map((c) => c.end())]);
});
afterAll(async () => {
  await server?.stop();
});

const kiosk = { id: kioskId('k-pg-1'), name: 'PG', location: 'Lab', languages: ['da'], credentialHash: '', publicKey: null, revokedAt: null, enrolledAt: new Date(0), lastSeenAt: null };

describe('PostgreSQL migrations', () => {
  it('has the same versions, in the same order, with the same names as the SQLite list', () => {
    expect(PG_MIGRATIONS.map((m) => [m.version, m.name])).toEqual(MIGRATIONS.map((m) => [m.version, m.name]));
  });

  it('applies every migration once, in its own transaction, and reopening applies nothing', async () => {
    const url = await newDatabase();
    const s = await open(url);
    expect(await s.schemaVersion()).toBe(PG_MIGRATIONS.at(-1)!.version);
    await s.close();
    const again = await open(url);
    expect(await again.schemaVersion()).toBe(PG_MIGRATIONS.at(-1)!.version);
    const c = await raw(url);
    const rows = (await c.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version')).rows;
    expect(rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
  });

  it('lets several nodes start on an empty database at once: each migration applied once, every node ready', async () => {
    const url = await newDatabase();
    const nodes = await Promise.all(Array.from({ length: 4 }, () => open(url, { maxConnections: 2 })));
    for (const n of nodes) expect(await n.schemaVersion()).toBe(PG_MIGRATIONS.at(-1)!.version);
    const c = await raw(url);
    expect((await c.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM schema_migrations')).rows[0]?.n).toBe(PG_MIGRATIONS.length);
  });

  it('rolls a failing migration back whole and refuses to open', async () => {
    const url = await newDatabase();
    const broken = { version: 99, name: 'fails halfway', sql: 'CREATE TABLE half_done (x INTEGER); SELECT 1 / 0;' };
    await expect(PgStore.open(url, { migrations: [...PG_MIGRATIONS, broken] })).rejects.toThrow(/division by zero/);
    const c = await raw(url);
    expect((await c.query("SELECT 1 FROM pg_tables WHERE tablename = 'half_done'")).rowCount).toBe(0);
    expect((await c.query<{ v: number }>('SELECT MAX(version) AS v FROM schema_migrations')).rows[0]?.v).toBe(PG_MIGRATIONS.at(-1)!.version);
  });

  it('moves a version-3 database’s rows through the later migrations: skills from languages, inquiries as cases, sessions kept', async () => {
    const url = await newDatabase();
    await (await open(url, { migrations: PG_MIGRATIONS.filter((m) => m.version <= 3) })).close();
    const c = await raw(url);
    await c.query("INSERT INTO users (id, username, display_name, role, languages, password_hash) VALUES ('u-00000000000000aa', 'old', 'Old Agent', 'agent', '[\"da\",\"uk\"]', 'x')");
    await c.query("INSERT INTO users (id, username, display_name, role, languages, password_hash) VALUES ('u-00000000000000ab', 'none', 'No Languages', 'agent', '[]', 'x')");
    await c.query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ('live', 'u-00000000000000aa', 1000, 9000000000000)");
    await c.query("INSERT INTO kiosks (id, name, location, languages, credential_hash, enrolled_at) VALUES ('k-old-1', 'Old', 'Town hall, east entrance', '[\"da\"]', 'h', 0)");
    await c.query(
      "INSERT INTO inquiries (id, reference, kiosk_id, language, topic, answers, status, agent_id, end_reason, created_at, ended_at) VALUES ('c-old-1', 'BS-AB12-CD34', 'k-old-1', 'uk', 'passport', '{\"postcode\":\"8000\"}', 'ended', 'u-00000000000000aa', 'hangup-agent', 5000, 605000)",
    );
    const s = await open(url);
    expect(await s.findUserByUsername('old')).toMatchObject({ skills: { languages: { da: 2, uk: 2 }, topics: {} }, disabledAt: null, totp: null });
    expect((await s.findUserByUsername('none'))?.skills).toEqual({ languages: {}, topics: {} });
    expect(await s.findSession('live', new Date(2000))).toMatchObject({ userId: 'u-00000000000000aa', lastSeenAt: new Date(1000), idleExpiresAt: new Date(9000000000000) });
    const found = await s.findInquiryCase('c-old-1', { kind: 'all' });
    expect(found?.inquiry).toMatchObject({ reference: 'BS-AB12-CD34', caseStatus: 'received', place: 'Town hall, east entrance', answers: { postcode: '8000' } });
    expect(found?.events).toEqual([{ id: expect.any(Number), inquiryId: 'c-old-1', at: new Date(5000), actor: { kind: 'kiosk' }, kind: 'created', place: 'Town hall, east entrance' }]);
    // Migration 10 voided the old static credentials; 6 allowed administrators.
    expect((await s.findKiosk(kioskId('k-old-1')))?.credentialHash).toBe('');
    await s.createUser({ id: userId('u-00000000000000ac'), username: 'adm', displayName: 'A', role: 'admin', skills: { languages: {}, topics: {} }, passwordHash: 'x' });
    await expect(c.query("UPDATE users SET role = 'root' WHERE username = 'adm'")).rejects.toThrow(/users_role_check/);
  });
});

describe('PgStore durability', () => {
  it('runs on a server with fsync on, and turns synchronous_commit back on where the database has it off', async () => {
    const url = await newDatabase();
    const c = await raw(url);
    await c.query(`ALTER DATABASE pgstore_${databases} SET synchronous_commit = off`);
    const s = await open(url);
    expect(await s.durability()).toEqual({ fsync: 'on', synchronousCommit: 'on', fullPageWrites: 'on' });
    await c.query(`ALTER DATABASE pgstore_${databases} SET synchronous_commit = remote_apply`);
    const stronger = await open(url);
    expect((await stronger.durability()).synchronousCommit).toBe('remote_apply');
  });

  it('refuses a URL that is not postgres:// and rejects when the server is not there', async () => {
    await expect(PgStore.open('mysql://x')).rejects.toThrow(/postgres:\/\//);
    const err = await PgStore.open('postgres://booth:hunter2@127.0.0.1:1/none').catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^PgStore: cannot reach PostgreSQL at 127\.0\.0\.1:1\/none: .*ECONNREFUSED/);
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('keeps every write acknowledged before its writer was killed with SIGKILL', async () => {
    const url = await newDatabase();
    const s = await open(url);
    await s.createKiosk(kiosk);
    const script = fileURLToPath(new URL('./testing/ackWriter.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, url, kiosk.id], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    const acked: string[][] = [];
    const lines = createInterface({ input: child.stdout });
    await new Promise<void>((resolve, reject) => {
      lines.on('line', (line) => {
        acked.push(line.split(' ').slice(1));
        // Killed at once on the 40th acknowledgement: the writes after it are in flight.
        if (acked.length === 40) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      void exited.then(() => reject(new Error(`writer exited early: ${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');

    const check = await open(url);
    for (const [what, id] of acked) {
      if (what === 'inquiry') expect(await check.findInquiry(id!), `inquiry ${id}`).toBeDefined();
      if (what === 'status') expect((await check.findInquiry(id!))?.status, `status of ${id}`).toBe('abandoned');
      if (what === 'callback') expect(await check.findCallback(id!), `callback ${id}`).toBeDefined();
    }
    const audited = (await check.listKioskAudit(kiosk.id, 1000)).map((a) => String(a.data.n));
    for (const [what, id] of acked) if (what === 'audit') expect(audited).toContain(id);
    expect(acked.filter(([what]) => what === 'audit').length).toBe(10);
  }, 30_000);
});

describe('booth-server on PostgreSQL', () => {
  it('starts from configuration (store.kind postgres) with the schema, demo seed and sign-in on the PostgreSQL database', async () => {
    const url = await newDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'server-pg-'));
    try {
      const config = loadConfig({ files: [], env: { BOOTH_STORE_KIND: 'postgres', BOOTH_STORE_POSTGRES_URL: url } });
      config.dataDir = dir;
      config.server.port = 0;
      config.log.level = 'silent';
      config.sfu.numWorkers = 1;
      config.sfu.rtcMinPort = 50300;
      config.sfu.rtcMaxPort = 50399;
      config.kiosk.identityFile = join(dir, 'kiosk-identity.json');
      config.kiosk.enrolmentCodeFile = join(dir, 'enrolment-code');
      config.demo.seed = true;
      const server = await startServer(config, { withUi: false });
      try {
        expect((await server.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
        expect((await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'tech', password: 'demo-tech' } })).statusCode).toBe(200);
      } finally {
        await server.close();
      }
      const c = await raw(url);
      expect((await c.query<{ n: number }>("SELECT COUNT(*)::int AS n FROM users WHERE username = 'tech'")).rows[0]?.n).toBe(1);
      expect((await c.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM sessions')).rows[0]?.n).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

// Last in the file: it kills the file's server and starts it again.
describe('the PostgreSQL server killed', () => {
  it('keeps every write acknowledged before a SIGKILL of the whole server, and the store recovers by itself', async () => {
    const url = await newDatabase();
    const idleErrors: Error[] = [];
    const s = await open(url, { maxConnections: 10, onIdleError: (e) => idleErrors.push(e) });
    await s.createKiosk(kiosk);
    await Promise.all(Array.from({ length: 10 }, () => s.ping()));
    const acked: string[] = [];
    const refused: unknown[] = [];
    let crashing: Promise<void> | undefined;
    let n = 0;
    // Ten writers until the server goes: about 200 acknowledged, ten in flight when it does.
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (;;) {
          const id = `crash-${n++}`;
          try {
            await s.createInquiry({ id, reference: `BS-CR${String(n).padStart(2, '0').slice(-2)}-${String(n).padStart(4, '0')}`, kioskId: kiosk.id, language: 'da', topic: null, answers: {}, status: 'queued', createdAt: new Date() });
          } catch (err) {
            refused.push(err);
            return;
          }
          acked.push(id);
          if (acked.length === 200) crashing = server.crash();
        }
      }),
    );
    await crashing;
    expect(refused.length).toBe(10);
    expect(await s.ping()).toBe(false);

    await server.restart();
    // The pool drops the dead connections and opens new ones: no reopening.
    const deadline = Date.now() + 10_000;
    while (!(await s.ping()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await s.ping()).toBe(true);
    const c = await raw(url);
    const stored = new Set((await c.query<{ id: string }>('SELECT id FROM inquiries')).rows.map((r) => r.id));
    expect(acked.filter((id) => !stored.has(id))).toEqual([]);
    expect(acked.length).toBeGreaterThanOrEqual(200);
    expect((await s.findInquiry(acked[0]!))?.kioskId).toBe(kiosk.id);
  }, 60_000);
});
