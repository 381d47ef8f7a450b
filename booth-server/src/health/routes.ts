import type { FastifyInstance } from 'fastify';
import { HealthResponse, ReadyResponse } from '@citizen/protocol';
import type { Store } from '../store/Store';
import type { WorkerPool } from '../sfu/WorkerPool';

/** Liveness and readiness for load balancers and systemd; they reveal no data, so they are public. */
export async function healthRoutes(app: FastifyInstance, opts: { store: Store; sfu: WorkerPool; redis?: { ping(): Promise<boolean> } }): Promise<void> {
  app.get(
    '/health',
    { config: { auth: 'public' }, schema: { tags: ['ops'], summary: 'Liveness: the process answers', response: { 200: HealthResponse } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['ops'],
        summary: 'Readiness: the store answers, every SFU worker is alive and, on a node of several, Redis answers',
        response: { 200: ReadyResponse, 503: ReadyResponse },
      },
    },
    async (_request, reply) => {
      const [store, redis] = await Promise.all([opts.store.ping(), opts.redis?.ping()]);
      const sfu = { workers: opts.sfu.size, alive: opts.sfu.alive };
      const ready = store && sfu.alive === sfu.workers && sfu.workers > 0 && redis !== false;
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not-ready', checks: { store, sfu, ...(redis === undefined ? {} : { redis }) } });
    },
  );
}
