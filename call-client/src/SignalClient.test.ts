import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { KIOSK_REQUESTS } from '@citizen/protocol';
import { SignalClient, type SocketLike } from './SignalClient';
import { setLogSink } from './log';

/** An in-memory socket whose far end the test plays: it sees what the client sends and answers by hand. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: { id: number; method: string; data: unknown }[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  send(data: string): void {
    this.sent.push(JSON.parse(data) as { id: number; method: string; data: unknown });
  }
  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  answer(id: number, data: unknown): void {
    this.onmessage?.({ data: JSON.stringify({ type: 'response', id, ok: true, data }) });
  }
  fail(id: number, code: string, message: string): void {
    this.onmessage?.({ data: JSON.stringify({ type: 'response', id, ok: false, error: { code, message } }) });
  }
  last(method: string): { id: number; method: string; data: unknown } {
    const m = this.sent.filter((s) => s.method === method).at(-1);
    if (!m) throw new Error(`nothing sent for ${method}`);
    return m;
  }
}

const hello = (token = 'tok-1') => ({ resumeToken: token, resumed: false, call: null });
const sockets: FakeSocket[] = [];
const clients: SignalClient<typeof KIOSK_REQUESTS>[] = [];
function client(opts: { requestTimeoutMs?: number; checkResults?: boolean } = {}): SignalClient<typeof KIOSK_REQUESTS> {
  const c = new SignalClient({
    methods: KIOSK_REQUESTS,
    checkResults: opts.checkResults ?? true,
    connect: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s;
    },
    minBackoffMs: 5,
    maxBackoffMs: 10,
    requestTimeoutMs: opts.requestTimeoutMs ?? 1000,
  });
  clients.push(c);
  return c;
}
const flush = () => new Promise((r) => setTimeout(r, 0));
const quiet = setLogSink(() => {});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  sockets.length = 0;
  vi.useRealTimers();
});
afterAll(() => setLogSink(quiet));

describe('SignalClient', () => {
  it('says hello on open and resolves typed requests with their results', async () => {
    const c = client();
    const s = sockets[0]!;
    s.open();
    s.answer(s.last('hello').id, hello());
    await flush();
    expect(c.state).toBe('open');
    const pending = c.request('requestCall', { language: 'da' });
    await flush();
    const sent = s.last('requestCall');
    expect(sent.data).toEqual({ language: 'da' });
    s.answer(sent.id, { callId: 'c1', reference: 'BS-0000-001Y', position: 1, estimatedWaitSeconds: 60 });
    await expect(pending).resolves.toEqual({ callId: 'c1', reference: 'BS-0000-001Y', position: 1, estimatedWaitSeconds: 60 });
  });

  it('rejects a result that does not match its schema with BAD_RESULT when checking results', async () => {
    const c = client();
    const s = sockets[0]!;
    s.open();
    s.answer(s.last('hello').id, hello());
    await flush();
    const pending = c.request('requestCall', { language: 'da' });
    await flush();
    s.answer(s.last('requestCall').id, { callId: 'c1', reference: 'not-a-reference', position: 0 });
    await expect(pending).rejects.toMatchObject({ code: 'BAD_RESULT', method: 'requestCall' });
  });

  it('passes server errors on with their code', async () => {
    const c = client();
    const s = sockets[0]!;
    s.open();
    s.answer(s.last('hello').id, hello());
    await flush();
    const pending = c.request('leaveQueue', { callId: 'c1' });
    await flush();
    s.fail(s.last('leaveQueue').id, 'WRONG_STATE', 'no longer waiting');
    await expect(pending).rejects.toMatchObject({ code: 'WRONG_STATE', message: 'leaveQueue: no longer waiting' });
  });

  it('holds a request made while reconnecting and sends it once the session is back, resuming with the token', async () => {
    const c = client();
    sockets[0]!.open();
    sockets[0]!.answer(sockets[0]!.last('hello').id, hello('tok-A'));
    await flush();
    sockets[0]!.close(1006, 'network');
    expect(c.state).toBe('reconnecting');
    const pending = c.request('leaveQueue', { callId: 'c1' });
    await vi.waitFor(() => expect(sockets.length).toBe(2));
    const s2 = sockets[1]!;
    s2.open();
    expect(s2.last('hello').data).toEqual({ resumeToken: 'tok-A' });
    s2.answer(s2.last('hello').id, { resumeToken: 'tok-A', resumed: true, call: null });
    await vi.waitFor(() => expect(s2.sent.some((m) => m.method === 'leaveQueue')).toBe(true));
    s2.answer(s2.last('leaveQueue').id, {});
    await expect(pending).resolves.toEqual({});
  });

  it('gives up on a request with TIMEOUT when the session does not come back in time, instead of waiting forever', async () => {
    const c = client({ requestTimeoutMs: 50 });
    sockets[0]!.close(1006, 'network'); // never opened: keeps reconnecting to sockets that never open
    const started = Date.now();
    await expect(c.request('leaveQueue', { callId: 'c1' })).rejects.toMatchObject({ code: 'TIMEOUT', method: 'leaveQueue' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('rejects waiting requests with CLOSED when closed, and refuses new ones', async () => {
    const c = client({ requestTimeoutMs: 10_000 });
    const waiting = c.request('leaveQueue', { callId: 'c1' });
    c.close();
    await expect(waiting).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(c.request('leaveQueue', { callId: 'c1' })).rejects.toMatchObject({ code: 'CLOSED' });
    expect(c.state).toBe('closed');
  });

  it('starts a fresh session (no resume token) after the server ended the old one with 4001', async () => {
    client();
    sockets[0]!.open();
    sockets[0]!.answer(sockets[0]!.last('hello').id, hello('tok-old'));
    await flush();
    sockets[0]!.close(4001, 'session ended');
    await vi.waitFor(() => expect(sockets.length).toBe(2));
    sockets[1]!.open();
    expect(sockets[1]!.last('hello').data).toEqual({});
  });

  it('keeps delivering notifications to other listeners when one throws', async () => {
    const c = client();
    const got: number[] = [];
    c.on('queueUpdate', () => {
      throw new Error('boom');
    });
    c.on('queueUpdate', (q) => got.push(q.position));
    sockets[0]!.onmessage?.({ data: JSON.stringify({ type: 'notification', method: 'queueUpdate', data: { callId: 'c1', position: 2, estimatedWaitSeconds: 30 } }) });
    expect(got).toEqual([2]);
  });
});
