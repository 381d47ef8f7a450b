/**
 * Demo accounts have published passwords: they exist only where the demo runs
 * (`npm start`, tests), and a server that is not the demo refuses to start
 * while any of them still has its demo password.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type BoothConfig } from '@citizen/config';
import { DemoPasswordError, startServer } from './server';
import { SqliteStore } from './store/SqliteStore';
import { hashPassword } from './auth/secrets';
import { DEMO_ACCOUNTS } from './demo/seed';

const DEMO_USERNAMES = DEMO_ACCOUNTS.map((a) => a.username).sort();

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function siteConfig(seed: boolean): BoothConfig {
  const dir = mkdtempSync(join(tmpdir(), 'server-'));
  dirs.push(dir);
  const c = loadConfig({ files: [], env: {} });
  c.dataDir = dir;
  c.server.port = 0;
  c.log.level = 'silent';
  c.sfu.numWorkers = 1;
  c.sfu.rtcMinPort = 50200;
  c.sfu.rtcMaxPort = 50299;
  c.kiosk.identityFile = join(dir, 'kiosk-identity.json');
  c.kiosk.enrolmentCodeFile = join(dir, 'enrolment-code');
  c.demo.seed = seed;
  return c;
}

describe('demo accounts', () => {
  it('are off in the default configuration: a site without the demo has no demo users', async () => {
    const config = siteConfig(false);
    expect(loadConfig({ files: [], env: {} }).demo.seed).toBe(false);
    const server = await startServer(config, { withUi: false });
    try {
      for (const { username, password } of DEMO_ACCOUNTS) {
        const res = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
        expect(res.statusCode, username).toBe(401);
      }
    } finally {
      await server.close();
    }
  });

  it('are seeded in demo mode, and then a non-demo start refuses while one keeps its demo password', async () => {
    const demo = siteConfig(true);
    const server = await startServer(demo, { withUi: false });
    expect((await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'tech', password: 'demo-tech' } })).statusCode).toBe(200);
    const admin = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: 'demo-admin' } });
    expect(admin.json()).toMatchObject({ status: 'signed-in', user: { role: 'admin' } });
    await server.close();

    const site = { ...demo, demo: { seed: false } };
    const err = await startServer(site, { withUi: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DemoPasswordError);
    expect(DEMO_USERNAMES).toContain('admin');
    expect((err as DemoPasswordError).usernames.sort()).toEqual(DEMO_USERNAMES);

    // Once the passwords are changed the same database starts.
    const store = new SqliteStore(join(demo.dataDir, demo.store.file));
    for (const username of DEMO_USERNAMES) {
      const u = await store.findUserByUsername(username);
      await store.setPasswordHash(u!.id, await hashPassword(`a-new-password-for-${username}`));
    }
    await store.close();
    const started = await startServer(site, { withUi: false });
    await started.close();
  });
});
