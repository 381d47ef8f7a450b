/**
 * A site-wide duty (the fleet monitor's offline checks and alerts, remote
 * action expiry): periodic work that must run on exactly one live node of a
 * site at a time, not on every node.
 *
 * With Redis, the duty is a lease: one key under the site's prefix,
 * `duty:<name>`, whose value is the holder's node id. A node takes it with
 * `SET key nodeId NX PX ttl`, and the holder renews it every ttl/3 with a Lua
 * compare-and-extend (only while the value is still its own id); close()
 * gives it up with a Lua compare-and-delete, so another node takes it on its
 * next attempt (within ttl/3). A holder that dies (kill -9, a frozen machine,
 * a cut network) stops renewing: its key expires after ttl and another node
 * takes the duty over on its next attempt.
 *
 * Fail safe: the holder counts its lease from the moment it *sent* the
 * command that took or extended it (Redis counts from when it ran it, which
 * is later), less a small margin for clock rate, on a monotonic clock. So when
 * Redis stops answering, `isHeld()` turns false no later than the key could
 * have expired in Redis and another node taken the duty: better no alert for
 * a few seconds than two. When Redis is back, some node takes the duty again.
 *
 * Without Redis (one node, `cluster.redisUrl` empty) every duty is always
 * held by the one node: `Duty.start` without `redis`/`redisUrl` gives a
 * trivial in-process duty with the same interface.
 *
 * `isHeld()` is computed when asked (the lease's end is checked every call);
 * `onAcquired`/`onLost` are told on the next attempt (within ttl/3).
 */
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { connectRedis } from './redis';

export type DutyErrorCode = 'DUTY_BAD_OPTIONS' | 'DUTY_REDIS_FAILED';

export class DutyError extends Error {
  readonly code: DutyErrorCode;
  constructor(code: DutyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DutyError';
    this.code = code;
  }
}

/** KEYS[1] the duty's key; ARGV[1] the node id, ARGV[2] ttl (ms). 1 when the lease was this node's and is extended. */
const EXTEND = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** KEYS[1] the duty's key; ARGV[1] the node id. 1 when the lease was this node's and is given up. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

interface DutyCommands {
  dutyExtend(key: string, nodeId: string, ttlMs: number): Promise<number>;
  dutyRelease(key: string, nodeId: string): Promise<number>;
}

export interface DutyOptions {
  /** A connection to the site's Redis (kept open by close(): its owner closes it). */
  redis?: Redis;
  /** Or its URL: the duty opens its own connection and closes it. Neither: one node, always held. */
  redisUrl?: string;
  /** Key prefix of the site (default `citizen:`). */
  keyPrefix?: string;
  /** The duty's name (`fleet`, `actions`): [A-Za-z0-9_-]. */
  name: string;
  /** This node's id, unique among the site's live nodes (the lease's value). */
  nodeId: string;
  /** How long a lease lasts unrenewed: the longest a dead holder keeps the duty from the others. */
  ttlMs: number;
  /** This node took the duty. */
  onAcquired?: () => void;
  /** This node no longer holds the duty (taken by another, expired, or Redis unreachable past the lease). */
  onLost?: () => void;
  /** A Redis command failed (the duty keeps trying). */
  onError?: (err: DutyError) => void;
}

/** A site-wide duty held by one node at a time. */
export interface Duty {
  readonly name: string;
  readonly nodeId: string;
  /** Whether this node holds the duty now (and may do its work). */
  isHeld(): boolean;
  /** Stops trying and gives the duty up if held (not reported to onLost). Idempotent. */
  close(): Promise<void>;
}

/** Time a lease is counted shorter than Redis counts it: clock-rate differences and timer lateness. */
function marginOf(ttlMs: number): number {
  return Math.min(1000, Math.floor(ttlMs / 10));
}

function check(opts: DutyOptions): void {
  if (!opts || typeof opts !== 'object') throw new DutyError('DUTY_BAD_OPTIONS', 'Duty.start: options are required');
  if (typeof opts.name !== 'string' || !/^[A-Za-z0-9_-]{1,40}$/.test(opts.name)) throw new DutyError('DUTY_BAD_OPTIONS', `Duty.start: name must be 1-40 of [A-Za-z0-9_-], got ${JSON.stringify(opts.name)}`);
  if (typeof opts.nodeId !== 'string' || opts.nodeId.length === 0 || opts.nodeId.length > 200) throw new DutyError('DUTY_BAD_OPTIONS', 'Duty.start: nodeId must be a non-empty string');
  if (!Number.isInteger(opts.ttlMs) || opts.ttlMs < 300) throw new DutyError('DUTY_BAD_OPTIONS', `Duty.start: ttlMs must be an integer of at least 300 (renewed every ttl/3), got ${opts.ttlMs}`);
  if (opts.redis && opts.redisUrl) throw new DutyError('DUTY_BAD_OPTIONS', 'Duty.start: give redis or redisUrl, not both');
}

/** One node: the duty is its own from start to close. */
class LocalDuty implements Duty {
  #closed = false;
  constructor(
    readonly name: string,
    readonly nodeId: string,
    onAcquired?: () => void,
  ) {
    onAcquired?.();
  }
  isHeld(): boolean {
    return !this.#closed;
  }
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}

class RedisDuty implements Duty {
  readonly name: string;
  readonly nodeId: string;
  readonly #o: DutyOptions;
  readonly #redis: Redis & DutyCommands;
  readonly #ownsConnection: boolean;
  readonly #key: string;
  readonly #timer: NodeJS.Timeout;
  /** Whether this node took the lease and has not seen it lost; the lease's end is checked too (isHeld). */
  #held = false;
  /** Monotonic ms until which this node's lease surely lasts in Redis. */
  #until = 0;
  #busy = false;
  /** The attempt under way (close waits for it, so a lease it takes is given up too). */
  #inflight: Promise<void> = Promise.resolve();
  #closing: Promise<void> | null = null;

  constructor(o: DutyOptions) {
    this.#o = o;
    this.name = o.name;
    this.nodeId = o.nodeId;
    this.#key = `${o.keyPrefix ?? 'citizen:'}duty:${o.name}`;
    this.#ownsConnection = !o.redis;
    const redis = o.redis ?? connectRedis(o.redisUrl!);
    // Defined on a shared connection once; later duties reuse the commands.
    if (!('dutyExtend' in redis)) {
      redis.defineCommand('dutyExtend', { numberOfKeys: 1, lua: EXTEND });
      redis.defineCommand('dutyRelease', { numberOfKeys: 1, lua: RELEASE });
    }
    this.#redis = redis as Redis & DutyCommands;
    this.#timer = setInterval(() => this.#tick(), Math.max(100, Math.floor(o.ttlMs / 3)));
    this.#timer.unref();
    this.#tick();
  }

  isHeld(): boolean {
    return this.#held && !this.#closing && performance.now() < this.#until;
  }

  /** Takes or renews the lease; one attempt at a time, so a Redis that hangs only ages the lease. */
  #tick(): void {
    this.#expireIfDue();
    if (this.#busy || this.#closing) return;
    this.#busy = true;
    this.#inflight = this.#attempt();
  }

  async #attempt(): Promise<void> {
    const sentAt = performance.now();
    const { ttlMs, nodeId } = this.#o;
    try {
      let ours: boolean;
      if (this.#held) {
        ours = (await this.#redis.dutyExtend(this.#key, nodeId, ttlMs)) === 1;
      } else {
        ours = (await this.#redis.set(this.#key, nodeId, 'PX', ttlMs, 'NX')) === 'OK';
        // Still ours from before (this node let it go locally while Redis was slow): take it back.
        if (!ours) ours = (await this.#redis.dutyExtend(this.#key, nodeId, ttlMs)) === 1;
      }
      if (ours) {
        this.#until = Math.max(this.#until, sentAt + ttlMs - marginOf(ttlMs));
        if (!this.#held && performance.now() < this.#until) {
          this.#held = true;
          if (!this.#closing) this.#o.onAcquired?.();
        }
      } else if (this.#held) {
        this.#held = false;
        if (!this.#closing) this.#o.onLost?.();
      }
    } catch (err) {
      this.#o.onError?.(new DutyError('DUTY_REDIS_FAILED', `duty ${this.name}: Redis did not answer`, { cause: err }));
    } finally {
      this.#busy = false;
      this.#expireIfDue();
    }
  }

  #expireIfDue(): void {
    if (this.#held && !this.#closing && performance.now() >= this.#until) {
      this.#held = false;
      this.#o.onLost?.();
    }
  }

  close(): Promise<void> {
    return (this.#closing ??= (async () => {
      clearInterval(this.#timer);
      await this.#inflight;
      const wasHeld = this.#held && performance.now() < this.#until;
      this.#held = false;
      try {
        // Compare-and-delete: never removes a lease another node took meanwhile.
        if (wasHeld) await this.#redis.dutyRelease(this.#key, this.#o.nodeId);
      } catch (err) {
        this.#o.onError?.(new DutyError('DUTY_REDIS_FAILED', `duty ${this.name}: not given up, it lapses after its ttl`, { cause: err }));
      } finally {
        if (this.#ownsConnection) this.#redis.disconnect();
      }
    })());
  }
}

export const Duty = {
  /** Starts trying to hold the duty (at once, then every ttl/3). Without redis/redisUrl: held at once, by this node alone. */
  start(opts: DutyOptions): Duty {
    check(opts);
    if (!opts.redis && !opts.redisUrl) return new LocalDuty(opts.name, opts.nodeId, opts.onAcquired);
    return new RedisDuty(opts);
  },
};
