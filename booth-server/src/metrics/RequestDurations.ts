/**
 * booth_http_request_duration_seconds: a Prometheus histogram of response
 * times by method, route template and status, recorded on every response.
 *
 * prom-client's Histogram does a good deal on each observation, even through
 * a child from `labels()`: it checks the label names, builds a string out of
 * the label values to find the series, and looks the bucket up by a number
 * turned into a property name. Here a series is found by the route template
 * (one Map lookup; the template is the route's own string, whose hash V8 keeps)
 * and then by method and status among that route's few series, and an
 * observation is a bucket index, a count and a sum. The exposition is prom-
 * client's own: this object sits in the app's registry and answers `get()` with
 * what a prom-client Histogram with these label names and buckets answers
 * (same names, labels, label order, cumulative buckets, +Inf, _sum, _count, and
 * the series in the order they were first seen); a test holds the two side by
 * side.
 */
import type { Metric, Registry } from 'prom-client';

export interface RequestDurationsOptions {
  name: string;
  help: string;
  /** Upper bounds in seconds, ascending. */
  buckets: readonly number[];
  registers: readonly Registry[];
}

interface Series {
  readonly method: string;
  readonly status: number;
  readonly labels: { readonly method: string; readonly route: string; readonly status: string };
  /** Observations per bucket, not cumulative; a value above the last bound is in none (only in count). */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

interface Value {
  value: number;
  metricName: string;
  exemplar?: null;
  labels: Record<string, string | number>;
}

export class RequestDurations {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  /** Route template → its series (a handful: one per method and status seen). */
  #byRoute = new Map<string, Series[]>();
  /** Every series, in the order first observed: the order of the exposition. */
  #all: Series[] = [];

  constructor(opts: RequestDurationsOptions) {
    for (let i = 0; i < opts.buckets.length; i++) {
      if (!Number.isFinite(opts.buckets[i]) || (i > 0 && opts.buckets[i]! <= opts.buckets[i - 1]!)) throw new TypeError('RequestDurations: buckets must be finite and ascending');
    }
    this.name = opts.name;
    this.help = opts.help;
    this.#bounds = Object.freeze([...opts.buckets]);
    // The registry holds metrics by duck type; this one has what it calls (get, reset, name, type, aggregator).
    for (const registry of opts.registers) registry.registerMetric(this as unknown as Metric);
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    if (!Number.isFinite(seconds)) throw new TypeError(`RequestDurations: not a number of seconds: ${seconds}`);
    let series = this.#byRoute.get(route);
    if (series === undefined) {
      series = [];
      this.#byRoute.set(route, series);
    }
    let s: Series | undefined;
    for (let i = 0; i < series.length; i++) {
      const c = series[i]!;
      if (c.status === status && c.method === method) {
        s = c;
        break;
      }
    }
    if (s === undefined) {
      s = { method, status, labels: { method, route, status: String(status) }, counts: new Float64Array(this.#bounds.length), sum: 0, count: 0 };
      series.push(s);
      this.#all.push(s);
    }
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= bounds[i]!) {
        s.counts[i]!++;
        break;
      }
    }
    s.sum += seconds;
    s.count++;
  }

  /** What prom-client's Histogram#get answers: per series, the cumulative buckets, +Inf, _sum and _count. */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; values: Value[]; aggregator: 'sum' }> {
    const values: Value[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.#all) {
      let acc = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        acc += s.counts[i]!;
        values.push({ value: acc, metricName: bucket, exemplar: null, labels: { le: this.#bounds[i]!, ...s.labels } });
      }
      values.push({ value: s.count, metricName: bucket, exemplar: null, labels: { le: '+Inf', ...s.labels } });
      values.push({ value: s.sum, metricName: `${this.name}_sum`, labels: { ...s.labels } });
      values.push({ value: s.count, metricName: `${this.name}_count`, labels: { ...s.labels } });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** Forgets every series (prom-client's Registry#resetMetrics calls this). */
  reset(): void {
    this.#byRoute = new Map();
    this.#all = [];
  }
}
