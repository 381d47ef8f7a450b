/**
 * The bridge of the browser-shell host over real HTTP and SSE, with the
 * virtual printer and card reader on real socat ptys: what the renderer will
 * see. Uses createHttpBridge (the client the renderer can use) with an
 * EventSource made of fetch, since Node 20 has none.
 */
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@citizen/config';
import { VirtualCardReader, VirtualPrinter, DEMO_CARDS, receiptPlainText } from '@citizen/hardware/virtual';
import { BridgeError, createHttpBridge, type BridgeEvent, type BridgeEventPayload, type EventSourceLike, type KioskShellApi } from '../contract';
import { buildKioskHost } from './KioskHost';
import { fixedIdentity } from '../identity';

function fetchEventSource(url: string): EventSourceLike {
  const ac = new AbortController();
  const listeners = new Map<string, Set<(ev: { data: string }) => void>>();
  void (async () => {
    const res = await fetch(url, { signal: ac.signal });
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += dec.decode(value, { stream: true });
      for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let event = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (data) for (const fn of listeners.get(event) ?? []) fn({ data });
      }
    }
  })().catch(() => undefined);
  return {
    addEventListener(type, fn) {
      const set = listeners.get(type) ?? new Set();
      set.add(fn);
      listeners.set(type, set);
    },
    close: () => ac.abort(),
  };
}

let vp: VirtualPrinter;
let reader: VirtualCardReader;
let host: FastifyInstance;
let hostUrl: string;
let bridge: KioskShellApi;
let source: EventSourceLike;
const logs: string[] = [];

/** Resolves with the next event `name` whose payload passes `pred`. */
function next<E extends BridgeEvent>(name: E, pred: (p: BridgeEventPayload<E>) => boolean = () => true): Promise<BridgeEventPayload<E>> {
  return new Promise((resolve) => {
    const off = bridge.on(name, (p) => {
      if (pred(p)) {
        off();
        resolve(p);
      }
    });
  });
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-bridge-'));
  const base = loadConfig({ files: [], env: {} }).kiosk;
  const kiosk = {
    ...base,
    serverUrl: 'http://127.0.0.1:9',
    printer: { ...base.printer, path: join(dir, 'printer'), baudRate: 115200 as const },
    cardReader: { ...base.cardReader, path: join(dir, 'card-reader'), baudRate: 115200 as const },
  };
  vp = new VirtualPrinter({ hostPath: kiosk.printer.path, baudRate: 115200 });
  reader = new VirtualCardReader({ hostPath: kiosk.cardReader.path, baudRate: 115200 });
  await Promise.all([vp.start(), reader.start()]);
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(chunk.toString());
      cb();
    },
  });
  host = await buildKioskHost({
    kiosk,
    identity: fixedIdentity({ kioskId: kiosk.id, credential: 'x'.repeat(32) }),
    logger: { level: 'info', stream },
    hardwareOptions: { backoff: { initialMs: 5, maxMs: 40 } },
  });
  hostUrl = await host.listen({ host: '127.0.0.1', port: 0 });
  source = fetchEventSource(`${hostUrl}/bridge/events`);
  bridge = createHttpBridge({ fetch, eventSource: () => source, baseUrl: hostUrl });
  // Connected: the stream opens with the current printer status; wait until the printer has answered a poll.
  await next('printerStatus', (s) => s.state === 'ready');
  await new Promise<void>((resolve) => (host.kioskHardware.cardReader.state.state === 'open' ? resolve() : host.kioskHardware.cardReader.device.once('open', () => resolve())));
});

afterAll(async () => {
  source.close();
  await host.close();
  await Promise.all([vp.close(), reader.close()]);
});

describe('kiosk bridge over HTTP + SSE, virtual devices on real ptys', () => {
  it('reports both devices connected', async () => {
    const hw = await bridge.hardwareStatus();
    expect(hw.printer).toMatchObject({ reachable: true, state: 'ready', detail: 'ok' });
    expect(hw.cardReader).toMatchObject({ reachable: true, protocol: 'magstripe', detail: 'ok' });
  });

  it('a card swipe arrives as a masked card event; the clear number is in no event and no log line', async () => {
    const card = next('card');
    await reader.present('magstripe');
    const ev = await card;
    const pan = DEMO_CARDS.magstripe;
    expect(ev).toEqual({ kind: 'magstripe', masked: `•••• •••• •••• ${pan.slice(-4)}`, cardId: expect.any(String) });
    expect(JSON.stringify(ev)).not.toContain(pan.slice(0, 8));
    expect(host.kioskHardware.revealCard(ev.cardId)).toEqual({ kind: 'magstripe', number: pan });
    const all = logs.join('');
    expect(all).toContain('card read');
    expect(all).not.toContain(pan);
    expect(all).not.toContain(pan.slice(0, 12));
  });

  it('endSession drops the card data held by the shell', async () => {
    const card = next('card');
    await reader.present('magstripe');
    const { cardId } = await card;
    expect(host.kioskHardware.cardsHeld).toBeGreaterThan(0);
    const res = await bridge.endSession();
    expect(res.droppedCards).toBeGreaterThanOrEqual(1);
    expect(host.kioskHardware.cardsHeld).toBe(0);
    expect(host.kioskHardware.revealCard(cardId)).toBeUndefined();
  });

  it('printReceipt prints the reference and returns the status URL', async () => {
    const printed = vp.nextReceipt();
    const res = await bridge.printReceipt({ reference: 'BS-2026-042A', language: 'en', nextSteps: ['answer-digital-post'] });
    expect(res).toMatchObject({ printedLanguage: 'en', fallback: false, statusUrl: 'http://127.0.0.1:8080/status/BS-2026-042A' });
    const r = await printed;
    expect(receiptPlainText(r)).toContain('BS-2026-042A');
    expect(r.blocks.find((b) => b.type === 'qr')).toMatchObject({ data: res.statusUrl });
  });

  it('printDocument prints what the agent sent, over the real serial line, with the reference and its QR', async () => {
    const printed = vp.nextReceipt();
    const res = await bridge.printDocument({ title: 'Det skal du medbringe', lines: ['Gammelt pas', 'Nyt foto'], reference: 'BS-2026-042A' });
    expect(res.jobId).toEqual(expect.any(String));
    const text = receiptPlainText(await printed);
    expect(text).toContain('Det skal du medbringe');
    expect(text).toContain('Nyt foto');
    const bad = await bridge.printDocument({ title: '', lines: [], reference: null }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'BRIDGE_INVALID_ARGUMENTS' });
  });

  it('printReceipt with paper out fails fast with PRINTER_PAPER_OUT and the URL to show on screen', async () => {
    vp.setCondition({ paperOut: true });
    await host.kioskHardware.printer.refreshStatus();
    const err = await bridge.printReceipt({ reference: 'BS-2026-0438', language: 'da', nextSteps: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    expect(err).toMatchObject({ code: 'PRINTER_PAPER_OUT', details: { statusUrl: 'http://127.0.0.1:8080/status/BS-2026-0438', queued: false } });
    const raw = await fetch(`${hostUrl}/bridge/printReceipt`, { method: 'POST', body: JSON.stringify({ reference: 'BS-2026-0438', language: 'da', nextSteps: [] }) });
    expect(raw.status).toBe(409);
    vp.setCondition({ paperOut: false });
    await host.kioskHardware.printer.refreshStatus();
  });

  it('a job that blocks behind the printer is queued, printed when the printer recovers, and reported as an event', async () => {
    vp.setCondition({ offline: true }); // the driver still believes the printer is ready
    const err = await bridge.printReceipt({ reference: 'BS-2026-0446', language: 'da', nextSteps: [] }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PRINTER_OFFLINE', details: { queued: true, jobId: expect.any(String) } });
    const jobId = (err as BridgeError).details!.jobId!;
    const printedEvent = next('printJob', (j) => j.jobId === jobId && j.state === 'printed');
    vp.setCondition({ offline: false });
    await host.kioskHardware.printer.refreshStatus();
    await printedEvent;
    // "Printed" means drained into the pty; one more status round trip through
    // the same line guarantees the printer has read everything before it.
    await host.kioskHardware.printer.refreshStatus();
    expect(vp.receipts.filter((r) => receiptPlainText(r).includes('BS-2026-0446'))).toHaveLength(1);
  });

  it('rejects invalid arguments with BRIDGE_INVALID_ARGUMENTS', async () => {
    const bad = await bridge.printReceipt({ reference: 'lower case!', language: 'da', nextSteps: [] }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'BRIDGE_INVALID_ARGUMENTS', message: expect.stringContaining('/reference') });
    const missing = await fetch(`${hostUrl}/bridge/printReceipt`, { method: 'POST' });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { code: string }).code).toBe('BRIDGE_INVALID_ARGUMENTS');
    for (const body of ['{"reference":', '{"reference":"BS-1234","language":"xx","nextSteps":[]}', '{"reference":"BS-1234","language":"da","nextSteps":[],"extra":1}']) {
      const res = await fetch(`${hostUrl}/bridge/printReceipt`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { code: string }).code, body).toBe('BRIDGE_INVALID_ARGUMENTS');
    }
    const unknown = await fetch(`${hostUrl}/bridge/formatDisk`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('BRIDGE_UNKNOWN_CALL');
  });

  it('refuses foreign origins, DNS-rebound hosts and cross-site event streams', async () => {
    const evil = await fetch(`${hostUrl}/bridge/endSession`, { method: 'POST', headers: { origin: 'http://evil.example' } });
    expect(evil.status).toBe(403);
    expect(((await evil.json()) as { code: string }).code).toBe('BRIDGE_FORBIDDEN_ORIGIN');
    const port = new URL(hostUrl).port;
    // A DNS-rebound page: Origin and Host agree, but Host is not a loopback name.
    // (fetch does not let a caller set Host, so this goes through node:http.)
    const rebound = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(`${hostUrl}/bridge/info`, { method: 'POST', headers: { host: `evil.example:${port}`, origin: `http://evil.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    expect(rebound).toBe(403);
    const crossSite = await fetch(`${hostUrl}/bridge/events`, { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    expect(host.kioskHardware.cardsHeld).toBe(0);
  });
});
