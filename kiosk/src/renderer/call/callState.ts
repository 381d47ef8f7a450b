/**
 * The resident's side of "talk to a person", as signals: idle → queued (live
 * position and wait) → in-call (media) → ended. The signalling socket is made
 * on the first call and kept; its resume token lives in sessionStorage so even
 * a page reload finds the same call again, and is cleared with everything
 * else when the resident's session ends.
 */
import { signal } from '@preact/signals';
import { KIOSK_WS_PATH, type CallRequestInfo, type CallSnapshot, type EndReason, type KioskRequests } from '@citizen/protocol';
import { SignalClient, startMediaCall, type MediaCallView, type SocketLike } from '@citizen/call-client';

export type CallStep =
  | { step: 'idle' }
  | { step: 'requesting' }
  | { step: 'queued'; callId: string; reference: string; position: number; estimatedWaitSeconds: number }
  | { step: 'in-call'; call: MediaCallView; agentName: string; reference: string }
  | { step: 'ended'; reason: EndReason | 'failed'; reference: string | null };

const RESUME_KEY = 'kiosk.call.resume';

export interface CallDeps {
  connect: () => SocketLike;
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  startMedia?: typeof startMediaCall;
}

export function browserCallDeps(): CallDeps {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${KIOSK_WS_PATH}`;
  return { connect: () => new WebSocket(url) as unknown as SocketLike, storage: sessionStorage };
}

export function createCallState(deps: CallDeps) {
  const state = signal<CallStep>({ step: 'idle' });
  const connection = signal<'open' | 'reconnecting' | 'closed'>('closed');
  let client: SignalClient<KioskRequests> | null = null;
  /** The most recent call's media, kept for diagnostics (were camera and mic released?). */
  let lastCall: MediaCallView | null = null;
  /** How many times the signalling session was resumed after a dropped socket (diagnostics). */
  let resumes = 0;
  const startMedia = deps.startMedia ?? startMediaCall;

  function enterCall(snapshot: Extract<CallSnapshot, { step: 'in-call' }>): void {
    const cur = state.value;
    if (cur.step === 'in-call' && cur.call.callId === snapshot.callId) {
      cur.call.media.resync(snapshot);
      return;
    }
    const agent = snapshot.participants.find((p) => p.role === 'agent');
    lastCall = startMedia(client!, snapshot);
    state.value = { step: 'in-call', call: lastCall, agentName: agent?.displayName ?? '', reference: snapshot.reference };
  }

  function end(reason: EndReason | 'failed'): void {
    const cur = state.value;
    if (cur.step === 'in-call') cur.call.stop();
    const reference = cur.step === 'in-call' || cur.step === 'queued' ? cur.reference : cur.step === 'ended' ? cur.reference : null;
    state.value = { step: 'ended', reason, reference };
  }

  function apply(snapshot: CallSnapshot | null): void {
    const cur = state.value;
    if (!snapshot) {
      // The server no longer knows our call (grace period over): it ended.
      if (cur.step === 'queued' || cur.step === 'in-call') end('connection-lost');
      return;
    }
    if (snapshot.step === 'queued')
      state.value = { step: 'queued', callId: snapshot.callId, reference: snapshot.reference, position: snapshot.position, estimatedWaitSeconds: snapshot.estimatedWaitSeconds };
    else if (snapshot.step === 'in-call') enterCall(snapshot);
    else if (snapshot.step === 'ended') end(snapshot.reason);
  }

  function ensureClient(): SignalClient<KioskRequests> {
    if (client) return client;
    const c = new SignalClient<KioskRequests>({
      connect: deps.connect,
      resumeToken: deps.storage.getItem(RESUME_KEY),
      onResumeToken: (t) => deps.storage.setItem(RESUME_KEY, t),
    });
    c.on('state', (s) => (connection.value = s === 'open' ? 'open' : s === 'closed' ? 'closed' : 'reconnecting'));
    c.on('session', ({ resumed, call }) => {
      if (resumed) resumes++;
      apply(call);
    });
    c.on('queueUpdate', (q) => {
      const cur = state.value;
      if (cur.step === 'queued' && cur.callId === q.callId) state.value = { ...cur, position: q.position, estimatedWaitSeconds: q.estimatedWaitSeconds };
    });
    c.on('callStarted', (snap) => apply(snap));
    c.on('callEnded', ({ reason }) => end(reason));
    client = c;
    return c;
  }

  async function talkToAPerson(request: CallRequestInfo): Promise<void> {
    if (state.value.step !== 'idle' && state.value.step !== 'ended') return;
    state.value = { step: 'requesting' };
    try {
      const r = await ensureClient().request('requestCall', request);
      if (state.value.step === 'requesting')
        state.value = { step: 'queued', callId: r.callId, reference: r.reference, position: r.position, estimatedWaitSeconds: r.estimatedWaitSeconds };
    } catch (err) {
      console.error('call request failed', err);
      state.value = { step: 'ended', reason: 'failed', reference: null };
    }
  }

  async function leaveQueue(): Promise<void> {
    const cur = state.value;
    if (cur.step !== 'queued' || !client) return;
    await client.request('leaveQueue', { callId: cur.callId }).catch(() => undefined);
    state.value = { step: 'idle' };
  }

  async function hangUp(): Promise<void> {
    const cur = state.value;
    if (cur.step !== 'in-call' || !client) return;
    const callId = cur.call.callId;
    end('hangup-resident');
    await client.request('endCall', { callId }).catch(() => undefined);
  }

  /** Back to the start screen. */
  function reset(): void {
    const cur = state.value;
    if (cur.step === 'in-call') cur.call.stop();
    state.value = { step: 'idle' };
  }

  return { state, connection, talkToAPerson, leaveQueue, hangUp, reset, client: () => client, lastCall: () => lastCall, resumes: () => resumes };
}
export type CallState = ReturnType<typeof createCallState>;
