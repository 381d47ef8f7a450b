/**
 * A pool of mediasoup workers (one per core by default). The RTC port range is
 * split between workers so two workers never race for the same port. A worker
 * that dies is replaced; listeners of `workerdied` (the call layer) move their
 * routers to the replacement.
 *
 * Router placement is the pool's job: `createRouter()` puts a router on the
 * live worker with the fewest routers, counting from mediasoup's own observer
 * events (and routers still being created), so the load measure cannot drift
 * from what the workers really hold.
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
  /** How long createRouter waits for a replacement worker when none is alive (default 10 s). */
  waitForWorkerMs?: number;
  /** Called for the pool's own diagnostics; never throws into the pool. */
  log?: (level: 'info' | 'warn' | 'error', msg: string, ctx?: Record<string, unknown>) => void;
}

export interface PoolWorker {
  readonly index: number;
  readonly worker: ms.Worker;
  /** Routers open on this worker, plus those being created: the placement load measure. */
  readonly routers: number;
}

class Slot implements PoolWorker {
  /** Routers alive on this worker (mediasoup observer events) plus creations in flight. */
  readonly #live = new Set<string>();
  pending = 0;
  constructor(
    readonly index: number,
    readonly worker: ms.Worker,
  ) {
    worker.observer.on('newrouter', (router: ms.Router) => {
      this.#live.add(router.id);
      router.observer.once('close', () => this.#live.delete(router.id));
    });
  }
  get routers(): number {
    return this.#live.size + this.pending;
  }
}

export interface PlacedRouter {
  router: ms.Router;
  workerIndex: number;
}

/** How long createRouter waits for a replacement worker when none is alive. */
const WAIT_FOR_WORKER_MS = 10_000;

export type WorkerPoolEvents = {
  workerdied: [index: number, error: Error];
  workerreplaced: [index: number, worker: ms.Worker];
};

export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #opts: Required<WorkerPoolOptions>;
  readonly #slots: (Slot | null)[] = [];
  #closed = false;

  private constructor(opts: WorkerPoolOptions) {
    super();
    if (opts.rtcMinPort > opts.rtcMaxPort) throw new TypeError('WorkerPool: rtcMinPort > rtcMaxPort');
    const numWorkers = opts.numWorkers > 0 ? opts.numWorkers : cpus().length;
    if ((opts.rtcMaxPort - opts.rtcMinPort + 1) / numWorkers < 10) {
      throw new TypeError(`WorkerPool: RTC port range too small for ${numWorkers} workers`);
    }
    this.#opts = { log: () => {}, waitForWorkerMs: WAIT_FOR_WORKER_MS, ...opts, numWorkers };
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

  async #spawn(index: number): Promise<Slot> {
    const worker = await mediasoup.createWorker({ logLevel: this.#opts.logLevel, ...this.#portsFor(index), appData: { index } });
    const slot = new Slot(index, worker);
    worker.on('died', (error: Error) => void this.#onDied(slot, error));
    this.#opts.log('info', 'mediasoup worker started', { worker: index, pid: worker.pid });
    return slot;
  }

  async #onDied(slot: Slot, error: Error): Promise<void> {
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
    return this.#liveSlots();
  }

  #liveSlots(): Slot[] {
    return this.#slots.filter((s): s is Slot => s !== null && !s.worker.closed);
  }

  /** The live worker with the fewest routers. Throws (code SFU_UNAVAILABLE) if none is alive. */
  leastLoaded(): PoolWorker {
    return this.#leastLoadedSlot();
  }

  #leastLoadedSlot(): Slot {
    const best = this.#liveSlots().reduce<Slot | undefined>((a, b) => (a === undefined || b.routers < a.routers ? b : a), undefined);
    if (!best) throw new SfuUnavailableError('no live mediasoup worker');
    return best;
  }

  /**
   * A new router on the least-loaded live worker. When every worker is down
   * (a one-worker site right after a crash) it waits for the replacement, up
   * to `waitForWorkerMs`, then rejects with SFU_UNAVAILABLE.
   */
  async createRouter(options: ms.RouterOptions): Promise<PlacedRouter> {
    if (this.#closed) throw new SfuUnavailableError('the SFU pool is closed');
    let slot: Slot;
    try {
      slot = this.#leastLoadedSlot();
    } catch {
      await this.#waitForWorker();
      slot = this.#leastLoadedSlot();
    }
    slot.pending += 1;
    try {
      const router = await slot.worker.createRouter(options);
      return { router, workerIndex: slot.index };
    } finally {
      slot.pending -= 1;
    }
  }

  #waitForWorker(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onReplaced = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('workerreplaced', onReplaced);
        reject(new SfuUnavailableError('no SFU worker came back in time'));
      }, this.#opts.waitForWorkerMs);
      timer.unref();
      this.once('workerreplaced', onReplaced);
    });
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

export class SfuUnavailableError extends Error {
  readonly code = 'SFU_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'SfuUnavailableError';
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
