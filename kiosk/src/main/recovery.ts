/**
 * A renderer that crashed (render-process-gone) or hung (unresponsive) is
 * relaunched on the attract screen, a bounded number of times: more than
 * `maxRelaunches` failures within `windowMs` and the kiosk shows the
 * out-of-order page instead, and keeps showing it until the shell is
 * restarted (a technician, or the OS watchdog's nightly restart; see
 * kiosk/LOCKDOWN.md). A crash loop would otherwise show residents a kiosk
 * that flickers and loses what they typed, over and over.
 *
 * Each relaunch first resets the resident's session (main closes the call
 * gate and ends the bridge session: card reads dropped, print jobs
 * cancelled), so the next resident starts clean.
 */
import type { ShellLog } from './log';
import { APP_ENTRY_URL } from './origins';
import { OUT_OF_ORDER_URL } from './outOfOrder';

export interface RecoveryPolicy {
  maxRelaunches: number;
  windowMs: number;
}

export const RECOVERY_POLICY: RecoveryPolicy = { maxRelaunches: 3, windowMs: 10 * 60_000 };

export type RendererFailure = { kind: 'gone'; reason: string; exitCode: number } | { kind: 'unresponsive' };

export type RecoveryOutcome = 'relaunched' | 'out-of-order';

export class RendererRecovery {
  readonly #deps: { now: () => number; load: (url: string) => void; resetSession: () => void; log: ShellLog };
  readonly #policy: RecoveryPolicy;
  /** Times of the failures within the window, oldest first. */
  #failures: number[] = [];
  #outOfOrder = false;

  constructor(deps: { now: () => number; load: (url: string) => void; resetSession: () => void; log: ShellLog; policy?: RecoveryPolicy }) {
    this.#policy = deps.policy ?? RECOVERY_POLICY;
    if (!(this.#policy.maxRelaunches >= 0) || !(this.#policy.windowMs > 0)) throw new TypeError('RendererRecovery: maxRelaunches must be >= 0 and windowMs > 0');
    this.#deps = deps;
  }

  get isOutOfOrder(): boolean {
    return this.#outOfOrder;
  }

  /** Crashes and hangs within the window up to now: what the heartbeat reports as `rendererCrashes`. */
  recentFailures(): number {
    const since = this.#deps.now() - this.#policy.windowMs;
    return this.#failures.filter((t) => t > since).length;
  }

  failed(failure: RendererFailure): RecoveryOutcome {
    const now = this.#deps.now();
    this.#failures = this.#failures.filter((t) => t > now - this.#policy.windowMs);
    this.#failures.push(now);
    const what = failure.kind === 'gone' ? `gone, reason:${failure.reason}, exitCode:${failure.exitCode}` : 'unresponsive';
    this.#deps.resetSession();
    if (this.#outOfOrder || this.#failures.length > this.#policy.maxRelaunches) {
      this.#outOfOrder = true;
      this.#deps.log.warn(`renderer failed, kiosk out of order until the shell restarts [${what}, failures:${this.#failures.length}, windowMinutes:${this.#policy.windowMs / 60_000}]`);
      this.#deps.load(OUT_OF_ORDER_URL);
      return 'out-of-order';
    }
    this.#deps.log.warn(`renderer failed, relaunched [${what}, relaunch:${this.#failures.length}/${this.#policy.maxRelaunches}]`);
    this.#deps.load(APP_ENTRY_URL);
    return 'relaunched';
  }
}

/** The part of Electron's WebContents the watch uses. */
export interface WatchedContents {
  on(event: 'render-process-gone', listener: (event: unknown, details: { reason: string; exitCode: number }) => void): unknown;
  on(event: 'unresponsive', listener: () => void): unknown;
  forcefullyCrashRenderer(): void;
}

/**
 * Feeds the kiosk window's renderer failures to `recovery`. A hung renderer
 * is killed first (a reload would wait on it); the render-process-gone that
 * the kill causes is the same failure and is not counted again. Nothing
 * counts once the app is quitting.
 */
export function watchRenderer(contents: WatchedContents, recovery: RendererRecovery, isQuitting: () => boolean): void {
  let killedByUs = false;
  contents.on('render-process-gone', (_event, details) => {
    const ours = killedByUs && details.reason === 'killed';
    killedByUs = false;
    if (ours || isQuitting()) return;
    recovery.failed({ kind: 'gone', reason: details.reason, exitCode: details.exitCode });
  });
  contents.on('unresponsive', () => {
    if (isQuitting()) return;
    killedByUs = true;
    contents.forcefullyCrashRenderer();
    recovery.failed({ kind: 'unresponsive' });
  });
}
