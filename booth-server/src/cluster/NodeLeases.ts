/**
 * Which booth-server nodes of a site are alive, and who takes over from one
 * that died. Each node holds a lease in Redis that it renews every
 * `renewMs`; a node whose lease has not been renewed for `ttlMs` is lost (a
 * `kill -9`, a frozen machine, a cut network). Any surviving node may notice;
 * `claimLost` hands each lost node to exactly one of them (a Lua script moves
 * it out of the live set and answers only the node that moved it), so the
 * takeover of its waiting residents and calls happens once.
 *
 * Keys under the site's prefix: `nodes` (sorted set: node id → last renewal,
 * ms) and `node:<id>` (the node's JSON info: where its media and signalling
 * are). Times are the nodes' own clocks (the leases compare renewals made by
 * different nodes, so the nodes' clocks must agree to well within ttlMs, as
 * NTP gives them).
 */
import type { Redis } from 'ioredis';
import { connectRedis, redisAnswers } from './redis';

export interface NodeInfo {
  nodeId: string;
  /** Where this node's clients reach it (signalling URL), for a client told to move. */
  url: string;
  startedAt: number;
}

/** KEYS[1] the live set; ARGV[1] the cut-off (ms), ARGV[2] the info key prefix. Removes and returns the ids renewed before the cut-off. */
const CLAIM_LOST = `
local lost = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
for _, id in ipairs(lost) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('DEL', ARGV[2] .. id)
end
return lost`;

interface LeaseCommands {
  claimLost(liveKey: string, cutoff: number, infoPrefix: string): Promise<string[]>;
}

export interface NodeLeasesOptions {
  url: string;
  prefix?: string;
  /** How often this node renews its lease. */
  renewMs: number;
  /** A lease not renewed for this long is lost (a few renewals: one late renewal is not a death). */
  ttlMs: number;
  now?: () => number;
  onError?: (err: unknown) => void;
  /**
   * A renewal found this node's lease gone and put it back: another node
   * claimed it while this one could not renew (Redis was away), or Redis lost
   * its data (restarted without persistence). What this node shares there
   * must be written again.
   */
  onRestored?: () => void;
}

export class NodeLeases {
  readonly #redis: Redis & LeaseCommands;
  readonly #p: string;
  readonly #o: NodeLeasesOptions;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;
  #self: NodeInfo | null = null;
  /** The first renewal (the join) is done: a lease found missing later was lost. */
  #joined = false;

  constructor(opts: NodeLeasesOptions) {
    if (!(opts.renewMs > 0) || !(opts.ttlMs > opts.renewMs * 2)) throw new TypeError('NodeLeases: renewMs must be > 0 and ttlMs more than two renewals');
    this.#o = opts;
    this.#p = opts.prefix ?? 'citizen:';
    this.#now = opts.now ?? Date.now;
    const redis = connectRedis(opts.url);
    redis.defineCommand('claimLost', { numberOfKeys: 1, lua: CLAIM_LOST });
    this.#redis = redis as Redis & LeaseCommands;
  }

  get #live(): string {
    return `${this.#p}nodes`;
  }
  get #infoPrefix(): string {
    return `${this.#p}node:`;
  }

  /** Takes this node's lease and keeps renewing it until leave() or close(). */
  async join(info: NodeInfo): Promise<void> {
    this.#self = info;
    await this.#renew();
    this.#timer = setInterval(() => void this.#renew().catch((err: unknown) => this.#o.onError?.(err)), this.#o.renewMs);
    this.#timer.unref();
  }

  async #renew(): Promise<void> {
    const self = this.#self;
    if (!self) return;
    const results = await this.#redis
      .multi()
      .zadd(this.#live, this.#now(), self.nodeId)
      .set(this.#infoPrefix + self.nodeId, JSON.stringify(self), 'PX', this.#o.ttlMs * 2)
      .exec();
    // ZADD answers 1 when it added the member: the lease was not there.
    const added = results?.[0]?.[1] === 1;
    if (added && this.#joined) this.#o.onRestored?.();
    this.#joined = true;
  }

  /** The nodes whose leases are current. */
  async alive(): Promise<NodeInfo[]> {
    const ids = await this.#redis.zrangebyscore(this.#live, this.#now() - this.#o.ttlMs, '+inf');
    if (ids.length === 0) return [];
    const infos = await this.#redis.mget(ids.map((id) => this.#infoPrefix + id));
    return infos.flatMap((raw) => (raw ? [JSON.parse(raw) as NodeInfo] : []));
  }

  /** The nodes lost since the last claim, each answered to exactly one caller over all nodes. */
  async claimLost(): Promise<string[]> {
    return this.#redis.claimLost(this.#live, this.#now() - this.#o.ttlMs, this.#infoPrefix);
  }

  /** Gives the lease up at once (an orderly shutdown: nobody needs to wait for it to lapse). */
  async leave(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    const self = this.#self;
    this.#self = null;
    if (self) await this.#redis.multi().zrem(this.#live, self.nodeId).del(this.#infoPrefix + self.nodeId).exec();
  }

  /** Redis answers (readiness). */
  ping(): Promise<boolean> {
    return redisAnswers(this.#redis);
  }

  /** Stops renewing without giving the lease up (as a crash would); the connection closes. */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#redis.disconnect();
  }
}
