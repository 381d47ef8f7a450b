import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { PtyPair } from './PtyPair';
import { VirtualPrinter, statusByte } from '../virtual/VirtualPrinter';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function openPort(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port: SerialPort = new SerialPort({ path, baudRate: 9600 }, (err) => (err ? reject(err) : resolve(port)));
    port.on('error', () => undefined);
    cleanup.push(() => new Promise((r) => (port.isOpen ? port.close(() => r()) : r())));
  });
}

function readBytes(port: SerialPort, n: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const onData = (d: Buffer): void => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      if (all.length >= n) {
        port.off('data', onData);
        resolve(all);
      }
    };
    port.on('data', onData);
  });
}

describe('PtyPair (real socat)', () => {
  it('carries bytes both ways and removes its links on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pty-'));
    const pair = new PtyPair(join(dir, 'host'), join(dir, 'dev'));
    await pair.open();
    cleanup.push(() => pair.close());
    const host = await openPort(pair.hostPath);
    const dev = await openPort(pair.devicePath);
    const atDev = readBytes(dev, 5);
    host.write(Buffer.from('hello'));
    expect((await atDev).toString()).toBe('hello');
    const atHost = readBytes(host, 2);
    dev.write(Buffer.from([0x00, 0xff]));
    expect([...(await atHost)]).toEqual([0x00, 0xff]);

    await pair.close();
    await pair.close();
    expect(existsSync(pair.hostPath)).toBe(false);
    expect(existsSync(pair.devicePath)).toBe(false);
  });
});

describe('VirtualPrinter', () => {
  it('status bytes always carry the fixed bits of ESC/POS real-time status', () => {
    const conditions = [
      { offline: false, coverOpen: false, paperNearEnd: false, paperOut: false },
      { offline: true, coverOpen: true, paperNearEnd: true, paperOut: true },
      { offline: false, coverOpen: true, paperNearEnd: false, paperOut: false },
    ];
    for (const c of conditions) for (const n of [1, 2, 3, 4]) expect(statusByte(n, c) & 0x93).toBe(0x12);
    expect(statusByte(4, conditions[0]!)).toBe(0x12);
    expect(statusByte(4, { ...conditions[0]!, paperOut: true })).toBe(0x7e);
    expect(statusByte(2, { ...conditions[0]!, coverOpen: true })).toBe(0x16);
  });

  it('answers DLE EOT over a real pty and keeps other bytes as the print stream', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vprinter-'));
    const printer = new VirtualPrinter({ hostPath: join(dir, 'printer'), baudRate: 9600 });
    await printer.start();
    cleanup.push(() => printer.close());
    const host = await openPort(join(dir, 'printer'));

    const first = readBytes(host, 1);
    host.write(Buffer.from([0x1b, 0x40, 0x41, 0x10, 0x04, 0x01]));
    expect([...(await first)]).toEqual([0x12]);

    printer.setCondition({ paperOut: true });
    const second = readBytes(host, 1);
    host.write(Buffer.from([0x10, 0x04, 0x04]));
    expect([...(await second)]).toEqual([0x7e]);
    expect([...printer.received]).toEqual([0x1b, 0x40, 0x41]);
    expect(printer.statusRequests).toBe(2);
  });
});
