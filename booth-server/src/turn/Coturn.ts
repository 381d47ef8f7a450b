/**
 * A coturn (`turnserver`, Debian's coturn package) for the demo and for tests:
 * a child process on loopback ports with the TURN REST API scheme
 * (`use-auth-secret` + `static-auth-secret`), so it accepts exactly the
 * credentials booth-server hands out (./credentials.ts) until they expire.
 *
 * Not how a site runs TURN: a site runs coturn as its own service on a public
 * address (README, "TURN"). In particular `allowLoopbackPeers` is here only
 * because on one machine the SFU is 127.0.0.1; coturn refuses loopback peers
 * by default and a real site must keep it that way (otherwise a TURN client
 * can reach services on the TURN host's loopback interface).
 *
 * `start()` resolves once the server answers a STUN Binding request on its
 * UDP port and accepts TCP (and TLS) connections; it rejects with a clear
 * error when the binary is missing or the server exits during start-up.
 * `stop()` sends SIGTERM, then SIGKILL after 5 s, and resolves when it exited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stunBinding } from './stunClient';

export interface CoturnOptions {
  /** static-auth-secret: booth-server's turn.secret. */
  secret: string;
  realm: string;
  /** Listening address and relay address (default 127.0.0.1). */
  ip?: string;
  /** UDP and TCP listening port. */
  port: number;
  /** TURN over TLS (turns:), with certFile and keyFile; 0 or absent: no TLS. */
  tlsPort?: number;
  certFile?: string;
  keyFile?: string;
  relayMinPort: number;
  relayMaxPort: number;
  /** Needed when the SFU is on loopback (demo, tests). Never on a real site. */
  allowLoopbackPeers?: boolean;
  /**
   * Peer addresses coturn refuses to relay to (`denied-peer-ip`): an address or a
   * range `first-last`, e.g. the private ranges a site denies. Loopback is refused
   * anyway unless `allowLoopbackPeers`; multicast always (`no-multicast-peers`).
   */
  deniedPeerIps?: string[];
  /** Exceptions to `deniedPeerIps` (`allowed-peer-ip`), e.g. the SFU's private address. */
  allowedPeerIps?: string[];
  /**
   * Allocations one participant may hold at once (coturn counts the TURN REST
   * user behind the timestamp). Default 24: two transports × UDP, TCP and
   * TLS is 6, an ICE restart overlaps another 6, and a renderer that died
   * leaves its 6 until they lapse (up to their 10-minute lifetime).
   */
  userQuota?: number;
  /** Allocations in all (default 200). */
  totalQuota?: number;
  /** Every log line of coturn (it logs to stdout), without the trailing newline. */
  onLog?: (line: string) => void;
  /** The binary; default `turnserver` on PATH (or /usr/bin/turnserver). */
  binary?: string;
  startTimeoutMs?: number;
}

export class CoturnMissingError extends Error {
  readonly code = 'COTURN_MISSING';
  constructor(binary: string) {
    super(`coturn's turnserver was not found (${binary}). Install Debian's coturn package: apt-get install -y coturn (npm install does it as root)`);
    this.name = 'CoturnMissingError';
  }
}

function findBinary(name: string): string | null {
  if (name.includes('/')) return existsSync(name) ? name : null;
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin']) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

export function coturnArgs(o: CoturnOptions, workDir: string): string[] {
  const ip = o.ip ?? '127.0.0.1';
  const args = [
    // Not /etc/turnserver.conf: a file of our own, holding only the secret (so `ps` does not show it).
    '-c', join(workDir, 'turnserver.conf'),
    `--listening-ip=${ip}`,
    `--relay-ip=${ip}`,
    `--listening-port=${o.port}`,
    `--min-port=${o.relayMinPort}`,
    `--max-port=${o.relayMaxPort}`,
    '--use-auth-secret',
    `--realm=${o.realm}`,
    '--fingerprint',
    '--no-cli',
    '--no-dtls', // DTLS-to-TURN is not used by browsers
    '--no-tcp-relay', // WebRTC relays UDP only; TCP relay (RFC 6062) would be a generic TCP proxy
    '--no-multicast-peers',
    `--user-quota=${o.userQuota ?? 24}`,
    `--total-quota=${o.totalQuota ?? 200}`,
    '--stale-nonce=600',
    '--no-software-attribute',
    '--log-file=stdout',
    '--simple-log',
    '--verbose', // one line per session and allocation (who, from where): what an operator needs, not per packet
    `--pidfile=${join(workDir, 'turnserver.pid')}`,
    `--userdb=${join(workDir, 'turndb')}`,
  ];
  if (o.tlsPort) {
    if (!o.certFile || !o.keyFile) throw new TypeError('coturn: tlsPort needs certFile and keyFile');
    args.push(`--tls-listening-port=${o.tlsPort}`, `--cert=${o.certFile}`, `--pkey=${o.keyFile}`, '--no-tlsv1', '--no-tlsv1_1');
  } else {
    args.push('--no-tls');
  }
  if (o.allowLoopbackPeers) args.push('--allow-loopback-peers');
  for (const range of o.deniedPeerIps ?? []) args.push(`--denied-peer-ip=${range}`);
  for (const range of o.allowedPeerIps ?? []) args.push(`--allowed-peer-ip=${range}`);
  return args;
}

export class Coturn {
  readonly #proc: ChildProcess;
  readonly #dir: string;
  readonly #exited: Promise<void>;
  #log = '';

  private constructor(proc: ChildProcess, dir: string, onLog?: (line: string) => void) {
    this.#proc = proc;
    this.#dir = dir;
    let buf = '';
    const take = (chunk: Buffer): void => {
      buf += chunk.toString('utf8');
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        // Keep the tail only: a long demo must not grow this without bound.
        this.#log = (this.#log + line + '\n').slice(-200_000);
        onLog?.(line);
      }
    };
    proc.stdout!.on('data', take);
    proc.stderr!.on('data', take);
    // 'error' without 'exit' when the process could not be spawned at all.
    this.#exited = new Promise<void>((res) => {
      proc.once('exit', () => res());
      proc.once('error', () => res());
    }).then(() => rmSync(dir, { recursive: true, force: true }));
  }

  static async start(o: CoturnOptions): Promise<Coturn> {
    const binary = findBinary(o.binary ?? 'turnserver');
    if (!binary) throw new CoturnMissingError(o.binary ?? 'turnserver');
    if (!o.secret || /[\r\n]/.test(o.secret)) throw new TypeError('coturn: the secret must be one non-empty line');
    const dir = mkdtempSync(join(tmpdir(), 'coturn-'));
    writeFileSync(join(dir, 'turnserver.conf'), `static-auth-secret=${o.secret}\n`, { mode: 0o600 });
    const proc = spawn(binary, coturnArgs(o, dir), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const t = new Coturn(proc, dir, o.onLog);
    const spawnError = once(proc, 'error').then(([err]) => Promise.reject(err as Error));
    const exitedEarly = once(proc, 'exit').then(([code, signal]) =>
      Promise.reject(new Error(`turnserver exited during start-up (${signal ?? `code ${code}`}):\n${t.log.slice(-4000)}`)),
    );
    const ready = t.#waitReady(o, o.startTimeoutMs ?? 10_000);
    try {
      await Promise.race([ready, spawnError, exitedEarly]);
    } catch (err) {
      await t.stop();
      throw err;
    } finally {
      exitedEarly.catch(() => undefined);
      spawnError.catch(() => undefined);
    }
    return t;
  }

  async #waitReady(o: CoturnOptions, timeoutMs: number): Promise<void> {
    const ip = o.ip ?? '127.0.0.1';
    const deadline = Date.now() + timeoutMs;
    const tcpOpen = (port: number): Promise<boolean> =>
      new Promise((res) => {
        const s = connect({ host: ip, port }, () => {
          s.destroy();
          res(true);
        });
        s.once('error', () => res(false));
      });
    for (;;) {
      if (this.#proc.exitCode !== null || this.#proc.signalCode !== null) return; // exitedEarly reports it
      const udp = await stunBinding({ host: ip, port: o.port, timeoutMs: 300 }).then(
        () => true,
        () => false,
      );
      if (udp && (await tcpOpen(o.port)) && (!o.tlsPort || (await tcpOpen(o.tlsPort)))) return;
      if (Date.now() > deadline) throw new Error(`turnserver did not answer on ${ip}:${o.port} within ${timeoutMs} ms:\n${this.#log.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  get pid(): number | undefined {
    return this.#proc.pid;
  }

  /** What coturn logged so far (the last 200 kB). */
  get log(): string {
    return this.#log;
  }

  /** Stops it (SIGTERM, SIGKILL after 5 s) and removes its work folder. Idempotent. */
  async stop(): Promise<void> {
    if (this.#proc.exitCode === null && this.#proc.signalCode === null) {
      this.#proc.kill('SIGTERM');
      const timer = setTimeout(() => this.#proc.kill('SIGKILL'), 5000);
      await this.#exited;
      clearTimeout(timer);
    } else {
      await this.#exited;
    }
  }
}
