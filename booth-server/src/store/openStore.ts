/**
 * The store the configuration asks for: SQLite's file inside dataDir (one
 * process, the default), or a PostgreSQL server that several nodes share.
 */
import { resolve } from 'node:path';
import type { BoothConfig } from '@citizen/config';
import { PgStore } from './PgStore';
import { SqliteStore } from './SqliteStore';
import type { Store } from './Store';

export async function openStore(config: BoothConfig['store'], dataDir: string): Promise<Store> {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteStore(resolve(dataDir, config.file));
    case 'postgres':
      if (!config.postgresUrl) throw new TypeError('store.postgresUrl is required when store.kind is "postgres"');
      return PgStore.open(config.postgresUrl, config.postgresMaxConnections === undefined ? {} : { maxConnections: config.postgresMaxConnections });
  }
}
