/**
 * Inquiries written per second: SQLite (a file, WAL, synchronous=FULL) and
 * PostgreSQL (a server started for the run on this machine, fsync on,
 * synchronous_commit on), both through the Store interface booth-server uses,
 * with the same payload (an inquiry and its `created` event, one transaction,
 * durable when acknowledged). Each store is written by one writer at a time
 * (sequential) and by 10 writers at once (10 kiosks asking together). Printed:
 * inquiries per second, latency p50/p99, and PostgreSQL's rate as a ratio of
 * SQLite's.
 *
 *   npx tsx bench/store.bench.ts [seconds per run]   (default 5; npm run bench:store)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { kioskId } from '@citizen/protocol';
import { PgStore } from '../booth-server/src/store/PgStore';
import { SqliteStore } from '../booth-server/src/store/SqliteStore';
import type { InquiryRecord, Store } from '../booth-server/src/store/Store';
import { startTestPostgres } from '../booth-server/src/store/testing/postgres';

const SECONDS = Number(process.argv[2] ?? 5);
if (!(SECONDS > 0)) throw new TypeError('usage: store.bench.ts [seconds per run > 0]');
const WRITERS = 10;
const KIOSK = kioskId('k-bench-1');

let seq = 0;
const payload = (): InquiryRecord => {
  seq++;
  return {
    id: `bench-${seq}`,
    reference: `BS-${String(Math.floor(seq / 10_000)).padStart(4, '0')}-${String(seq % 10_000).padStart(4, '0')}`,
    kioskId: KIOSK,
    language: 'da',
    topic: 'housing-benefit',
    answers: { postcode: '1620', household: '3', reason: 'moving in with family, need to know what changes' },
    status: 'queued',
    createdAt: new Date(),
    promisedBy: new Date(Date.now() + 10 * 86_400_000),
    queueId: 'general',
  };
};

interface Result {
  perSecond: number;
  p50: number;
  p99: number;
  n: number;
}

async function run(store: Store, writers: number): Promise<Result> {
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await store.createInquiry(payload());
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { perSecond: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), n: latencies.length };
}

async function prepare(store: Store): Promise<void> {
  await store.createKiosk({ id: KIOSK, name: 'Bench', location: 'Bench hall', languages: ['da'], credentialHash: '', publicKey: null, revokedAt: null, enrolledAt: new Date(), lastSeenAt: null });
  // Warm-up: statement plans, connections, the first pages of each index.
  for (let i = 0; i < 50; i++) await store.createInquiry(payload());
}

const dir = mkdtempSync(join(tmpdir(), 'store-bench-'));
const pgServer = await startTestPostgres();
const results = new Map<string, Result>();
try {
  const sqlite = new SqliteStore(join(dir, 'booth.sqlite'));
  await prepare(sqlite);
  const pgStore = await PgStore.open(await pgServer.createDatabase('bench'), { maxConnections: WRITERS });
  await prepare(pgStore);
  for (const [name, store] of [['SQLite', sqlite], ['PostgreSQL', pgStore]] as const) {
    results.set(`${name} sequential`, await run(store, 1));
    results.set(`${name} ${WRITERS} writers`, await run(store, WRITERS));
  }
  await sqlite.close();
  await pgStore.close();
} finally {
  await pgServer.stop();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`\nInquiries written (createInquiry: row + created event, one transaction, durable on return), ${SECONDS} s per run\n`);
console.log('store        writers   inquiries/s   p50 ms   p99 ms      n');
for (const [key, r] of results) {
  const [store, ...rest] = key.split(' ');
  const writers = rest[0] === 'sequential' ? '1' : String(WRITERS);
  console.log(`${store!.padEnd(12)} ${writers.padStart(7)} ${r.perSecond.toFixed(0).padStart(13)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${String(r.n).padStart(6)}`);
}
const ratio = (mode: string) => results.get(`PostgreSQL ${mode}`)!.perSecond / results.get(`SQLite ${mode}`)!.perSecond;
console.log(`\nPostgreSQL / SQLite: sequential ${ratio('sequential').toFixed(2)}×, ${WRITERS} writers ${ratio(`${WRITERS} writers`).toFixed(2)}×`);
