/**
 * The pieces several booth-server nodes share, against a real Redis: the
 * message bus between nodes (and the in-process bus one node uses, by the
 * same tests), and node leases: who is alive, and each lost node handed to
 * exactly one survivor — also after a real `kill -9`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import { MemoryNodeBus, RedisNodeBus, type NodeBus } from './NodeBus';
import { NodeLeases } from './NodeLeases';
import { startTestRedis, type TestRedis } from './testing/redis';

let redis: TestRedis;
let sites = 0;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const Notice = Type.Object({ socketId: Type.String(), method: Type.String(), n: Type.Integer() }, { additionalProperties: false });
const until = async (ok: () => boolean | Promise<boolean>): Promise<void> => void (await expect.poll(ok, { timeout: 5_000, interval: 20 }).toBe(true));

const buses: [string, (prefix: string, onInvalid: (c: string, p: string) => void) => [NodeBus, NodeBus]][] = [
  [
    'in process',
    (_prefix, onInvalid) => {
      const one = new MemoryNodeBus({ onInvalid });
      return [one, one];
    },
  ],
  ['redis', (prefix, onInvalid) => [new RedisNodeBus({ url: redis.url, prefix, onInvalid }), new RedisNodeBus({ url: redis.url, prefix, onInvalid })]],
];

describe.each(buses)('NodeBus (%s)', (_name, make) => {
  it('delivers each message to the subscribers of its channel, in order, checked against the channel schema', async () => {
    const invalid: string[] = [];
    const [a, b] = make(`bus${++sites}:`, (c, p) => invalid.push(`${c}: ${p}`));
    try {
      const got: unknown[] = [];
      const other: unknown[] = [];
      const off = await b.subscribe('notify', Notice, (m) => got.push(m));
      await b.subscribe('elsewhere', Notice, (m) => other.push(m));
      for (let n = 0; n < 5; n++) await a.publish('notify', { socketId: 's1', method: 'queueUpdate', n });
      await a.publish('notify', { socketId: 's1', method: 'queueUpdate', n: 'five' });
      await a.publish('notify', { socketId: 's1', method: 'queueUpdate', n: 6, extra: true });
      await until(() => invalid.length === 2);
      expect(got.map((m) => (m as { n: number }).n)).toEqual([0, 1, 2, 3, 4]);
      expect(other).toEqual([]);
      expect(invalid[0]).toMatch(/^notify: \/n: /);
      await off();
      await a.publish('notify', { socketId: 's1', method: 'queueUpdate', n: 7 });
      await a.publish('elsewhere', { socketId: 's2', method: 'x', n: 1 });
      await until(() => other.length === 1);
      expect(got).toHaveLength(5);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('RedisNodeBus', () => {
  it('keeps sites apart on one Redis', async () => {
    const [a, b] = [new RedisNodeBus({ url: redis.url, prefix: 'site-a:' }), new RedisNodeBus({ url: redis.url, prefix: 'site-b:' })];
    const mine = new RedisNodeBus({ url: redis.url, prefix: 'site-a:' });
    try {
      const atB: unknown[] = [];
      const atMine: unknown[] = [];
      await b.subscribe('notify', Notice, (m) => atB.push(m));
      await mine.subscribe('notify', Notice, (m) => atMine.push(m));
      await a.publish('notify', { socketId: 's', method: 'm', n: 1 });
      await until(() => atMine.length === 1);
      expect(atB).toEqual([]);
    } finally {
      for (const x of [a, b, mine]) await x.close();
    }
  });
});

describe('NodeLeases', () => {
  it('lists the live nodes, and hands a node that stopped renewing to exactly one survivor', async () => {
    let now = 1_000_000;
    const prefix = `leases${++sites}:`;
    const lease = () => new NodeLeases({ url: redis.url, prefix, renewMs: 20, ttlMs: 3_000, now: () => now });
    const [a, b, c] = [lease(), lease(), lease()];
    try {
      await a.join({ nodeId: 'node-a', url: 'ws://127.0.0.1:1/a', startedAt: now });
      await b.join({ nodeId: 'node-b', url: 'ws://127.0.0.1:1/b', startedAt: now });
      await c.join({ nodeId: 'node-c', url: 'ws://127.0.0.1:1/c', startedAt: now });
      expect((await b.alive()).map((n) => n.nodeId).sort()).toEqual(['node-a', 'node-b', 'node-c']);
      expect(await b.claimLost()).toEqual([]);

      a.close(); // as a crash: no more renewals, the lease not given up
      now += 3_001;
      // b and c renew on their timers with the new time; a cannot.
      await until(async () => (await c.alive()).length === 2);
      expect((await c.alive()).map((n) => n.nodeId).sort()).toEqual(['node-b', 'node-c']);
      const claims = await Promise.all([b.claimLost(), c.claimLost(), b.claimLost(), c.claimLost()]);
      expect(claims.flat()).toEqual(['node-a']);

      // An orderly leave is seen at once, and there is nothing left to claim.
      await b.leave();
      expect((await c.alive()).map((n) => n.nodeId)).toEqual(['node-c']);
      expect(await c.claimLost()).toEqual([]);
    } finally {
      for (const l of [a, b, c]) l.close();
    }
  });

  it('notices a node process killed with SIGKILL, and one survivor claims it', async () => {
    const prefix = `kill${++sites}:`;
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./testing/leaseHolder.ts', import.meta.url)), redis.url, prefix, 'node-doomed'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const joined = new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('joined') && resolve());
      child.once('exit', (code) => reject(new Error(`lease holder exited (${code})`)));
    });
    const survivors = [0, 1].map(() => new NodeLeases({ url: redis.url, prefix, renewMs: 100, ttlMs: 600 }));
    try {
      await joined;
      await survivors[0]!.join({ nodeId: 'node-1', url: 'ws://127.0.0.1:1/1', startedAt: Date.now() });
      await survivors[1]!.join({ nodeId: 'node-2', url: 'ws://127.0.0.1:1/2', startedAt: Date.now() });
      expect((await survivors[0]!.alive()).map((n) => n.nodeId).sort()).toEqual(['node-1', 'node-2', 'node-doomed']);
      child.kill('SIGKILL');
      const claimed: string[] = [];
      await until(async () => {
        for (const s of survivors) claimed.push(...(await s.claimLost()));
        return claimed.length > 0;
      });
      expect(claimed).toEqual(['node-doomed']);
      expect((await survivors[1]!.alive()).map((n) => n.nodeId).sort()).toEqual(['node-1', 'node-2']);
    } finally {
      child.kill('SIGKILL');
      for (const s of survivors) s.close();
    }
  });

  it('refuses lease timings where one late renewal would count as a death', () => {
    expect(() => new NodeLeases({ url: redis.url, renewMs: 500, ttlMs: 800 })).toThrow(/more than two renewals/);
  });
});
