import { once } from 'node:events';
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardReader } from '../card/CardReader';
import type { CardRead } from '../card/CardNumber';
import { DEMO_CARDS } from './cardFrames';
import { createDevServer } from './devServer';
import { VirtualCardReader } from './VirtualCardReader';
import { VirtualPrinter } from './VirtualPrinter';

const dir = mkdtempSync(join(tmpdir(), 'devserver-'));
const printer = new VirtualPrinter({ hostPath: join(dir, 'printer'), baudRate: 115200 });
const cardReader = new VirtualCardReader({ hostPath: join(dir, 'card-reader'), baudRate: 115200 });
const server = createDevServer({ printer, cardReader });
let base: string;
let readers: CardReader[] = [];

beforeAll(async () => {
  await Promise.all([printer.start(), cardReader.start()]);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  for (const r of readers) await r.close();
  await Promise.all([printer.close(), cardReader.close()]);
});

const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body ?? {}) });

describe('virtual hardware control endpoint', () => {
  it.each(['magstripe', 'rfid-em4100', 'barcode-line'] as const)('POST /card/%s reaches a card reader driver as a card event', async (kind) => {
    const reader = new CardReader({ protocol: kind, serial: { port: { path: cardReader.hostPath }, baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 } });
    readers.push(reader);
    const opened = once(reader.device, 'open');
    reader.start();
    await opened;
    const card = once(reader, 'card') as Promise<[CardRead]>;
    expect((await post(`/card/${kind}`)).status).toBe(200);
    const [read] = await card;
    expect(read.kind).toBe(kind);
    expect(read.id.reveal()).toBe(DEMO_CARDS[kind]);
    await reader.close();
    readers = [];
  });

  it('sets the printer condition and rejects bad input with codes', async () => {
    const res = await post('/printer', { paperOut: true });
    expect(((await res.json()) as { printer: { condition: { paperOut: boolean } } }).printer.condition.paperOut).toBe(true);
    expect(printer.condition.paperOut).toBe(true);
    await post('/printer', { paperOut: false });
    const bad = await post('/printer', { paperOut: 'yes' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('DEV_BAD_BODY');
    expect((await post('/card/nfc')).status).toBe(404);
    expect((await post('/card/rfid-em4100', { id: 'not-hex' })).status).toBe(400);
  });

  it('refuses requests from web pages (Origin) and foreign hosts', async () => {
    expect((await post('/printer', { paperOut: true }, { origin: 'http://127.0.0.1:8090' })).status).toBe(403);
    // fetch does not let a caller set Host, so this one goes through node:http.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(`${base}/printer`, { method: 'POST', headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end('{"paperOut":true}');
    });
    expect(status).toBe(403);
    expect(printer.condition.paperOut).toBe(false);
  });
});
