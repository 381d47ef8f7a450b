/**
 * One router per live worker, shared by every media endpoint placed on that
 * worker. Calls no longer get a router of their own: creating one per call
 * put a worker round trip on the critical path of every call, and a per-call
 * router cannot exist before the call does, so nobody could connect early.
 * Isolation between calls is the CallRoom's job (a participant consumes only
 * producers of its own call); endpoints of one call on different workers are
 * bridged with mediasoup's pipeToRouter.
 *
 * Each router carries a beacon: a DataProducer on a DirectTransport that a
 * receive transport consumes to get its ICE and DTLS done before any media
 * exists (WebRTC only connects a transport that carries something).
 *
 * When a worker dies its router is gone: `lost` tells the call layer which
 * worker, and a router is made on the replacement as soon as it is up.
 */
import type { types as ms } from 'mediasoup';
import { SafeEmitter } from '../util/SafeEmitter';
import type { WorkerPool } from './WorkerPool';

export interface RouterSlot {
  readonly router: ms.Router;
  readonly workerIndex: number;
  readonly beacon: ms.DataProducer;
  /** Endpoints placed here (the placement load measure). */
  endpoints: number;
}

export type SharedRouterEvents = {
  /** The router of this worker is gone with the worker; its endpoints must move. */
  lost: [workerIndex: number];
  ready: [slot: RouterSlot];
};

const WAIT_FOR_ROUTER_MS = 10_000;

export class SfuUnavailableError extends Error {
  readonly code = 'SFU_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'SfuUnavailableError';
  }
}


export class SharedRouters extends SafeEmitter<SharedRouterEvents> {
  readonly #slots = new Map<number, RouterSlot>();
  #closed = false;

  private constructor(
    private readonly mediaCodecs: ms.RtpCodecCapability[],
    private readonly log: (level: 'info' | 'error', msg: string, ctx: Record<string, unknown>) => void,
    private readonly waitMs: number,
  ) {
    super();
  }

  /** `waitMs`: how long `pick()` waits for a router when no worker is up (default 10 s). */
  static async create(pool: WorkerPool, mediaCodecs: ms.RtpCodecCapability[], log: SharedRouters['log'] = () => {}, waitMs = WAIT_FOR_ROUTER_MS): Promise<SharedRouters> {
    const routers = new SharedRouters(mediaCodecs, log, waitMs);
    for (const w of pool.workers()) await routers.#open(w.worker, w.index);
    pool.on('workerdied', (index) => {
      if (!routers.#slots.delete(index)) return;
      routers.log('info', 'shared router lost with its worker', { worker: index });
      routers.safeEmit('lost', index);
    });
    pool.on('workerreplaced', (index, worker) => {
      routers.#open(worker, index).catch((err: unknown) => routers.log('error', 'could not open a router on the replacement worker', { worker: index, error: String(err) }));
    });
    return routers;
  }

  async #open(worker: ms.Worker, workerIndex: number): Promise<void> {
    if (this.#closed) return;
    const router = await worker.createRouter({ mediaCodecs: this.mediaCodecs });
    const direct = await router.createDirectTransport({ maxMessageSize: 262_144, appData: { beacon: true } });
    const beacon = await direct.produceData({ label: 'beacon', protocol: 'citizen-beacon' });
    const slot: RouterSlot = { router, workerIndex, beacon, endpoints: 0 };
    this.#slots.set(workerIndex, slot);
    this.safeEmit('ready', slot);
  }

  slots(): readonly RouterSlot[] {
    return [...this.#slots.values()];
  }

  /** The router with the fewest endpoints; waits (up to `waitMs`) when no worker is up. */
  async pick(): Promise<RouterSlot> {
    const best = this.#leastLoaded();
    if (best) return best;
    if (this.#closed) throw new SfuUnavailableError('the SFU is closed');
    return new Promise<RouterSlot>((resolve, reject) => {
      const onReady = (slot: RouterSlot): void => {
        clearTimeout(timer);
        resolve(slot);
      };
      const timer = setTimeout(() => {
        this.off('ready', onReady);
        reject(new SfuUnavailableError('no SFU router came back in time'));
      }, this.waitMs);
      timer.unref();
      this.once('ready', onReady);
    });
  }

  #leastLoaded(): RouterSlot | undefined {
    let best: RouterSlot | undefined;
    for (const s of this.#slots.values()) if (!s.router.closed && (!best || s.endpoints < best.endpoints)) best = s;
    return best;
  }

  /** Closes the routers (the pool closes the workers). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#slots.values()) s.router.close();
    this.#slots.clear();
  }
}
