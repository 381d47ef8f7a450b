/**
 * One way to reach a site's Redis for every part that shares state there
 * (kiosk tokens, the node bus, leases, routing): a command that cannot be
 * sent is retried twice and then fails to its caller (no endless queue while
 * Redis is away); ioredis reconnects by itself, so its connection errors are
 * not reported twice.
 */
import { Redis } from 'ioredis';

export function connectRedis(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 2 });
  redis.on('error', () => {
    // Reported to callers as failed commands.
  });
  return redis;
}

/** Redis answers now (readiness). */
export async function redisAnswers(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}
