/**
 * The resident's side of "talk to a person", as signals: idle → queued (live
 * position and wait) → in-call (media) → ended. Instead of waiting (or when
 * the queue is closed) the resident can leave a phone number to be called
 * back, keeping their place, or write their inquiry; both end on the same
 * screen as a call, with the reference. The signalling socket is made
 * on the first call and kept; its resume token lives in sessionStorage so even
 * a page reload finds the same call again, and is cleared with everything
 * else when the resident's session ends.
 */
import { signal } from '@preact/signals';
import { KIOSK_WS_PATH, type CallRequestInfo, type CallSnapshot, type EndReason, type KioskPush, type KioskRequests, type PushAnswer } from '@citizen/protocol';
import { DEV } from '@citizen/call-client/dev';
import { createLogger, drop } from '@citizen/call-client/log';
import { Timeline } from '@citizen/call-client/timeline';
import type { Chat, MediaCallView, MediaEndpoint, SignalClient, SocketLike, startMediaCall } from '@citizen/call-client';

/** The signalling client and mediasoup-client: loaded when a resident first needs the server, not at start-up. */
type CallLib = typeof import('@citizen/call-client');
let lib: CallLib | null = null;
async function loadCallLib(): Promise<CallLib> {
  lib ??= await import('@citizen/call-client');
  return lib;
}

const log = createLogger('kiosk-call');

export type CallStep =
  | { step: 'idle' }
  | { step: 'requesting' }
  /** `transferred`: an agent handed the call on; the resident waits for the next, keeping their place. */
  | { step: 'queued'; callId: string; reference: string; position: number; estimatedWaitSeconds: number; transferred?: boolean }
  | { step: 'in-call'; call: MediaCallView; agentName: string; reference: string }
  /** The queue is closed: a callback or a written inquiry instead. */
  | { step: 'closed'; request: CallRequestInfo; opensAt: string | null }
  /**
   * Entering a phone number; `waiting`: the call that becomes the callback
   * (keeps its place), if any; `stepped`: the call in progress a bad network
   * stepped down to text, which goes on (chat) until the callback replaces it.
   */
  | {
      step: 'callback-form';
      request: CallRequestInfo;
      waiting: Extract<CallStep, { step: 'queued' }> | null;
      opensAt: string | null;
      stepped?: Extract<CallStep, { step: 'in-call' }>;
    }
  | { step: 'written-form'; request: CallRequestInfo }
  /**
   * `ratedCall`: the call the resident may rate (one that had an agent); null
   * otherwise. `callback`: they will be called back (from `opensAt` when the
   * queue is closed); `written`: answered by `promisedBy`.
   */
  | { step: 'ended'; reason: EndReason | 'failed' | 'written'; reference: string | null; ratedCall: string | null; opensAt?: string | null; promisedBy?: string };

/** Why leaving a callback or a written inquiry failed, for the form to show. */
export type LeaveWordResult = { ok: true } | { ok: false; code: string };

const RESUME_KEY = 'kiosk.call.resume';

export interface CallDeps {
  connect: () => SocketLike;
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  startMedia?: typeof startMediaCall;
  /** Prints a document the agent sent (the shell's printer); rejects with a coded error. */
  printDocument?: (doc: { title: string; lines: string[]; reference: string | null }) => Promise<unknown>;
  /** The shell's camera and microphone gate: opened before a call's media starts, closed when it stops. */
  mediaGate?: { open(): Promise<unknown>; close(): Promise<unknown> };
  /** The kiosk's own cap on its camera encoding (its configuration profile's), read when a call starts. */
  maxVideoBitrate?: () => number | null;
  /** relay: the call's transports use TURN relay candidates only (the kiosk's profile or configuration), read when media opens. */
  iceTransportPolicy?: () => 'all' | 'relay';
}

/** What the agent shows on the screen during the call, until the resident answers it. */
export interface ShownItem {
  pushId: string;
  item: KioskPush;
}
/** A document the agent is printing here. */
export type PrintNotice = { title: string; state: 'printing' | 'printed' | 'failed' | 'queued' };

/** `socketUrl`: where the shell says the signalling socket is (Electron); else the page's own origin. */
export function browserCallDeps(socketUrl: () => string | undefined = () => undefined): CallDeps {
  const own = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${KIOSK_WS_PATH}`;
  return { connect: () => new WebSocket(socketUrl() ?? own) as unknown as SocketLike, storage: sessionStorage };
}

export function createCallState(deps: CallDeps) {
  const state = signal<CallStep>({ step: 'idle' });
  const shown = signal<ShownItem[]>([]);
  const printing = signal<PrintNotice | null>(null);
  const connection = signal<'open' | 'reconnecting' | 'closed'>('closed');
  /** The call's text chat: made with the signalling client, in memory only, gone with the session. */
  const chat = signal<Chat | null>(null);
  let client: SignalClient<KioskRequests> | null = null;
  /** The most recent call's media, kept for diagnostics (were camera and mic released?). */
  let lastCall: MediaCallView | null = null;
  /** How many times the signalling session was resumed after a dropped socket (diagnostics). */
  let resumes = 0;
  /** Set-up stages of the current (or last) call, from the tap on (diagnostics and the set-up benchmark). */
  let timeline = new Timeline();
  /**
   * The kiosk's transports, opened while the resident waits so the call
   * starts on connections already made. Network only: no camera or
   * microphone until the call starts. Closed when the resident stops waiting.
   */
  let endpoint: MediaEndpoint | null = null;
  const startMedia = (...args: Parameters<typeof startMediaCall>): MediaCallView => (deps.startMedia ?? lib!.startMediaCall)(...args);
  /** What the resident asked for last (a waiting call turned into a callback keeps it). */
  let lastRequest: CallRequestInfo | null = null;

  function warmUp(): void {
    if (endpoint || !client) return;
    // The library is in once a client exists (ensureClient loads it first).
    endpoint = new lib!.MediaEndpoint(client, timeline, { iceTransportPolicy: deps.iceTransportPolicy?.() ?? 'all' });
    drop(endpoint.open(), log, 'opening media while waiting failed (the call opens it again)');
  }

  /** Whether the shell's camera gate is open for the current call. */
  let gateOpen = false;
  function closeGate(): void {
    if (!gateOpen || !deps.mediaGate) return;
    gateOpen = false;
    drop(deps.mediaGate.close(), log, 'closing the camera gate failed');
  }

  function coolDown(): void {
    endpoint?.close();
    endpoint = null;
  }

  function enterCall(snapshot: Extract<CallSnapshot, { step: 'in-call' }>): void {
    const cur = state.value;
    const running = cur.step === 'in-call' ? cur.call : cur.step === 'callback-form' ? cur.stepped?.call : undefined;
    if (running?.callId === snapshot.callId) {
      running.media.resync(snapshot);
      return;
    }
    // Camera and microphone only while a call is on: the shell opens its gate first.
    if (deps.mediaGate && !gateOpen) {
      gateOpen = true;
      void deps.mediaGate
        .open()
        .catch((err: unknown) => log.warn('opening the camera gate failed; the call starts without it', { error: err }))
        .then(() => {
          // Unless the call ended while the gate was opening.
          if (state.value.step !== 'ended') enterCall(snapshot);
          else closeGate();
        });
      return;
    }
    const agent = snapshot.participants.find((p) => p.role === 'agent');
    timeline.mark('callStarted');
    // A resident who said they are deaf or hard of hearing finds the chat open.
    chat.value?.begin(snapshot.callId, snapshot.request.needs?.includes('hearing'));
    // The resident waits for the agent's face: wire it before producing the kiosk's own camera (at most 600 ms).
    lastCall = startMedia(client!, snapshot, { timeline, receiveFirstMs: 600, maxVideoBitrate: deps.maxVideoBitrate?.() ?? null, iceTransportPolicy: deps.iceTransportPolicy?.() ?? 'all', ...(endpoint ? { endpoint } : {}) });
    // Stepped down to writing (a bad network, or the agent's choice): the chat opens by itself.
    lastCall.media.on('quality', (q) => {
      if (q.stage === 'text' || q.stage === 'callback') chat.value?.setOpen(true);
    });
    state.value = { step: 'in-call', call: lastCall, agentName: agent?.displayName ?? '', reference: snapshot.reference };
  }

  function end(reason: EndReason | 'failed'): void {
    const cur = state.value;
    shown.value = [];
    printing.value = null;
    chat.value?.clear();
    const running = cur.step === 'in-call' ? cur : cur.step === 'callback-form' ? cur.stepped : undefined;
    running?.call.stop();
    closeGate();
    coolDown();
    const reference =
      cur.step === 'in-call' || cur.step === 'queued' || cur.step === 'ended'
        ? cur.reference
        : cur.step === 'callback-form'
          ? (cur.waiting?.reference ?? cur.stepped?.reference ?? null)
          : null;
    const ratedCall = running ? running.call.callId : cur.step === 'ended' ? cur.ratedCall : null;
    state.value = { step: 'ended', reason, reference, ratedCall };
  }

  function apply(snapshot: CallSnapshot | null): void {
    const cur = state.value;
    if (!snapshot) {
      // The server no longer knows our call (grace period over): it ended.
      if (cur.step === 'queued' || cur.step === 'in-call' || (cur.step === 'callback-form' && (cur.waiting || cur.stepped))) end('connection-lost');
      return;
    }
    if (snapshot.step === 'queued') {
      // Waiting again while in a call: the call was transferred while the socket was down.
      if (cur.step === 'in-call') cur.call.stop();
      closeGate();
      state.value = { step: 'queued', callId: snapshot.callId, reference: snapshot.reference, position: snapshot.position, estimatedWaitSeconds: snapshot.estimatedWaitSeconds };
      warmUp();
    }
    else if (snapshot.step === 'in-call') enterCall(snapshot);
    else if (snapshot.step === 'ended') end(snapshot.reason);
  }

  async function ensureClient(): Promise<SignalClient<KioskRequests>> {
    if (client) return client;
    const { SignalClient, KIOSK_REQUESTS } = await loadCallLib();
    if (client) return client;
    const c = new SignalClient({
      methods: KIOSK_REQUESTS,
      checkResults: DEV,
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
      else if (cur.step === 'callback-form' && cur.waiting?.callId === q.callId)
        state.value = { ...cur, waiting: { ...cur.waiting, position: q.position, estimatedWaitSeconds: q.estimatedWaitSeconds } };
    });
    c.on('callStarted', (snap) => apply(snap));
    c.on('kioskPush', ({ callId, pushId, item }) => {
      const cur = state.value;
      if (cur.step === 'in-call' && cur.call.callId === callId) shown.value = [...shown.value, { pushId, item }];
    });
    chat.value = lib!.connectChat(c, (m) => m.from.role === 'resident', c);
    c.on('printRequest', (r) => void printForAgent(c, r));
    c.on('callTransferred', ({ callId, position, estimatedWaitSeconds }) => {
      const cur = state.value;
      if (cur.step !== 'in-call' || cur.call.callId !== callId) return;
      // Camera and microphone close with this part of the call; the transports stay for the next agent.
      cur.call.stop();
      closeGate();
      shown.value = [];
      printing.value = null;
      state.value = { step: 'queued', callId, reference: cur.reference, position, estimatedWaitSeconds, transferred: true };
      warmUp();
    });
    c.on('callEnded', ({ reason }) => {
      // A call turned into a callback: the answer to requestCallback says how it goes on.
      if (reason !== 'callback') end(reason);
    });
    client = c;
    return c;
  }

  async function printForAgent(c: SignalClient<KioskRequests>, r: { callId: string; printId: string; document: { title: string; lines: string[]; withReference: boolean }; reference: string }): Promise<void> {
    let outcome: { ok: boolean; code?: string; queued?: boolean };
    if (!deps.printDocument) outcome = { ok: false, code: 'NO_PRINTER' };
    else {
      printing.value = { title: r.document.title, state: 'printing' };
      try {
        await deps.printDocument({ title: r.document.title, lines: r.document.lines, reference: r.document.withReference ? r.reference : null });
        outcome = { ok: true };
      } catch (err) {
        const e = err as { code?: string; details?: { queued?: boolean } };
        outcome = { ok: false, code: /^[A-Z_]{1,40}$/.test(e.code ?? '') ? e.code! : 'BRIDGE_INTERNAL', queued: e.details?.queued === true };
      }
      printing.value = { title: r.document.title, state: outcome.ok ? 'printed' : outcome.queued ? 'queued' : 'failed' };
    }
    drop(c.request('reportPrint', { callId: r.callId, printId: r.printId, ...outcome }), log, 'reportPrint failed', { call: r.callId });
  }

  /** The resident's answer to what the agent showed. */
  function answer(pushId: string, a: PushAnswer): void {
    const cur = state.value;
    shown.value = shown.value.filter((p) => p.pushId !== pushId);
    if (cur.step !== 'in-call' || !client) return;
    drop(client.request('answerPush', { callId: cur.call.callId, pushId, answer: a }), log, 'answerPush failed', { push: pushId });
  }

  async function talkToAPerson(request: CallRequestInfo): Promise<void> {
    if (state.value.step !== 'idle' && state.value.step !== 'ended') return;
    timeline = new Timeline();
    timeline.mark('tap');
    lastRequest = request;
    state.value = { step: 'requesting' };
    try {
      const r = await (await ensureClient()).request('requestCall', request);
      timeline.mark('requestAck');
      if (state.value.step === 'requesting') {
        state.value = { step: 'queued', callId: r.callId, reference: r.reference, position: r.position, estimatedWaitSeconds: r.estimatedWaitSeconds };
        warmUp();
      }
    } catch (err) {
      if ((err as { code?: string }).code === 'QUEUE_CLOSED') {
        const status = await (await ensureClient())
          .request('queueStatus', { language: request.language, ...(request.topic ? { topic: request.topic } : {}) })
          .catch(() => null);
        state.value = { step: 'closed', request, opensAt: status?.opensAt ?? null };
        return;
      }
      log.error('call request failed', { error: err });
      state.value = { step: 'ended', reason: 'failed', reference: null, ratedCall: null };
    }
  }

  /**
   * "Call me back": from the waiting screen (the call becomes the callback),
   * from a call a bad network stepped down to text, when the queue is closed,
   * or from a flow (`request`).
   */
  function offerCallback(request?: CallRequestInfo): void {
    const cur = state.value;
    if ((cur.step === 'idle' || cur.step === 'ended') && request) state.value = { step: 'callback-form', request, waiting: null, opensAt: null };
    else if (cur.step === 'queued') state.value = { step: 'callback-form', request: lastRequest ?? { language: 'da' }, waiting: cur, opensAt: null };
    else if (cur.step === 'in-call') state.value = { step: 'callback-form', request: lastRequest ?? { language: 'da' }, waiting: null, opensAt: null, stepped: cur };
    else if (cur.step === 'closed') state.value = { step: 'callback-form', request: cur.request, waiting: null, opensAt: cur.opensAt };
  }

  /** "Write to us": from the start screen (`request`) or when the queue is closed. */
  function writeInquiry(request?: CallRequestInfo): void {
    const cur = state.value;
    if (cur.step === 'closed') state.value = { step: 'written-form', request: cur.request };
    else if ((cur.step === 'idle' || cur.step === 'ended') && request) state.value = { step: 'written-form', request };
  }

  /** Back from a form: to the waiting screen if a call is still waiting, else to the start. */
  function cancelForm(): void {
    const cur = state.value;
    if (cur.step === 'callback-form' && cur.waiting) state.value = cur.waiting;
    else if (cur.step === 'callback-form' && cur.stepped) state.value = cur.stepped;
    else if (cur.step === 'callback-form' || cur.step === 'written-form') state.value = { step: 'idle' };
  }

  const failure = (err: unknown): LeaveWordResult => ({ ok: false, code: (err as { code?: string }).code ?? 'INTERNAL' });

  async function requestCallback(phone: string): Promise<LeaveWordResult> {
    const cur = state.value;
    if (cur.step !== 'callback-form') return { ok: false, code: 'WRONG_STATE' };
    try {
      const callId = cur.waiting?.callId ?? cur.stepped?.call.callId;
      const r = await (await ensureClient()).request('requestCallback', { ...cur.request, phone, consent: true, ...(callId ? { callId } : {}) });
      // The call it replaces is over here: camera, microphone and chat go with it.
      if (cur.stepped) {
        cur.stepped.call.stop();
        chat.value?.clear();
        closeGate();
      }
      coolDown();
      state.value = { step: 'ended', reason: 'callback', reference: r.reference, ratedCall: null, opensAt: r.opensAt };
      return { ok: true };
    } catch (err) {
      log.warn('callback request failed', { error: err });
      return failure(err);
    }
  }

  async function submitWritten(message: string, phone: string | null): Promise<LeaveWordResult> {
    const cur = state.value;
    if (cur.step !== 'written-form') return { ok: false, code: 'WRONG_STATE' };
    try {
      const r = await (await ensureClient()).request('submitWrittenInquiry', { ...cur.request, message, consent: true, ...(phone ? { phone } : {}) });
      state.value = { step: 'ended', reason: 'written', reference: r.reference, ratedCall: null, promisedBy: r.promisedBy };
      return { ok: true };
    } catch (err) {
      log.warn('written inquiry failed', { error: err });
      return failure(err);
    }
  }

  /**
   * A guided flow's answers sent as a written inquiry: the flow keeps the
   * screen (it shows the reference at its end); the call state is untouched.
   */
  async function submitFromFlow(request: CallRequestInfo, message: string): Promise<{ ok: true; reference: string; promisedBy: string } | { ok: false; code: string }> {
    try {
      const r = await (await ensureClient()).request('submitWrittenInquiry', { ...request, message, consent: true });
      return { ok: true, reference: r.reference, promisedBy: r.promisedBy };
    } catch (err) {
      log.warn('flow inquiry failed', { error: err });
      return { ok: false, code: (err as { code?: string }).code ?? 'INTERNAL' };
    }
  }

  async function leaveQueue(): Promise<void> {
    const cur = state.value;
    if (cur.step !== 'queued' || !client) return;
    state.value = { step: 'idle' };
    coolDown();
    // The resident has left the screen either way; if the server did not hear it, the call ends with the session.
    drop(client.request('leaveQueue', { callId: cur.callId }), log, 'leaveQueue failed', { call: cur.callId });
  }

  async function hangUp(): Promise<void> {
    const cur = state.value;
    if (cur.step !== 'in-call' || !client) return;
    const callId = cur.call.callId;
    end('hangup-resident');
    drop(client.request('endCall', { callId }), log, 'endCall failed', { call: callId });
  }

  /** Back to the start screen. */
  function reset(): void {
    const cur = state.value;
    shown.value = [];
    printing.value = null;
    chat.value?.clear();
    if (cur.step === 'in-call') cur.call.stop();
    if (cur.step === 'callback-form') cur.stepped?.call.stop();
    closeGate();
    coolDown();
    state.value = { step: 'idle' };
  }

  /** The resident's rating (1-5) of the call that just ended; resolves true once stored. */
  async function rate(rating: number): Promise<boolean> {
    const cur = state.value;
    if (cur.step !== 'ended' || !cur.ratedCall || !client) return false;
    try {
      await client.request('rateCall', { callId: cur.ratedCall, rating });
      return true;
    } catch (err) {
      log.warn('rating the call failed', { call: cur.ratedCall, error: err });
      return false;
    }
  }

  /**
   * The resident's session is over: back to the start, the signalling socket
   * closed and its resume token removed, so nothing of this resident's call
   * can be resumed by the next person (a page reload included).
   */
  async function endSession(): Promise<void> {
    const cur = state.value;
    const c = client;
    reset();
    client = null;
    chat.value = null;
    connection.value = 'closed';
    deps.storage.removeItem(RESUME_KEY);
    lastRequest = null;
    if (!c) return;
    // Whatever the resident left waiting or running ends now, not a grace period later.
    const waiting = cur.step === 'queued' ? cur : cur.step === 'callback-form' ? cur.waiting : null;
    const running = cur.step === 'in-call' ? cur.call : cur.step === 'callback-form' ? cur.stepped?.call : undefined;
    const leaving = waiting ? c.request('leaveQueue', { callId: waiting.callId }) : running ? c.request('endCall', { callId: running.callId }) : null;
    if (leaving) await leaving.catch((err: unknown) => log.warn('ending the call at session end failed; it ends with the session', { error: err }));
    c.close();
  }

  return { state, shown, printing, chat, answer, connection, talkToAPerson, leaveQueue, hangUp, reset, endSession, rate, offerCallback, writeInquiry, cancelForm, requestCallback, submitWritten, submitFromFlow, client: () => client, lastCall: () => lastCall, resumes: () => resumes, timeline: () => timeline, endpoint: () => endpoint };
}
export type CallState = ReturnType<typeof createCallState>;
