/**
 * The kiosk's call state and its chat, over a signalling client whose far end
 * the test plays (no server, no media): the chat opens at once for a resident
 * who stated the hearing need, collects the call's messages, and is gone with
 * the session.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CallQuality, CallSnapshot, ChatMessage } from '@citizen/protocol';
import { DEFAULT_QUALITY, type MediaCallView, type SocketLike } from '@citizen/call-client';
import { setLogSink } from '@citizen/call-client/log';
import { createCallState } from './callState';

setLogSink(() => {});

/** The server's end of the kiosk's socket: answers requests by method, sends notifications. */
class FarEnd implements SocketLike {
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  readonly sent: { method: string; data: unknown }[] = [];
  constructor(private readonly answers: Record<string, unknown>) {
    setTimeout(() => {
      this.readyState = 1;
      this.onopen?.({});
    }, 0);
  }
  send(raw: string): void {
    const { id, method, data } = JSON.parse(raw) as { id: number; method: string; data: unknown };
    this.sent.push({ method, data });
    // Requests the test does not answer (media set-up) stay pending: this test has no media.
    if (method in this.answers) setTimeout(() => this.onmessage?.({ data: JSON.stringify({ type: 'response', id, ok: true, data: this.answers[method] }) }), 0);
  }
  close(): void {
    this.readyState = 3;
  }
  notify(method: string, data: unknown): void {
    this.onmessage?.({ data: JSON.stringify({ type: 'notification', method, data }) });
  }
}

const flush = () => new Promise((r) => setTimeout(r, 5));
const stopped: string[] = [];
afterEach(() => void stopped.splice(0));

function inCall(needs: ('hearing' | 'sight')[]): Extract<CallSnapshot, { step: 'in-call' }> {
  return {
    step: 'in-call',
    callId: 'c-1',
    reference: 'K-2026-000001',
    inquiryId: 'i-1',
    participantId: 'p-kiosk',
    routerRtpCapabilities: { codecs: [], headerExtensions: [] },
    maxVideoBitrate: 0,
    quality: DEFAULT_QUALITY,
    stage: { callId: 'c-1', stage: 'video', by: 'network', weak: null, reason: '', chosen: null },
    participants: [
      { participantId: 'p-kiosk', role: 'resident', displayName: 'Resident' },
      { participantId: 'p-anna', role: 'agent', displayName: 'Anna Holm' },
    ],
    producers: [],
    request: { language: 'da', needs },
    startedAt: new Date().toISOString(),
  };
}

const qualityTo: ((q: CallQuality) => void)[] = [];
afterEach(() => void qualityTo.splice(0));

async function residentInCall(needs: ('hearing' | 'sight')[]) {
  let far: FarEnd | null = null;
  const storage = new Map<string, string>();
  const call = createCallState({
    connect: () => (far = new FarEnd({ hello: { resumeToken: 't-1', resumed: false, call: null }, requestCall: { callId: 'c-1', reference: 'K-2026-000001', position: 1, estimatedWaitSeconds: 30 }, endCall: {}, sendChat: { messageId: 'm-sent', at: new Date().toISOString() } })),
    storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v), removeItem: (k) => void storage.delete(k) },
    // The call screen's media, as far as this test needs it: its quality events come from `qualityTo`.
    startMedia: (_c, snapshot) =>
      ({
        callId: snapshot.callId,
        stop: () => void stopped.push(snapshot.callId),
        media: {
          resync: () => undefined,
          on: (event: string, fn: (q: CallQuality) => void) => {
            if (event === 'quality') qualityTo.push(fn);
            return () => undefined;
          },
        },
      }) as unknown as MediaCallView,
  });
  await call.talkToAPerson({ language: 'da', needs });
  await flush();
  far!.notify('callStarted', inCall(needs));
  await flush();
  expect(call.state.value.step).toBe('in-call');
  return { call, far: far! };
}

const message = (text: string, role: ChatMessage['from']['role'] = 'agent'): ChatMessage => ({
  callId: 'c-1',
  messageId: `m-${text}`,
  from: { participantId: role === 'resident' ? 'p-kiosk' : 'p-anna', role, displayName: role === 'resident' ? 'Resident' : 'Anna Holm' },
  text,
  at: new Date().toISOString(),
});

describe('kiosk call state: chat', () => {
  it('opens the chat at once for a resident who stated the hearing need, and keeps the call’s messages', async () => {
    const { call, far } = await residentInCall(['hearing']);
    const chat = call.chat.value!;
    expect(chat.open.value).toBe(true);
    far.notify('chatMessage', message('Goddag'));
    far.notify('chatMessage', message('Hej', 'resident'));
    expect(chat.messages.value.map((m) => [m.text, m.own])).toEqual([
      ['Goddag', false],
      ['Hej', true],
    ]);
    expect(await chat.send(' Hej igen ')).toBe(true);
    expect(far.sent.filter((s) => s.method === 'sendChat').map((s) => s.data)).toEqual([{ callId: 'c-1', text: 'Hej igen' }]);
  });

  it('leaves it closed otherwise (counting the agent’s messages), and forgets it with the session', async () => {
    const { call, far } = await residentInCall(['sight']);
    const chat = call.chat.value!;
    expect(chat.open.value).toBe(false);
    far.notify('chatMessage', message('Goddag'));
    expect(chat.unread.value).toBe(1);
    await call.endSession();
    expect(call.chat.value).toBeNull();
    expect(chat.messages.value).toEqual([]);
    expect(far.sent.map((s) => s.method)).toContain('endCall');
  });

  it('opens the chat by itself when the call steps down to text, and offers the callback form from the call', async () => {
    const { call } = await residentInCall(['sight']);
    const chat = call.chat.value!;
    const q = (stage: CallQuality['stage']): CallQuality => ({ callId: 'c-1', stage, by: 'network', weak: 'resident', reason: 'packet loss 40.0 %', chosen: null });
    for (const fn of qualityTo) fn(q('audio'));
    expect(chat.open.value).toBe(false);
    for (const fn of qualityTo) fn(q('text'));
    expect(chat.open.value).toBe(true);
    // At the callback step the resident asks for a callback: the call goes on behind the form, and comes back on cancel.
    const inCallStep = call.state.value;
    call.offerCallback();
    expect(call.state.value).toMatchObject({ step: 'callback-form', waiting: null, stepped: inCallStep });
    call.cancelForm();
    expect(call.state.value).toBe(inCallStep);
    expect(stopped).toEqual([]);
  });
});
