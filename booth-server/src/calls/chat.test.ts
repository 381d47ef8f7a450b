/**
 * In-call text chat through the real call service over real sockets: both
 * sides get every message in the server's order, text is checked and
 * cleaned, only the call's participants write, a sender cannot flood, and the
 * chat is kept with the case only if the resident chose so.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallOffer, ChatMessage, KioskRequests, StaffRequests } from '@citizen/protocol';
import type { SignalClient } from '@citizen/call-client';
import { createTestApp, next, newKioskClient, signIn, staffClient, type TestApp } from '../testing';
import { CHAT_LIMITS, cleanChatText } from './CallChat';

let t: TestApp;
let url: string;
const clients: { close(): void }[] = [];
const track = <C extends { close(): void }>(c: C): C => {
  clients.push(c);
  return c;
};

beforeAll(async () => {
  t = await createTestApp((c) => {
    c.sfu.rtcMinPort = 43900;
    c.sfu.rtcMaxPort = 43999;
    c.calls.reconnectGraceSeconds = 1;
  });
  url = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await new Promise((r) => setTimeout(r, 1200));
});
afterAll(async () => {
  await t.app.close();
});

let kiosks = 0;
async function callWithAnna(): Promise<{ k: SignalClient<KioskRequests>; anna: SignalClient<StaffRequests>; callId: string }> {
  const k = track(await newKioskClient(t, url, `k-chat-${++kiosks}`));
  await next(k as never, 'session');
  const anna = track(staffClient(url, await signIn(t.app, 'anna', 'demo-agent')));
  await next(anna as never, 'session');
  const { callId } = await k.request('requestCall', { language: 'da', needs: ['hearing'] });
  // Not in progress yet: no chat while waiting.
  await expect(k.request('sendChat', { callId, text: 'hello?' })).rejects.toMatchObject({ code: 'WRONG_STATE' });
  const offer = next<CallOffer>(anna as never, 'callOffered');
  await anna.request('setAvailability', { available: true });
  await offer;
  await anna.request('acceptCall', { callId });
  return { k, anna, callId };
}

/** Collects a client's chat messages as they come. */
function inbox(c: SignalClient<KioskRequests> | SignalClient<StaffRequests>): ChatMessage[] {
  const got: ChatMessage[] = [];
  (c as unknown as { on(m: string, f: (d: ChatMessage) => void): void }).on('chatMessage', (m) => got.push(m));
  return got;
}
const history = async (id: string) => (await t.store.findInquiryCase(id, { kind: 'all' }))?.events ?? [];

describe('in-call chat', () => {
  it('carries messages both ways to everyone in the call, the sender too, in one order, with who wrote them', async () => {
    const { k, anna, callId } = await callWithAnna();
    const atKiosk = inbox(k);
    const atAgent = inbox(anna);
    const first = await k.request('sendChat', { callId, text: 'I cannot hear you' });
    await anna.request('sendChat', { callId, text: 'Then we write. What is your errand?' });
    await k.request('sendChat', { callId, text: 'مرحبا، أريد تغيير عنواني' });
    await expect.poll(() => atKiosk.length).toBe(3);
    await expect.poll(() => atAgent.length).toBe(3);
    expect(atKiosk.map((m) => m.messageId)).toEqual(atAgent.map((m) => m.messageId));
    expect(atKiosk[0]).toMatchObject({ callId, messageId: first.messageId, at: first.at, text: 'I cannot hear you', from: { role: 'resident' } });
    expect(atKiosk[1]).toMatchObject({ text: 'Then we write. What is your errand?', from: { role: 'agent', displayName: expect.stringMatching(/Anna/) } });
    expect(atAgent[2]!.text).toBe('مرحبا، أريد تغيير عنواني');
  });

  it('checks and cleans what enters: control characters go, blank and over-long messages are refused, only participants write', async () => {
    const { k, anna, callId } = await callWithAnna();
    const atAgent = inbox(anna);
    await k.request('sendChat', { callId, text: '  two\r\nlines\u0007\u202e  ' });
    await expect.poll(() => atAgent.length).toBe(1);
    expect(atAgent[0]!.text).toBe('two\nlines');
    await expect(k.request('sendChat', { callId, text: ' \u0000\u200b ' })).rejects.toMatchObject({ code: 'INVALID_DATA' });
    await expect(k.request('sendChat', { callId, text: 'x'.repeat(1001) })).rejects.toMatchObject({ code: 'INVALID_DATA' });
    await expect(k.request('sendChat', { callId, text: '' })).rejects.toMatchObject({ code: 'INVALID_DATA' });
    const omar = track(staffClient(url, await signIn(t.app, 'omar', 'demo-agent')));
    await next(omar as never, 'session');
    await expect(omar.request('sendChat', { callId, text: 'hi' })).rejects.toMatchObject({ code: 'NOT_IN_CALL' });
    await expect(anna.request('keepChat' as never, { callId, keep: true } as never)).rejects.toMatchObject({ code: 'UNKNOWN_METHOD' });
    expect(cleanChatText('a\n\n\n\nb')).toBe('a\n\nb');
  });

  it(`refuses a sender past ${CHAT_LIMITS.RATE_COUNT} messages in ${CHAT_LIMITS.RATE_WINDOW_MS / 1000} s; the others may still write`, async () => {
    const { k, anna, callId } = await callWithAnna();
    for (let i = 0; i < CHAT_LIMITS.RATE_COUNT; i++) await k.request('sendChat', { callId, text: `line ${i}` });
    await expect(k.request('sendChat', { callId, text: 'one more' })).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(anna.request('sendChat', { callId, text: 'slow down please' })).resolves.toMatchObject({ messageId: expect.any(String) });
  });

  it('keeps the chat with the case only when the resident chose so; the agent is told the choice', async () => {
    const kept = await callWithAnna();
    const told = next<{ callId: string; keep: boolean }>(kept.anna as never, 'chatKept');
    await kept.k.request('keepChat', { callId: kept.callId, keep: true });
    expect(await told).toEqual({ callId: kept.callId, keep: true });
    await kept.k.request('sendChat', { callId: kept.callId, text: 'My new address is Nørrebrogade 12' });
    await kept.anna.request('sendChat', { callId: kept.callId, text: 'Noted' });
    await kept.anna.request('endCall', { callId: kept.callId });
    await expect.poll(async () => (await history(kept.callId)).find((e) => e.kind === 'chat-transcript')).toMatchObject({
      kind: 'chat-transcript',
      actor: { kind: 'kiosk' },
      messages: [
        { role: 'resident', text: 'My new address is Nørrebrogade 12' },
        { role: 'agent', text: 'Noted' },
      ],
    });

  });

  it('lets the chat go when the resident did not choose to keep it, or changed their mind', async () => {
    const dropped = await callWithAnna();
    await dropped.k.request('keepChat', { callId: dropped.callId, keep: true });
    await dropped.k.request('keepChat', { callId: dropped.callId, keep: false });
    await dropped.k.request('sendChat', { callId: dropped.callId, text: 'Something private' });
    await dropped.k.request('endCall', { callId: dropped.callId });
    await expect.poll(async () => (await history(dropped.callId)).some((e) => e.kind === 'contact-ended')).toBe(true);
    expect((await history(dropped.callId)).some((e) => e.kind === 'chat-transcript')).toBe(false);
    expect(t.app.calls.chat.held(dropped.callId)).toBe(0);
  });
});
