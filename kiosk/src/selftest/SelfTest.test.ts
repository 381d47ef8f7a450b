/**
 * The self-test against the virtual printer and card reader on real socat
 * ptys (KioskHardware as the shell runs it), an uplink to a local HTTP server
 * that answers as booth-server's /api/kiosk/self does, and the media checks'
 * request and answer between shell and renderer.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { SelfTestReport, type MediaSelfTestAsk, type SelfTestCheck } from '@citizen/protocol';
import { loadConfig } from '@citizen/config';
import { VirtualCardReader, VirtualPrinter, receiptPlainText } from '@citizen/hardware/virtual';
import { KioskHardware } from '../hardware/KioskHardware';
import { MediaReportBox } from '../health/HeartbeatSender';
import { RendererMediaProbe } from './RendererMediaProbe';
import { SelfTest, type SelfTestDeps } from './SelfTest';

if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v));

const TOKEN = 'Kiosk k-test-1:token';
let vp: VirtualPrinter;
let reader: VirtualCardReader;
let hardware: KioskHardware;
let server: Server;
let serverUrl: string;
/** What the fake renderer answers to the next media ask; null: it stays silent. */
let renderer: ((ask: MediaSelfTestAsk) => SelfTestCheck[]) | null;
let probe: RendererMediaProbe;
const media = new MediaReportBox();

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'selftest-'));
  const base = loadConfig({ files: [], env: {} }).kiosk;
  const kiosk = {
    ...base,
    id: 'k-test-1',
    printer: { ...base.printer, path: join(dir, 'printer'), baudRate: 115200 as const, pollIntervalMs: 60_000 },
    cardReader: { ...base.cardReader, path: join(dir, 'card-reader'), baudRate: 115200 as const },
  };
  vp = new VirtualPrinter({ hostPath: kiosk.printer.path, baudRate: 115200 });
  reader = new VirtualCardReader({ hostPath: kiosk.cardReader.path, baudRate: 115200 });
  await Promise.all([vp.start(), reader.start()]);
  hardware = new KioskHardware(kiosk, { backoff: { initialMs: 5, maxMs: 40 } });
  hardware.start();
  await new Promise<void>((resolve) => {
    const check = (): void => void (hardware.status().printer.state === 'ready' && hardware.status().cardReader.reachable ? resolve() : setTimeout(check, 20));
    check();
  });
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/api/kiosk/self' && req.headers.authorization === TOKEN) res.end(JSON.stringify({ kiosk: { id: 'k-test-1', name: 'Test Library Kiosk' } }));
    else res.writeHead(401).end(JSON.stringify({ code: 'KIOSK_TOKEN_INVALID', message: 'no' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  probe = new RendererMediaProbe({ emit: (ask) => setTimeout(() => renderer && probe.answer({ requestId: ask.requestId, results: renderer(ask) as never }), 5), timeoutMs: 1000, graceMs: 200 });
});

afterAll(async () => {
  await hardware?.close();
  await Promise.all([vp?.close(), reader?.close()]);
  await new Promise((r) => server?.close(r));
});

afterEach(async () => {
  vp.setCondition({ paperOut: false, coverOpen: false, paperNearEnd: false });
  if (!reader.running) await reader.replug();
});

const workingRenderer = (ask: MediaSelfTestAsk): SelfTestCheck[] => ask.checks.map((name) => ({ name, result: 'ok', detail: `${name} fine`, durationMs: 40 }));

function selfTest(over: Partial<SelfTestDeps> = {}): SelfTest {
  return new SelfTest({ hardware, kioskId: () => 'k-test-1', version: '9.8.7', serverUrl, authorization: () => TOKEN, lineWidth: 42, media: probe, mediaReport: media, ...over });
}
const check = (r: SelfTestReport, name: SelfTestCheck['name']): SelfTestCheck => r.checks.find((c) => c.name === name)!;

describe('kiosk self-test over the virtual devices', () => {
  it('with everything working, every check passes, in order, timed, in a report the protocol accepts', async () => {
    renderer = workingRenderer;
    const report = await selfTest().run();
    expect(Value.Errors(SelfTestReport, report).First()).toBeUndefined();
    expect(report.checks.map((c) => c.name)).toEqual(['printer', 'cardReader', 'uplink', 'camera', 'microphone', 'speaker']);
    expect(report.checks.map((c) => c.result)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(report.ok).toBe(true);
    expect(check(report, 'printer').detail).toBe('ready');
    expect(check(report, 'uplink').detail).toMatch(/^booth-server answered in \d+ ms and knows this kiosk$/);
    expect(check(report, 'camera').detail).toBe('camera fine');
  });

  it('paper out: the printer check fails saying so, and no test page is printed', async () => {
    vp.setCondition({ paperOut: true });
    const printed = vp.receipts.length;
    const report = await selfTest().run({ checks: ['printer'], printTestPage: true });
    expect(check(report, 'printer')).toMatchObject({ result: 'failed', detail: 'paper out' });
    expect(check(report, 'testPage')).toMatchObject({ result: 'failed', detail: 'not printed: printer paper out' });
    expect(report.ok).toBe(false);
    expect(vp.receipts.length).toBe(printed);
  });

  it('paper near end still passes, and says so', async () => {
    vp.setCondition({ paperNearEnd: true });
    const report = await selfTest().run({ checks: ['printer'] });
    expect(check(report, 'printer')).toMatchObject({ result: 'ok', detail: 'ready, paper near end' });
  });

  it('prints a test page with the kiosk name, id, version and a test pattern, and nothing else', async () => {
    const next = vp.nextReceipt();
    const report = await selfTest().run({ checks: ['printer', 'uplink'], printTestPage: true });
    expect(check(report, 'testPage')).toMatchObject({ result: 'ok' });
    const text = receiptPlainText(await next);
    expect(text).toContain('Kiosk test page');
    expect(text).toContain('Kiosk: Test Library Kiosk');
    expect(text).toContain('Kiosk id: k-test-1');
    expect(text).toContain('App version: 9.8.7');
    expect(text).toContain('Printer: ready');
    expect(text).toContain('ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    expect(text).toContain('1234567890');
    // No reference and no status QR code: nothing that could be any resident's.
    expect(text).not.toMatch(/BS-[0-9A-Z]{4}-[0-9A-Z]{4}/);
  });

  it('card reader unplugged: the reader check fails at once', async () => {
    await reader.unplug();
    const report = await selfTest().run({ checks: ['cardReader'] });
    expect(check(report, 'cardReader').result).toBe('failed');
    expect(check(report, 'cardReader').detail).toMatch(/^not connected/);
  });

  it('uplink: a refused credential and an unreachable server fail with what happened', async () => {
    const refused = await selfTest({ authorization: () => 'Kiosk k-test-1:stale' }).run({ checks: ['uplink'] });
    expect(check(refused, 'uplink')).toMatchObject({ result: 'failed' });
    expect(check(refused, 'uplink').detail).toMatch(/refused: HTTP 401 KIOSK_TOKEN_INVALID/);
    const noToken = await selfTest({ authorization: () => null }).run({ checks: ['uplink'] });
    expect(check(noToken, 'uplink').detail).toMatch(/no valid token/);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const away = await selfTest({ serverUrl: closedUrl }).run({ checks: ['uplink'] });
    expect(check(away, 'uplink').detail).toBe(`booth-server cannot be reached at ${closedUrl}: ECONNREFUSED`);
  });

  it('a renderer that does not answer fails the media checks; a failed camera is reported failing in the heartbeat', async () => {
    renderer = null;
    media.set({ camera: 'working', microphone: 'working', speaker: 'working' });
    const silent = await selfTest().run({ checks: ['camera'] });
    expect(check(silent, 'camera')).toMatchObject({ result: 'failed', detail: expect.stringMatching(/did not answer within 1\.2 s/) });
    expect(media.get()).toEqual({ camera: 'failing', microphone: 'working', speaker: 'working' });
    renderer = (ask) => ask.checks.map((name) => ({ name, result: name === 'microphone' ? 'failed' : 'ok', detail: 'x', durationMs: 1 }));
    await selfTest().run({ checks: ['camera', 'microphone'] });
    expect(media.get()).toEqual({ camera: 'working', microphone: 'failing', speaker: 'working' });
    // The page lists another microphone: the old failure no longer says anything about it.
    media.set({ camera: 'working', microphone: 'absent', speaker: 'working' });
    media.set({ camera: 'working', microphone: 'working', speaker: 'working' });
    expect(media.get().microphone).toBe('working');
  });

  it('refuses an answer nobody asked for, and a second run while one runs', async () => {
    expect(() => probe.answer({ requestId: 'not-a-request-id', results: [{ name: 'camera', result: 'ok', detail: '', durationMs: 0 }] })).toThrow(
      expect.objectContaining({ code: 'SELF_TEST_UNKNOWN_REQUEST' }),
    );
    renderer = workingRenderer;
    const t = selfTest();
    const first = t.run({ checks: ['camera'] });
    await expect(t.run()).rejects.toMatchObject({ code: 'SELF_TEST_BUSY' });
    await first;
    expect(t.last?.checks[0]?.name).toBe('camera');
  });

  it('without a renderer to ask, the media checks are skipped, not failed', async () => {
    const report = await selfTest({ media: null }).run({ checks: ['speaker'] });
    expect(report.checks).toEqual([{ name: 'speaker', result: 'skipped', detail: expect.stringMatching(/cannot reach a kiosk screen/), durationMs: 0 }]);
    expect(report.ok).toBe(true);
  });
});

describe('the media checks and the camera gate (Electron)', () => {
  it('opens the gate for the checks and closes it after, but leaves a call’s open gate open', async () => {
    const moves: string[] = [];
    const gate = { isOn: false, open: () => void (moves.push('open'), (gate.isOn = true)), close: () => void (moves.push('close'), (gate.isOn = false)) };
    const p: RendererMediaProbe = new RendererMediaProbe({ gate, emit: (ask) => setTimeout(() => p.answer({ requestId: ask.requestId, results: workingRenderer(ask) as never }), 5) });
    await p.run(['camera']);
    expect(moves).toEqual(['open', 'close']);
    gate.isOn = true;
    await p.run(['camera']);
    expect(moves).toEqual(['open', 'close']);
    expect(gate.isOn).toBe(true);
  });
});
