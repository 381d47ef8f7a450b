/**
 * Base of the virtual devices: owns a PtyPair and the serial port on its
 * device end, so a virtual device is started and stopped as one thing.
 */
import { SerialPort } from 'serialport';
import { PtyPair } from '../pty/PtyPair';

export interface VirtualDeviceOptions {
  /** Path the kiosk opens (the "cable" end). */
  hostPath: string;
  /** Path the virtual device itself opens. Defaults to `${hostPath}.device`. */
  devicePath?: string;
  baudRate: number;
}

export abstract class VirtualSerialDevice {
  readonly pair: PtyPair;
  protected port: SerialPort | null = null;
  #closed = false;

  constructor(protected readonly opts: VirtualDeviceOptions) {
    this.pair = new PtyPair(opts.hostPath, opts.devicePath ?? `${opts.hostPath}.device`);
  }

  async start(): Promise<void> {
    await this.pair.open();
    this.port = await new Promise<SerialPort>((resolve, reject) => {
      const port: SerialPort = new SerialPort({ path: this.pair.devicePath, baudRate: this.opts.baudRate }, (err) =>
        err ? reject(err) : resolve(port),
      );
    });
    this.port.on('data', (chunk: Buffer) => this.onData(chunk));
    // A pty end reports EIO when socat goes away; that is the device being unplugged.
    this.port.on('error', () => undefined);
  }

  protected abstract onData(chunk: Buffer): void;

  protected write(bytes: Uint8Array | readonly number[]): Promise<void> {
    const port = this.port;
    if (!port) return Promise.reject(new Error('virtual device not started'));
    return new Promise((resolve, reject) => port.write(Buffer.from(bytes as Uint8Array), (err) => (err ? reject(err) : port.drain(() => resolve()))));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const port = this.port;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
    await this.pair.close();
  }
}
