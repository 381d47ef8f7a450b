/**
 * The receipt printer driver: a print queue in front of a SerialDevice, with
 * real-time status polling (DLE EOT) between jobs.
 *
 * Contract:
 *  - `submit()` fails fast (throws a HardwareError) when the printer is known
 *    to be unable to print: PRINTER_PAPER_OUT, PRINTER_COVER_OPEN,
 *    PRINTER_OFFLINE, PRINTER_NOT_RESPONDING, DEVICE_DISCONNECTED. The kiosk
 *    then shows the reference on screen instead.
 *  - Otherwise the job is queued and printed exactly once: before each job
 *    the status is polled; if the printer cannot print, the job stays at the
 *    head of the queue as `blocked` (event `job`) and is printed when a later
 *    poll finds the printer ready. A job leaves the queue only after all its
 *    bytes were written and drained. A job cut off by an unplug is sent again
 *    in full after the reconnect (the cut-off receipt has no cut and is torn
 *    off as waste); one that was fully drained is never sent again.
 *  - `cancel()` removes queued and blocked jobs (their `done` rejects with
 *    PRINT_CANCELLED); a job already being written cannot be recalled.
 *  - Status requests go through the same write queue as jobs, so they are
 *    never written inside a multi-byte command. Bytes that are not valid
 *    status answers ((b & 0x93) !== 0x12) are ignored.
 *  - `close()` is idempotent: pending jobs reject with PRINT_CANCELLED.
 */
import { randomUUID } from 'node:crypto';
import { HardwareError, isHardwareError } from '../errors';
import { SafeEmitter } from '../SafeEmitter';
import { SerialDevice, type SerialDeviceOptions, type SerialDeviceState, type SerialIo } from '../serial/SerialDevice';
import { DLE, EOT, STATUS_REQUESTS, decodeStatus, isStatusByte, type PrinterCondition } from './status';

export type BlockReason = 'PRINTER_PAPER_OUT' | 'PRINTER_COVER_OPEN' | 'PRINTER_OFFLINE' | 'PRINTER_NOT_RESPONDING' | 'DEVICE_DISCONNECTED';

export type PrinterHealth =
  | { state: 'disconnected' }
  /** Connected, no status answer yet. */
  | { state: 'unknown' }
  | { state: 'ready'; condition: PrinterCondition }
  | { state: 'blocked'; reason: BlockReason; condition?: PrinterCondition };

export type PrintJobState = 'queued' | 'printing' | 'blocked' | 'printed' | 'cancelled';

export interface PrintJobInfo {
  id: string;
  /** Caller's label, e.g. the resident session, for cancel(). */
  tag: string | undefined;
  state: PrintJobState;
  reason?: BlockReason | 'PRINT_CANCELLED';
  /** How many times its bytes were sent (2 after an unplug cut it off). */
  attempts: number;
  bytes: number;
}

export interface PrintJob {
  readonly id: string;
  /** Resolves when printed; rejects with PRINT_CANCELLED. */
  readonly done: Promise<PrintJobInfo>;
}

export type ReceiptPrinterEvents = {
  status: [health: PrinterHealth];
  job: [job: PrintJobInfo];
  connection: [state: SerialDeviceState];
};

export interface ReceiptPrinterOptions {
  serial: Omit<SerialDeviceOptions, 'label'> & { label?: string };
  /** Status poll period while idle. */
  pollIntervalMs?: number;
  /** How long to wait for one status byte. */
  statusTimeoutMs?: number;
}

interface QueuedJob {
  info: PrintJobInfo;
  bytes: Uint8Array;
  resolve: (info: PrintJobInfo) => void;
  reject: (err: HardwareError) => void;
}

function blockReason(c: PrinterCondition): BlockReason | null {
  if (c.paperOut) return 'PRINTER_PAPER_OUT';
  if (c.coverOpen) return 'PRINTER_COVER_OPEN';
  if (c.offline) return 'PRINTER_OFFLINE';
  return null;
}

export class ReceiptPrinter extends SafeEmitter<ReceiptPrinterEvents> {
  readonly device: SerialDevice;
  readonly #pollMs: number;
  readonly #timeoutMs: number;
  #health: PrinterHealth = { state: 'disconnected' };
  #jobs: QueuedJob[] = [];
  #pumpRun: Promise<void> | null = null;
  #pumpAgain = false;
  #pollTimer: NodeJS.Timeout | null = null;
  #statusWaiter: ((b: number) => void) | null = null;
  #closed = false;
  ignoredBytes = 0;

  constructor(opts: ReceiptPrinterOptions) {
    super();
    this.#pollMs = opts.pollIntervalMs ?? 2000;
    this.#timeoutMs = opts.statusTimeoutMs ?? 500;
    this.device = new SerialDevice({ label: 'printer', ...opts.serial });
    this.device.on('data', (chunk) => {
      for (const b of chunk) {
        if (isStatusByte(b) && this.#statusWaiter) this.#statusWaiter(b);
        else this.ignoredBytes++;
      }
    });
    this.device.on('open', () => {
      this.#setHealth({ state: 'unknown' });
      void this.#tick();
    });
    this.device.on('disconnect', () => this.#setHealth({ state: 'disconnected' }));
    this.device.on('statechange', (s) => this.safeEmit('connection', s));
  }

  get health(): PrinterHealth {
    return this.#health;
  }

  get queue(): PrintJobInfo[] {
    return this.#jobs.map((j) => ({ ...j.info }));
  }

  start(): void {
    this.device.start();
  }

  /** Queues a job; throws at once when the printer is known not to be able to print it. */
  submit(bytes: Uint8Array, opts: { tag?: string } = {}): PrintJob {
    if (this.#closed) throw new HardwareError('DEVICE_CLOSED', 'printer');
    const h = this.#health;
    if (h.state === 'disconnected') throw new HardwareError('DEVICE_DISCONNECTED', 'printer');
    if (h.state === 'blocked') throw new HardwareError(h.reason);
    const info: PrintJobInfo = { id: randomUUID(), tag: opts.tag, state: 'queued', attempts: 0, bytes: bytes.length };
    let job!: QueuedJob;
    const done = new Promise<PrintJobInfo>((resolve, reject) => {
      job = { info, bytes, resolve, reject };
    });
    this.#jobs.push(job);
    this.safeEmit('job', { ...info });
    void this.#pump();
    return { id: info.id, done };
  }

  /** Cancels queued or blocked jobs the filter selects (all when omitted). Returns how many. */
  cancel(filter: (job: PrintJobInfo) => boolean = () => true): number {
    const keep: QueuedJob[] = [];
    let n = 0;
    for (const j of this.#jobs) {
      if (j.info.state !== 'printing' && filter({ ...j.info })) {
        n++;
        j.info.state = 'cancelled';
        j.info.reason = 'PRINT_CANCELLED';
        this.safeEmit('job', { ...j.info });
        j.reject(new HardwareError('PRINT_CANCELLED', `job ${j.info.id}`));
      } else keep.push(j);
    }
    this.#jobs = keep;
    return n;
  }

  /** Polls status now (between jobs) and resumes a blocked queue if the printer is ready. */
  async refreshStatus(): Promise<PrinterHealth> {
    await this.#tick();
    return this.#health;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pollTimer) clearTimeout(this.#pollTimer);
    this.cancel();
    await this.device.close();
  }

  #setHealth(h: PrinterHealth): void {
    const prev = this.#health;
    this.#health = h;
    if (JSON.stringify(prev) !== JSON.stringify(h)) this.safeEmit('status', h);
  }

  #setJob(job: QueuedJob, state: PrintJobState, reason?: BlockReason): void {
    if (job.info.state === state && job.info.reason === reason) return;
    job.info.state = state;
    if (reason) job.info.reason = reason;
    else delete job.info.reason;
    this.safeEmit('job', { ...job.info });
  }

  /** One poll, then the queue; re-armed after each run while the printer is open. */
  async #tick(): Promise<void> {
    if (this.#pollTimer) clearTimeout(this.#pollTimer);
    this.#pollTimer = null;
    if (this.#closed || !this.device.isOpen) return;
    if (this.#jobs.length) await this.#pump();
    // A failed poll has already been reported as a status change (not-responding, disconnected).
    else await this.#poll().catch(() => undefined);
    if (!this.#closed && this.device.isOpen) {
      this.#pollTimer = setTimeout(() => void this.#tick(), this.#pollMs);
      this.#pollTimer.unref();
    }
  }

  /**
   * Asks DLE EOT 1, 2 and 4 inside one queue slot and updates health. The
   * three requests go out in one write and the answers come back in order:
   * one round trip instead of three, which is most of the driver's overhead
   * per job at high baud rates (bench/hardware.bench.ts).
   */
  async #poll(): Promise<PrinterHealth> {
    try {
      const condition = await this.device.exclusive(async (io) => {
        const answers = this.#collectStatus(io, STATUS_REQUESTS.length);
        await io.write(Uint8Array.from(STATUS_REQUESTS.flatMap((n) => [DLE, EOT, n])));
        const bytes = await answers;
        return decodeStatus({ 1: bytes[0]!, 2: bytes[1]!, 4: bytes[2]! });
      });
      const reason = blockReason(condition);
      this.#setHealth(reason ? { state: 'blocked', reason, condition } : { state: 'ready', condition });
    } catch (err) {
      if (isHardwareError(err, 'PRINTER_NOT_RESPONDING')) this.#setHealth({ state: 'blocked', reason: 'PRINTER_NOT_RESPONDING' });
      else if (isHardwareError(err, 'DEVICE_DISCONNECTED')) this.#setHealth({ state: 'disconnected' });
      throw err;
    }
    return this.#health;
  }

  /** The next `n` valid status bytes, in request order; rejects on timeout or unplug. */
  #collectStatus(io: SerialIo, n: number): Promise<number[]> {
    const answers = new Promise<number[]>((resolve, reject) => {
      const got: number[] = [];
      const finish = (err?: unknown): void => {
        clearTimeout(timer);
        // Only this poll's collector is removed: a stale one must not take the next poll's answers, nor remove its collector.
        if (this.#statusWaiter === take) this.#statusWaiter = null;
        if (err) reject(err);
        else resolve(got);
      };
      const take = (b: number): void => {
        got.push(b);
        if (got.length === n) finish();
      };
      const timer = setTimeout(() => finish(new HardwareError('PRINTER_NOT_RESPONDING', `no status answer in ${this.#timeoutMs} ms`)), this.#timeoutMs);
      this.#statusWaiter = take;
      io.gone.catch(finish);
    });
    // The caller awaits `answers`; this only keeps a rejection that lands before it does from being reported as unhandled.
    answers.catch(() => undefined);
    return answers;
  }

  // The queue pump. One run at a time: two runs could both see the same head
  // job as ready and print it twice. A request during a run makes the run go
  // round once more (with a fresh status poll) instead of being lost.
  #pump(): Promise<void> {
    if (this.#pumpRun) {
      this.#pumpAgain = true;
      return this.#pumpRun;
    }
    this.#pumpRun = (async () => {
      try {
        do {
          this.#pumpAgain = false;
          await this.#pumpOnce();
        } while (this.#pumpAgain && !this.#closed);
      } finally {
        this.#pumpRun = null;
      }
    })();
    return this.#pumpRun;
  }

  async #pumpOnce(): Promise<void> {
    while (this.#jobs.length && !this.#closed) {
      const job = this.#jobs[0]!;
      if (!this.device.isOpen) {
        this.#setJob(job, 'blocked', 'DEVICE_DISCONNECTED');
        return;
      }
      const health = await this.#poll().catch(() => this.#health);
      if (health.state !== 'ready') {
        const reason: BlockReason = health.state === 'blocked' ? health.reason : 'DEVICE_DISCONNECTED';
        this.#setJob(job, 'blocked', reason);
        return;
      }
      if (this.#jobs[0] !== job) continue; // cancelled while we polled
      this.#setJob(job, 'printing');
      job.info.attempts++;
      try {
        await this.device.write(job.bytes);
      } catch {
        // Cut off mid-job (unplug, write error): it stays at the head and is
        // sent again in full after the reconnect.
        this.#setJob(job, 'blocked', 'DEVICE_DISCONNECTED');
        return;
      }
      this.#jobs.shift();
      this.#setJob(job, 'printed');
      job.resolve({ ...job.info });
    }
  }
}
