/**
 * The kiosk shell's hardware service: the card reader and receipt printer of
 * this kiosk, configured from `kiosk` config, as the bridge needs them. One
 * instance per shell (Electron main or the browser-shell host).
 *
 * Personal data: a card read is kept here, clear number inside CardNumber,
 * under a random `cardId`; the bridge event carries only the masked form and
 * the id. `revealCard(cardId)` is the one way to the clear number, for the one
 * flow that needs it. `endSession()` drops every card and cancels the
 * session's waiting print jobs, so nothing of one resident reaches the next.
 * Log lines carry masked numbers only.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { BoothConfig } from '@citizen/config';
import { resolveFromRoot } from '@citizen/config';
import {
  CardReader,
  HardwareError,
  ReceiptPrinter,
  buildDocument,
  chooseDocumentText,
  buildReceipt,
  describePort,
  type CardRead,
  type PrinterModel,
  type PortSelector,
  type PrinterHealth,
  type SerialBinding,
  type SerialDeviceState,
  type SerialDevice,
} from '@citizen/hardware';
import type { BridgeEventMap, CardReaderStatus, DocumentRequest, EndSessionResult, HardwareStatus, PrinterState, PrinterStatus, PrintDocumentResult, PrintReceiptResult, ReceiptRequest } from '../contract';

export type KioskConfig = BoothConfig['kiosk'];

/** Where log lines go; pino's logger fits. Lines never contain clear card numbers. */
export interface HardwareLog {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface KioskHardwareOptions {
  /** serialport binding for tests (the mock); the real one otherwise. */
  binding?: SerialBinding;
  log?: HardwareLog;
  /** Reconnect backoff; tests shorten it. */
  backoff?: { initialMs: number; maxMs: number };
  /** Printer status wait, ms. */
  statusTimeoutMs?: number;
  /** Most cards kept in one session (older ones are dropped first). */
  maxCards?: number;
}

/** A print call that failed fast or got stuck behind the printer: the kiosk shows the reference on screen. */
export class PrintFailure extends Error {
  constructor(
    readonly error: HardwareError,
    readonly details: { statusUrl: string; queued: boolean; jobId?: string },
  ) {
    super(error.message);
    this.name = 'PrintFailure';
  }
}

function selector(dev: KioskConfig['printer'] | KioskConfig['cardReader']): PortSelector {
  return dev.usb ? { usb: dev.usb } : { path: resolveFromRoot(dev.path) };
}

const describeDevice = (d: KioskConfig['printer'] | KioskConfig['cardReader']): string => (d.usb ? describePort({ usb: d.usb }) : d.path);

/** Resolves null once the device is open, or why it is not after `timeoutMs`. */
function opened(device: SerialDevice, timeoutMs: number): Promise<string | null> {
  if (device.state.state === 'open') return Promise.resolve(null);
  return new Promise((resolve) => {
    const done = (why: string | null): void => {
      clearTimeout(timer);
      device.off('statechange', on);
      resolve(why);
    };
    const on = (s: SerialDeviceState): void => {
      if (s.state === 'open') done(null);
      else if (s.state === 'closed') done('closed');
    };
    const timer = setTimeout(() => {
      const s = device.state;
      done(s.state === 'waiting' ? s.lastError : `still ${s.state} after ${timeoutMs} ms`);
    }, timeoutMs);
    device.on('statechange', on);
  });
}

const PRINTER_STATE: Record<string, PrinterState> = {
  PRINTER_PAPER_OUT: 'paper-out',
  PRINTER_COVER_OPEN: 'cover-open',
  PRINTER_OFFLINE: 'offline',
  PRINTER_NOT_RESPONDING: 'not-responding',
  DEVICE_DISCONNECTED: 'disconnected',
};

export class KioskHardware extends EventEmitter<BridgeEventMap> {
  printer: ReceiptPrinter;
  cardReader: CardReader;
  #config: KioskConfig;
  readonly #opts: KioskHardwareOptions;
  readonly #log: HardwareLog;
  readonly #maxCards: number;
  #cards = new Map<string, CardRead>();
  #session = randomUUID();
  #closed = false;
  #started = false;

  constructor(config: KioskConfig, opts: KioskHardwareOptions = {}) {
    super();
    this.#config = config;
    this.#opts = opts;
    this.#log = opts.log ?? { info: () => undefined, warn: () => undefined };
    this.#maxCards = opts.maxCards ?? 4;
    const devices = this.#devices(config);
    this.printer = devices.printer;
    this.cardReader = devices.cardReader;
  }

  /** Makes the two devices for `config` and wires their events to this service's (made, not started). */
  #devices(config: KioskConfig): { printer: ReceiptPrinter; cardReader: CardReader } {
    const opts = this.#opts;
    const framing = (d: KioskConfig['printer'] | KioskConfig['cardReader']) => ({
      port: selector(d),
      baudRate: d.baudRate,
      dataBits: d.dataBits,
      parity: d.parity,
      stopBits: d.stopBits,
      ...(opts.binding ? { binding: opts.binding } : {}),
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
    });
    const printer = new ReceiptPrinter({
      serial: framing(config.printer),
      pollIntervalMs: config.printer.pollIntervalMs,
      ...(opts.statusTimeoutMs ? { statusTimeoutMs: opts.statusTimeoutMs } : {}),
    });
    const cardReader = new CardReader({
      protocol: config.cardReader.protocol,
      serial: framing(config.cardReader),
      line: { checkDigit: config.cardReader.checkDigit },
    });
    // Events of devices that were replaced (reconfigure) are not passed on.
    const live = (): boolean => this.printer === printer && this.cardReader === cardReader;

    cardReader.on('card', (read) => live() && this.#onCard(read));
    cardReader.on('reject', (code, detail) => {
      if (!live()) return;
      this.#log.info(`card rejected [kiosk:${config.id}, code:${code}] ${detail}`);
      this.emit('cardRejected', { code });
    });
    // Retries while a device is away change the serial state every few seconds; the renderer hears only real changes.
    let lastReader = '';
    cardReader.on('connection', (s) => {
      if (!live()) return;
      const status = this.#cardReaderStatus();
      const key = JSON.stringify(status);
      if (key !== lastReader) {
        lastReader = key;
        this.emit('cardReaderStatus', status);
      }
      if (s.state === 'open') this.#log.info(`card reader connected [kiosk:${config.id}, port:${s.path}]`);
    });
    cardReader.device.on('disconnect', (err) => live() && this.#log.warn(`card reader disconnected [kiosk:${config.id}, code:${err.code}]`));
    printer.on('status', (h) => {
      if (!live()) return;
      this.emit('printerStatus', this.#printerStatus());
      if (h.state === 'blocked' || h.state === 'disconnected') this.#log.warn(`printer ${h.state} [kiosk:${config.id}${h.state === 'blocked' ? `, code:${h.reason}` : ''}]`);
    });
    printer.on('job', (j) => {
      if (!live()) return;
      this.emit('printJob', { jobId: j.id, state: j.state, ...(j.reason ? { reason: j.reason } : {}) });
      if (j.state === 'printed' || j.state === 'blocked' || j.state === 'cancelled')
        this.#log.info(`print job ${j.state} [kiosk:${config.id}, job:${j.id}${j.reason ? `, code:${j.reason}` : ''}]`);
    });
    return { printer, cardReader };
  }

  start(): void {
    this.#started = true;
    this.printer.start();
    this.cardReader.start();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cards.clear();
    await Promise.all([this.printer.close(), this.cardReader.close()]);
  }

  /** The printer and card reader settings in use. */
  get deviceSettings(): Pick<KioskConfig, 'printer' | 'cardReader'> {
    return { printer: this.#config.printer, cardReader: this.#config.cardReader };
  }

  /**
   * Re-opens the devices with new settings (a configuration profile's
   * ports, baud rates, printer type, reader protocol). Call it between
   * residents: print jobs in the queue are cancelled with the old printer.
   * Each device whose settings changed must open within `openTimeoutMs`;
   * otherwise the new ones are closed, the previous settings are opened
   * again, and this rejects with the reason (`printer port /dev/x did not
   * open: PORT_OPEN_FAILED`). Devices whose settings did not change are kept.
   */
  async reconfigure(next: Pick<KioskConfig, 'printer' | 'cardReader'>, openTimeoutMs = 5_000): Promise<void> {
    if (this.#closed) throw new HardwareError('DEVICE_CLOSED');
    const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
    const changed = { printer: !same(next.printer, this.#config.printer), cardReader: !same(next.cardReader, this.#config.cardReader) };
    if (!changed.printer && !changed.cardReader) return;
    const before = { config: this.#config, printer: this.printer, cardReader: this.cardReader };
    const config: KioskConfig = { ...this.#config, ...next };
    const made = this.#devices(config);
    const printer = changed.printer ? made.printer : before.printer;
    const cardReader = changed.cardReader ? made.cardReader : before.cardReader;
    if (!changed.printer) void made.printer.close();
    if (!changed.cardReader) void made.cardReader.close();
    // The old device lets go of its port first: the new settings may name the same port.
    await Promise.all([changed.printer ? before.printer.close() : null, changed.cardReader ? before.cardReader.close() : null]);
    this.#config = config;
    this.printer = printer;
    this.cardReader = cardReader;
    const opening: Promise<string | null>[] = [];
    if (changed.printer) {
      printer.start();
      opening.push(opened(printer.device, openTimeoutMs).then((why) => why && `printer port ${describeDevice(config.printer)} did not open: ${why}`));
    }
    if (changed.cardReader) {
      cardReader.start();
      opening.push(opened(cardReader.device, openTimeoutMs).then((why) => why && `card reader port ${describeDevice(config.cardReader)} did not open: ${why}`));
    }
    const failures = (await Promise.all(opening)).filter((f): f is string => f !== null);
    if (failures.length === 0) {
      this.#log.info(`devices reconfigured [kiosk:${config.id}, printer:${describeDevice(config.printer)}, cardReader:${describeDevice(config.cardReader)}]`);
      this.emit('printerStatus', this.#printerStatus());
      this.emit('cardReaderStatus', this.#cardReaderStatus());
      return;
    }
    // Back to what worked: new devices closed, the previous settings opened again.
    await Promise.all([changed.printer ? printer.close() : null, changed.cardReader ? cardReader.close() : null]);
    const again = this.#devices(before.config);
    this.#config = before.config;
    this.printer = changed.printer ? again.printer : before.printer;
    this.cardReader = changed.cardReader ? again.cardReader : before.cardReader;
    if (!changed.printer) void again.printer.close();
    if (!changed.cardReader) void again.cardReader.close();
    if (this.#started) {
      if (changed.printer) this.printer.start();
      if (changed.cardReader) this.cardReader.start();
    }
    this.emit('printerStatus', this.#printerStatus());
    this.emit('cardReaderStatus', this.#cardReaderStatus());
    throw new Error(failures.join('; '));
  }

  status(): HardwareStatus {
    return { printer: this.#printerStatus(), cardReader: this.#cardReaderStatus() };
  }

  /**
   * Prints the receipt. Resolves once printed. Rejects with PrintFailure at
   * once when the printer is known not to print, or as soon as the job blocks
   * behind the printer (it then stays queued, `details.queued`).
   */
  async printReceipt(req: ReceiptRequest): Promise<PrintReceiptResult> {
    const { promise, ...rest } = req;
    const built = buildReceipt(
      { ...rest, issuedAt: new Date(), ...(promise ? { promise: { by: new Date(`${promise.by}T12:00:00Z`), achievedMedianDays: promise.achievedMedianDays } } : {}) },
      this.#config.receipt,
      this.#model(),
    );
    const jobId = await this.#print(built.bytes, built.statusUrl);
    return { jobId, statusUrl: built.statusUrl, printedLanguage: built.printedLanguage, fallback: built.fallback };
  }

  /** Prints a document an agent sent during a call; fails as printReceipt does. */
  async printDocument(req: DocumentRequest): Promise<PrintDocumentResult> {
    const text = chooseDocumentText(req, req.fallback, this.#config.printer.codePage);
    const built = buildDocument({ title: text.title, lines: text.lines, reference: req.reference, issuedAt: new Date() }, this.#config.receipt, this.#model());
    return { jobId: await this.#print(built.bytes, built.statusUrl ?? ''), ...(text.fallback ? { fallback: true } : {}) };
  }

  #model(): PrinterModel {
    return { commandSet: this.#config.printer.commandSet, codePage: this.#config.printer.codePage, lineWidth: this.#config.printer.lineWidth };
  }

  /**
   * Submits a job for this resident's session. Resolves with the job id once
   * printed. Rejects with PrintFailure at once when the printer is known not to
   * print, or as soon as the job blocks behind the printer (it then stays
   * queued, `details.queued`); `statusUrl` goes with the failure for the
   * screen to show as a QR code instead.
   */
  async #print(bytes: Buffer, statusUrl: string): Promise<string> {
    let job;
    try {
      job = this.printer.submit(bytes, { tag: this.#session });
    } catch (err) {
      if (err instanceof HardwareError) throw new PrintFailure(err, { statusUrl, queued: false });
      throw err;
    }
    const blocked = new Promise<never>((_resolve, reject) => {
      const on = (j: { id: string; state: string; reason?: string }): void => {
        if (j.id !== job.id) return;
        if (j.state === 'blocked') {
          this.printer.off('job', on);
          reject(new PrintFailure(new HardwareError((j.reason ?? 'DEVICE_DISCONNECTED') as 'DEVICE_DISCONNECTED'), { statusUrl, queued: true, jobId: job.id }));
        } else if (j.state === 'printed' || j.state === 'cancelled') this.printer.off('job', on);
      };
      this.printer.on('job', on);
    });
    // Raced below; when `printed` wins, a later rejection of `blocked` has no reader and must not be unhandled.
    blocked.catch(() => undefined);
    const printed = job.done.then(
      () => job.id,
      (err: unknown) => {
        throw err instanceof HardwareError ? new PrintFailure(err, { statusUrl, queued: false, jobId: job.id }) : err;
      },
    );
    return Promise.race([printed, blocked]);
  }

  /** Drops the resident's cards and cancels the session's waiting print jobs. */
  endSession(): EndSessionResult {
    const droppedCards = this.#cards.size;
    this.#cards.clear();
    const session = this.#session;
    const cancelledJobs = this.printer.cancel((j) => j.tag === session);
    this.#session = randomUUID();
    this.#log.info(`session ended [kiosk:${this.#config.id}, cards:${droppedCards}, jobs:${cancelledJobs}]`);
    return { droppedCards, cancelledJobs };
  }

  /**
   * The clear card number behind a `cardId`, for the one flow that needs it;
   * undefined once the session ended. Never log the result.
   */
  revealCard(cardId: string): { kind: CardRead['kind']; number: string } | undefined {
    const read = this.#cards.get(cardId);
    return read ? { kind: read.kind, number: read.id.reveal() } : undefined;
  }

  get cardsHeld(): number {
    return this.#cards.size;
  }

  #onCard(read: CardRead): void {
    const cardId = randomUUID();
    this.#cards.set(cardId, read);
    while (this.#cards.size > this.#maxCards) this.#cards.delete(this.#cards.keys().next().value!);
    // `read.id` prints masked; the clear number is never formatted into a log line.
    this.#log.info(`card read [kiosk:${this.#config.id}, kind:${read.kind}, card:${read.id}]`);
    this.emit('card', { kind: read.kind, masked: read.masked, cardId });
  }

  #printerStatus(): PrinterStatus {
    const h: PrinterHealth = this.printer.health;
    const configuredPath = this.#config.printer.usb ? describePort({ usb: this.#config.printer.usb }) : this.#config.printer.path;
    const state: PrinterState = h.state === 'blocked' ? (PRINTER_STATE[h.reason] ?? 'offline') : h.state;
    const paperNearEnd = 'condition' in h && h.condition ? h.condition.paperNearEnd : false;
    const reachable = h.state !== 'disconnected';
    const detail = state === 'ready' ? (paperNearEnd ? 'paper near end' : 'ok') : state === 'disconnected' ? this.#deviceDetail(this.printer.device.state) : state.replace('-', ' ');
    return { configuredPath, reachable, detail, state, paperNearEnd };
  }

  #cardReaderStatus(): CardReaderStatus {
    const s = this.cardReader.state;
    const configuredPath = this.#config.cardReader.usb ? describePort({ usb: this.#config.cardReader.usb }) : this.#config.cardReader.path;
    return { configuredPath, reachable: s.state === 'open', detail: s.state === 'open' ? 'ok' : this.#deviceDetail(s), protocol: this.cardReader.protocol };
  }

  #deviceDetail(s: SerialDeviceState): string {
    if (s.state === 'waiting' && s.lastError === 'PORT_OPEN_FAILED') return 'cannot open port';
    if (s.state === 'closed') return 'closed';
    return 'not connected';
  }
}
