/**
 * Base of the virtual devices: owns a PtyPair and the serial port on its
 * device end, so a virtual device is started and stopped as one thing.
 *
 * A pty moves bytes at memory speed whatever baud rate is set. With
 * `paceWire` the device models the cable instead: it takes in received bytes,
 * and sends its own, no faster than the baud rate allows (10 bits a byte:
 * start, 8 data, stop). The benchmark uses this to measure the driver's
 * overhead against the wire's floor.
 */
import { SerialPort } from 'serialport';
import { PtyPair } from '../pty/PtyPair';

export interface VirtualDeviceOptions {
  /** Path the kiosk opens (the "cable" end). */
  hostPath: string;
  /** Path the virtual device itself opens. Defaults to `${hostPath}.device`. */
  devicePath?: string;
  baudRate: number;
  paceWire?: boolean;
}

export abstract class VirtualSerialDevice {
  pair: PtyPair;
  protected port: SerialPort | null = null;
  #closed = false;
  #started = false;
  #rxFreeAt = 0;
  #txFreeAt = 0;

  constructor(protected readonly opts: VirtualDeviceOptions) {
    this.pair = new PtyPair(opts.hostPath, opts.devicePath ?? `${opts.hostPath}.device`);
  }

  get hostPath(): string {
    return this.opts.hostPath;
  }

  get running(): boolean {
    return this.#started;
  }

  async start(): Promise<void> {
    await this.pair.open();
    this.port = await new Promise<SerialPort>((resolve, reject) => {
      const port: SerialPort = new SerialPort({ path: this.pair.devicePath, baudRate: this.opts.baudRate }, (err) =>
        err ? reject(err) : resolve(port),
      );
    });
    this.port.on('data', (chunk: Buffer) => this.#receive(chunk));
    // A pty end reports EIO when socat goes away; that is the device being unplugged.
    this.port.on('error', () => undefined);
    this.#started = true;
  }

  /** Unplugs the cable: the kiosk side sees its port go away. */
  async unplug(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    await this.pair.close();
  }

  /** Plugs it back in at the same path. */
  async replug(): Promise<void> {
    if (this.#started || this.#closed) return;
    this.pair = new PtyPair(this.opts.hostPath, this.opts.devicePath ?? `${this.opts.hostPath}.device`);
    await this.start();
  }

  #wireMs(bytes: number): number {
    return (bytes * 10 * 1000) / this.opts.baudRate;
  }

  #receive(chunk: Buffer): void {
    if (!this.opts.paceWire) return this.onData(chunk);
    const now = performance.now();
    this.#rxFreeAt = Math.max(now, this.#rxFreeAt) + this.#wireMs(chunk.length);
    setTimeout(() => this.onData(chunk), this.#rxFreeAt - now);
  }

  protected abstract onData(chunk: Buffer): void;

  protected async write(bytes: Uint8Array | readonly number[]): Promise<void> {
    const port = this.port;
    if (!port) throw new Error('virtual device not started');
    if (this.opts.paceWire) {
      const now = performance.now();
      this.#txFreeAt = Math.max(now, this.#txFreeAt) + this.#wireMs(bytes.length);
      await new Promise((r) => setTimeout(r, this.#txFreeAt - now));
    }
    await new Promise<void>((resolve, reject) => port.write(Buffer.from(bytes as Uint8Array), (err) => (err ? reject(err) : port.drain(() => resolve()))));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.unplug();
    await this.pair.close();
  }
}
