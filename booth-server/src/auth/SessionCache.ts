/**
 * Sign-ins this process looked up recently: session token hash → the session
 * and its user, so an authenticated request does not cost two store reads.
 *
 * The store stays the authority; the cache only ever answers "still signed in"
 * for a bounded time, and every request re-checks what the store would:
 *  - The idle and absolute ends are checked on every `get`, from the cached
 *    session. A session that looks over its idle end is dropped and read again
 *    (a socket's keep-alive may have moved the end in the store meanwhile).
 *  - This process invalidates at once whatever it changes: sign-out, sign-out
 *    everywhere, an account disabled, its role, skills or second factor changed
 *    (the routes call `forgetSession` / `forgetUser` after the store write).
 *  - A change made by another process (a second booth-server node on a shared
 *    store, a script on the database) is seen once the entry is older than
 *    `ttlMs`: that is the bound on how long such a change can go unnoticed.
 *
 * Design note on the race the epoch prevents: a request that missed the cache
 * reads the store, and a sign-out may run while that read is awaited. If the
 * request then cached what it read, the revoked session would be served until
 * the TTL ran out. So `epoch()` is taken before the read, every forget moves it
 * on, and `set` refuses an entry read under an older epoch.
 */
import type { UserId } from '@citizen/protocol';
import type { SessionRecord, UserAccount } from '../store/Store';

export interface SignIn {
  session: SessionRecord;
  user: UserAccount;
}

export interface SessionCacheOptions {
  /** How long an entry may answer without asking the store again. */
  ttlMs: number;
  /** Entries kept at most; the oldest goes first. */
  maxEntries: number;
}

interface Entry extends SignIn {
  /** When the store was read (ms); the entry answers until `readAt + ttlMs`. */
  readAt: number;
}

export class SessionCache {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  /** In order of reading, oldest first (a Map keeps insertion order). */
  readonly #entries = new Map<string, Entry>();
  #epoch = 0;

  constructor(opts: SessionCacheOptions) {
    if (!(opts.ttlMs >= 0)) throw new TypeError('SessionCache: ttlMs must be >= 0');
    if (!(opts.maxEntries >= 1)) throw new TypeError('SessionCache: maxEntries must be >= 1');
    this.#ttlMs = opts.ttlMs;
    this.#maxEntries = opts.maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The sign-in if it is cached, read less than ttlMs ago, and its session has not ended at `now`. */
  get(tokenHash: string, now: number): SignIn | undefined {
    const e = this.#entries.get(tokenHash);
    if (!e) return undefined;
    // `now < readAt` too: a clock that went back must not stretch the TTL.
    if (now - e.readAt >= this.#ttlMs || now < e.readAt || now >= e.session.expiresAt.getTime() || now >= e.session.idleExpiresAt.getTime()) {
      this.#entries.delete(tokenHash);
      return undefined;
    }
    return e;
  }

  /** Take before reading the store; pass to `set` with what was read. */
  epoch(): number {
    return this.#epoch;
  }

  /** Caches a sign-in read from the store at `readAt`, unless something was forgotten since `epoch`. */
  set(tokenHash: string, signIn: SignIn, readAt: number, epoch: number): void {
    if (epoch !== this.#epoch || this.#ttlMs === 0) return;
    this.#entries.delete(tokenHash);
    this.#entries.set(tokenHash, { session: signIn.session, user: signIn.user, readAt });
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  /** The session as this process just recorded its use; the entry keeps its read time. */
  recordUse(tokenHash: string, session: SessionRecord): void {
    const e = this.#entries.get(tokenHash);
    // Replaced, not changed: a caller may still hold the entry `get` returned.
    if (e) this.#entries.set(tokenHash, { ...e, session });
  }

  forgetSession(tokenHash: string): void {
    this.#epoch++;
    this.#entries.delete(tokenHash);
  }

  /** Every cached session of the user: their account or their sessions changed. */
  forgetUser(id: UserId): void {
    this.#epoch++;
    // A scan, not a second index kept in step: it runs only when an account
    // changes, over at most maxEntries entries.
    for (const [hash, e] of this.#entries) if (e.user.id === id) this.#entries.delete(hash);
  }

  clear(): void {
    this.#epoch++;
    this.#entries.clear();
  }
}
