/**
 * The far end of a serial cable, for tests: one interface over two kinds of
 * link, so the same device contract suite runs against serialport's mock
 * binding (in memory, fast) and a real socat pseudo-terminal pair (real
 * kernel tty I/O, real EIO on unplug).
 *
 * Test support only: imported by *.test.ts files and the benchmark, never by
 * product code.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort, SerialPortMock } from 'serialport';
import { PtyPair } from '../pty/PtyPair';
import type { SerialBinding } from '../serial/SerialDevice';

export interface DeviceLink {
  readonly kind: 'mock' | 'pty';
  /** What the kiosk side opens. */
  readonly path: string;
  /** Binding the kiosk side must use (the mock's), or undefined for the real one. */
  readonly binding: SerialBinding | undefined;
  /** Sends bytes from the device to the kiosk. */
  send(bytes: Uint8Array | string): Promise<void>;
  /** Bytes the device has received from the kiosk since the link was made. */
  received(): Buffer;
  /** Resolves once the device has received at least `n` bytes in total. */
  waitReceived(n: number): Promise<Buffer>;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  close(): Promise<void>;
}

let mockSeq = 0;

// @serialport/binding-mock's types cannot be resolved under its package
// "exports" (TS7016), so the parts used here are typed locally.
interface MockPortBinding {
  readonly openOptions: unknown;
  readonly isOpen: boolean;
  emitData(data: Buffer): void;
  close(): Promise<void>;
  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }>;
  write(buffer: Buffer): Promise<void>;
  update(options: unknown): Promise<void>;
  set(options: unknown): Promise<void>;
  get(): Promise<unknown>;
  getBaudRate(): Promise<{ baudRate: number }>;
  flush(): Promise<void>;
  drain(): Promise<void>;
}
interface PortInfo {
  path: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
}
const MockBinding = SerialPortMock.binding as unknown as {
  createPort(path: string, opts: { echo?: boolean; record?: boolean; vendorId?: string; productId?: string }): void;
  list(): Promise<PortInfo[]>;
  open(options: unknown): Promise<MockPortBinding>;
};

/**
 * serialport's mock binding has no unplug. This wraps it: an unplugged path
 * disappears from list() and fails to open, and the open port's pending read
 * fails with a non-cancel error, which is exactly what serialport treats as a
 * disconnect on real hardware.
 */
class UnpluggableMock {
  readonly unplugged = new Set<string>();
  /** createPort has no serialNumber option; list() reports these instead. */
  readonly serials = new Map<string, string>();
  readonly open = new Map<string, { inner: MockPortBinding; unplug: () => void }>();
  /** Called with every chunk the kiosk side writes to a path. */
  readonly onWrite = new Map<string, (bytes: Buffer) => void>();

  readonly binding: SerialBinding = {
    list: async () =>
      (await MockBinding.list()).filter((p) => !this.unplugged.has(p.path)).map((p) => ({ ...p, serialNumber: this.serials.get(p.path) ?? p.serialNumber })),
    open: (async (options: { path: string }) => {
      if (this.unplugged.has(options.path)) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${options.path}'`), { code: 'ENOENT' });
      const inner = await MockBinding.open(options);
      let fail!: (err: Error) => void;
      const unplugged = new Promise<never>((_r, reject) => (fail = reject));
      unplugged.catch(() => undefined);
      this.open.set(options.path, { inner, unplug: () => fail(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' })) });
      const open = this.open;
      const onWrite = this.onWrite;
      // Delegates everything to the mock port; read() also fails on unplug.
      return {
        get openOptions() {
          return inner.openOptions;
        },
        get isOpen() {
          return inner.isOpen;
        },
        async close() {
          open.delete(options.path);
          if (inner.isOpen) await inner.close();
        },
        read: (b: Buffer, o: number, l: number) => Promise.race([inner.read(b, o, l), unplugged]),
        write: async (b: Buffer) => {
          await Promise.race([inner.write(b), unplugged]);
          onWrite.get(options.path)?.(Buffer.from(b));
        },
        update: (o: Parameters<MockPortBinding['update']>[0]) => inner.update(o),
        set: (o: Parameters<MockPortBinding['set']>[0]) => inner.set(o),
        get: () => inner.get(),
        getBaudRate: () => inner.getBaudRate(),
        flush: () => inner.flush(),
        drain: () => Promise.race([inner.drain(), unplugged]),
      };
    }) as unknown as SerialBinding['open'],
  };
}

const mock = new UnpluggableMock();

export interface MockLinkOptions {
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
}

export function createMockLink(opts: MockLinkOptions = {}): DeviceLink {
  const path = `/dev/mock-${process.pid}-${++mockSeq}`;
  MockBinding.createPort(path, { echo: false, ...(opts.vendorId ? { vendorId: opts.vendorId, productId: opts.productId } : {}) });
  if (opts.serialNumber) mock.serials.set(path, opts.serialNumber);
  let received = Buffer.alloc(0);
  const waiters: { n: number; resolve: (b: Buffer) => void }[] = [];
  mock.onWrite.set(path, (bytes) => {
    received = Buffer.concat([received, bytes]);
    for (const w of [...waiters]) if (received.length >= w.n) waiters.splice(waiters.indexOf(w), 1), w.resolve(received);
  });
  const link: DeviceLink = {
    kind: 'mock',
    path,
    binding: mock.binding,
    async send(bytes) {
      const port = mock.open.get(path);
      if (!port) throw new Error(`mock link ${path}: kiosk side is not open`);
      port.inner.emitData(Buffer.from(bytes));
    },
    received: () => received,
    waitReceived: (n) => (received.length >= n ? Promise.resolve(received) : new Promise((resolve) => waiters.push({ n, resolve }))),
    async unplug() {
      mock.unplugged.add(path);
      mock.open.get(path)?.unplug();
    },
    async replug() {
      mock.unplugged.delete(path);
    },
    async close() {
      mock.onWrite.delete(path);
      mock.unplugged.add(path);
      mock.open.get(path)?.unplug();
    },
  };
  return link;
}

/** A real socat pty pair with a plain serial port on the device end. */
export async function createPtyLink(baudRate = 115200): Promise<DeviceLink> {
  const dir = mkdtempSync(join(tmpdir(), 'ptylink-'));
  const hostPath = join(dir, 'host');
  const devicePath = join(dir, 'device');
  let pair: PtyPair;
  let port: SerialPort;
  let received = Buffer.alloc(0);
  const waiters: { n: number; resolve: (b: Buffer) => void }[] = [];
  const plug = async (): Promise<void> => {
    pair = new PtyPair(hostPath, devicePath);
    await pair.open();
    port = await new Promise<SerialPort>((resolve, reject) => {
      const p: SerialPort = new SerialPort({ path: devicePath, baudRate }, (err) => (err ? reject(err) : resolve(p)));
    });
    port.on('error', () => undefined);
    port.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      for (const w of [...waiters]) if (received.length >= w.n) waiters.splice(waiters.indexOf(w), 1), w.resolve(received);
    });
  };
  const unplug = async (): Promise<void> => {
    if (port.isOpen) await new Promise<void>((r) => port.close(() => r()));
    await pair.close();
  };
  await plug();
  return {
    kind: 'pty',
    path: hostPath,
    binding: undefined,
    send: (bytes) => new Promise((resolve, reject) => port.write(Buffer.from(bytes), (err) => (err ? reject(err) : port.drain(() => resolve())))),
    received: () => received,
    waitReceived: (n) => (received.length >= n ? Promise.resolve(received) : new Promise((resolve) => waiters.push({ n, resolve }))),
    unplug,
    replug: plug,
    close: unplug,
  };
}
