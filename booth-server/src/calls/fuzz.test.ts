/**
 * Property: no sequence of malformed, unknown, out-of-order or foreign-call
 * signalling messages crashes the server, closes the sender's socket, goes
 * unanswered, or disturbs another call.
 */
import fc from 'fast-check';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { KIOSK_REQUESTS, KIOSK_WS_PATH, RequestEnvelope, SIGNAL_ERRORS, STAFF_REQUESTS, STAFF_WS_PATH } from '@citizen/protocol';
import { createTestApp, enrolTestKiosk, kioskClient, next, signIn, staffClient, type TestApp } from '../testing';

let t: TestApp;
let url: string;
let victimCallId: string;
let victimTransportId: string;
const cleanup: (() => void)[] = [];

beforeAll(async () => {
  t = await createTestApp((c) => {
    c.sfu.rtcMinPort = 48000;
    c.sfu.rtcMaxPort = 48199;
    c.calls.maxMessagesPerSecond = 1000;
  });
  url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  // The call that must not be disturbed: demo kiosk ⇄ anna, with a live transport.
  const kiosk = kioskClient(url, t.credentialFile);
  await next(kiosk as never, 'session');
  const anna = staffClient(url, await signIn(t.app, 'anna', 'demo-agent'));
  await next(anna as never, 'session');
  cleanup.push(() => kiosk.close(), () => anna.close());
  await anna.request('setAvailability', { available: true });
  const offered = next<{ callId: string }>(anna as never, 'callOffered');
  victimCallId = (await kiosk.request('requestCall', { language: 'da' })).callId;
  await offered;
  await anna.request('acceptCall', { callId: victimCallId });
  await kiosk.request('openMedia', {});
  victimTransportId = (await kiosk.request('createTransport', { direction: 'send' })).id;
  (globalThis as { victim?: unknown }).victim = { kiosk, anna };
});
afterAll(async () => {
  for (const fn of cleanup) fn();
  await t.app.close();
});

/** A raw socket that sends anything and collects every answer. */
async function rawSocket(path: string, headers: Record<string, string>): Promise<{ ws: WebSocket; send(data: string | Buffer): Promise<unknown> }> {
  const ws = new WebSocket(url.replace('http', 'ws') + path, { headers });
  await new Promise((res, rej) => {
    ws.once('open', res);
    ws.once('error', rej);
  });
  const inbox: unknown[] = [];
  let waiter: (() => void) | null = null;
  ws.on('message', (d) => {
    const msg = JSON.parse(String(d)) as { type: string };
    if (msg.type !== 'response') return; // notifications (e.g. queue updates for its own call) are fine
    inbox.push(msg);
    waiter?.();
  });
  return {
    ws,
    async send(data) {
      ws.send(data);
      if (!inbox.length) {
        await new Promise<void>((res, rej) => {
          const timer = setTimeout(() => rej(new Error(`no answer to ${String(data).slice(0, 200)}`)), 3000);
          waiter = () => {
            clearTimeout(timer);
            waiter = null;
            res();
          };
        });
      }
      return inbox.shift();
    },
  };
}

function parseOrUndefined(m: string | Buffer): { id?: unknown } | undefined {
  if (typeof m !== 'string') return undefined;
  try {
    const v = JSON.parse(m) as unknown;
    return typeof v === 'object' && v !== null ? (v as { id?: unknown }) : undefined;
  } catch {
    return undefined;
  }
}
const envelope = TypeCompiler.Compile(RequestEnvelope);
const isRequestEnvelope = (v: unknown): boolean => envelope.Check(v);

const methods = [...new Set([...Object.keys(KIOSK_REQUESTS), ...Object.keys(STAFF_REQUESTS)])];
const idLike = () => fc.oneof(fc.constantFrom(() => victimCallId, () => victimTransportId).map((f) => f()), fc.string({ maxLength: 70 }), fc.uuid());
const dataArb = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.record({ callId: idLike(), transportId: idLike(), producerId: idLike(), consumerId: idLike(), direction: fc.constantFrom('send', 'recv', 'up') }, { requiredKeys: [] }),
  fc.record({ callId: idLike(), dtlsParameters: fc.record({ fingerprints: fc.array(fc.record({ algorithm: fc.string(), value: fc.string() }), { maxLength: 3 }) }) }),
  fc.record({ language: fc.constantFrom('da', 'en', 'xx1', ''), topic: fc.string({ maxLength: 70 }) }, { requiredKeys: [] }),
);
const messageArb = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  fc
    .record({ id: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.string()), method: fc.oneof(fc.constantFrom(...methods), fc.string({ maxLength: 80 })), data: dataArb })
    .map((r) => JSON.stringify({ type: 'request', ...r })),
);

describe('signalling under hostile input', () => {
  it('answers every message, keeps the socket open and leaves the other call untouched', async () => {
    const second = await enrolTestKiosk(t, { id: 'k-fuzz-2', name: 'Fuzz kiosk', location: 'Lab', languages: ['da'] });
    const asKiosk = await rawSocket(KIOSK_WS_PATH, { authorization: `Kiosk k-fuzz-2:${second.credential}` });
    const asAgent = await rawSocket(STAFF_WS_PATH, { cookie: await signIn(t.app, 'omar', 'demo-agent') });
    cleanup.push(() => asKiosk.ws.close(), () => asAgent.ws.close());

    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.boolean(), messageArb), { minLength: 1, maxLength: 12 }), fc.boolean(), async (msgs, helloFirst) => {
        for (const s of [asKiosk, asAgent]) if (helloFirst) await s.send(JSON.stringify({ type: 'request', id: 1, method: 'hello', data: {} }));
        for (const [toKiosk, m] of msgs) {
          const answer = (await (toKiosk ? asKiosk : asAgent).send(m)) as { id: number | null; ok: boolean; error?: { code: string } };
          // Each message gets its own answer: the request's id when it carried a usable one, else null;
          // anything that is not a well-formed request is refused with a code.
          const sent = parseOrUndefined(m);
          const id = typeof sent?.id === 'number' && Number.isSafeInteger(sent.id) ? sent.id : null;
          expect(answer.id).toBe(id);
          if (!isRequestEnvelope(sent)) expect(answer).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^(BAD_MESSAGE|RATE_LIMITED)$/) } });
          if (!answer.ok) expect(Object.keys(SIGNAL_ERRORS)).toContain(answer.error?.code);
        }
        expect(asKiosk.ws.readyState).toBe(WebSocket.OPEN);
        expect(asAgent.ws.readyState).toBe(WebSocket.OPEN);
      }),
      // endOnFailure: a failing sequence is reported as found; shrinking through 3 s answer timeouts would outlast the test.
      { numRuns: 300, endOnFailure: true },
    );

    // The victim call is as it was: still in progress with both participants and its transport.
    const { kiosk } = (globalThis as unknown as { victim: { kiosk: ReturnType<typeof kioskClient> } }).victim;
    const stats = await kiosk.request('getTransportStats', { transportId: victimTransportId });
    expect(stats.transportId).toBe(victimTransportId);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer test-metrics-token' } });
    expect(metrics.body).toMatch(/booth_calls\{state="in-call"\} 1/);
    expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
  });

  it('rate-limits a flooding socket with an error, without closing it', async () => {
    const slow = await createTestApp((c) => {
      c.sfu.rtcMinPort = 48200;
      c.sfu.rtcMaxPort = 48299;
      c.calls.maxMessagesPerSecond = 5;
    });
    const slowUrl = await slow.app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const ws = new WebSocket(slowUrl.replace('http', 'ws') + STAFF_WS_PATH, { headers: { cookie: await signIn(slow.app, 'omar', 'demo-agent') } });
      await new Promise((r) => ws.once('open', r));
      const codes: string[] = [];
      ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as { ok: boolean; error?: { code: string } };
        codes.push(m.ok ? 'ok' : m.error!.code);
      });
      for (let i = 0; i < 30; i++) ws.send(JSON.stringify({ type: 'request', id: i, method: 'hello', data: {} }));
      await expect.poll(() => codes.length).toBe(30);
      // Burst of twice the per-second rate, then refusals (rate-limit answers are immediate, so order varies).
      const ok = codes.filter((c) => c === 'ok').length;
      expect(ok).toBeGreaterThanOrEqual(10);
      expect(ok).toBeLessThanOrEqual(12);
      expect(codes.filter((c) => c === 'RATE_LIMITED').length).toBe(30 - ok);
      expect(ws.readyState).toBe(WebSocket.OPEN);
      ws.close();
    } finally {
      await slow.app.close();
    }
  });

  it('closes a socket that sends a message over the size limit, and only that socket', async () => {
    const { kiosk } = (globalThis as unknown as { victim: { kiosk: ReturnType<typeof kioskClient> } }).victim;
    const ws = new WebSocket(url.replace('http', 'ws') + STAFF_WS_PATH, { headers: { cookie: await signIn(t.app, 'omar', 'demo-agent') } });
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send(JSON.stringify({ type: 'request', id: 1, method: 'hello', data: { resumeToken: 'x'.repeat(70_000) } }));
    expect(await closed).toBe(1009);
    expect((await kiosk.request('getTransportStats', { transportId: victimTransportId })).transportId).toBe(victimTransportId);
  });
});
