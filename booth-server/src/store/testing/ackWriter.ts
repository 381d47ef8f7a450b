/**
 * Child process of the kill -9 test (PgStore.test.ts): writes what booth-server
 * acknowledges to people (an inquiry, its status change, a callback request,
 * an audit entry) through PgStore, one after the other, and prints
 * `ack <what> <id>` the moment each promise resolves, until it is killed.
 *
 *   node --import tsx booth-server/src/store/testing/ackWriter.ts <postgres url> <kiosk id>
 */
import { kioskId } from '@citizen/protocol';
import { PgStore } from '../PgStore';

const [url, kiosk] = process.argv.slice(2);
if (!url || !kiosk) throw new TypeError('usage: ackWriter.ts <postgres url> <kiosk id>');
const store = await PgStore.open(url, { maxConnections: 2 });
const ack = (what: string, id: string) => process.stdout.write(`ack ${what} ${id}\n`);
for (let i = 0; ; i++) {
  const id = `kill9-${process.pid}-${i}`;
  const at = new Date();
  await store.createInquiry({ id, reference: `BS-${String(process.pid % 10_000).padStart(4, '0')}-${String(i).padStart(5, '0')}`, kioskId: kiosk, language: 'da', topic: null, answers: { n: String(i) }, status: 'queued', createdAt: at });
  ack('inquiry', id);
  await store.updateInquiry(id, { status: 'abandoned', endReason: 'left-queue', endedAt: at });
  ack('status', id);
  await store.createCallback({ id: `cb-${id}`, inquiryId: id, kioskId: kiosk, phone: '+4512345678', request: { language: 'da' }, queuedAt: at, state: 'waiting', agentId: null, attempts: 0, notBefore: null });
  ack('callback', `cb-${id}`);
  await store.addKioskAudit({ kioskId: kioskId(kiosk), at, actor: 'system', action: 'created', data: { n: i } });
  ack('audit', String(i));
}
