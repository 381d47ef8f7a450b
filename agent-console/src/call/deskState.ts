/**
 * An agent's (or supervisor's) desk as signals: availability, the call (or
 * callback) on offer, the call in progress or the callback in hand, the
 * callbacks waiting, and for supervisors the ongoing calls they may join. One
 * signalling socket per signed-in console.
 */
import { signal } from '@preact/signals';
import { STAFF_REQUESTS, STAFF_WS_PATH, type AgentPresence, type CallOffer, type CallbackInfo, type CallSnapshot, type EndReason, type OngoingCall } from '@citizen/protocol';
import { createToolsState } from './toolsState';
import { DEV, MediaEndpoint, SignalClient, Timeline, connectChat, createLogger, drop, startMediaCall, type MediaCallView, type SocketLike } from '@citizen/call-client';

const log = createLogger('desk');

type InCall = Extract<CallSnapshot, { step: 'in-call' }>;
export interface ActiveCall {
  view: MediaCallView;
  snapshot: InCall;
  role: 'agent' | 'supervisor' | 'interpreter';
}

export function browserConnect(): () => SocketLike {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${STAFF_WS_PATH}`;
  return () => new WebSocket(url) as unknown as SocketLike;
}

/**
 * relay: this console's calls go through TURN only. A per-workstation setting for a desk on a
 * network that lets nothing else through: localStorage `console.iceTransportPolicy` = `relay`.
 */
export function consoleIcePolicy(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): 'all' | 'relay' {
  try {
    return storage?.getItem('console.iceTransportPolicy') === 'relay' ? 'relay' : 'all';
  } catch {
    return 'all'; // storage disabled: the default
  }
}

export function createDeskState(connect: () => SocketLike, startMedia: typeof startMediaCall = startMediaCall) {
  const available = signal(false);
  /** Presence as the server keeps it: available, in call, wrap-up (with its end), away. */
  const presence = signal<AgentPresence | null>(null);
  const offer = signal<CallOffer | null>(null);
  const active = signal<ActiveCall | null>(null);
  const lastEnded = signal<{ callId: string; reason: EndReason } | null>(null);
  const ongoing = signal<OngoingCall[]>([]);
  /** The callback this agent has taken (with the number to call), until they report the outcome. */
  const callback = signal<CallbackInfo | null>(null);
  /** Callbacks waiting: those this agent could take (supervisors: all). */
  const callbacks = signal<CallbackInfo[]>([]);
  const connection = signal<'connecting' | 'open' | 'reconnecting' | 'closed'>('connecting');
  const error = signal<string | null>(null);

  const client = new SignalClient({
    methods: STAFF_REQUESTS,
    checkResults: DEV,
    connect,
    resumeToken: sessionStorage.getItem('desk.resume'),
    onResumeToken: (t) => sessionStorage.setItem('desk.resume', t),
  });
  client.on('state', (s) => (connection.value = s));
  /** Show, print, invite, transfer during the call in progress; invitations into others' calls. */
  const tools = createToolsState(client, () => active.value?.snapshot.callId ?? null);
  /** The call's text chat with the resident (and whoever joined); in memory for the call only. */
  const chat = connectChat(client, (m) => m.from.participantId === active.value?.snapshot.participantId);
  client.on('presenceChanged', (p) => (presence.value = p));
  /** Set-up stages of the call on offer or in progress, from the offer on (diagnostics, set-up benchmark). */
  let timeline = new Timeline();
  client.on('callOffered', (o) => {
    timeline = new Timeline();
    timeline.mark('offer');
    offer.value = o;
  });
  client.on('offerWithdrawn', ({ callId }) => {
    if (offer.value?.callId === callId) offer.value = null;
  });
  client.on('callEnded', ({ callId, reason }) => {
    if (offer.value?.callId === callId) offer.value = null;
    if (active.value?.snapshot.callId === callId) finish(callId, reason);
  });
  client.on('session', ({ call }) => {
    // A callback in hand survives a reconnect: the server still has it as ours.
    void refreshCallbacks();
    const cur = active.value;
    if (cur && call?.step === 'in-call' && call.callId === cur.snapshot.callId) cur.view.media.resync(call);
    else if (cur && (!call || call.step !== 'in-call')) finish(cur.snapshot.callId, 'connection-lost');
  });

  /**
   * An available agent's transports, kept open between calls so a call's
   * media starts on connections already made (no camera until a call).
   */
  let endpoint: MediaEndpoint | null = null;
  function warmUp(): void {
    if (endpoint) return;
    endpoint = new MediaEndpoint(client, undefined, { iceTransportPolicy: consoleIcePolicy() });
    drop(endpoint.open(), log, 'opening media while available failed (the next call opens it again)');
  }
  function coolDown(): void {
    endpoint?.close();
    endpoint = null;
  }

  function finish(callId: string, reason: EndReason): void {
    tools.clear();
    chat.clear();
    active.value?.view.stop();
    active.value = null;
    lastEnded.value = { callId, reason };
    if (!available.value) coolDown();
  }

  function enter(snapshot: CallSnapshot, role: ActiveCall['role'], callTimeline: Timeline = new Timeline()): void {
    if (snapshot.step !== 'in-call') throw new Error(`expected an in-call snapshot, got ${snapshot.step}`);
    lastEnded.value = null;
    // An agent's call runs on the warm endpoint; a supervisor's join opens one for the call.
    const ep = role === 'agent' && endpoint && !endpoint.closed ? endpoint : undefined;
    active.value = { view: startMedia(client, snapshot, { timeline: callTimeline, iceTransportPolicy: consoleIcePolicy(), ...(ep ? { endpoint: ep } : {}) }), snapshot, role };
    // Open from the start: the resident may write before they speak (a deaf resident, a kiosk without sound).
    chat.begin(snapshot.callId, true);
  }

  async function refreshCallbacks(): Promise<void> {
    try {
      const list = (await client.request('listCallbacks', {})).callbacks;
      callbacks.value = list;
      const mine = list.find((c) => c.state === 'taken' && c.phone !== undefined);
      if (mine) callback.value = mine;
      else if (callback.value && !list.some((c) => c.callbackId === callback.value?.callbackId)) callback.value = null;
    } catch (err) {
      log.debug('listing callbacks failed', { error: err });
    }
  }

  const guard = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      error.value = null;
      return await fn();
    } catch (err) {
      error.value = (err as Error).message;
      return undefined;
    }
  };

  return {
    available,
    presence,
    /** Ready for the next call before the wrap-up timer runs out. */
    endWrapUp: () =>
      guard(async () => {
        const r = await client.request('endWrapUp', {});
        presence.value = r.presence;
        if (r.offer) offer.value = r.offer;
      }),
    offer,
    active,
    lastEnded,
    ongoing,
    connection,
    error,
    client,
    setAvailable: (on: boolean) =>
      guard(async () => {
        const r = await client.request('setAvailability', { available: on });
        available.value = r.available;
        presence.value = r.presence;
        if (r.available) warmUp();
        else if (!active.value) coolDown();
        if (r.offer) offer.value = r.offer;
      }),
    accept: () =>
      guard(async () => {
        const o = offer.value;
        if (!o) return;
        offer.value = null;
        if (o.kind === 'callback') {
          callback.value = await client.request('acceptCallback', { callbackId: o.callId });
          return;
        }
        const t = timeline;
        t.mark('accept');
        const snapshot = await client.request('acceptCall', { callId: o.callId });
        t.mark('acceptAck');
        enter(snapshot, 'agent', t);
      }),
    decline: () =>
      guard(async () => {
        const o = offer.value;
        if (!o) return;
        offer.value = null;
        await client.request('declineCall', { callId: o.callId });
      }),
    hangUp: () =>
      guard(async () => {
        const cur = active.value;
        if (!cur) return;
        if (cur.role === 'agent') await client.request('endCall', { callId: cur.snapshot.callId });
        else await client.request('leaveCall', { callId: cur.snapshot.callId });
        finish(cur.snapshot.callId, 'hangup-agent');
      }),
    callback,
    callbacks,
    refreshCallbacks,
    /** After phoning the resident: reached (done) or not (tried again later). */
    completeCallback: (reached: boolean) =>
      guard(async () => {
        const cb = callback.value;
        if (!cb) return;
        await client.request('completeCallback', { callbackId: cb.callbackId, reached });
        callback.value = null;
        await refreshCallbacks();
      }),
    refreshOngoing: () =>
      guard(async () => {
        ongoing.value = (await client.request('listCalls', {})).calls;
      }),
    join: (callId: string, as: 'supervisor' | 'interpreter') => guard(async () => enter(await client.request('joinCall', { callId, as }), as)),
    tools,
    chat,
    /** Joins the call this staff member is invited into. */
    acceptInvitation: () =>
      guard(async () => {
        const inv = tools.invitation.value;
        if (!inv) return;
        tools.invitation.value = null;
        enter(await client.request('joinCall', { callId: inv.callId, as: inv.as }), inv.as);
      }),
    close: () => {
      active.value?.view.stop();
      coolDown();
      client.close();
    },
  };
}
export type DeskState = ReturnType<typeof createDeskState>;
