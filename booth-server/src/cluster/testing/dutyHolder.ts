/**
 * A stand-in node for tests: holds a site-wide duty until it is killed.
 * `tsx dutyHolder.ts <redisUrl> <prefix> <name> <nodeId> <ttlMs>`; prints "held" once it holds it.
 */
import { Duty } from '../Duty';

const [url, prefix, name, nodeId, ttl] = process.argv.slice(2);
if (!url || !prefix || !name || !nodeId || !ttl) throw new Error('usage: dutyHolder.ts <redisUrl> <prefix> <name> <nodeId> <ttlMs>');
Duty.start({ redisUrl: url, keyPrefix: prefix, name, nodeId, ttlMs: Number(ttl), onAcquired: () => process.stdout.write('held\n') });
setInterval(() => {}, 1 << 30);
