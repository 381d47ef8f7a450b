/**
 * One contract, two stores: kiosk challenges and tokens in memory (one node)
 * and in a real Redis (shared by a site's nodes), with the same tests; then
 * what only sharing adds: two nodes see one set of tokens, and of two nodes
 * racing for a challenge exactly one gets it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kioskId } from '@citizen/protocol';
import { MemoryKioskTokens, type KioskTokens } from './KioskTokens';
import { RedisKioskTokens } from './RedisKioskTokens';
import { startTestRedis, type TestRedis } from '../cluster/testing/redis';

const CHALLENGE_MS = 60_000;
const TOKEN_MS = 15 * 60_000;
const k1 = kioskId('k-tokens-1');
const k2 = kioskId('k-tokens-2');
const t0 = new Date('2026-11-30T10:00:00Z');
const at = (ms: number): Date => new Date(t0.getTime() + ms);

let redis: TestRedis;
let prefixes = 0;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const stores: [string, () => KioskTokens][] = [
  ['memory', () => new MemoryKioskTokens({ challengeMs: CHALLENGE_MS, tokenMs: TOKEN_MS, now: () => t0 })],
  // A fresh prefix per store: the tests do not see each other's keys.
  ['redis', () => new RedisKioskTokens({ url: redis.url, prefix: `test${++prefixes}:`, challengeMs: CHALLENGE_MS, tokenMs: TOKEN_MS })],
];

describe.each(stores)('KioskTokens (%s)', (_name, make) => {
  it('takes a challenge once, only for its kiosk, only before it expires', async () => {
    const s = make();
    try {
      const a = await s.issueChallenge(k1, t0);
      expect(a.expiresAt).toEqual(at(CHALLENGE_MS));
      expect(await s.takeChallenge(k2, a.challenge, t0)).toBe(false);
      expect(await s.takeChallenge(k1, a.challenge, at(1000))).toBe(true);
      expect(await s.takeChallenge(k1, a.challenge, at(1000))).toBe(false);
      const late = await s.issueChallenge(k1, t0);
      // Expired: refused, and gone (taken whether or not it was still good).
      expect(await s.takeChallenge(k1, late.challenge, at(CHALLENGE_MS))).toBe(false);
      expect(await s.takeChallenge(k1, 'not-a-challenge', t0)).toBe(false);
    } finally {
      s.close();
    }
  });

  it('keeps a kiosk to its newest four open challenges', async () => {
    const s = make();
    try {
      const issued = [];
      for (let i = 0; i < 6; i++) issued.push((await s.issueChallenge(k1, at(i))).challenge);
      const taken = [];
      for (const c of issued) taken.push(await s.takeChallenge(k1, c, at(10)));
      expect(taken).toEqual([false, false, true, true, true, true]);
    } finally {
      s.close();
    }
  });

  it('finds a token with its kiosk and key until it expires; dropKiosk voids that kiosk’s tokens and challenges only', async () => {
    const s = make();
    try {
      const t1 = await s.issueToken(k1, 'key-1', t0);
      const t2 = await s.issueToken(k2, 'key-2', t0);
      expect(t1.expiresAt).toEqual(at(TOKEN_MS));
      expect(await s.findToken(t1.token, at(TOKEN_MS - 1))).toEqual({ kioskId: k1, keyHash: 'key-1', expiresAt: at(TOKEN_MS) });
      expect(await s.findToken(t1.token, at(TOKEN_MS))).toBeUndefined();
      expect(await s.findToken('not-a-token', t0)).toBeUndefined();
      const c = await s.issueChallenge(k1, t0);
      await s.dropKiosk(k1);
      expect(await s.findToken(t1.token, t0)).toBeUndefined();
      expect(await s.takeChallenge(k1, c.challenge, t0)).toBe(false);
      expect(await s.findToken(t2.token, t0)).toMatchObject({ kioskId: k2 });
    } finally {
      s.close();
    }
  });
});

describe('KioskTokens shared by several nodes (Redis)', () => {
  const node = (prefix: string) => new RedisKioskTokens({ url: redis.url, prefix, challengeMs: CHALLENGE_MS, tokenMs: TOKEN_MS });

  it('lets a kiosk in at every node with the token one node gave it, and a revocation at one node voids it at all', async () => {
    const [a, b] = [node('site:'), node('site:')];
    try {
      const { token } = await a.issueToken(k1, 'key-1', t0);
      expect(await b.findToken(token, t0)).toMatchObject({ kioskId: k1, keyHash: 'key-1' });
      await b.dropKiosk(k1);
      expect(await a.findToken(token, t0)).toBeUndefined();
      // Another site on the same Redis sees nothing of this one.
      const other = node('other-site:');
      expect(await other.findToken((await a.issueToken(k1, 'key-1', t0)).token, t0)).toBeUndefined();
      other.close();
    } finally {
      a.close();
      b.close();
    }
  });

  it('gives a challenge to exactly one of many nodes racing for it', async () => {
    const nodes = Array.from({ length: 6 }, () => node('race:'));
    try {
      for (let round = 0; round < 20; round++) {
        const { challenge } = await nodes[round % nodes.length]!.issueChallenge(k2, t0);
        const results = await Promise.all(nodes.map((n) => n.takeChallenge(k2, challenge, t0)));
        expect(results.filter(Boolean)).toHaveLength(1);
      }
    } finally {
      for (const n of nodes) n.close();
    }
  });

  it('answers a ping while Redis is up, and refuses work with an error (not a wrong answer) while it is away', async () => {
    const own = await startTestRedis();
    const s = new RedisKioskTokens({ url: own.url, challengeMs: CHALLENGE_MS, tokenMs: TOKEN_MS });
    try {
      const { token } = await s.issueToken(k1, 'key-1', t0);
      expect(await s.ping()).toBe(true);
      await own.stop({ hard: true });
      expect(await s.ping()).toBe(false);
      await expect(s.findToken(token, t0)).rejects.toMatchObject({ code: 'LIVE_STATE_UNAVAILABLE', statusCode: 503 });
    } finally {
      s.close();
      await own.stop();
    }
  });
});
