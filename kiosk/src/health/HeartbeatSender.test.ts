import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Heartbeat } from '@citizen/protocol';
import type { HardwareStatus } from '../contract';
import { HeartbeatSender, MediaReportBox, printerHealth } from './HeartbeatSender';
import { describeDevices } from '../renderer/mediaHealth.dom';

const check = TypeCompiler.Compile(Heartbeat);

const status = (over: Partial<HardwareStatus['printer']> = {}, readerUp = true): HardwareStatus => ({
  printer: { configuredPath: '/dev/p', reachable: true, detail: 'ok', state: 'ready', paperNearEnd: false, ...over },
  cardReader: { configuredPath: '/dev/c', reachable: readerUp, detail: readerUp ? 'ok' : 'not connected', protocol: 'magstripe' },
});

describe('printerHealth', () => {
  it.each([
    [{ state: 'ready' as const }, 'ok'],
    [{ state: 'ready' as const, paperNearEnd: true }, 'paper-near-end'],
    [{ state: 'paper-out' as const }, 'paper-out'],
    [{ state: 'cover-open' as const }, 'cover-open'],
    [{ state: 'disconnected' as const, reachable: false }, 'offline'],
    [{ state: 'not-responding' as const }, 'offline'],
    [{ state: 'unknown' as const }, 'offline'],
  ])('%j is %s', (over, want) => expect(printerHealth(status(over).printer)).toBe(want));
});

describe('describeDevices', () => {
  it('reports each kind present as working, missing ones as absent', () => {
    expect(describeDevices([{ kind: 'videoinput' }, { kind: 'audioinput' }])).toEqual({ camera: 'working', microphone: 'working', speaker: 'absent' });
    expect(describeDevices([])).toEqual({ camera: 'absent', microphone: 'absent', speaker: 'absent' });
  });
});

describe('HeartbeatSender against a local server', () => {
  let server: Server;
  let url: string;
  let got: { auth: string | undefined; body: unknown }[];
  let answer: { status: number; body: unknown };
  let hw: HardwareStatus;
  const media = new MediaReportBox();
  const warnings: string[] = [];
  let timers: { fn: () => void; ms: number }[];
  let sender: HeartbeatSender;

  beforeEach(async () => {
    got = [];
    warnings.length = 0;
    timers = [];
    hw = status();
    answer = { status: 200, body: { intervalSeconds: 12 } };
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        got.push({ auth: req.headers.authorization, body: JSON.parse(body) });
        res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    let clock = 1000;
    sender = new HeartbeatSender({
      serverUrl: url,
      authorization: () => 'Kiosk k-test-1:secret',
      appVersion: '0.1.0',
      sources: { hardware: () => hw, media: () => media.get(), rendererCrashes: () => 1 },
      log: { info: () => {}, warn: (m) => warnings.push(m) },
      monotonic: () => (clock += 7),
      uptimeSeconds: () => 42.9,
      setTimer: (fn, ms) => {
        timers.push({ fn, ms });
        return () => {};
      },
    });
  });
  afterEach(async () => {
    await sender.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends a heartbeat that passes the schema, with the credential, and follows the interval the server gives', async () => {
    sender.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toHaveLength(1);
    expect(got[0]!.auth).toBe('Kiosk k-test-1:secret');
    expect(check.Check(got[0]!.body)).toBe(true);
    expect(got[0]!.body).toEqual({
      appVersion: '0.1.0',
      uptimeSeconds: 42,
      rttMs: null,
      printer: 'ok',
      cardReader: 'connected',
      camera: 'unknown',
      microphone: 'unknown',
      speaker: 'unknown',
      rendererCrashes: 1,
    });
    expect(timers.at(-1)!.ms).toBe(12_000);

    // The next one carries the round trip of the first, the renderer's devices and the printer's new state.
    media.set({ camera: 'working', microphone: 'working', speaker: 'absent' });
    hw = status({ state: 'paper-out', detail: 'paper out' }, false);
    timers.at(-1)!.fn();
    await new Promise((r) => setTimeout(r, 100));
    expect(got[1]!.body).toMatchObject({ rttMs: 7, printer: 'paper-out', cardReader: 'disconnected', camera: 'working', speaker: 'absent' });
  });

  it('logs a refused heartbeat and keeps going at the same interval, with the round trip unknown', async () => {
    answer = { status: 401, body: { code: 'UNAUTHENTICATED' } };
    await sender.send();
    expect(warnings).toEqual([`heartbeat failed [url:${url}/api/kiosk/heartbeat, reason:HTTP 401 UNAUTHENTICATED]`]);
    expect(sender.intervalSeconds).toBe(30);
    answer = { status: 200, body: { intervalSeconds: 12 } };
    await sender.send();
    expect(got[1]!.body).toMatchObject({ rttMs: null });
    expect(sender.intervalSeconds).toBe(12);
  });
});
