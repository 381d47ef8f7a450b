export { buildApp, type AppDeps } from './app';
export { startServer, type RunningServer } from './server';
export { SqliteStore } from './store/SqliteStore';
export { PgStore } from './store/PgStore';
export { openStore } from './store/openStore';
export type { Store } from './store/Store';
export { WorkerPool } from './sfu/WorkerPool';
export { DEMO_ACCOUNTS, DEMO_KIOSK, seedDemo } from './demo/seed';
export { BoothError, ERROR_CODES, type ErrorCode } from './errors';
