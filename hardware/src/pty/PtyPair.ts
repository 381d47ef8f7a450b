/**
 * A linked pair of pseudo-terminals made by socat: what one end writes, the
 * other reads, like the two ends of a null-modem cable. The kiosk side opens
 * `hostPath`; a virtual device opens `devicePath`. Both are symlinks to the
 * /dev/pts nodes socat allocated.
 *
 * Contract: `open()` resolves once both links exist; `close()` is idempotent,
 * stops socat and removes the links; a reader on either end then sees the
 * port go away (serialport reports a `disconnected`-type error or close).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

export type PtyPairEvents = { exit: [code: number | null, signal: NodeJS.Signals | null] };

export class PtyPairError extends Error {
  constructor(
    readonly code: 'SOCAT_MISSING' | 'SOCAT_FAILED' | 'PTY_TIMEOUT',
    message: string,
  ) {
    super(message);
    this.name = 'PtyPairError';
  }
}

export class PtyPair extends EventEmitter<PtyPairEvents> {
  #proc: ChildProcess | null = null;
  #closed = false;

  constructor(
    readonly hostPath: string,
    readonly devicePath: string,
  ) {
    super();
    if (!hostPath || !devicePath || hostPath === devicePath) throw new TypeError('PtyPair: two distinct paths are required');
  }

  get pid(): number | undefined {
    return this.#proc?.pid;
  }

  async open(timeoutMs = 5000): Promise<void> {
    if (this.#proc) throw new Error('PtyPair: already open');
    for (const p of [this.hostPath, this.devicePath]) {
      mkdirSync(dirname(p), { recursive: true });
      rmSync(p, { force: true });
    }
    const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${this.hostPath}`, `pty,raw,echo=0,link=${this.devicePath}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.#proc = proc;
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString();
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new PtyPairError('PTY_TIMEOUT', `socat did not create ${this.hostPath} in ${timeoutMs} ms: ${stderr}`)), timeoutMs);
      const poll = setInterval(() => {
        if (existsSync(this.hostPath) && existsSync(this.devicePath) && stderr.includes('starting data transfer loop')) {
          clearTimeout(timer);
          clearInterval(poll);
          resolve();
        }
      }, 10);
      proc.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        clearInterval(poll);
        reject(
          err.code === 'ENOENT'
            ? new PtyPairError('SOCAT_MISSING', 'socat is not installed (apt-get install -y socat)')
            : new PtyPairError('SOCAT_FAILED', err.message),
        );
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        clearInterval(poll);
        reject(new PtyPairError('SOCAT_FAILED', `socat exited with ${code}: ${stderr}`));
      });
    });
    proc.removeAllListeners('exit');
    proc.once('exit', (code, signal) => {
      this.#cleanup();
      this.emit('exit', code, signal);
    });
  }

  #cleanup(): void {
    for (const p of [this.hostPath, this.devicePath]) rmSync(p, { force: true });
  }

  /** Stops socat. Resolves when it has exited. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Links first: a kiosk retrying its port must not open the pty in the
    // moment between socat being told to stop and its exit (it would get a
    // connection that dies at once, or hangs on a half-closed pty).
    this.#cleanup();
    const proc = this.#proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      await new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      });
    }
    this.#cleanup();
  }
}
