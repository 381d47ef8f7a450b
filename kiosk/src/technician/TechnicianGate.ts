/**
 * Technician mode's lock, kept in the shell: the renderer sends the PIN a
 * technician typed (bridge call `technicianUnlock`) and learns only whether
 * it opened. The PIN's hash never leaves the shell, and the calls that only a
 * technician may make (self-test, technician status, enrolling a kiosk that is
 * already enrolled) ask `require()` here, so page script cannot skip the PIN.
 *
 * Lockout: after MAX_TRIES wrong PINs in a row every further try waits
 * LOCKOUT_BASE_MS, doubling with each wrong try, up to LOCKOUT_MAX_MS; a
 * right PIN resets the count. Tries are checked one at a time (a chain), so
 * tries sent together cannot all slip in before the count goes up. The count
 * lives in memory: restarting the shell takes a technician's access to the
 * machine, which is more than the PIN guards.
 *
 * Every try, opening and closing is written to the shell log (never the PIN).
 */
import { BridgeError } from '../contract';
import { parsePinHash, verifyPin, type PinHash } from './pin';

export const MAX_TRIES = 5;
export const LOCKOUT_BASE_MS = 30_000;
export const LOCKOUT_MAX_MS = 15 * 60_000;
/** Technician mode closes itself after this long without a technician call (the renderer closes its screen at the same idle time). */
export const TECHNICIAN_IDLE_MS = 2 * 60_000;

export interface TechnicianGateOptions {
  /** `kiosk.technicianPinHash`; without one technician mode cannot be opened. */
  pinHash: string | undefined;
  /** For log lines. */
  kioskId: () => string;
  log: { info(msg: string): void; warn(msg: string): void };
  now?: () => number;
  idleMs?: number;
  /** Called when technician mode opens, before the renderer hears so (the shell ends the resident session). */
  onOpen?: () => void;
}

export class TechnicianGate {
  readonly #hash: PinHash | null;
  readonly #o: TechnicianGateOptions;
  readonly #now: () => number;
  readonly #idleMs: number;
  #failures = 0;
  #lockedUntil = 0;
  #openSince: number | null = null;
  #lastUse = 0;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(opts: TechnicianGateOptions) {
    // A malformed hash stops the shell at start-up, naming what is wrong, rather than locking technicians out later.
    this.#hash = opts.pinHash ? parsePinHash(opts.pinHash) : null;
    this.#o = opts;
    this.#now = opts.now ?? Date.now;
    this.#idleMs = opts.idleMs ?? TECHNICIAN_IDLE_MS;
  }

  get configured(): boolean {
    return this.#hash !== null;
  }

  /** Checks a PIN; resolves when technician mode is open, rejects with a coded BridgeError otherwise. */
  unlock(pin: string): Promise<{ idleSeconds: number }> {
    const attempt = this.#chain.then(() => this.#try(pin));
    this.#chain = attempt.catch(() => undefined);
    return attempt;
  }

  async #try(pin: string): Promise<{ idleSeconds: number }> {
    const ctx = `kiosk:${this.#o.kioskId()}`;
    if (!this.#hash) {
      this.#o.log.warn(`technician PIN refused [${ctx}, reason:not configured]`);
      throw new BridgeError({ code: 'TECHNICIAN_NOT_CONFIGURED', message: 'technician mode is not set up on this kiosk', fix: 'Set kiosk.technicianPinHash in the kiosk\'s site config (npm run -s technician-pin -w kiosk makes one).' });
    }
    const wait = this.#lockedUntil - this.#now();
    if (wait > 0) {
      this.#o.log.warn(`technician PIN refused [${ctx}, reason:locked out, retry_s:${Math.ceil(wait / 1000)}]`);
      throw lockedOut(wait);
    }
    if (await verifyPin(pin, this.#hash)) {
      this.#failures = 0;
      this.#lockedUntil = 0;
      const now = this.#now();
      this.#openSince = now;
      this.#lastUse = now;
      this.#o.log.info(`technician PIN accepted, technician mode open [${ctx}]`);
      this.#o.onOpen?.();
      return { idleSeconds: Math.round(this.#idleMs / 1000) };
    }
    this.#failures++;
    const left = MAX_TRIES - this.#failures;
    if (left > 0) {
      this.#o.log.warn(`technician PIN wrong [${ctx}, failures:${this.#failures}, tries_left:${left}]`);
      throw new BridgeError({ code: 'TECHNICIAN_PIN_WRONG', message: `wrong PIN; ${left} ${left === 1 ? 'try' : 'tries'} left before a lockout`, details: { attemptsLeft: left } });
    }
    const lockMs = Math.min(LOCKOUT_MAX_MS, LOCKOUT_BASE_MS * 2 ** (this.#failures - MAX_TRIES));
    this.#lockedUntil = this.#now() + lockMs;
    this.#o.log.warn(`technician PIN wrong, locked out [${ctx}, failures:${this.#failures}, locked_s:${lockMs / 1000}]`);
    throw lockedOut(lockMs);
  }

  /** Whether technician mode is open now (it closes itself after the idle time). */
  get isOpen(): boolean {
    if (this.#openSince === null) return false;
    if (this.#now() - this.#lastUse >= this.#idleMs) this.close('idle');
    return this.#openSince !== null;
  }

  /** For the calls only a technician may make: throws unless technician mode is open, and counts as activity. */
  require(call: string): void {
    if (!this.isOpen) throw new BridgeError({ code: 'TECHNICIAN_MODE_REQUIRED', message: `${call} is for technician mode only`, fix: 'Open technician mode with the technician PIN first.' });
    this.#lastUse = this.#now();
  }

  /** Idempotent. */
  close(reason: 'closed' | 'idle'): void {
    if (this.#openSince === null) return;
    const openS = Math.round((this.#now() - this.#openSince) / 1000);
    this.#openSince = null;
    this.#o.log.info(`technician mode closed [kiosk:${this.#o.kioskId()}, reason:${reason}, open_s:${openS}]`);
  }
}

function lockedOut(ms: number): BridgeError {
  const s = Math.ceil(ms / 1000);
  return new BridgeError({ code: 'TECHNICIAN_LOCKED_OUT', message: `too many wrong PINs; try again in ${s} s`, fix: 'Wait, then type the PIN again. Each further wrong PIN doubles the wait.', details: { retryAfterSeconds: s } });
}
