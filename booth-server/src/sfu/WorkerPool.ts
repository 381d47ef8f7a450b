/**
 * A pool of mediasoup workers (one per core by default). The RTC port range is
 * split between workers so two workers never race for the same port. A worker
 * that dies is replaced; listeners of `workerdied` (the call layer) move their
 * routers to the replacement.
 *
 * Routers live on SharedRouters (one per worker); where a session's media
 * goes is decided there.
 */
import { EventEmitter } from 'node:events';
import { cpus } from 'node:os';
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';

export interface WorkerPoolOptions {
  numWorkers: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  logLevel: ms.WorkerLogLevel;
  /** Called for the pool's own diagnostics; never throws into the pool. */
  log?: (level: 'info' | 'warn' | 'error', msg: string, ctx?: Record<string, unknown>) => void;
}

export interface PoolWorker {
  readonly index: number;
  readonly worker: ms.Worker;
}

export type WorkerPoolEvents = {
  workerdied: [index: number, error: Error];
  workerreplaced: [index: number, worker: ms.Worker];
};

export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #opts: Required<WorkerPoolOptions>;
  readonly #slots: (PoolWorker | null)[] = [];
  #closed = false;

  private constructor(opts: WorkerPoolOptions) {
    super();
    if (opts.rtcMinPort > opts.rtcMaxPort) throw new TypeError('WorkerPool: rtcMinPort > rtcMaxPort');
    const numWorkers = opts.numWorkers > 0 ? opts.numWorkers : cpus().length;
    if ((opts.rtcMaxPort - opts.rtcMinPort + 1) / numWorkers < 10) {
      throw new TypeError(`WorkerPool: RTC port range too small for ${numWorkers} workers`);
    }
    this.#opts = { log: () => {}, ...opts, numWorkers };
  }

  static async create(opts: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(opts);
    try {
      for (let i = 0; i < pool.#opts.numWorkers; i++) pool.#slots.push(await pool.#spawn(i));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  #portsFor(index: number): { rtcMinPort: number; rtcMaxPort: number } {
    const { rtcMinPort, rtcMaxPort, numWorkers } = this.#opts;
    const span = Math.floor((rtcMaxPort - rtcMinPort + 1) / numWorkers);
    return { rtcMinPort: rtcMinPort + index * span, rtcMaxPort: rtcMinPort + (index + 1) * span - 1 };
  }

  async #spawn(index: number): Promise<PoolWorker> {
    const worker = await mediasoup.createWorker({ logLevel: this.#opts.logLevel, ...this.#portsFor(index), appData: { index } });
    const slot: PoolWorker = { index, worker };
    worker.on('died', (error: Error) => void this.#onDied(slot, error));
    this.#opts.log('info', 'mediasoup worker started', { worker: index, pid: worker.pid });
    return slot;
  }

  async #onDied(slot: PoolWorker, error: Error): Promise<void> {
    if (this.#closed) return;
    this.#opts.log('error', 'mediasoup worker died', { worker: slot.index, pid: slot.worker.pid, error: error.message });
    this.#slots[slot.index] = null;
    this.emit('workerdied', slot.index, error);
    try {
      const fresh = await this.#spawn(slot.index);
      if (this.#closed) {
        fresh.worker.close();
        return;
      }
      this.#slots[slot.index] = fresh;
      this.emit('workerreplaced', slot.index, fresh.worker);
    } catch (err) {
      this.#opts.log('error', 'mediasoup worker could not be replaced', { worker: slot.index, error: (err as Error).message });
    }
  }

  get size(): number {
    return this.#opts.numWorkers;
  }

  /** Workers that are running now. */
  get alive(): number {
    return this.#slots.filter((s) => s && !s.worker.closed).length;
  }

  workers(): readonly PoolWorker[] {
    return this.#slots.filter((s): s is PoolWorker => s !== null && !s.worker.closed);
  }

  /** Closes every worker and resolves once their processes have exited. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const pids = this.#slots.flatMap((s) => (s ? [s.worker.pid] : []));
    for (const s of this.#slots) s?.worker.close();
    this.#slots.length = 0;
    await Promise.all(pids.map((pid) => waitForExit(pid, 3000)));
  }
}

/** mediasoup's Worker.close() signals the process but does not wait for it; shutdown must. */
async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
