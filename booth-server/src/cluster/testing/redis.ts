/**
 * A real Redis server for tests: Debian's redis-server on a free loopback
 * port, nothing written to disk (no RDB snapshots, no AOF), stopped by stop().
 * One per test file (start it in beforeAll): it is up in a few milliseconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** The server's process id. */
  readonly pid: number;
  /** Kills the server (SIGKILL when `hard`) and waits for it to go. Idempotent. */
  stop(opts?: { hard?: boolean }): Promise<void>;
}

/** The redis-server binary (REDIS_SERVER overrides). */
export function findRedisServer(): string {
  const bin = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
  if (!existsSync(bin)) throw new Error(`redis-server not found at ${bin}: install Debian's redis-server package (npm install does, as root) or set REDIS_SERVER`);
  return bin;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export async function startTestRedis(opts: { port?: number } = {}): Promise<TestRedis> {
  const bin = findRedisServer();
  const port = opts.port ?? (await freePort());
  const child: ChildProcess = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--loglevel', 'warning'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${stderr.trim()}`);
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') {
        probe.disconnect();
        break;
      }
    } catch {
      probe.disconnect();
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer on ${url} within 10 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  let stopped: Promise<void> | null = null;
  return {
    port,
    url,
    pid: child.pid!,
    stop: (o = {}) =>
      (stopped ??= (async () => {
        if (child.exitCode === null) child.kill(o.hard ? 'SIGKILL' : 'SIGTERM');
        await exited;
      })()),
  };
}
