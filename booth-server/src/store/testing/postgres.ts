/**
 * A real PostgreSQL server for tests: initdb and postgres from Debian's
 * package in a temporary folder, listening on a free loopback port only,
 * fsync on, removed again by stop(). One per test file (start it in
 * beforeAll): about a second to start, then a database per test is a
 * CREATE DATABASE away.
 *
 * PostgreSQL refuses to run as root. As root (CI containers, this project's
 * dev machines) the server runs as the `citizen-pg` system user that
 * `npm install` creates (scripts/postinstall.mjs), or `nobody` without it,
 * through setpriv; the temporary folder is handed to that user.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const PG_TEST_USER = 'citizen-pg';

export interface TestPostgres {
  readonly port: number;
  /** Data folder (owned by the server's user). */
  readonly dataDir: string;
  /** The server's process id (the postmaster); 0 while it is down. */
  readonly pid: number;
  /** postgres:// URL of a database on this server. */
  url(database?: string): string;
  /**
   * Creates a database and returns its URL: a copy of `template` when given,
   * else an empty one whose text sorts by ICU's en-US rules, as a site's
   * database typically does (so a query that relies on the C locale's byte
   * order shows up in tests).
   */
  createDatabase(name: string, template?: string): Promise<string>;
  /**
   * Kills the postmaster and every backend with SIGKILL at once (no shutdown
   * checkpoint): the next start recovers from the WAL, as after a power cut.
   */
  crash(): Promise<void>;
  /** Starts the server again on the same port and data (after crash()). */
  restart(): Promise<void>;
  /** Immediate shutdown, then the folder is removed. Idempotent. */
  stop(): Promise<void>;
}

/** The newest installed server's bin folder (PG_BIN overrides). */
export function findPostgresBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'postgres'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (versions.length === 0) {
    throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: install Debian\'s postgresql package (npm install does, as root) or set PG_BIN');
  }
  return join(root, versions[0]!, 'bin');
}

/** uid and gid to run the server as, when we are root; undefined otherwise. */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of [PG_TEST_USER, 'nobody']) {
    const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (r.status === 0 && g.status === 0) return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
  }
  throw new Error(`running as root and neither ${PG_TEST_USER} nor nobody exists to run PostgreSQL as: run npm install as root, or useradd --system ${PG_TEST_USER}`);
}

function command(user: { uid: number; gid: number } | undefined, bin: string, args: string[]): [string, string[]] {
  return user ? ['setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', bin, ...args]] : [bin, args];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = findPostgresBin();
  const user = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'booth-pg-'));
  const dataDir = join(dir, 'data');
  if (user) chownSync(dir, user.uid, user.gid);
  try {
    // --no-sync only skips initdb's own final flush of the fresh cluster (the
    // server below runs with fsync on); it saves about a second per test file.
    const [cmd, args] = command(user, join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions']);
    const init = spawnSync(cmd, args, { encoding: 'utf8' });
    if (init.status !== 0) throw new Error(`initdb failed (${init.status}): ${init.stderr || init.stdout}`);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const logFile = join(dir, 'postgres.log');
  /** Starts the server on `port`; resolves undefined if it exited instead of coming up. */
  const launch = async (port: number): Promise<ChildProcess | undefined> => {
    const log = openSync(logFile, 'a');
    const [cmd, args] = command(user, join(bin, 'postgres'), [
      '-D', dataDir, '-p', String(port),
      '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`,
      '-c', 'fsync=on', '-c', 'synchronous_commit=on', '-c', 'full_page_writes=on',
      '-c', 'max_connections=200',
    ]);
    const proc = spawn(cmd, args, { stdio: ['ignore', log, log] });
    closeSync(log);
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    if (await Promise.race([waitReady(port, 30_000), exited.then(() => false)])) return proc;
    proc.kill('SIGKILL');
    await exited;
    return undefined;
  };

  let child: ChildProcess | undefined;
  let port = 0;
  // A port found free can be taken before the server binds it: try another.
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    child = await launch(port);
    if (!child && !/could not bind|Address already in use/.test(readFileSync(logFile, 'utf8'))) break;
  }
  if (!child) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start:\n${log}`);
  }
  let server: ChildProcess | undefined = child;
  const gone = (proc: ChildProcess) => new Promise<void>((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', () => r())));
  // A test runner that exits without stop() must not leave a server behind.
  const onExit = () => server?.kill('SIGQUIT');
  process.once('exit', onExit);

  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  let stopped: Promise<void> | undefined;
  return {
    port,
    dataDir,
    get pid() {
      return server?.pid ?? 0;
    },
    url,
    async crash() {
      const postmaster = server;
      if (!postmaster?.pid) throw new Error('crash: the server is not running');
      // The postmaster and every backend at once, as a power cut would: no shutdown checkpoint.
      const ps = spawnSync('ps', ['-o', 'pid=', '--ppid', String(postmaster.pid)], { encoding: 'utf8' });
      const backends = ps.stdout.split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
      postmaster.kill('SIGKILL');
      for (const pid of backends) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
        }
      }
      await gone(postmaster);
      server = undefined;
    },
    async restart() {
      if (server) throw new Error('restart: the server is running');
      // Backends killed with the postmaster may take a moment to release the port.
      for (let attempt = 0; attempt < 20 && !server; attempt++) {
        server = await launch(port);
        if (!server) await sleep(100);
      }
      if (!server) throw new Error(`PostgreSQL did not start again:\n${readFileSync(logFile, 'utf8')}`);
    },
    async createDatabase(name, template) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name) || (template !== undefined && !/^[a-z_][a-z0-9_]*$/.test(template))) throw new TypeError(`createDatabase: bad name ${name}`);
      const admin = new pg.Client({ connectionString: url() });
      await admin.connect();
      try {
        // A template still held by a connection that is closing refuses the copy for a moment.
        for (let attempt = 0; ; attempt++) {
          try {
            await admin.query(`CREATE DATABASE ${name} ${template ? `TEMPLATE ${template}` : "TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C'"}`);
            break;
          } catch (err) {
            if (attempt >= 50 || !/being accessed by other users/.test((err as Error).message)) throw err;
            await sleep(20);
          }
        }
      } finally {
        await admin.end();
      }
      return url(name);
    },
    stop() {
      stopped ??= (async () => {
        process.removeListener('exit', onExit);
        if (server) {
          const last = server;
          last.kill('SIGQUIT');
          await gone(last);
        }
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

async function waitReady(port: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const c = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`, connectionTimeoutMillis: 1000 });
    try {
      await c.connect();
      await c.end();
      return true;
    } catch {
      // Not up yet (refused, or "the database system is starting up").
      await sleep(50);
    }
  }
  return false;
}
