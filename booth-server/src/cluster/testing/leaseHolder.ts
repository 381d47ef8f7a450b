/**
 * A stand-in node for tests: takes a lease and renews it until it is killed.
 * `tsx leaseHolder.ts <redisUrl> <prefix> <nodeId>`; prints "joined".
 */
import { NodeLeases } from '../NodeLeases';

const [url, prefix, nodeId] = process.argv.slice(2);
if (!url || !prefix || !nodeId) throw new Error('usage: leaseHolder.ts <redisUrl> <prefix> <nodeId>');
const leases = new NodeLeases({ url, prefix, renewMs: 100, ttlMs: 600 });
await leases.join({ nodeId, url: `ws://127.0.0.1:1/${nodeId}`, startedAt: Date.now() });
process.stdout.write('joined\n');
setInterval(() => {}, 1 << 30);
