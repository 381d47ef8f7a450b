/**
 * Technician mode through the browser-shell host's bridge over real HTTP,
 * with the virtual printer and card reader on real ptys: the PIN is checked
 * in the shell and nothing the page can call gives the hash away; the calls
 * only a technician may make are refused until the PIN opened technician
 * mode; opening it drops the resident's cards; the self-test's media checks
 * go to the page as an event and come back as a checked bridge call.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@citizen/config';
import { VirtualCardReader, VirtualPrinter } from '@citizen/hardware/virtual';
import type { MediaSelfTestAsk } from '@citizen/protocol';
import { buildKioskHost } from '../host/KioskHost';
import { fixedIdentity } from '../identity';
import { hashPin, parsePinHash } from './pin';

const PIN = '97531';
let pinHash: string;
let vp: VirtualPrinter;
let reader: VirtualCardReader;
let host: FastifyInstance;
let url: string;
/** Every response body the page could see, to search for the PIN and its hash. */
const seen: string[] = [];

async function call(name: string, args?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/bridge/${name}`, { method: 'POST', ...(args === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) }) });
  const text = await res.text();
  seen.push(text);
  return { status: res.status, body: JSON.parse(text) as Record<string, unknown> };
}

beforeAll(async () => {
  pinHash = await hashPin(PIN, { N: 2 ** 14, r: 8, p: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'technician-'));
  const base = loadConfig({ files: [], env: {} }).kiosk;
  const kiosk = {
    ...base,
    serverUrl: 'http://127.0.0.1:9',
    technicianPinHash: pinHash,
    printer: { ...base.printer, path: join(dir, 'printer'), baudRate: 115200 as const },
    cardReader: { ...base.cardReader, path: join(dir, 'card-reader'), baudRate: 115200 as const },
  };
  vp = new VirtualPrinter({ hostPath: kiosk.printer.path, baudRate: 115200 });
  reader = new VirtualCardReader({ hostPath: kiosk.cardReader.path, baudRate: 115200 });
  await Promise.all([vp.start(), reader.start()]);
  host = await buildKioskHost({ kiosk, identity: fixedIdentity({ kioskId: kiosk.id, credential: 'x'.repeat(32) }), hardwareOptions: { backoff: { initialMs: 5, maxMs: 40 } } });
  url = await host.listen({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => {
    const check = (): void => void (host.kioskHardware.status().printer.state === 'ready' && host.kioskHardware.status().cardReader.reachable ? resolve() : setTimeout(check, 20));
    check();
  });
});

afterAll(async () => {
  await host?.close();
  await Promise.all([vp?.close(), reader?.close()]);
});

describe('technician mode over the kiosk bridge', () => {
  it('refuses the technician-only calls until the PIN opened technician mode', async () => {
    expect(await call('selfTest', {})).toMatchObject({ status: 403, body: { code: 'TECHNICIAN_MODE_REQUIRED' } });
    expect(await call('technicianStatus')).toMatchObject({ status: 403, body: { code: 'TECHNICIAN_MODE_REQUIRED' } });
    // Enrolled already: replacing the kiosk's identity is for technician mode only.
    expect(await call('enrol', { code: 'K7Q-92X-KMC' })).toMatchObject({ status: 403, body: { code: 'TECHNICIAN_MODE_REQUIRED' } });
  });

  it('a wrong PIN is refused with the tries left; a malformed one never reaches the check', async () => {
    expect(await call('technicianUnlock', { pin: '00000' })).toMatchObject({ status: 401, body: { code: 'TECHNICIAN_PIN_WRONG', details: { attemptsLeft: 4 } } });
    expect(await call('technicianUnlock', { pin: '1234567890123' })).toMatchObject({ status: 400, body: { code: 'BRIDGE_INVALID_ARGUMENTS' } });
    expect(await call('technicianUnlock', { pin: PIN, extra: true })).toMatchObject({ status: 400, body: { code: 'BRIDGE_INVALID_ARGUMENTS' } });
  });

  it('the right PIN opens it, after dropping the cards a resident left at the reader', async () => {
    await reader.present('magstripe');
    await expect.poll(() => host.kioskHardware.cardsHeld).toBe(1);
    expect(await call('technicianUnlock', { pin: PIN })).toMatchObject({ status: 200, body: { idleSeconds: 120 } });
    expect(host.kioskHardware.cardsHeld).toBe(0);
    const status = await call('technicianStatus');
    expect(status).toMatchObject({ status: 200, body: { kioskId: 'k-demo-central-1', identity: { state: 'enrolled' }, hardware: { printer: { state: 'ready' } }, lastSelfTest: null } });
    // In technician mode an enrolled kiosk may enrol again (the fixed test identity then refuses, as it cannot enrol).
    expect(await call('enrol', { code: 'K7Q-92X-KMC' })).toMatchObject({ body: { code: 'ENROLMENT_FAILED' } });
  });

  it('runs the self-test: media checks go to the page and its answer comes back checked', async () => {
    const asks: MediaSelfTestAsk[] = [];
    const answer = async (ask: MediaSelfTestAsk): Promise<void> => {
      asks.push(ask);
      // A malformed answer is refused where it enters; the well-formed one is taken.
      expect(await call('selfTestMediaResult', { requestId: ask.requestId, results: [{ name: 'camera', result: 'fine', detail: '', durationMs: 1 }] })).toMatchObject({ status: 400, body: { code: 'BRIDGE_INVALID_ARGUMENTS' } });
      expect(await call('selfTestMediaResult', { requestId: ask.requestId, results: ask.checks.map((name) => ({ name, result: 'ok', detail: `${name} seen`, durationMs: 3 })) })).toMatchObject({ status: 200 });
    };
    const on = (ask: MediaSelfTestAsk): void => void answer(ask);
    host.kioskHardware.on('selfTestMedia', on);
    try {
      const { status, body } = await call('selfTest', { checks: ['printer', 'camera', 'microphone'] });
      expect(status).toBe(200);
      expect(body).toMatchObject({ ok: true, checks: [{ name: 'printer', result: 'ok' }, { name: 'camera', result: 'ok', detail: 'camera seen' }, { name: 'microphone', result: 'ok' }] });
      expect(asks).toHaveLength(1);
      expect(asks[0]!.checks).toEqual(['camera', 'microphone']);
      // The same answer again: nobody is waiting for it any more.
      expect(await call('selfTestMediaResult', { requestId: asks[0]!.requestId, results: [{ name: 'camera', result: 'ok', detail: '', durationMs: 1 }] })).toMatchObject({ status: 409, body: { code: 'SELF_TEST_UNKNOWN_REQUEST' } });
    } finally {
      host.kioskHardware.off('selfTestMedia', on);
    }
    expect(host.kioskSelfTest.last?.ok).toBe(true);
  });

  it('closing it refuses the technician-only calls again', async () => {
    expect(await call('technicianEnd')).toMatchObject({ status: 200 });
    expect(await call('selfTest', {})).toMatchObject({ status: 403, body: { code: 'TECHNICIAN_MODE_REQUIRED' } });
  });

  it('nothing the page received carries the PIN or its hash', async () => {
    for (const name of ['info', 'identity', 'hardwareStatus', 'content']) await call(name);
    const { salt, hash } = parsePinHash(pinHash);
    const all = seen.join('\n');
    expect(seen.length).toBeGreaterThan(15);
    for (const secret of [pinHash, salt.toString('base64'), hash.toString('base64'), PIN]) expect(all).not.toContain(secret);
  });
});
