/**
 * Helpers for booth-server tests: an app on an in-memory store with a real
 * one-worker SFU pool and the demo seed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type BoothConfig } from '@citizen/config';
import { buildApp } from './app';
import { SqliteStore } from './store/SqliteStore';
import { WorkerPool } from './sfu/WorkerPool';
import { seedDemo } from './demo/seed';

export interface TestApp {
  app: FastifyInstance;
  store: SqliteStore;
  sfu: WorkerPool;
  config: BoothConfig;
  credentialFile: string;
}

export async function createTestApp(overrides: (c: BoothConfig) => void = () => {}): Promise<TestApp> {
  const config = loadConfig({ files: [], env: {} });
  config.sfu.numWorkers = 1;
  config.auth.metricsToken = 'test-metrics-token';
  overrides(config);
  const store = new SqliteStore(':memory:');
  const sfu = await WorkerPool.create({ ...config.sfu, logLevel: 'warn' });
  const credentialFile = join(mkdtempSync(join(tmpdir(), 'booth-test-')), 'kiosk.json');
  await seedDemo(store, credentialFile);
  const app = await buildApp({ config, store, sfu });
  await app.ready();
  return { app, store, sfu, config, credentialFile };
}

/** Signs in and returns the Cookie header value. */
export async function signIn(app: FastifyInstance, username: string, password: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'sid');
  if (!cookie) throw new Error('no session cookie');
  return `sid=${cookie.value}`;
}
