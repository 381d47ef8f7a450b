/**
 * Prometheus metrics at /metrics (prom-client). Each app has its own registry
 * so several apps can live in one test process.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { Registry, Histogram, Gauge, collectDefaultMetrics } from 'prom-client';
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

  const httpDuration = new Histogram({
    name: 'booth_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
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
  // One child per (method, route, status), found by a string key: prom-client
  // would otherwise hash a new label object on every response. The keys are
  // as many as the histogram's own label sets (routes are templates, not URLs).
  const children = new Map<string, ReturnType<typeof httpDuration.labels>>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let child = children.get(key);
    if (!child) {
      child = httpDuration.labels(request.method, route, String(reply.statusCode));
      children.set(key, child);
    }
    child.observe(reply.elapsedTime / 1000);
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
