import { afterEach, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import type { types as ms } from 'mediasoup';
import { WorkerPool } from './WorkerPool';

const pools: WorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});
async function pool(numWorkers: number, rtcMinPort = 41000, rtcMaxPort = 41199): Promise<WorkerPool> {
  const p = await WorkerPool.create({ numWorkers, rtcMinPort, rtcMaxPort, logLevel: 'warn' });
  pools.push(p);
  return p;
}

const mediaCodecs: ms.RtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
  { kind: 'video', mimeType: 'video/H264', clockRate: 90000, parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 } },
];

describe('SFU smoke (real mediasoup worker)', () => {
  it('starts a worker, creates a router and a WebRTC transport, and closes them', async () => {
    const p = await pool(1);
    const { worker } = p.workers()[0]!;
    expect(worker.pid).toBeGreaterThan(0);
    const router = await worker.createRouter({ mediaCodecs });
    expect(router.rtpCapabilities.codecs?.map((c) => c.mimeType)).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']));
    const transport = await router.createWebRtcTransport({ listenIps: [{ ip: '127.0.0.1' }], enableUdp: true, enableTcp: true, preferUdp: true });
    expect(transport.iceParameters.usernameFragment).toBeTruthy();
    expect(transport.dtlsParameters.fingerprints.length).toBeGreaterThan(0);
    const udp = transport.iceCandidates.find((c) => c.protocol === 'udp');
    expect(udp?.port).toBeGreaterThanOrEqual(41000);
    expect(udp?.port).toBeLessThanOrEqual(41199);
    const dump = (await worker.dump()) as { routerIds: string[] };
    expect(dump.routerIds).toEqual([router.id]);

    transport.close();
    router.close();
    expect(transport.closed).toBe(true);
    expect(((await worker.dump()) as { routerIds: string[] }).routerIds).toEqual([]);
    const usage = await worker.getResourceUsage();
    expect(usage.ru_maxrss).toBeGreaterThan(0);
  });

  it('gives each worker its own slice of the RTC port range', async () => {
    const p = await pool(2, 42000, 42099);
    const ports = await Promise.all(
      p.workers().map(async ({ worker }) => {
        const router = await worker.createRouter({ mediaCodecs });
        const t = await router.createWebRtcTransport({ listenIps: [{ ip: '127.0.0.1' }], enableUdp: true, enableTcp: false });
        return t.iceCandidates[0]!.port;
      }),
    );
    expect(ports[0]).toBeGreaterThanOrEqual(42000);
    expect(ports[0]).toBeLessThanOrEqual(42049);
    expect(ports[1]).toBeGreaterThanOrEqual(42050);
    expect(ports[1]).toBeLessThanOrEqual(42099);
  });

  it('replaces a worker that dies (SIGKILL) and reports it', async () => {
    const p = await pool(1);
    const victim = p.workers()[0]!.worker;
    const died = once(p, 'workerdied');
    const replaced = once(p, 'workerreplaced');
    process.kill(victim.pid, 'SIGKILL');
    await died;
    const [index, fresh] = (await replaced) as [number, ms.Worker];
    expect(index).toBe(0);
    expect(fresh.pid).not.toBe(victim.pid);
    expect(p.alive).toBe(1);
    expect(p.workers()[0]!.worker).toBe(fresh);
  });

  it('close() is idempotent and stops every worker process', async () => {
    const p = await pool(2);
    const pids = p.workers().map((w) => w.worker.pid);
    await p.close();
    await p.close();
    expect(p.alive).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });

  it('refuses a port range too small for the workers', async () => {
    await expect(WorkerPool.create({ numWorkers: 4, rtcMinPort: 43000, rtcMaxPort: 43010, logLevel: 'warn' })).rejects.toThrow(TypeError);
  });
});

