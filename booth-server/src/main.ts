/**
 * booth-server entry point: `tsx booth-server/src/main.ts`. Exits 78 (EX_CONFIG)
 * on a configuration error, printing which file and field are wrong.
 */
import { loadConfig, ConfigError } from '@citizen/config';
import { DemoPasswordError, startServer } from './server';

const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`booth-server: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const server = await startServer(config);
  const stop = (signal: string): void => {
    server.app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      server.app.log.error('shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        server.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  if (err instanceof DemoPasswordError) {
    process.stderr.write(`booth-server: ${err.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`booth-server: failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
