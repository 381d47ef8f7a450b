/**
 * The kiosk shell's heartbeat to booth-server (fleet health, README "Fleet
 * health"). The shell sends it, not the page: the shell owns the printer and
 * card reader, runs whether or not a resident is there, and has no socket to
 * booth-server of its own (the signalling socket is the page's, opened for a
 * call). So it is one REST call, `POST /api/kiosk/heartbeat` with the kiosk's
 * credential, every `intervalSeconds` the server answers with.
 *
 * What it carries: app version, uptime, the round trip of the previous
 * heartbeat (timed here, so it measures the kiosk's real uplink), the printer
 * and card reader from KioskHardware, camera, microphone and speaker as the
 * renderer last reported them (only the page can enumerate media devices),
 * and how many renderer crashes the shell recovered from in 10 minutes.
 *
 * A failed heartbeat is logged and the next one goes at the same interval;
 * its round trip is then unknown (null). Sends never overlap.
 */
import { Value } from '@sinclair/typebox/value';
import { HEARTBEAT_PATH, HeartbeatAck, type Heartbeat, type PrinterHealth } from '@citizen/protocol';
import type { CardReaderStatus, HardwareStatus, MediaDevicesReport, PrinterStatus } from '../contract';

export interface HeartbeatSources {
  hardware(): HardwareStatus;
  /** Camera, microphone and speaker as the renderer last reported them. */
  media(): MediaDevicesReport;
  /** Renderer crashes and hangs recovered from in the last 10 minutes (0 where the shell cannot see them). */
  rendererCrashes(): number;
}

export interface HeartbeatSenderOptions {
  serverUrl: string;
  /** The Authorization header value for booth-server (the shell's kiosk credential). */
  authorization: () => string | Promise<string>;
  appVersion: string;
  sources: HeartbeatSources;
  log: { info(msg: string): void; warn(msg: string): void };
  /** Until the server has said (default 30). */
  initialIntervalSeconds?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Monotonic ms, for the round trip (default performance.now). */
  monotonic?: () => number;
  uptimeSeconds?: () => number;
  setTimer?: (fn: () => void, ms: number) => () => void;
}

/** The printer as fleet health reports it; a printer whose first status answer is pending counts as offline until it answers. */
export function printerHealth(p: PrinterStatus): PrinterHealth {
  switch (p.state) {
    case 'ready':
      return p.paperNearEnd ? 'paper-near-end' : 'ok';
    case 'paper-out':
    case 'cover-open':
      return p.state;
    default:
      return 'offline';
  }
}

const readerHealth = (r: CardReaderStatus): Heartbeat['cardReader'] => (r.reachable ? 'connected' : 'disconnected');

export const UNKNOWN_MEDIA: MediaDevicesReport = { camera: 'unknown', microphone: 'unknown', speaker: 'unknown' };

export class HeartbeatSender {
  readonly #o: HeartbeatSenderOptions;
  readonly #fetch: typeof fetch;
  readonly #url: string;
  #intervalMs: number;
  #rttMs: number | null = null;
  #cancelTimer: (() => void) | null = null;
  #inFlight: Promise<void> | null = null;
  #closed = false;
  #again = false;
  readonly #abort = new AbortController();

  constructor(opts: HeartbeatSenderOptions) {
    if (!opts.serverUrl) throw new TypeError('HeartbeatSender: serverUrl is required');
    this.#o = opts;
    this.#fetch = opts.fetch ?? fetch;
    this.#url = new URL(HEARTBEAT_PATH, opts.serverUrl).toString();
    this.#intervalMs = (opts.initialIntervalSeconds ?? 30) * 1000;
  }

  /** Sends the first heartbeat now and keeps sending. */
  start(): void {
    void this.#tick();
  }

  /** What would be sent now. */
  heartbeat(): Heartbeat {
    const hw = this.#o.sources.hardware();
    const media = this.#o.sources.media();
    return {
      appVersion: this.#o.appVersion,
      uptimeSeconds: Math.floor(this.#o.uptimeSeconds?.() ?? process.uptime()),
      rttMs: this.#rttMs,
      printer: printerHealth(hw.printer),
      cardReader: readerHealth(hw.cardReader),
      camera: media.camera,
      microphone: media.microphone,
      speaker: media.speaker,
      rendererCrashes: this.#o.sources.rendererCrashes(),
    };
  }

  /** One heartbeat, now (also what the timer runs). Resolves when it was answered or failed. */
  send(): Promise<void> {
    this.#inFlight ??= this.#send().finally(() => (this.#inFlight = null));
    return this.#inFlight;
  }

  /**
   * A device changed (printer, card reader, the page's media devices): one
   * heartbeat now rather than up to a period later, so an alert reaches the
   * console at once. One that arrives while a heartbeat is in flight sends
   * one more after it, which then carries the new state.
   */
  sendSoon(): void {
    if (this.#closed) return;
    if (!this.#inFlight) {
      void this.send();
      return;
    }
    if (this.#again) return;
    this.#again = true;
    void this.#inFlight.then(() => {
      this.#again = false;
      if (!this.#closed) void this.send();
    });
  }

  async #send(): Promise<void> {
    const now = this.#o.monotonic ?? (() => performance.now());
    const body = JSON.stringify(this.heartbeat());
    const started = now();
    try {
      const res = await this.#fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: await this.#o.authorization() },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(this.#o.timeoutMs ?? 10_000), this.#abort.signal]),
      });
      const answer: unknown = await res.json().catch(() => null);
      if (!res.ok) throw new Error(`HTTP ${res.status} ${(answer as { code?: string } | null)?.code ?? ''}`.trim());
      this.#rttMs = Math.round(now() - started);
      if (Value.Check(HeartbeatAck, answer)) this.#intervalMs = answer.intervalSeconds * 1000;
    } catch (err) {
      this.#rttMs = null;
      if (this.#closed) return;
      this.#o.log.warn(`heartbeat failed [url:${this.#url}, reason:${err instanceof Error ? err.message : String(err)}]`);
    }
  }

  async #tick(): Promise<void> {
    if (this.#closed) return;
    await this.send();
    if (this.#closed) return;
    const setTimer =
      this.#o.setTimer ??
      ((fn: () => void, ms: number) => {
        const t = setTimeout(fn, ms);
        t.unref();
        return () => clearTimeout(t);
      });
    this.#cancelTimer = setTimer(() => void this.#tick(), this.#intervalMs);
  }

  get intervalSeconds(): number {
    return this.#intervalMs / 1000;
  }

  /** Idempotent; a heartbeat in flight is abandoned. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelTimer?.();
    this.#abort.abort();
    await this.#inFlight;
  }
}

type MediaKind = keyof MediaDevicesReport;

/**
 * Holds the renderer's last report of its media devices (bridge call
 * reportMediaDevices) and what the last self-test found of them. A device
 * the page lists counts as working until a self-test fails to use it; it is
 * then `failing` until a self-test succeeds with it or the page's list of
 * that kind changes (unplugged, or another one plugged in).
 */
export class MediaReportBox {
  #report: MediaDevicesReport = UNKNOWN_MEDIA;
  readonly #failing = new Set<MediaKind>();
  /** Called when what get() returns changes. */
  onChange: (() => void) | null = null;
  set(report: MediaDevicesReport): void {
    const before = JSON.stringify(this.get());
    for (const kind of Object.keys(report) as MediaKind[]) if (report[kind] !== this.#report[kind]) this.#failing.delete(kind);
    this.#report = report;
    if (JSON.stringify(this.get()) !== before) this.onChange?.();
  }
  /** A self-test's camera, microphone and speaker results (skipped ones change nothing). */
  setTested(results: readonly { name: string; result: 'ok' | 'failed' | 'skipped' }[]): void {
    const before = JSON.stringify(this.get());
    for (const r of results) {
      if (!(r.name in this.#report)) continue;
      if (r.result === 'failed') this.#failing.add(r.name as MediaKind);
      else if (r.result === 'ok') this.#failing.delete(r.name as MediaKind);
    }
    if (JSON.stringify(this.get()) !== before) this.onChange?.();
  }
  get(): MediaDevicesReport {
    const r = { ...this.#report };
    // A kind the page has none of stays `absent`: that says more than `failing`.
    for (const kind of this.#failing) if (r[kind] !== 'absent') r[kind] = 'failing';
    return r;
  }
}
