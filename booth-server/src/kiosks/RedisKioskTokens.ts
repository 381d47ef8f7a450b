/**
 * Kiosk challenges and tokens in Redis (ioredis), shared by every
 * booth-server node of a site: a kiosk that got its token from one node is
 * let in by all, and a revocation on one node voids it on all at once. Same
 * contract as MemoryKioskTokens (./KioskTokens.ts); the conformance test runs
 * both.
 *
 * Keys, under the site's prefix:
 *  - `kt:ch:<kioskId>`: sorted set of the kiosk's open challenges, scored by
 *    expiry (ms); at most MAX_CHALLENGES_PER_KIOSK, the oldest dropped; the
 *    key expires with its newest challenge.
 *  - `kt:tok:<sha256(token)>`: the grant as JSON, expiring with the token;
 *    `kt:kiosk:<kioskId>`: the set of a kiosk's token hashes, for dropKiosk.
 * Taking a challenge and dropping a kiosk are Lua scripts, so each is atomic
 * when several nodes race (a challenge is taken once, whoever asks). Expiry
 * is checked against the caller's clock as well as left to Redis, so a node
 * and its tests see the same rule as the in-memory store.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { connectRedis, redisAnswers } from '../cluster/redis';
import { kioskId as toKioskId, type KioskId } from '@citizen/protocol';
import { hashSecret } from '../auth/secrets';
import type { KioskTokens, TokenGrant } from './KioskTokens';
import { BoothError } from '../errors';

const MAX_CHALLENGES_PER_KIOSK = 4;

/** KEYS[1] the kiosk's challenge set; ARGV[1] the challenge, ARGV[2] now (ms). 1 when taken and not expired. */
const TAKE_CHALLENGE = `
local expires = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not expires then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
if tonumber(expires) > tonumber(ARGV[2]) then return 1 end
return 0`;

/** KEYS[1] the kiosk's challenge set, KEYS[2] its token-hash set; ARGV[1] the token key prefix. */
const DROP_KIOSK = `
local hashes = redis.call('SMEMBERS', KEYS[2])
for _, h in ipairs(hashes) do redis.call('DEL', ARGV[1] .. h) end
redis.call('DEL', KEYS[1], KEYS[2])
return #hashes`;

interface TokenCommands {
  takeChallenge(key: string, challenge: string, now: number): Promise<number>;
  dropKioskTokens(challengeKey: string, kioskKey: string, tokenPrefix: string): Promise<number>;
}

export interface RedisKioskTokensOptions {
  /** redis:// URL of the site's Redis. */
  url: string;
  /** Key prefix, one per site sharing a Redis (default `citizen:`). */
  prefix?: string;
  challengeMs: number;
  tokenMs: number;
}

/** A failed Redis command as the API says it: unavailable for now, not an internal error (and no Redis details to the caller). */
async function shared<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw Object.assign(new BoothError('LIVE_STATE_UNAVAILABLE', 'kiosk credentials cannot be checked right now'), { cause: err });
  }
}

export class RedisKioskTokens implements KioskTokens {
  readonly #redis: Redis & TokenCommands;
  readonly #p: string;
  readonly #challengeMs: number;
  readonly #tokenMs: number;

  constructor(opts: RedisKioskTokensOptions) {
    if (!(opts.challengeMs > 0) || !(opts.tokenMs > 0)) throw new TypeError('RedisKioskTokens: challengeMs and tokenMs must be > 0');
    this.#p = opts.prefix ?? 'citizen:';
    this.#challengeMs = opts.challengeMs;
    this.#tokenMs = opts.tokenMs;
    // Commands wait (and fail after their retries) while Redis is away, rather than queueing without end.
    const redis = connectRedis(opts.url);
    redis.defineCommand('takeChallenge', { numberOfKeys: 1, lua: TAKE_CHALLENGE });
    redis.defineCommand('dropKioskTokens', { numberOfKeys: 2, lua: DROP_KIOSK });
    this.#redis = redis as Redis & TokenCommands;
  }

  #challengeKey = (kioskId: KioskId): string => `${this.#p}kt:ch:${kioskId}`;
  #kioskKey = (kioskId: KioskId): string => `${this.#p}kt:kiosk:${kioskId}`;
  #tokenPrefix = (): string => `${this.#p}kt:tok:`;

  async issueChallenge(kioskId: KioskId, now: Date): Promise<{ challenge: string; expiresAt: Date }> {
    const challenge = randomBytes(32).toString('base64url');
    const expiresAt = now.getTime() + this.#challengeMs;
    const key = this.#challengeKey(kioskId);
    await shared(
      this.#redis
        .multi()
        .zadd(key, expiresAt, challenge)
        // Bounded: the lowest scores (the oldest) go beyond the newest few.
        .zremrangebyrank(key, 0, -(MAX_CHALLENGES_PER_KIOSK + 1))
        .pexpire(key, this.#challengeMs)
        .exec(),
    );
    return { challenge, expiresAt: new Date(expiresAt) };
  }

  async takeChallenge(kioskId: KioskId, challenge: string, now: Date): Promise<boolean> {
    return (await shared(this.#redis.takeChallenge(this.#challengeKey(kioskId), challenge, now.getTime()))) === 1;
  }

  async issueToken(kioskId: KioskId, keyHash: string, now: Date): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.#tokenMs);
    const hash = hashSecret(token);
    await shared(
      this.#redis
        .multi()
        .set(`${this.#tokenPrefix()}${hash}`, JSON.stringify({ kioskId, keyHash, expiresAt: expiresAt.getTime() }), 'PX', this.#tokenMs)
        .sadd(this.#kioskKey(kioskId), hash)
        .pexpire(this.#kioskKey(kioskId), this.#tokenMs)
        .exec(),
    );
    return { token, expiresAt };
  }

  async findToken(token: string, now: Date): Promise<TokenGrant | undefined> {
    const raw = await shared(this.#redis.get(`${this.#tokenPrefix()}${hashSecret(token)}`));
    if (!raw) return undefined;
    const g = JSON.parse(raw) as { kioskId: string; keyHash: string; expiresAt: number };
    if (!(g.expiresAt > now.getTime())) return undefined;
    return { kioskId: toKioskId(g.kioskId), keyHash: g.keyHash, expiresAt: new Date(g.expiresAt) };
  }

  async dropKiosk(kioskId: KioskId): Promise<void> {
    await shared(this.#redis.dropKioskTokens(this.#challengeKey(kioskId), this.#kioskKey(kioskId), this.#tokenPrefix()));
  }

  /** Redis answers (readiness). */
  ping(): Promise<boolean> {
    return redisAnswers(this.#redis);
  }

  close(): void {
    this.#redis.disconnect();
  }
}
