/**
 * Starts a complete booth-server from a validated config: store (with
 * migrations), SFU worker pool, demo seed, HTTP server.
 */
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { resolveFromRoot, REPO_ROOT, type BoothConfig } from '@citizen/config';
import { buildApp } from './app';
import { openStore } from './store/openStore';
import { WorkerPool } from './sfu/WorkerPool';
import { accountsWithDemoPasswords, seedDemo } from './demo/seed';

export class DemoPasswordError extends Error {
  readonly code = 'DEMO_PASSWORDS_PRESENT';
  constructor(readonly usernames: string[]) {
    super(
      `refusing to start: demo account(s) ${usernames.join(', ')} still have their published demo password. ` +
        'Change their passwords or remove them, or set demo.seed to true if this is a demo.',
    );
    this.name = 'DemoPasswordError';
  }
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export async function startServer(config: BoothConfig, opts: { withUi?: boolean } = {}): Promise<RunningServer> {
  const logger = config.log.pretty
    ? { level: config.log.level, transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } }
    : { level: config.log.level };
  const dataDir = resolveFromRoot(config.dataDir);
  const store = await openStore(config.store, dataDir);
  let sfu: WorkerPool;
  try {
    sfu = await WorkerPool.create({
      numWorkers: config.sfu.numWorkers,
      rtcMinPort: config.sfu.rtcMinPort,
      rtcMaxPort: config.sfu.rtcMaxPort,
      logLevel: config.sfu.logLevel,
    });
  } catch (err) {
    await store.close();
    throw err;
  }
  try {
    if (config.demo.seed) {
      await seedDemo(store, resolveFromRoot(config.kiosk.enrolmentCodeFile), {
        identityFile: resolveFromRoot(config.kiosk.identityFile),
        codeLifetimeMs: config.auth.kioskEnrolmentCodeMinutes * 60_000,
      });
    } else {
      const known = await accountsWithDemoPasswords(store);
      if (known.length > 0) throw new DemoPasswordError(known);
    }
  } catch (err) {
    await sfu.close();
    await store.close();
    throw err;
  }

  const app = await buildApp({
    config,
    store,
    sfu,
    logger,
    ...(opts.withUi !== false
      ? { ui: { kioskDist: resolve(REPO_ROOT, 'kiosk/dist/renderer'), consoleDist: resolve(REPO_ROOT, 'agent-console/dist') } }
      : {}),
  });
  sfu.on('workerdied', (index, error) => app.log.error({ worker: index, err: error }, 'mediasoup worker died'));
  sfu.on('workerreplaced', (index, worker) => app.log.warn({ worker: index, pid: worker.pid }, 'mediasoup worker replaced'));

  const address = await app.listen({ host: config.server.host, port: config.server.port });
  let closing: Promise<void> | undefined;
  return {
    app,
    url: address,
    close: () => (closing ??= app.close()),
  };
}
