import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FleetWebhookEvent } from '@citizen/protocol';
import { DELIVERY_HEADER, FleetWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './FleetWebhook';

const SECRET = 'whsec-test-0123456789';

const event = (id: number, type: FleetWebhookEvent['type'] = 'alert.raised'): FleetWebhookEvent => ({
  type,
  alert: { id, kioskId: 'k-lib-1', kind: 'paper-out', raisedAt: '2026-03-02T08:00:00.000Z', clearedAt: type === 'alert.cleared' ? '2026-03-02T08:10:00.000Z' : null, detail: 'the receipt printer is out of paper' },
  kiosk: { id: 'k-lib-1', name: 'Library 1', site: 'Main library' },
  sentAt: '2026-03-02T08:00:00.000Z',
});

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A receiver as a real one is written: recompute the signature over timestamp and raw body, compare in constant time. */
function verifies(r: Received): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(`${String(r.headers[TIMESTAMP_HEADER])}.${r.body}`).digest('hex')}`);
  const got = Buffer.from(String(r.headers[SIGNATURE_HEADER]));
  return got.length === expected.length && timingSafeEqual(got, expected);
}

describe('FleetWebhook against a local HTTP server', () => {
  let server: Server;
  let url: string;
  let received: Received[];
  /** What the server answers to each request, in turn; the last one repeats. 'hang' never answers. */
  let answers: (number | 'hang')[];
  const logs: string[] = [];
  const hooks: FleetWebhook[] = [];
  const make = (over: Partial<ConstructorParameters<typeof FleetWebhook>[0]> = {}): FleetWebhook => {
    const w = new FleetWebhook({ url, secret: SECRET, timeoutMs: 2000, retries: 3, backoffMs: 10, log: (level, msg) => logs.push(`${level} ${msg}`), ...over });
    hooks.push(w);
    return w;
  };

  beforeEach(async () => {
    received = [];
    answers = [204];
    logs.length = 0;
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        const a = answers.length > 1 ? answers.shift()! : answers[0]!;
        if (a === 'hang') return;
        res.writeHead(a).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/kiosks`;
  });
  afterEach(async () => {
    for (const w of hooks.splice(0)) await w.close(0);
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('POSTs the event as JSON with a signature the receiver can check', async () => {
    const result = await make({ nowSeconds: () => 1_772_438_400 }).send(event(7));
    expect(result).toEqual({ delivered: true, attempts: 1, status: 204 });
    expect(received).toHaveLength(1);
    const r = received[0]!;
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers[TIMESTAMP_HEADER]).toBe('1772438400');
    expect(JSON.parse(r.body)).toEqual(event(7));
    expect(verifies(r)).toBe(true);
    // A body changed on the way, or signed with another key, does not verify.
    expect(verifies({ ...r, body: r.body.replace('paper-out', 'offline') })).toBe(false);
    expect(verifies({ ...r, headers: { ...r.headers, [TIMESTAMP_HEADER]: '1772438401' } })).toBe(false);
  });

  it('retries 5xx and 429 with the same delivery id, then succeeds', async () => {
    answers = [500, 429, 503, 200];
    const result = await make().send(event(1));
    expect(result).toEqual({ delivered: true, attempts: 4, status: 200 });
    expect(received).toHaveLength(4);
    expect(new Set(received.map((r) => r.headers[DELIVERY_HEADER])).size).toBe(1);
    expect(received.every(verifies)).toBe(true);
    expect(logs.filter((l) => l.startsWith('warn webhook attempt failed'))).toHaveLength(3);
  });

  it('gives up after the configured retries, and does not retry a 4xx refusal', async () => {
    answers = [502];
    expect(await make({ retries: 2 }).send(event(1))).toEqual({ delivered: false, attempts: 3, reason: 'HTTP 502' });
    expect(logs.at(-1)).toMatch(/^error webhook gave up \[alert:1, kiosk:k-lib-1, type:alert.raised, delivery:[0-9a-f-]+, attempts:3, reason:HTTP 502\]$/);
    received = [];
    answers = [400];
    expect(await make().send(event(2))).toEqual({ delivered: false, attempts: 1, reason: 'HTTP 400' });
    expect(received).toHaveLength(1);
  });

  it('gives an attempt up after timeoutMs and retries it', async () => {
    answers = ['hang', 200];
    const started = Date.now();
    expect(await make({ timeoutMs: 200 }).send(event(1))).toEqual({ delivered: true, attempts: 2, status: 200 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(logs[0]).toMatch(/reason:no answer within 200 ms\]$/);
  });

  it('delivers in order, one at a time: raised before cleared', async () => {
    answers = [503, 200];
    const w = make();
    const results = await Promise.all([w.send(event(1)), w.send(event(1, 'alert.cleared')), w.send(event(2))]);
    expect(results.map((r) => r.delivered)).toEqual([true, true, true]);
    expect(received.map((r) => (JSON.parse(r.body) as FleetWebhookEvent).type + (JSON.parse(r.body) as FleetWebhookEvent).alert.id)).toEqual([
      'alert.raised1',
      'alert.raised1',
      'alert.cleared1',
      'alert.raised2',
    ]);
  });

  it('refuses a missing secret or a bad URL up front', () => {
    expect(() => make({ secret: '' })).toThrow(TypeError);
    expect(() => make({ url: 'ftp://example.org/x' })).toThrow(TypeError);
    expect(() => make({ url: 'not a url' })).toThrow(TypeError);
  });
});
