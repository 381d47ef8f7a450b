/**
 * The host's event stream against readers that do not keep up, and the
 * host's refusal to send the credential in clear. No booth-server and no
 * devices: the events are emitted on the host's hardware service by hand.
 */
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '@citizen/config';
import { buildKioskHost, type KioskHostOptions } from './KioskHost';
import { fixedIdentity } from '../identity';

const dir = mkdtempSync(join(tmpdir(), 'kiosk-events-'));
const base = loadConfig({ files: [], env: {} }).kiosk;
const kiosk = {
  ...base,
  serverUrl: 'http://127.0.0.1:9',
  // Nothing at these paths: the devices stay "not connected".
  printer: { ...base.printer, path: join(dir, 'printer') },
  cardReader: { ...base.cardReader, path: join(dir, 'card-reader') },
};
const identity = fixedIdentity({ kioskId: kiosk.id, credential: 'x'.repeat(32) });

const hosts: FastifyInstance[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  for (const h of hosts.splice(0)) await h.close();
});

async function startHost(eventStream?: KioskHostOptions['eventStream']): Promise<{ host: FastifyInstance; port: number; logs: string[] }> {
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  const host = await buildKioskHost({ kiosk, identity, logger: { level: 'warn', stream }, ...(eventStream ? { eventStream } : {}) });
  hosts.push(host);
  const url = await host.listen({ host: '127.0.0.1', port: 0 });
  return { host, port: Number(new URL(url).port), logs };
}

/** Opens the event stream over a raw socket and never reads from it, until the host is listening for hardware events. */
async function stuckReader(host: FastifyInstance, port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  socket.pause();
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(`GET /bridge/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  await expect.poll(() => host.kioskHardware.listenerCount('printJob'), { timeout: 5000 }).toBe(1);
  return socket;
}

/** Resumes reading; resolves with the bytes read and whether the host ended the stream (or false after `idleMs` without data). */
function drain(socket: Socket, idleMs = 2000): Promise<{ bytes: number; ended: boolean }> {
  return new Promise((resolve) => {
    let bytes = 0;
    let idle: NodeJS.Timeout;
    const finish = (ended: boolean): void => {
      clearTimeout(idle);
      socket.removeAllListeners('data');
      resolve({ bytes, ended });
    };
    const arm = (): void => {
      clearTimeout(idle);
      idle = setTimeout(() => finish(false), idleMs);
    };
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      arm();
    });
    socket.once('end', () => finish(true));
    socket.once('close', () => finish(true));
    socket.on('error', () => finish(true));
    arm();
    socket.resume();
  });
}

/** Emits `count` print-job events of about 64 KiB each: far more than the kernel's socket buffers hold. */
function flood(host: FastifyInstance, count: number): number {
  const reason = 'r'.repeat(64 * 1024);
  for (let i = 0; i < count; i++) host.kioskHardware.emit('printJob', { jobId: `job-${i}`, state: 'blocked', reason });
  return count * reason.length;
}

describe('KioskHost event stream backpressure', () => {
  it('drops the stream of a reader that does not read, instead of buffering every event', async () => {
    const { host, port, logs } = await startHost();
    const socket = await stuckReader(host, port);
    const total = flood(host, 512);
    const { bytes, ended } = await drain(socket);
    expect(ended).toBe(true);
    // What got through is what the kernel's socket buffers held before the drop, not the flood.
    expect(bytes).toBeLessThan(total / 2);
    expect(host.kioskHardware.listenerCount('printJob')).toBe(0);
    expect(logs.join('')).toContain('event stream dropped [reason:reader too slow');
  });

  it('drops a stream that stays backed up longer than the drain timeout, even under the buffer limit', async () => {
    const { host, port, logs } = await startHost({ maxBufferedBytes: 1 << 30, drainTimeoutMs: 200 });
    const socket = await stuckReader(host, port);
    const total = flood(host, 512);
    await expect.poll(() => host.kioskHardware.listenerCount('printJob'), { timeout: 5000 }).toBe(0);
    const { bytes, ended } = await drain(socket);
    expect(ended).toBe(true);
    expect(bytes).toBeLessThan(total / 2);
    expect(logs.join('')).toContain('event stream dropped [reason:reader stopped reading');
  });

  it('keeps the stream of a reader that keeps up', async () => {
    const { host, port } = await startHost({ maxBufferedBytes: 256 * 1024, drainTimeoutMs: 200 });
    const socket = await stuckReader(host, port);
    const reading = drain(socket, 500);
    for (let i = 0; i < 50; i++) {
      flood(host, 1);
      await new Promise((r) => setTimeout(r, 10));
    }
    const { bytes, ended } = await reading;
    expect(ended).toBe(false);
    expect(bytes).toBeGreaterThan(50 * 64 * 1024);
    expect(host.kioskHardware.listenerCount('printJob')).toBe(1);
  });
});

describe('KioskHost credential transport', () => {
  it('refuses to start when the credential would go over plain HTTP to another machine', async () => {
    await expect(buildKioskHost({ kiosk: { ...kiosk, serverUrl: 'http://booth.example:8080' }, identity })).rejects.toMatchObject({ code: 'KIOSK_INSECURE_SERVER_URL' });
  });
});
