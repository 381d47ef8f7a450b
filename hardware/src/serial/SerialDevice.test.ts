/**
 * The SerialDevice contract, run twice: against serialport's mock binding and
 * against a real socat pty pair. Waits are on events, never on time.
 */
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { isHardwareError } from '../errors';
import { createMockLink, createPtyLink, type DeviceLink } from '../testing/DeviceLink';
import { SerialDevice, type SerialDeviceOptions } from './SerialDevice';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const FAST = { initialMs: 5, maxMs: 40 };
const framing = { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 } as const;

function device(link: DeviceLink, extra: Partial<SerialDeviceOptions> = {}): SerialDevice {
  const dev = new SerialDevice({ label: 'test', port: { path: link.path }, binding: link.binding, backoff: FAST, presenceCheckMs: 20, ...framing, ...extra });
  cleanup.push(() => dev.close());
  return dev;
}

async function started(dev: SerialDevice): Promise<void> {
  const opened = once(dev, 'open');
  dev.start();
  await opened;
}

function collect(dev: SerialDevice): () => string {
  let got = '';
  dev.on('data', (d) => (got += d.toString('latin1')));
  return () => got;
}

async function until(dev: SerialDevice, pred: () => boolean): Promise<void> {
  while (!pred()) await once(dev, 'data');
}

const links: [string, () => Promise<DeviceLink>][] = [
  ['mock binding', async () => createMockLink()],
  ['real pty', () => createPtyLink()],
];

describe.each(links)('SerialDevice contract (%s)', (_name, makeLink) => {
  async function link(): Promise<DeviceLink> {
    const l = await makeLink();
    cleanup.push(() => l.close());
    return l;
  }

  it('delivers device bytes as data events and writes reach the device', async () => {
    const l = await link();
    const dev = device(l);
    await started(dev);
    expect(dev.state).toMatchObject({ state: 'open', path: l.path });
    const got = collect(dev);
    await l.send('hello');
    await until(dev, () => got() === 'hello');
    await dev.write(Buffer.from('ping'));
    expect((await l.waitReceived(4)).toString()).toBe('ping');
  });

  it('serializes tasks: a second writer never lands inside the first task', async () => {
    const l = await link();
    const dev = device(l);
    await started(dev);
    const a = dev.exclusive(async (io) => {
      await io.write(Buffer.from('AAA'));
      await new Promise((r) => setImmediate(r));
      await io.write(Buffer.from('aaa'));
    });
    const b = dev.write(Buffer.from('BBB'));
    await Promise.all([a, b]);
    expect((await l.waitReceived(9)).toString()).toBe('AAAaaaBBB');
  });

  it('reports an unplug, rejects work while away, and reconnects when the device returns', async () => {
    const l = await link();
    const dev = device(l);
    await started(dev);
    // A task waiting for a reply learns about the unplug through io.gone.
    const waiting = dev.exclusive((io) => io.gone);
    const disconnected = once(dev, 'disconnect');
    await l.unplug();
    const [reason] = await disconnected;
    expect(isHardwareError(reason, 'DEVICE_DISCONNECTED')).toBe(true);
    await expect(waiting).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    await expect(dev.write(Buffer.from('x'))).rejects.toMatchObject({ code: 'DEVICE_DISCONNECTED' });
    // The retry loop keeps going while the device is away.
    const [, , retryReason] = await once(dev, 'retry');
    expect(retryReason).toMatchObject({ code: expect.stringMatching(/PORT_NOT_FOUND|PORT_OPEN_FAILED|DEVICE_DISCONNECTED/) });

    const reopened = once(dev, 'open');
    await l.replug();
    const [, reconnected] = await reopened;
    expect(reconnected).toBe(true);
    const before = l.received().length;
    await dev.write(Buffer.from('again'));
    expect((await l.waitReceived(before + 5)).subarray(before).toString()).toBe('again');
    const got = collect(dev);
    await l.send('back');
    await until(dev, () => got() === 'back');
  });

  it('close is idempotent and later work rejects with DEVICE_CLOSED', async () => {
    const l = await link();
    const dev = device(l);
    await started(dev);
    const queued = dev.exclusive((io) => io.gone);
    await Promise.all([dev.close(), dev.close()]);
    await dev.close();
    expect(dev.state).toEqual({ state: 'closed' });
    await expect(queued).rejects.toMatchObject({ code: 'DEVICE_CLOSED' });
    await expect(dev.write(Buffer.from('x'))).rejects.toMatchObject({ code: 'DEVICE_CLOSED' });
  });

  it('a listener that throws does not stop data delivery', async () => {
    const l = await link();
    const dev = device(l);
    await started(dev);
    dev.on('data', () => {
      throw new Error('buggy listener');
    });
    const warned = once(process, 'warning');
    const got = collect(dev);
    await l.send('ok');
    await until(dev, () => got() === 'ok');
    expect(String((await warned)[0])).toContain('buggy listener');
  });
});

describe('SerialDevice presence check (real pty)', () => {
  it('a device node that vanishes is an unplug even when no read fails', async () => {
    const l = await createPtyLink();
    cleanup.push(() => l.close());
    const dev = device(l);
    await started(dev);
    const disconnected = once(dev, 'disconnect');
    // socat keeps both ptys alive: only the device node (our symlink) disappears, as /dev/ttyUSB0 does.
    rmSync(l.path);
    const [reason] = await disconnected;
    expect(reason).toMatchObject({ code: 'DEVICE_DISCONNECTED' });
  });
});

describe('SerialDevice by USB ids (mock binding: SerialPort.list)', () => {
  it('opens the port whose vendor, product and serial number match', async () => {
    const other = createMockLink({ vendorId: '0403', productId: '6001', serialNumber: 'OTHER' });
    const mine = createMockLink({ vendorId: '0403', productId: '6001', serialNumber: 'A10K9' });
    cleanup.push(() => other.close(), () => mine.close());
    const dev = new SerialDevice({ label: 'usb', port: { usb: { vendorId: '0403', productId: '6001', serialNumber: 'A10K9' } }, binding: mine.binding, backoff: FAST, ...framing });
    cleanup.push(() => dev.close());
    await started(dev);
    expect(dev.state).toMatchObject({ state: 'open', path: mine.path });
  });

  it('keeps retrying with PORT_NOT_FOUND while no port matches', async () => {
    const l = createMockLink();
    cleanup.push(() => l.close());
    const dev = new SerialDevice({ label: 'usb', port: { usb: { vendorId: 'dead', productId: 'beef' } }, binding: l.binding, backoff: FAST, ...framing });
    cleanup.push(() => dev.close());
    const retry = once(dev, 'retry');
    dev.start();
    const [attempt, , reason] = await retry;
    expect(attempt).toBe(1);
    expect(reason).toMatchObject({ code: 'PORT_NOT_FOUND' });
  });

  it('rejects impossible options with a TypeError', () => {
    expect(() => new SerialDevice({ label: 'x', port: { path: '' }, ...framing })).toThrow(TypeError);
    expect(() => new SerialDevice({ label: 'x', port: { path: '/dev/x' }, ...framing, baudRate: 0 })).toThrow(TypeError);
  });
});
