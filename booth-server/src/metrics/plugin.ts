/**
 * Prometheus metrics at /metrics (prom-client). Each app has its own registry
 * so several apps can live in one test process.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Registry, Gauge, collectDefaultMetrics } from 'prom-client';
import { RequestDurations } from './RequestDurations';
import type { Store } from '../store/Store';
import type { WorkerPool } from '../sfu/WorkerPool';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Registry;
  }
}

async function metricsPlugin(app: FastifyInstance, opts: { store: Store; sfu: WorkerPool }): Promise<void> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'booth_' });

  const httpDuration = new RequestDurations({
    name: 'booth_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'booth_sfu_workers',
    help: 'mediasoup workers by state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'alive' }, opts.sfu.alive);
      this.set({ state: 'configured' }, opts.sfu.size);
    },
  });
  new Gauge({
    name: 'booth_store_up',
    help: '1 when the store answers a ping',
    registers: [registry],
    async collect() {
      this.set((await opts.store.ping()) ? 1 : 0);
    },
  });

  app.decorate('metrics', registry);
  // Labels method, route (the template, not the URL) and status; see RequestDurations for why not prom-client's Histogram.
  app.addHook('onResponse', (request, reply, done) => {
    httpDuration.observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  app.get(
    '/metrics',
    {
      config: { auth: 'metrics' },
      schema: { tags: ['ops'], summary: 'Prometheus metrics (Bearer metrics token, or a technician session)', hide: false },
    },
    async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  );
}

export default fp(metricsPlugin, { name: 'citizen-metrics' });
