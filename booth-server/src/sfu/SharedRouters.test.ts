import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { MEDIA_CODECS } from '../calls/CallRoom';
import { SharedRouters } from './SharedRouters';
import { WorkerPool } from './WorkerPool';

const open: { pool: WorkerPool; routers: SharedRouters }[] = [];
afterEach(async () => {
  for (const { pool, routers } of open.splice(0)) {
    routers.close();
    await pool.close();
  }
});
async function setup(numWorkers: number, rtcMinPort: number, waitMs?: number) {
  const pool = await WorkerPool.create({ numWorkers, rtcMinPort, rtcMaxPort: rtcMinPort + 99, logLevel: 'warn' });
  const routers = await SharedRouters.create(pool, MEDIA_CODECS, () => {}, waitMs);
  open.push({ pool, routers });
  return { pool, routers };
}

describe('SharedRouters (real mediasoup workers)', () => {
  it('keeps one router per worker, each with a beacon, and places endpoints on the least-loaded one', async () => {
    const { routers } = await setup(2, 43100);
    expect(routers.slots().map((s) => s.workerIndex).sort()).toEqual([0, 1]);
    for (const s of routers.slots()) expect(s.beacon.label).toBe('beacon');
    const a = await routers.pick();
    a.endpoints++;
    const b = await routers.pick();
    expect(b.workerIndex).not.toBe(a.workerIndex);
    b.endpoints += 2;
    expect((await routers.pick()).workerIndex).toBe(a.workerIndex);
  });

  it('reports a router lost with its worker and opens a new one on the replacement', async () => {
    const { pool, routers } = await setup(1, 43200);
    const before = routers.slots()[0]!.router;
    const lost = once(routers, 'lost');
    const ready = once(routers, 'ready');
    process.kill(pool.workers()[0]!.worker.pid, 'SIGKILL');
    expect(await lost).toEqual([0]);
    await ready;
    const after = routers.slots()[0]!;
    expect(after.router).not.toBe(before);
    expect(after.router.closed).toBe(false);
    expect(after.endpoints).toBe(0);
  });

  it('waits for a router while no worker is up, and leaves no listener behind', async () => {
    const { pool, routers } = await setup(1, 43300);
    const lost = once(routers, 'lost');
    process.kill(pool.workers()[0]!.worker.pid, 'SIGKILL');
    await lost;
    const slot = await routers.pick();
    expect(slot.router.closed).toBe(false);
    expect(routers.listenerCount('ready')).toBe(0);
  });

  it('gives up with SFU_UNAVAILABLE when no router comes back in time, and removes its listener', async () => {
    const { pool, routers } = await setup(1, 43400, 1);
    const lost = once(routers, 'lost');
    process.kill(pool.workers()[0]!.worker.pid, 'SIGKILL');
    await lost;
    await expect(routers.pick()).rejects.toMatchObject({ code: 'SFU_UNAVAILABLE' });
    expect(routers.listenerCount('ready')).toBe(0);
  });
});
