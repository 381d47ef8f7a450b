/**
 * `npm run cluster` for real (node only, no browser): scripts/cluster.ts
 * with PostgreSQL, Redis, three booth-server nodes (SFU ports 40000-40299)
 * and the proxy on free ports, no kiosk. /ready answers through the proxy;
 * one node killed with SIGKILL leaves the proxy answering from the other
 * two, with no 502; Ctrl-C (SIGINT to the process group, as a terminal
 * sends it) stops everything, no process left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@citizen/config';

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs: number, out: () => string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; output so far:\n${out().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm run cluster', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
  });

  it('serves through the proxy, survives a node killed with SIGKILL, and stops on Ctrl-C', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/cluster.ts')], {
      cwd: REPO_ROOT,
      detached: true, // its own process group, so a Ctrl-C can be sent to all of it
      env: { ...process.env, CLUSTER_PORT: '0', CLUSTER_NODE_PORTS: '0,0,0', CLUSTER_RTC_PORTS: '40000,40100,40200', CLUSTER_KIOSK: '0', BOOTH_LOG_PRETTY: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    const text = () => out;

    await until(
      () => {
        if (child!.exitCode !== null) throw new Error(`the cluster exited during start-up:\n${out.slice(-4000)}`);
        return /Press Ctrl-C/.test(out) ? true : undefined;
      },
      'the cluster to start',
      75_000,
      text,
    );
    const proxyUrl = /^\s+proxy\s+(http:\/\/\S+)/m.exec(out)![1]!;
    const nodes = [...out.matchAll(/^\s+(node\d)\s+(http:\/\/\S+)\s.*\(pid (\d+)\)/gm)].map((m) => ({ name: m[1]!, url: m[2]!, pid: Number(m[3]) }));
    const others = [...out.matchAll(/^\s+(?:postgres|redis)\s.*\(pid (\d+)\)/gm)].map((m) => Number(m[1]));
    expect(nodes).toHaveLength(3);
    expect(others).toHaveLength(2);

    const ready = await fetch(`${proxyUrl}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { store: true, redis: true } });

    const victim = nodes[1]!;
    process.kill(victim.pid, 'SIGKILL');
    await until(() => (out.includes(`proxy: ${victim.url} ready → down`) ? true : undefined), 'the proxy to see the node down', 20_000, text);
    // Clients keyed to every node (sessions, addresses): each answered by a live node, none 502.
    for (let i = 0; i < 12; i++) {
      const r = await fetch(`${proxyUrl}/api/auth/me`, { headers: { cookie: `sid=probe-${i}` } });
      expect(r.status).toBe(401);
      expect(await r.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    expect((await fetch(`${proxyUrl}/ready`)).status).toBe(200);

    // Ctrl-C: the terminal signals the whole process group.
    process.kill(-child.pid!, 'SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('cluster stopped');
    const left = [...nodes.map((n) => n.pid), ...others].filter(alive);
    expect(left).toEqual([]);
    // Nothing else of its process group either (mediasoup workers, setpriv, tsx).
    await until(() => (alive(-child!.pid!) ? undefined : true), 'the process group to be empty', 10_000, text);
  });
});
