/**
 * Sign-in throttling, on top of the per-address rate limit of the route
 * (@fastify/rate-limit):
 *  - a global budget of password checks per minute, so random usernames from
 *    many addresses cannot buy unbounded scrypt work (memory and CPU);
 *  - back-off per username *and* address: after a few failures the next try
 *    from that address for that name must wait, doubling up to a cap. A real
 *    user signing in from their own desk is not locked out by someone
 *    guessing their password elsewhere, and nobody can lock anyone out for
 *    good: the wait is bounded and ends by itself.
 * Memory is bounded: at most `maxEntries` (name, address) pairs are tracked,
 * the least recently failed one is forgotten first.
 */
import { MinuteBudget } from './MinuteBudget';

export interface LoginThrottleOptions {
  /** Password checks per minute over every address. */
  globalPerMinute: number;
  /** Failures allowed before back-off starts. */
  freeFailures?: number;
  /** First wait once back-off starts, doubled per further failure. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxEntries?: number;
  now?: () => number;
}

export type ThrottleVerdict = { ok: true } | { ok: false; retryAfterMs: number; scope: 'global' | 'user' };

interface Failures {
  count: number;
  last: number;
}

export class LoginThrottle {
  readonly #failures = new Map<string, Failures>();
  readonly #global: MinuteBudget;
  readonly #o: Required<LoginThrottleOptions>;

  constructor(opts: LoginThrottleOptions) {
    if (!(opts.globalPerMinute >= 1)) throw new TypeError('LoginThrottle: globalPerMinute must be >= 1');
    this.#o = { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 5 * 60_000, maxEntries: 10_000, now: Date.now, ...opts };
    this.#global = new MinuteBudget(this.#o.globalPerMinute, this.#o.now);
  }

  /** May this attempt go on to the password check? Counts it against the global budget when it may. */
  check(username: string, address: string): ThrottleVerdict {
    const now = this.#o.now();
    const f = this.#failures.get(key(username, address));
    if (f && f.count >= this.#o.freeFailures) {
      const wait = Math.min(this.#o.maxDelayMs, this.#o.baseDelayMs * 2 ** (f.count - this.#o.freeFailures));
      if (now - f.last < wait) return { ok: false, retryAfterMs: wait - (now - f.last), scope: 'user' };
    }
    const wait = this.#global.take();
    return wait === null ? { ok: true } : { ok: false, retryAfterMs: wait, scope: 'global' };
  }

  failed(username: string, address: string): void {
    const k = key(username, address);
    const f = this.#failures.get(k) ?? { count: 0, last: 0 };
    // Re-insert so Map order is least-recently-failed first.
    this.#failures.delete(k);
    this.#failures.set(k, { count: f.count + 1, last: this.#o.now() });
    while (this.#failures.size > this.#o.maxEntries) {
      const oldest = this.#failures.keys().next().value as string;
      this.#failures.delete(oldest);
    }
  }

  succeeded(username: string, address: string): void {
    this.#failures.delete(key(username, address));
  }

  get tracked(): number {
    return this.#failures.size;
  }
}

const key = (username: string, address: string): string => `${address}\u0000${username}`;
