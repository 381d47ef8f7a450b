/**
 * Delivers fleet alerts to a configured URL: one POST of JSON per alert
 * raised or cleared (FleetWebhookEvent), signed the way webhook receivers
 * (GitHub, Stripe, Slack) check them:
 *
 *   x-citizen-timestamp: <unix seconds>
 *   x-citizen-signature: sha256=<hex HMAC-SHA256(secret, `${timestamp}.${body}`)>
 *   x-citizen-delivery:  <uuid, the same on every attempt of one event>
 *
 * The timestamp is signed too, so a receiver can refuse old replays; the
 * delivery id lets it drop a duplicate after a retry whose first attempt did
 * arrive. Each attempt gives up after `timeoutMs`. A network error, a time-out,
 * 429 or 5xx is retried (`retries` times, 1 s doubling); another 4xx is not
 * (the receiver refused the event itself).
 *
 * Deliveries go one at a time, in order: a receiver sees "raised" before
 * "cleared" of the same alert. The queue is bounded; past `maxQueued` the
 * oldest waiting event is dropped and logged.
 */
import { createHmac, randomUUID } from 'node:crypto';
import type { FleetWebhookEvent } from '@citizen/protocol';

export interface FleetWebhookOptions {
  url: string;
  secret: string;
  timeoutMs: number;
  retries: number;
  /** First retry delay; doubles each time (default 1000). */
  backoffMs?: number;
  maxQueued?: number;
  log: (level: 'info' | 'warn' | 'error', msg: string, ctx?: Record<string, unknown>) => void;
  fetch?: typeof fetch;
  /** Unix seconds (tests fix it). */
  nowSeconds?: () => number;
}

export const SIGNATURE_HEADER = 'x-citizen-signature';
export const TIMESTAMP_HEADER = 'x-citizen-timestamp';
export const DELIVERY_HEADER = 'x-citizen-delivery';

/** `sha256=<hex>` over `${timestamp}.${body}`: what a receiver recomputes and compares in constant time. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export type DeliveryResult = { delivered: true; attempts: number; status: number } | { delivered: false; attempts: number; reason: string };

export class FleetWebhook {
  readonly #opts: FleetWebhookOptions;
  readonly #fetch: typeof fetch;
  readonly #queue: { event: FleetWebhookEvent; done: (r: DeliveryResult) => void }[] = [];
  readonly #abort = new AbortController();
  #running: Promise<void> | null = null;
  #closed = false;

  constructor(opts: FleetWebhookOptions) {
    let url: URL;
    try {
      url = new URL(opts.url);
    } catch {
      throw new TypeError(`FleetWebhook: url ${JSON.stringify(opts.url)} is not a URL`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`FleetWebhook: url must be http(s), not ${url.protocol}`);
    if (!opts.secret) throw new TypeError('FleetWebhook: a secret is required (fleet.webhook.secret): receivers check the signature');
    if (!(opts.timeoutMs > 0) || !Number.isInteger(opts.retries) || opts.retries < 0) throw new TypeError('FleetWebhook: timeoutMs > 0 and retries >= 0 required');
    this.#opts = opts;
    this.#fetch = opts.fetch ?? fetch;
  }

  /** Queues the event; resolves when it was delivered or given up (never rejects). */
  send(event: FleetWebhookEvent): Promise<DeliveryResult> {
    if (this.#closed) return Promise.resolve({ delivered: false, attempts: 0, reason: 'webhook closed' });
    return new Promise((done) => {
      if (this.#queue.length >= (this.#opts.maxQueued ?? 1000)) {
        const dropped = this.#queue.shift()!;
        this.#opts.log('warn', `webhook event dropped, queue full [alert:${dropped.event.alert.id}, type:${dropped.event.type}]`);
        dropped.done({ delivered: false, attempts: 0, reason: 'queue full' });
      }
      this.#queue.push({ event, done });
      this.#running ??= this.#drain().finally(() => (this.#running = null));
    });
  }

  async #drain(): Promise<void> {
    for (let item = this.#queue.shift(); item; item = this.#queue.shift()) item.done(await this.#deliver(item.event));
  }

  async #deliver(event: FleetWebhookEvent): Promise<DeliveryResult> {
    const body = JSON.stringify(event);
    const delivery = randomUUID();
    const ctx = `alert:${event.alert.id}, kiosk:${event.alert.kioskId}, type:${event.type}, delivery:${delivery}`;
    let reason = '';
    for (let attempt = 1; attempt <= this.#opts.retries + 1; attempt++) {
      if (this.#closed) return { delivered: false, attempts: attempt - 1, reason: 'webhook closed' };
      const timestamp = this.#opts.nowSeconds?.() ?? Math.floor(Date.now() / 1000);
      try {
        const res = await this.#fetch(this.#opts.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'citizen-booth-server',
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: signWebhook(this.#opts.secret, timestamp, body),
            [DELIVERY_HEADER]: delivery,
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.any([AbortSignal.timeout(this.#opts.timeoutMs), this.#abort.signal]),
        });
        // The body is not read; cancel it so the connection is released.
        await res.body?.cancel().catch((err: unknown) => this.#opts.log('warn', `webhook answer not discarded [${ctx}]`, { err }));
        if (res.ok) return { delivered: true, attempts: attempt, status: res.status };
        reason = `HTTP ${res.status}`;
        if (res.status !== 429 && res.status < 500) {
          this.#opts.log('error', `webhook refused the event [${ctx}, status:${res.status}]`);
          return { delivered: false, attempts: attempt, reason };
        }
      } catch (err) {
        reason = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${this.#opts.timeoutMs} ms` : err instanceof Error ? err.message : String(err);
      }
      if (attempt <= this.#opts.retries) {
        this.#opts.log('warn', `webhook attempt failed, retrying [${ctx}, attempt:${attempt}, reason:${reason}]`);
        await this.#sleep((this.#opts.backoffMs ?? 1000) * 2 ** (attempt - 1));
      }
    }
    this.#opts.log('error', `webhook gave up [${ctx}, attempts:${this.#opts.retries + 1}, reason:${reason}]`);
    return { delivered: false, attempts: this.#opts.retries + 1, reason };
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.#abort.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  }

  /** Idempotent. Gives `graceMs` to what is queued, then aborts the rest. */
  async close(graceMs = 2000): Promise<void> {
    if (this.#closed) return;
    const running = this.#running;
    if (running) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([running, new Promise<void>((r) => (timer = setTimeout(r, graceMs)))]);
      clearTimeout(timer);
    }
    this.#closed = true;
    this.#abort.abort();
    for (const item of this.#queue.splice(0)) item.done({ delivered: false, attempts: 0, reason: 'webhook closed' });
    await this.#running;
  }
}
