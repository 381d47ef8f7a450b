/**
 * Site-wide duties against a real redis-server: one holder among contenders,
 * takeover after an orderly close and after a holder process is killed
 * (SIGKILL), and the fail-safe while Redis is away. No durations are
 * asserted: conditions are polled with timeouts.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Duty, DutyError } from './Duty';
import { startTestRedis, type TestRedis } from './testing/redis';

let redis: TestRedis;
let sites = 0;
const TTL = 600;

beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const holders = (duties: readonly Duty[]): string[] => duties.filter((d) => d.isHeld()).map((d) => d.nodeId);
const poll = { timeout: 10_000, interval: 20 };

function contenders(prefix: string, n: number, events?: string[]): Duty[] {
  return Array.from({ length: n }, (_, i) =>
    Duty.start({
      redisUrl: redis.url,
      keyPrefix: prefix,
      name: 'fleet',
      nodeId: `node-${i + 1}`,
      ttlMs: TTL,
      onAcquired: () => events?.push(`acquired node-${i + 1}`),
      onLost: () => events?.push(`lost node-${i + 1}`),
    }),
  );
}

describe('Duty', () => {
  it('without Redis is held by the one node until closed', async () => {
    let acquired = 0;
    const d = Duty.start({ name: 'fleet', nodeId: 'solo', ttlMs: 1000, onAcquired: () => acquired++ });
    expect(d.isHeld()).toBe(true);
    expect(acquired).toBe(1);
    await d.close();
    await d.close();
    expect(d.isHeld()).toBe(false);
  });

  it('refuses bad options with a code', () => {
    expect(() => Duty.start({ name: 'fl eet', nodeId: 'n', ttlMs: 1000 })).toThrow(DutyError);
    try {
      Duty.start({ name: 'fleet', nodeId: 'n', ttlMs: 10 });
    } catch (err) {
      expect((err as DutyError).code).toBe('DUTY_BAD_OPTIONS');
    }
  });

  it('is held by exactly one of three contenders; when the holder closes another takes over', async () => {
    const prefix = `duty${++sites}:`;
    const events: string[] = [];
    const duties = contenders(prefix, 3, events);
    try {
      await expect.poll(() => holders(duties).length, poll).toBe(1);
      // A few renewals later it is still the same single holder.
      const first = holders(duties)[0]!;
      const probe = new Redis(redis.url);
      try {
        expect(await probe.get(`${prefix}duty:fleet`)).toBe(first);
        await expect.poll(async () => Number(await probe.pttl(`${prefix}duty:fleet`)), poll).toBeGreaterThan(0);
      } finally {
        probe.disconnect();
      }
      for (let i = 0; i < 5; i++) {
        expect(holders(duties)).toEqual([first]);
        await new Promise((r) => setTimeout(r, TTL / 3));
      }
      expect(events).toEqual([`acquired ${first}`]);

      const holder = duties.find((d) => d.nodeId === first)!;
      await holder.close();
      await holder.close();
      expect(holder.isHeld()).toBe(false);
      await expect.poll(() => holders(duties).length, poll).toBe(1);
      const second = holders(duties)[0]!;
      expect(second).not.toBe(first);
      expect(events).toEqual([`acquired ${first}`, `acquired ${second}`]);
    } finally {
      await Promise.all(duties.map((d) => d.close()));
    }
  });

  it('is taken over once a holder process killed with SIGKILL lets its lease lapse', async () => {
    const prefix = `duty${++sites}:`;
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./testing/dutyHolder.ts', import.meta.url)), redis.url, prefix, 'fleet', 'node-doomed', String(TTL)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const held = new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
      child.once('exit', (code) => reject(new Error(`duty holder exited (${code})`)));
    });
    let duties: Duty[] = [];
    try {
      await held;
      duties = contenders(prefix, 2);
      // The child holds it: the others keep trying and do not get it.
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, TTL / 3));
        expect(holders(duties)).toEqual([]);
      }
      child.kill('SIGKILL');
      await expect.poll(() => holders(duties).length, poll).toBe(1);
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, TTL / 3));
        expect(holders(duties).length).toBe(1);
      }
    } finally {
      child.kill('SIGKILL');
      await Promise.all(duties.map((d) => d.close()));
    }
  });

  it('stops holding once its lease could have lapsed while Redis is away, and is held again when Redis is back', async () => {
    const prefix = `duty${++sites}:`;
    const events: string[] = [];
    const duties = contenders(prefix, 2, events);
    try {
      await expect.poll(() => holders(duties).length, poll).toBe(1);
      const port = redis.port;
      await redis.stop({ hard: true });
      await expect.poll(() => holders(duties), poll).toEqual([]);
      // isHeld() turns false when the lease ends; onLost is told on the next attempt.
      await expect.poll(() => events.filter((e) => e.startsWith('lost')).length, poll).toBe(1);

      redis = await startTestRedis({ port });
      await expect.poll(() => holders(duties).length, { timeout: 20_000, interval: 50 }).toBe(1);
    } finally {
      await Promise.all(duties.map((d) => d.close()));
    }
  });
});
