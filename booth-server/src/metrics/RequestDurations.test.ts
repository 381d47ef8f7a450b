import { describe, expect, it } from 'vitest';
import { Histogram, Registry } from 'prom-client';
import { RequestDurations } from './RequestDurations';

const NAME = 'booth_http_request_duration_seconds';
const HELP = 'HTTP request duration by route and status';
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The same observations into prom-client's Histogram (as the metrics plugin used it) and into RequestDurations. */
function both(): { observe(method: string, route: string, status: number, seconds: number): void; ours: Registry; theirs: Registry; durations: RequestDurations } {
  const theirs = new Registry();
  const histogram = new Histogram({ name: NAME, help: HELP, labelNames: ['method', 'route', 'status'] as const, buckets: BUCKETS, registers: [theirs] });
  const ours = new Registry();
  const durations = new RequestDurations({ name: NAME, help: HELP, buckets: BUCKETS, registers: [ours] });
  return {
    ours,
    theirs,
    durations,
    observe(method, route, status, seconds) {
      histogram.labels(method, route, String(status)).observe(seconds);
      durations.observe(method, route, status, seconds);
    },
  };
}

describe('RequestDurations', () => {
  it('exposes what prom-client’s Histogram exposes for the same observations', async () => {
    const h = both();
    // Every bucket edge, values between and beyond the last bound, several routes, methods and statuses, interleaved.
    const values = [0, 0.001, 0.005, 0.0051, 0.01, 0.02, 0.025, 0.05, 0.07, 0.1, 0.25, 0.3, 0.5, 1, 2, 2.5, 2.6, 30];
    const series: [string, string, number][] = [
      ['GET', '/api/kiosks', 200],
      ['GET', '/api/kiosks', 401],
      ['HEAD', '/api/kiosks', 200],
      ['POST', '/api/auth/login', 200],
      ['GET', 'unmatched', 404],
      ['GET', '/api/inquiries/:id', 200],
    ];
    for (let i = 0; i < 200; i++) {
      const [method, route, status] = series[(i * 7) % series.length]!;
      h.observe(method, route, status, values[(i * 5) % values.length]!);
    }
    expect(await h.ours.metrics()).toBe(await h.theirs.metrics());
    expect(await h.ours.getMetricsAsJSON()).toEqual(await h.theirs.getMetricsAsJSON());
  });

  it('exposes nothing before the first observation and after a reset, like prom-client', async () => {
    const h = both();
    expect(await h.ours.metrics()).toBe(await h.theirs.metrics());
    h.observe('GET', '/health', 200, 0.002);
    h.ours.resetMetrics();
    h.theirs.resetMetrics();
    expect(await h.ours.metrics()).toBe(await h.theirs.metrics());
    h.observe('GET', '/ready', 503, 0.2);
    expect(await h.ours.metrics()).toBe(await h.theirs.metrics());
  });

  it('refuses what is not a duration, and buckets out of order', () => {
    const h = both();
    expect(() => h.durations.observe('GET', '/health', 200, Number.NaN)).toThrow(TypeError);
    expect(() => new RequestDurations({ name: 'x', help: 'x', buckets: [1, 0.5], registers: [] })).toThrow(TypeError);
  });
});
