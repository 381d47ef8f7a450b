/**
 * The device base every serial driver sits on: one physical device on one
 * serial port, found by path or by USB ids, kept connected across unplugs.
 *
 * Contract (what callers can rely on):
 *  - `start()` begins connecting and never throws for a missing device: it
 *    retries with backoff (initial → doubling → max) until the device appears,
 *    emitting `retry` for each failed attempt and `open` when it succeeds.
 *  - Unplug is detected from serialport's disconnect (a read or write that
 *    fails with anything but a cancel: EIO on a pty whose far end went away,
 *    ENXIO on a USB adapter that was pulled), and, because that depends on a
 *    read being in flight at the right moment, also by checking every
 *    `presenceCheckMs` that the device node still exists (a USB adapter's
 *    /dev/ttyUSB* or /dev/serial/by-id link goes away on unplug). The device
 *    then emits `disconnect` once and goes back to retrying; the app is not
 *    restarted.
 *  - Reads are pushed as `data` events from the current connection only.
 *    Bytes of a connection that went away are never mixed with the next one:
 *    consumers reset their framing state on `disconnect`.
 *  - All writes go through one queue (`exclusive`): a task has the port to
 *    itself until its promise settles.
 *  - An in-flight write when the port goes away rejects with
 *    DEVICE_DISCONNECTED; some of its bytes may have reached the device. A
 *    task waiting for a reply sees the same error from `io.gone`. Tasks that
 *    reach the head of the queue while the device is away reject at once with
 *    DEVICE_DISCONNECTED (nothing is buffered at this level; the print queue
 *    above keeps jobs). After `close()` every queued and new task rejects
 *    with DEVICE_CLOSED.
 *  - `close()` is idempotent and resolves once the port is closed.
 */
import { access } from 'node:fs/promises';
import { SerialPort } from 'serialport';
import { HardwareError, type HardwareErrorCode } from '../errors';
import { SafeEmitter } from '../SafeEmitter';

export interface UsbMatch {
  /** Hex, as SerialPort.list() reports it (e.g. "0403"); compared case-insensitively. */
  vendorId: string;
  productId: string;
  /** Tells two identical adapters apart; optional when the kiosk has one of a kind. */
  serialNumber?: string;
}

export type PortSelector = { path: string } | { usb: UsbMatch };

export interface SerialFraming {
  baudRate: number;
  dataBits: 7 | 8;
  parity: 'none' | 'even' | 'odd';
  stopBits: 1 | 2;
}

/** The part of a serialport binding we use (real: serialport's autodetected one; tests: the mock). */
export interface SerialBinding {
  list(): Promise<{ path: string; vendorId?: string | undefined; productId?: string | undefined; serialNumber?: string | undefined }[]>;
  open(options: never): Promise<unknown>;
}

export interface SerialDeviceOptions extends SerialFraming {
  /** Short name for logs and errors: "printer", "card-reader". */
  label: string;
  port: PortSelector;
  binding?: SerialBinding;
  backoff?: { initialMs: number; maxMs: number };
  /** How often an open port's device node is checked for presence (default 1000 ms; 0 = never; never with a custom binding). */
  presenceCheckMs?: number;
}

export type SerialDeviceState =
  | { state: 'idle' }
  | { state: 'connecting'; attempt: number }
  | { state: 'open'; path: string }
  | { state: 'waiting'; attempt: number; retryInMs: number; lastError: HardwareErrorCode }
  | { state: 'closed' };

export type SerialDeviceEvents = {
  open: [path: string, reconnected: boolean];
  data: [chunk: Buffer];
  disconnect: [reason: HardwareError];
  retry: [attempt: number, delayMs: number, reason: HardwareError];
  statechange: [state: SerialDeviceState];
  close: [];
};

/** What a queued task may do with the port while it holds it. */
export interface SerialIo {
  /** Writes and waits until the OS has sent the bytes (tcdrain). */
  write(bytes: Uint8Array): Promise<void>;
  /** Rejects with DEVICE_DISCONNECTED when this connection goes away; race reply waits against it. */
  readonly gone: Promise<never>;
}

interface Connection {
  port: SerialPort;
  path: string;
  lost: boolean;
  gone: Promise<never>;
  markGone: (err: HardwareError) => void;
  presence: NodeJS.Timeout | undefined;
}

const DEFAULT_BACKOFF = { initialMs: 250, maxMs: 5000 };

export function describePort(sel: PortSelector): string {
  if ('path' in sel) return sel.path;
  const { vendorId, productId, serialNumber } = sel.usb;
  return `usb:${vendorId}:${productId}${serialNumber ? `:${serialNumber}` : ''}`;
}

export class SerialDevice extends SafeEmitter<SerialDeviceEvents> {
  readonly label: string;
  readonly #opts: SerialDeviceOptions;
  readonly #binding: SerialBinding;
  readonly #backoff: { initialMs: number; maxMs: number };
  readonly #presenceMs: number;
  #state: SerialDeviceState = { state: 'idle' };
  #conn: Connection | null = null;
  #everOpened = false;
  #attempt = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #closing: Promise<void> | null = null;
  // The write queue. Without it, a status poll (DLE EOT) could be written in
  // the middle of a receipt's multi-byte command (e.g. inside GS ( k's data),
  // and two callers' bytes could interleave on the wire.
  #tail: Promise<unknown> = Promise.resolve();

  constructor(opts: SerialDeviceOptions) {
    super();
    if (!opts.label) throw new TypeError('SerialDevice: label is required');
    if ('path' in opts.port ? !opts.port.path : !opts.port.usb.vendorId || !opts.port.usb.productId) {
      throw new TypeError(`SerialDevice ${opts.label}: a path or USB vendorId and productId are required`);
    }
    if (!Number.isInteger(opts.baudRate) || opts.baudRate <= 0) throw new TypeError(`SerialDevice ${opts.label}: bad baud rate ${opts.baudRate}`);
    this.label = opts.label;
    this.#opts = opts;
    this.#binding = opts.binding ?? (SerialPort.binding as unknown as SerialBinding);
    this.#backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.#presenceMs = opts.binding ? 0 : (opts.presenceCheckMs ?? 1000);
  }

  get state(): SerialDeviceState {
    return this.#state;
  }

  get isOpen(): boolean {
    return this.#state.state === 'open';
  }

  get selector(): string {
    return describePort(this.#opts.port);
  }

  /** Starts connecting (and reconnecting after unplugs) until `close()`. */
  start(): void {
    if (this.#state.state !== 'idle') return;
    void this.#connect();
  }

  /** Runs `task` with exclusive use of the port; see the contract above. */
  exclusive<T>(task: (io: SerialIo) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.#state.state === 'closed') throw new HardwareError('DEVICE_CLOSED', this.label);
      const conn = this.#conn;
      if (!conn || conn.lost) throw new HardwareError('DEVICE_DISCONNECTED', this.label);
      return task({ write: (bytes) => this.#writeOn(conn, bytes), gone: conn.gone });
    };
    const result = this.#tail.then(run, run);
    // The queue's tail only orders tasks; each task's own caller gets its rejection through `result`.
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /** One queued write. */
  write(bytes: Uint8Array): Promise<void> {
    return this.exclusive((io) => io.write(bytes));
  }

  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = (async () => {
      if (this.#retryTimer) clearTimeout(this.#retryTimer);
      this.#retryTimer = null;
      const conn = this.#conn;
      this.#conn = null;
      this.#setState({ state: 'closed' });
      if (conn) {
        clearInterval(conn.presence);
        conn.markGone(new HardwareError('DEVICE_CLOSED', this.label));
        if (conn.port.isOpen) await new Promise<void>((resolve) => conn.port.close(() => resolve()));
      }
      this.safeEmit('close');
    })();
    return this.#closing;
  }

  // A method, not an inline comparison: TypeScript's narrowing does not know
  // that close() may have run across an await.
  #closed(): boolean {
    return this.#state.state === 'closed';
  }

  #setState(s: SerialDeviceState): void {
    this.#state = s;
    this.safeEmit('statechange', s);
  }

  async #resolvePath(): Promise<string> {
    const sel = this.#opts.port;
    if ('path' in sel) return sel.path;
    const want = sel.usb;
    const eq = (a: string | undefined, b: string): boolean => (a ?? '').toLowerCase() === b.toLowerCase();
    const ports = await this.#binding.list();
    const hit = ports.find(
      (p) => eq(p.vendorId, want.vendorId) && eq(p.productId, want.productId) && (want.serialNumber === undefined || p.serialNumber === want.serialNumber),
    );
    if (!hit) throw new HardwareError('PORT_NOT_FOUND', `${this.label} (${describePort(sel)})`);
    return hit.path;
  }

  async #connect(): Promise<void> {
    if (this.#state.state === 'closed') return;
    this.#attempt++;
    this.#setState({ state: 'connecting', attempt: this.#attempt });
    let path: string;
    let port: SerialPort;
    try {
      path = await this.#resolvePath();
      port = await this.#openPort(path);
    } catch (err) {
      this.#scheduleRetry(err instanceof HardwareError ? err : new HardwareError('PORT_OPEN_FAILED', `${this.label}: ${String(err)}`));
      return;
    }
    if (this.#closed()) {
      // close() ran while we were opening: do not leak the port.
      await new Promise<void>((resolve) => port.close(() => resolve()));
      return;
    }
    let markGone!: (err: HardwareError) => void;
    const gone = new Promise<never>((_resolve, reject) => {
      markGone = (err) => {
        conn.lost = true;
        reject(err);
      };
    });
    gone.catch(() => undefined); // observed by whoever races it; never an unhandled rejection
    // The presence check looks at the filesystem, so only with the real binding.
    const presence = this.#presenceMs > 0 ? setInterval(() => {
      access(path).catch(() => {
        // The node is gone: close the port, whose 'close' below reports the unplug.
        if (this.#conn === conn && port.isOpen) port.close(() => undefined);
      });
    }, this.#presenceMs) : undefined;
    presence?.unref();
    const conn: Connection = { port, path, lost: false, gone, markGone, presence };
    this.#conn = conn;
    port.on('data', (chunk: Buffer) => {
      if (this.#conn === conn) this.safeEmit('data', chunk);
    });
    // serialport closes the stream itself on a disconnect and passes a
    // DisconnectedError to 'close'; an 'error' alone (e.g. a failed set()) is
    // not an unplug, but a port that errors and closes is treated as one.
    port.on('error', () => undefined);
    port.on('close', () => this.#lost(conn));
    const reconnected = this.#everOpened;
    this.#everOpened = true;
    this.#attempt = 0;
    this.#setState({ state: 'open', path });
    this.safeEmit('open', path, reconnected);
  }

  #openPort(path: string): Promise<SerialPort> {
    const { baudRate, dataBits, parity, stopBits } = this.#opts;
    return new Promise((resolve, reject) => {
      const port: SerialPort = new SerialPort(
        { path, baudRate, dataBits, parity, stopBits, binding: this.#binding } as unknown as ConstructorParameters<typeof SerialPort>[0],
        (err) => {
          if (!err) return resolve(port);
          const code = /no such file|ENOENT|does not exist/i.test(err.message) ? 'PORT_NOT_FOUND' : 'PORT_OPEN_FAILED';
          reject(new HardwareError(code, `${this.label} (${path}): ${err.message}`));
        },
      );
    });
  }

  #lost(conn: Connection): void {
    clearInterval(conn.presence);
    if (this.#conn !== conn) return;
    this.#conn = null;
    if (this.#state.state === 'closed') return;
    const reason = new HardwareError('DEVICE_DISCONNECTED', `${this.label} (${conn.path})`);
    conn.markGone(reason);
    this.safeEmit('disconnect', reason);
    this.#scheduleRetry(reason);
  }

  #scheduleRetry(reason: HardwareError): void {
    if (this.#state.state === 'closed') return;
    const delay = Math.min(this.#backoff.maxMs, this.#backoff.initialMs * 2 ** Math.max(0, this.#attempt - 1));
    this.#setState({ state: 'waiting', attempt: this.#attempt, retryInMs: delay, lastError: reason.code });
    this.safeEmit('retry', this.#attempt, delay, reason);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      void this.#connect();
    }, delay);
  }

  #writeOn(conn: Connection, bytes: Uint8Array): Promise<void> {
    if (conn.lost) return Promise.reject(new HardwareError('DEVICE_DISCONNECTED', this.label));
    const done = new Promise<void>((resolve, reject) => {
      conn.port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (err) => {
        if (err) return reject(conn.lost ? new HardwareError('DEVICE_DISCONNECTED', this.label) : new HardwareError('WRITE_FAILED', `${this.label}: ${err.message}`, { cause: err }));
        // drain() waits for a reopen when the port is closed, so it is raced against `gone` below.
        conn.port.drain((e) => (e ? reject(new HardwareError('WRITE_FAILED', `${this.label}: ${e.message}`, { cause: e })) : resolve()));
      });
    });
    done.catch(() => undefined); // when `gone` wins the race, done's later rejection is expected
    return Promise.race([done, conn.gone]);
  }
}
