/**
 * The store contract (testing/storeConformance.ts) on both stores: SQLite in
 * process, and PostgreSQL on a real server this file starts (testing/postgres.ts).
 * Each PostgreSQL test gets a database of its own, copied from one that was
 * migrated once.
 */
import { afterAll, beforeAll } from 'vitest';
import { MIGRATIONS } from './migrations';
import { PG_MIGRATIONS } from './pgMigrations';
import { PgStore } from './PgStore';
import { SqliteStore } from './SqliteStore';
import { startTestPostgres, type TestPostgres } from './testing/postgres';
import { describeStoreConformance } from './testing/storeConformance';

let pg: TestPostgres;
let databases = 0;
beforeAll(async () => {
  pg = await startTestPostgres();
  const template = await PgStore.open(await pg.createDatabase('store_template'));
  await template.close();
}, 60_000);
afterAll(async () => {
  await pg?.stop();
});

describeStoreConformance('SqliteStore', { fresh: async () => new SqliteStore(':memory:'), newestVersion: MIGRATIONS.at(-1)!.version });
describeStoreConformance('PgStore', {
  fresh: async () => PgStore.open(await pg.createDatabase(`conformance_${++databases}`, 'store_template'), { maxConnections: 8 }),
  newestVersion: PG_MIGRATIONS.at(-1)!.version,
});
