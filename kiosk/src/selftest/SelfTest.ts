/**
 * The kiosk's self-test, one module for technician mode (bridge call
 * `selfTest`) and for remote actions: `new SelfTest(deps).run(request)`.
 *
 * Checks, each answered ok / failed / skipped with a plain English detail and
 * its duration (protocol/src/selftest.ts):
 *  - printer: a real status round trip now (DLE EOT through the driver's
 *    queue, ReceiptPrinter.refreshStatus), not the last polled state;
 *  - testPage (only when asked): a page printed the way an agent's documents
 *    are (KioskHardware.printDocument): kiosk name and id, app version, time,
 *    printer status and a test pattern, nothing of any resident;
 *  - cardReader: its port is open and its device node is still there. A card
 *    reader only ever sends (a card's frame), it answers no query, so
 *    "answering" is for the technician to try with a card;
 *  - uplink: GET /api/kiosk/self with the kiosk's credential, timed: the
 *    network, booth-server and this kiosk's credential at once;
 *  - camera, microphone, speaker: asked of the renderer (RendererMediaProbe).
 * The checks run side by side; the test page waits for the printer and uplink
 * checks (it prints their findings). One run at a time: a second one while
 * one runs is refused with SELF_TEST_BUSY rather than queued, since two test
 * pages or two camera opens at once would test nothing more.
 */
import { access } from 'node:fs/promises';
import { resolveFromRoot } from '@citizen/config';
import { MEDIA_SELF_TEST_CHECKS, SELF_TEST_CHECKS, type MediaSelfTestCheckName, type SelfTestCheck, type SelfTestCheckName, type SelfTestReport, type SelfTestRequest } from '@citizen/protocol';
import type { PrinterHealth } from '@citizen/hardware';
import { BridgeError } from '../contract';
import type { KioskHardware } from '../hardware/KioskHardware';
import type { MediaReportBox } from '../health/HeartbeatSender';
import type { RendererMediaProbe } from './RendererMediaProbe';

export interface SelfTestDeps {
  hardware: Pick<KioskHardware, 'printer' | 'cardReader' | 'status' | 'printDocument'>;
  /** The kiosk's id as it is now (it changes when the kiosk is enrolled again). */
  kioskId: () => string;
  version: string;
  serverUrl: string;
  /** The Authorization header for booth-server, or null while the kiosk has no valid token. */
  authorization: () => string | null;
  /** Characters per line, for the test pattern. */
  lineWidth: number;
  /** The renderer's half; without one the media checks are skipped. */
  media: RendererMediaProbe | null;
  /** Told camera and microphone results, so the heartbeat reports a failing device. */
  mediaReport?: MediaReportBox;
  fetch?: typeof fetch;
  uplinkTimeoutMs?: number;
  now?: () => Date;
}

type Timed = Omit<SelfTestCheck, 'durationMs' | 'name'>;

const PRINTER_BLOCKED: Record<string, string> = {
  PRINTER_PAPER_OUT: 'paper out',
  PRINTER_COVER_OPEN: 'cover open',
  PRINTER_OFFLINE: 'offline (the printer reports it cannot print)',
  PRINTER_NOT_RESPONDING: 'not responding: no answer to a status request',
  DEVICE_DISCONNECTED: 'not connected',
};

export class SelfTest {
  readonly #d: SelfTestDeps;
  #running = false;
  #last: SelfTestReport | null = null;

  constructor(deps: SelfTestDeps) {
    if (!deps.serverUrl) throw new TypeError('SelfTest: serverUrl is required');
    this.#d = deps;
  }

  /** The last report, or null before the first run. */
  get last(): SelfTestReport | null {
    return this.#last;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Runs the asked checks (default: all but the test page). Rejects only with SELF_TEST_BUSY; a device that fails is a failed check. */
  async run(request: SelfTestRequest = {}): Promise<SelfTestReport> {
    if (this.#running) throw new BridgeError({ code: 'SELF_TEST_BUSY', message: 'a self-test is running already', fix: 'Wait for its report.' });
    this.#running = true;
    try {
      const report = await this.#run(request);
      this.#last = report;
      return report;
    } finally {
      this.#running = false;
    }
  }

  async #run(request: SelfTestRequest): Promise<SelfTestReport> {
    const startedAt = (this.#d.now ?? (() => new Date()))();
    const t0 = performance.now();
    const asked = new Set<SelfTestCheckName>(request.checks ?? SELF_TEST_CHECKS.filter((c) => c !== 'testPage'));
    const printTestPage = request.printTestPage === true;
    if (printTestPage) asked.add('testPage');
    const skipped = (name: SelfTestCheckName): SelfTestCheck => ({ name, result: 'skipped', detail: 'not asked for', durationMs: 0 });

    const printer = asked.has('printer') || printTestPage ? timed('printer', () => this.#printer()) : null;
    const uplink = asked.has('uplink') || printTestPage ? this.#uplink() : null;
    const reader = asked.has('cardReader') ? timed('cardReader', () => this.#cardReader()) : null;
    const mediaAsked = MEDIA_SELF_TEST_CHECKS.filter((c) => asked.has(c));
    const media = mediaAsked.length ? this.#media(mediaAsked) : Promise.resolve([]);
    const testPage = printTestPage ? timed('testPage', async () => this.#testPage(await printer!, (await uplink!).kioskName)) : null;

    const results = new Map<SelfTestCheckName, SelfTestCheck>();
    for (const c of await Promise.all([printer, testPage, reader, uplink?.then((u) => u.check)])) if (c) results.set(c.name, c);
    for (const c of await media) results.set(c.name, c);
    const checks = SELF_TEST_CHECKS.filter((c) => asked.has(c)).map((c) => results.get(c) ?? skipped(c));
    return { startedAt: startedAt.toISOString(), durationMs: Math.round(performance.now() - t0), ok: checks.every((c) => c.result !== 'failed'), checks };
  }

  async #printer(): Promise<Timed> {
    const health: PrinterHealth = await this.#d.hardware.printer.refreshStatus();
    switch (health.state) {
      case 'ready':
        return { result: 'ok', detail: health.condition.paperNearEnd ? 'ready, paper near end' : 'ready' };
      case 'blocked':
        return { result: 'failed', detail: PRINTER_BLOCKED[health.reason] ?? health.reason };
      case 'unknown':
        return { result: 'failed', detail: 'connected, but no status answer yet' };
      case 'disconnected': {
        const p = this.#d.hardware.status().printer;
        return { result: 'failed', detail: `not connected: ${p.detail} (${p.configuredPath})` };
      }
    }
  }

  async #cardReader(): Promise<Timed> {
    const r = this.#d.hardware.status().cardReader;
    if (!r.reachable) return { result: 'failed', detail: `not connected: ${r.detail} (${r.configuredPath})` };
    // The open port may not have noticed an unplug yet (SerialDevice checks every second): look at a configured path now.
    if (!r.configuredPath.startsWith('usb:')) {
      try {
        await access(resolveFromRoot(r.configuredPath));
      } catch {
        return { result: 'failed', detail: `not connected: the device ${r.configuredPath} is gone` };
      }
    }
    return { result: 'ok', detail: `port open (${r.configuredPath}, ${r.protocol}); present a card to test reading` };
  }

  /** Also finds the kiosk's name (for the test page). */
  async #uplink(): Promise<{ check: SelfTestCheck; kioskName: string | null }> {
    const started = performance.now();
    const done = (result: Timed, kioskName: string | null = null) => ({
      check: { name: 'uplink' as const, ...result, detail: result.detail.slice(0, 300), durationMs: Math.round(performance.now() - started) },
      kioskName,
    });
    const auth = this.#d.authorization();
    const path = auth ? '/api/kiosk/self' : '/ready';
    const url = new URL(path, this.#d.serverUrl).toString();
    const timeoutMs = this.#d.uplinkTimeoutMs ?? 5000;
    let res: Response;
    try {
      res = await (this.#d.fetch ?? fetch)(url, { headers: auth ? { authorization: auth } : {}, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (e.cause?.code ?? e.cause?.message ?? e.message);
      return done({ result: 'failed', detail: `booth-server cannot be reached at ${this.#d.serverUrl}: ${why}` });
    }
    const ms = Math.round(performance.now() - started);
    const body: unknown = await res.json().catch(() => null);
    if (!auth) return done({ result: 'failed', detail: `booth-server answered in ${ms} ms (HTTP ${res.status}), but this kiosk has no valid token (not enrolled, refused, or still renewing)` });
    if (!res.ok) {
      const code = (body as { code?: unknown } | null)?.code;
      return done({ result: 'failed', detail: `booth-server answered in ${ms} ms but refused: HTTP ${res.status}${typeof code === 'string' ? ` ${code}` : ''}` });
    }
    const name = (body as { kiosk?: { name?: unknown } } | null)?.kiosk?.name;
    return done({ result: 'ok', detail: `booth-server answered in ${ms} ms and knows this kiosk` }, typeof name === 'string' ? name : null);
  }

  async #testPage(printer: SelfTestCheck, kioskName: string | null): Promise<Timed> {
    if (printer.result !== 'ok') return { result: 'failed', detail: `not printed: printer ${printer.detail}` };
    const width = Math.max(24, Math.min(64, this.#d.lineWidth));
    const now = (this.#d.now ?? (() => new Date()))();
    const lines = [
      `Kiosk: ${kioskName ?? '(name unknown: server not reached)'}`,
      `Kiosk id: ${this.#d.kioskId()}`,
      `App version: ${this.#d.version}`,
      `Time: ${now.toISOString()}`,
      `Printer: ${printer.detail}`,
      '',
      'Test pattern:',
      '1234567890'.repeat(Math.ceil(width / 10)).slice(0, width),
      'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
      'abcdefghijklmnopqrstuvwxyz',
      '0123456789 !"#$%&\'()*+,-./:;<=>?@[]',
      'Æ Ø Å æ ø å Ä Ö Ü ä ö ü é è ß €',
      '#'.repeat(width),
    ];
    try {
      const { jobId } = await this.#d.hardware.printDocument({ title: 'Kiosk test page', lines, reference: null });
      return { result: 'ok', detail: `printed (job ${jobId.slice(0, 8)})` };
    } catch (err) {
      return { result: 'failed', detail: `not printed: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  async #media(checks: MediaSelfTestCheckName[]): Promise<SelfTestCheck[]> {
    const probe = this.#d.media;
    if (!probe) return checks.map((name) => ({ name, result: 'skipped', detail: 'this shell cannot reach a kiosk screen to test it', durationMs: 0 }));
    const results = await probe.run(checks);
    this.#d.mediaReport?.setTested(results);
    return results;
  }
}

async function timed(name: SelfTestCheckName, fn: () => Promise<Timed>): Promise<SelfTestCheck> {
  const started = performance.now();
  let r: Timed;
  try {
    r = await fn();
  } catch (err) {
    r = { result: 'failed', detail: `the check itself failed: ${err instanceof Error ? err.message : String(err)}` };
  }
  return { name, ...r, detail: r.detail.slice(0, 300), durationMs: Math.round(performance.now() - started) };
}
