/**
 * Remote actions end to end: a real booth-server on a real socket, the
 * browser-shell host with its real ControlClient, and its hardware service on
 * a virtual printer and card reader over pseudo-terminals. The test plays the
 * page only through the host's own bridge (HTTP calls and the event stream).
 *
 *  - a test page asked for while the kiosk is away is delivered when it
 *    connects, runs (no resident), prints, and its report is stored and audited;
 *  - with a resident's session running it waits (deferred) and runs after endSession;
 *  - forced, the page is told (maintenanceNotice) before the session ends, and
 *    the action runs once the page has ended it;
 *  - reload: the page is told to reload; with no page open it fails, saying so;
 *  - restart where the host was given no way to restart fails, saying so.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { kioskId, type KioskAction } from '@citizen/protocol';
import { VirtualCardReader, VirtualPrinter, receiptPlainText } from '@citizen/hardware/virtual';
import { createTestApp, readCredentialFile, signInHeaders, type TestApp } from '../../../booth-server/src/testing';
import { fixedIdentity } from '../identity';
import { buildKioskHost } from '../host/KioskHost';
import { KioskHardware } from '../hardware/KioskHardware';

let server: TestApp;
let host: FastifyInstance | null = null;
let hostUrl: string;
let hardware: KioskHardware;
let vp: VirtualPrinter;
let reader: VirtualCardReader;
const KIOSK = kioskId('k-demo-central-1');

const bridge = async <T,>(call: string): Promise<T> => (await (await fetch(`${hostUrl}/bridge/${call}`, { method: 'POST' })).json()) as T;
const tech = () => signInHeaders(server.app, 'tech', 'demo-tech');
const ask = async (action: KioskAction['action'], force = false): Promise<KioskAction> => {
  const res = await server.app.inject({ method: 'POST', url: `/api/kiosks/${KIOSK}/actions`, headers: await tech(), payload: { action, force } });
  expect(res.statusCode, res.body).toBe(202);
  return res.json();
};
const action = async (id: number): Promise<KioskAction> => {
  const res = await server.app.inject({ method: 'GET', url: `/api/kiosks/${KIOSK}/actions`, headers: await tech() });
  return res.json<{ actions: KioskAction[] }>().actions.find((a) => a.id === id)!;
};
const stateOf = async (id: number) => (await action(id)).state;

/** The page's event stream: every event as it comes, in order. */
async function eventStream(): Promise<{ events: { event: string; data: unknown; at: number }[]; close: () => void }> {
  const ac = new AbortController();
  const res = await fetch(`${hostUrl}/bridge/events`, { signal: ac.signal });
  const events: { event: string; data: unknown; at: number }[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      let end;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data), at: Date.now() });
      }
    }
  })();
  await expect.poll(() => events.length).toBeGreaterThan(0);
  return { events, close: () => ac.abort() };
}

async function startHost(): Promise<void> {
  if (host) return;
  const serverUrl = server.config.server.publicUrl;
  const credential = readCredentialFile(server.credentialFile);
  if (!credential) throw new Error('no demo kiosk credential');
  host = await buildKioskHost({
    kiosk: { ...server.config.kiosk, serverUrl },
    identity: fixedIdentity(credential),
    hardware,
    control: { backoff: { minMs: 50, maxMs: 200 }, noticeSeconds: 1, graceMs: 300 },
  });
  hostUrl = await host.listen({ host: '127.0.0.1', port: 0 });
}

beforeAll(async () => {
  server = await createTestApp((c) => {
    c.sfu.rtcMinPort = 44850;
    c.sfu.rtcMaxPort = 44899;
  });
  server.config.server.publicUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'actions-'));
  const base = server.config.kiosk;
  const kiosk = {
    ...base,
    printer: { ...base.printer, path: join(dir, 'printer'), baudRate: 115200 as const, pollIntervalMs: 60_000 },
    cardReader: { ...base.cardReader, path: join(dir, 'card-reader'), baudRate: 115200 as const },
  };
  vp = new VirtualPrinter({ hostPath: kiosk.printer.path, baudRate: 115200 });
  reader = new VirtualCardReader({ hostPath: kiosk.cardReader.path, baudRate: 115200 });
  await Promise.all([vp.start(), reader.start()]);
  server.config.kiosk = kiosk;
  hardware = new KioskHardware(kiosk, { backoff: { initialMs: 5, maxMs: 40 } });
  hardware.start();
  for (let i = 0; i < 250 && !(hardware.status().printer.state === 'ready' && hardware.status().cardReader.reachable); i++) await new Promise((r) => setTimeout(r, 20));
});
afterAll(async () => {
  await host?.close();
  await hardware?.close();
  await Promise.all([vp?.close(), reader?.close()]);
  await server.app.close();
});

describe('remote actions on a real kiosk shell', () => {
  it('delivers an action asked for while the kiosk was away when it connects; a test page runs, prints, is stored and audited', async () => {
    const asked = await ask('test-page');
    expect(asked.state).toBe('requested');
    const printed = vp.nextReceipt();
    await startHost();
    await expect.poll(() => server.app.kioskControl.registry.isConnected(KIOSK)).toBe(true);
    await expect.poll(() => stateOf(asked.id), { timeout: 10_000 }).toBe('succeeded');
    const text = receiptPlainText(await printed);
    expect(text).toContain('Kiosk test page');
    expect(text).toContain('Kiosk id: k-demo-central-1');
    const done = await action(asked.id);
    expect(done.report).toMatchObject({ ok: true });
    expect(done.report!.checks.map((c) => [c.name, c.result])).toEqual([
      ['printer', 'ok'],
      ['testPage', 'ok'],
      ['uplink', 'ok'],
    ]);
    const outcomes = (await server.store.listKioskAudit(KIOSK, 20)).filter((e) => e.data.actionId === asked.id).map((e) => [e.action, e.actor === 'kiosk' ? 'kiosk' : 'staff', e.data.outcome ?? null]);
    expect(outcomes).toEqual([
      ['action-result', 'kiosk', 'succeeded'],
      ['action-result', 'kiosk', 'running'],
      ['action-requested', 'staff', null],
    ]);
  });

  it('waits while a resident uses the kiosk, and runs when their session ends', async () => {
    await startHost();
    await bridge('sessionStart');
    const before = vp.receipts.length;
    const asked = await ask('test-page');
    await expect.poll(() => stateOf(asked.id)).toBe('deferred');
    expect((await action(asked.id)).reason).toMatch(/a resident is using the kiosk/);
    await new Promise((r) => setTimeout(r, 300));
    expect(await stateOf(asked.id)).toBe('deferred');
    expect(vp.receipts.length).toBe(before);

    const printed = vp.nextReceipt();
    await bridge('endSession');
    await expect.poll(() => stateOf(asked.id), { timeout: 10_000 }).toBe('succeeded');
    expect(receiptPlainText(await printed)).toContain('Kiosk test page');
  });

  it('forced: tells the page first, runs once the page has ended the session', async () => {
    await startHost();
    const page = await eventStream();
    await bridge('sessionStart');
    const before = vp.receipts.length;
    const asked = await ask('test-page', true);
    await expect.poll(() => page.events.some((e) => e.event === 'maintenanceNotice')).toBe(true);
    const notice = page.events.find((e) => e.event === 'maintenanceNotice')!;
    expect(notice.data).toEqual({ action: 'test-page', seconds: 1 });
    // Told, not yet run: the resident still has the kiosk.
    expect(await stateOf(asked.id)).toBe('sent');
    expect(vp.receipts.length).toBe(before);
    // The page does what the renderer does: after the notice's seconds it wipes the session.
    await new Promise((r) => setTimeout(r, 1000));
    expect(vp.receipts.length).toBe(before);
    const printed = vp.nextReceipt();
    await bridge('endSession');
    await expect.poll(() => stateOf(asked.id), { timeout: 10_000 }).toBe('succeeded');
    expect(receiptPlainText(await printed)).toContain('Kiosk test page');
    page.close();
  });

  it('forced, with a page that does not end the session: the shell ends it itself after the notice', async () => {
    await startHost();
    await bridge('sessionStart');
    const card = host!.kioskHardware;
    const ended = new Promise<number>((resolve) => {
      const original = card.endSession.bind(card);
      card.endSession = () => {
        resolve(Date.now());
        card.endSession = original;
        return original();
      };
    });
    const t0 = Date.now();
    const asked = await ask('test-page', true);
    const at = await ended;
    // The notice's second and the grace, not before.
    expect(at - t0).toBeGreaterThanOrEqual(1000);
    await expect.poll(() => stateOf(asked.id), { timeout: 10_000 }).toBe('succeeded');
  });

  it('answers an action sent again (a reconnect) with its state, and runs it once', async () => {
    await startHost();
    await bridge('sessionStart');
    const asked = await ask('test-page');
    await expect.poll(() => stateOf(asked.id)).toBe('deferred');
    const before = vp.receipts.length;
    // The server drops the channel; the kiosk reconnects and is sent the action again.
    server.app.kioskControl.registry.close(KIOSK, 1001, 'test: dropped');
    await expect.poll(() => server.app.kioskControl.registry.isConnected(KIOSK), { timeout: 5000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 200));
    expect(await stateOf(asked.id)).toBe('deferred');
    await bridge('endSession');
    await expect.poll(() => stateOf(asked.id), { timeout: 10_000 }).toBe('succeeded');
    await new Promise((r) => setTimeout(r, 200));
    expect(vp.receipts.length).toBe(before + 1);
  });

  it('reload tells an open page to reload; with no page open it fails, saying so', async () => {
    await startHost();
    const page = await eventStream();
    const asked = await ask('reload');
    await expect.poll(() => stateOf(asked.id)).toBe('succeeded');
    expect(page.events.some((e) => e.event === 'reload')).toBe(true);
    page.close();
    await expect.poll(() => host!.kioskHardware.listenerCount('reload')).toBe(0);

    const alone = await ask('reload');
    await expect.poll(() => stateOf(alone.id)).toBe('failed');
    expect((await action(alone.id)).reason).toBe('no kiosk screen is connected to this shell');
  });

  it('restart fails, saying so, where the shell has no way to restart', async () => {
    await startHost();
    const asked = await ask('restart');
    await expect.poll(() => stateOf(asked.id)).toBe('failed');
    expect((await action(asked.id)).reason).toBe('this kiosk shell cannot restart itself');
  });
});
