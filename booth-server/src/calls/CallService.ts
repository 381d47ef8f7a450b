/**
 * Calls between kiosks and staff: sessions that survive a dropped socket,
 * the waiting queue (through a CallRouting), offers to available agents,
 * one CallRoom per call on the least-loaded SFU worker, and recovery when a
 * worker dies. Every request a socket makes arrives here already validated;
 * this class decides whether that socket may do it.
 */
import { randomBytes } from 'node:crypto';
import type { types as ms } from 'mediasoup';
import type {
  CallOffer,
  CallRequestInfo,
  CallSnapshot,
  EndReason,
  NotificationData,
  Notifications,
  OngoingCall,
  ParticipantRole,
} from '@citizen/protocol';
import { StoreConflictError, type KioskRecord, type Store, type UserRecord } from '../store/Store';
import type { WorkerPool } from '../sfu/WorkerPool';
import { CallRoom, MEDIA_CODECS, type RoomMediaOptions } from './CallRoom';
import { SignalFailure } from './errors';
import { FifoRouting, type CallRouting } from './routing';

export interface Peer {
  notify<K extends keyof Notifications>(method: K, data: NotificationData<K>): void;
  close(code?: number, reason?: string): void;
}

interface SessionBase {
  id: string;
  resumeToken: string;
  peer: Peer | null;
  graceTimer: NodeJS.Timeout | null;
}
interface KioskSession extends SessionBase {
  kind: 'kiosk';
  kiosk: KioskRecord;
  callId: string | null;
}
interface StaffSession extends SessionBase {
  kind: 'staff';
  user: UserRecord;
  available: boolean;
  offer: string | null;
  calls: Set<string>;
  declined: Set<string>;
}
type Session = KioskSession | StaffSession;

type CallState = 'queued' | 'offered' | 'in-call' | 'ended';
interface Call {
  id: string;
  reference: string;
  kiosk: KioskSession;
  request: CallRequestInfo;
  queuedAt: number;
  state: CallState;
  offeredTo: StaffSession | null;
  offerTimer: NodeJS.Timeout | null;
  room: CallRoom | null;
  workerIndex: number;
  startedAt: number | null;
  agent: StaffSession | null;
  endReason: EndReason | null;
}

export interface CallServiceOptions {
  store: Store;
  sfu: WorkerPool;
  media: RoomMediaOptions;
  reconnectGraceSeconds: number;
  offerTimeoutSeconds: number;
  averageHandleSeconds: number;
  routing?: CallRouting;
  log: (level: 'info' | 'warn' | 'error', msg: string, ctx?: Record<string, unknown>) => void;
}

export type ClientIdentity = { kind: 'kiosk'; kiosk: KioskRecord } | { kind: 'staff'; user: UserRecord };

const newId = (prefix: string): string => `${prefix}${randomBytes(9).toString('base64url')}`;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** `BS-XXXX-XXXX` in Crockford base 32: easy to read aloud and to type, no I/L/O/U. */
export function newReference(): string {
  const chars = [...randomBytes(8)].map((b) => CROCKFORD[b & 31]).join('');
  return `BS-${chars.slice(0, 4)}-${chars.slice(4)}`;
}

export class CallService {
  readonly #sessions = new Map<string, Session>(); // by resume token
  readonly #calls = new Map<string, Call>();
  readonly #routing: CallRouting;
  #avgHandleSeconds: number;
  #closed = false;

  constructor(private readonly opts: CallServiceOptions) {
    this.#routing = opts.routing ?? new FifoRouting();
    this.#avgHandleSeconds = opts.averageHandleSeconds;
    opts.sfu.on('workerdied', (index) => void this.#onWorkerDied(index));
  }

  // ------------------------------------------------------------ sessions

  /**
   * A socket said hello. With a valid resume token of the same client it gets
   * its session back (and the grace timer stops); otherwise a new session.
   * A kiosk has at most one session: a new one supersedes the old.
   */
  hello(identity: ClientIdentity, peer: Peer, resumeToken: string | undefined): { session: Session; resumed: boolean } {
    // A repeated hello on the same socket keeps its session.
    for (const s of this.#sessions.values()) if (s.peer === peer) return { session: s, resumed: true };
    const existing = resumeToken ? this.#sessions.get(resumeToken) : undefined;
    if (existing && sameClient(existing, identity)) {
      if (existing.graceTimer) clearTimeout(existing.graceTimer);
      existing.graceTimer = null;
      if (existing.peer && existing.peer !== peer) existing.peer.close(4000, 'resumed elsewhere');
      existing.peer = peer;
      return { session: existing, resumed: true };
    }
    if (identity.kind === 'kiosk') {
      for (const s of this.#sessions.values()) {
        if (s.kind === 'kiosk' && s.kiosk.id === identity.kiosk.id) this.#dropSession(s, 'connection-lost');
      }
    }
    const base = { id: newId('p'), resumeToken: randomBytes(24).toString('base64url'), peer, graceTimer: null };
    const session: Session =
      identity.kind === 'kiosk'
        ? { ...base, kind: 'kiosk', kiosk: identity.kiosk, callId: null }
        : { ...base, kind: 'staff', user: identity.user, available: false, offer: null, calls: new Set(), declined: new Set() };
    this.#sessions.set(session.resumeToken, session);
    return { session, resumed: false };
  }

  /** The session's socket went away: keep the session for the grace period. */
  detach(session: Session, peer: Peer): void {
    if (session.peer !== peer || this.#closed) return;
    session.peer = null;
    session.graceTimer = setTimeout(() => this.#dropSession(session, 'connection-lost'), this.opts.reconnectGraceSeconds * 1000);
    session.graceTimer.unref();
  }

  #dropSession(session: Session, reason: EndReason): void {
    if (session.graceTimer) clearTimeout(session.graceTimer);
    this.#sessions.delete(session.resumeToken);
    if (session.peer) session.peer.close(4001, 'session ended');
    session.peer = null;
    if (session.kind === 'kiosk') {
      const call = session.callId ? this.#calls.get(session.callId) : undefined;
      if (call) this.#endCall(call, reason);
    } else {
      session.available = false;
      if (session.offer) this.#withdrawOffer(session, true);
      for (const callId of [...session.calls]) {
        const call = this.#calls.get(callId);
        if (!call) continue;
        if (call.agent === session) this.#endCall(call, reason);
        else this.#leave(call, session);
      }
      this.#dispatch();
    }
  }

  snapshotFor(session: Session): CallSnapshot | null {
    const callId = session.kind === 'kiosk' ? session.callId : ([...session.calls].at(-1) ?? session.offer);
    const call = callId ? this.#calls.get(callId) : undefined;
    return call ? this.#snapshot(call, session) : null;
  }

  #snapshot(call: Call, session: Session): CallSnapshot {
    switch (call.state) {
      case 'queued':
      case 'offered':
        if (session.kind === 'staff') return { step: 'offered', callId: call.id };
        return { step: 'queued', callId: call.id, reference: call.reference, ...this.#queueInfo(call) };
      case 'in-call': {
        const room = call.room!;
        return {
          step: 'in-call',
          callId: call.id,
          reference: call.reference,
          participantId: session.id,
          routerRtpCapabilities: room.rtpCapabilities as never,
          maxVideoBitrate: this.opts.media.maxVideoBitrate,
          participants: room.participants(),
          producers: room.producers(),
          request: call.request,
          startedAt: new Date(call.startedAt ?? Date.now()).toISOString(),
        };
      }
      case 'ended':
        return { step: 'ended', callId: call.id, reason: call.endReason ?? 'hangup-agent' };
    }
  }

  #notify<K extends keyof Notifications>(session: Session | null, method: K, data: NotificationData<K>): void {
    session?.peer?.notify(method, data);
  }

  // ------------------------------------------------------------ kiosk requests

  async requestCall(session: KioskSession, request: CallRequestInfo): Promise<{ callId: string; reference: string; position: number; estimatedWaitSeconds: number }> {
    const current = session.callId ? this.#calls.get(session.callId) : undefined;
    if (current && current.state !== 'ended') throw new SignalFailure('ALREADY_QUEUED');
    const call: Call = {
      id: newId('c'),
      reference: newReference(),
      kiosk: session,
      request,
      queuedAt: Date.now(),
      state: 'queued',
      offeredTo: null,
      offerTimer: null,
      room: null,
      workerIndex: -1,
      startedAt: null,
      agent: null,
      endReason: null,
    };
    const inquiry = {
      id: call.id,
      kioskId: session.kiosk.id,
      language: request.language,
      topic: request.topic ?? null,
      answers: request.answers ?? {},
      status: 'queued' as const,
      createdAt: new Date(call.queuedAt),
    };
    // 32^8 references: a clash is rare, but the unique index decides; draw again then.
    for (let attempt = 0; ; attempt++) {
      try {
        await this.opts.store.createInquiry({ ...inquiry, reference: call.reference });
        break;
      } catch (err) {
        if (!(err instanceof StoreConflictError) || attempt >= 4) throw err;
        call.reference = newReference();
      }
    }
    this.#calls.set(call.id, call);
    session.callId = call.id;
    this.#routing.enqueue({ callId: call.id, request, queuedAt: call.queuedAt });
    this.opts.log('info', 'call queued', { call: call.id, kiosk: session.kiosk.id, language: request.language });
    this.#dispatch();
    this.#publishQueue();
    return { callId: call.id, reference: call.reference, ...this.#queueInfo(call) };
  }

  leaveQueue(session: KioskSession, callId: string): void {
    const call = this.#callOf(session, callId);
    if (call.state !== 'queued' && call.state !== 'offered') throw new SignalFailure('WRONG_STATE', 'the call is no longer waiting');
    this.#endCall(call, 'left-queue');
  }

  #queueInfo(call: Call): { position: number; estimatedWaitSeconds: number } {
    const position = this.#routing.position(call.id) ?? 1;
    const agents = [...this.#sessions.values()].filter((s) => s.kind === 'staff' && s.user.role === 'agent' && (s.available || s.calls.size > 0)).length;
    return { position, estimatedWaitSeconds: Math.round((position * this.#avgHandleSeconds) / Math.max(1, agents)) };
  }

  #publishQueue(): void {
    for (const call of this.#calls.values()) {
      if (call.state === 'queued' || call.state === 'offered') this.#notify(call.kiosk, 'queueUpdate', { callId: call.id, ...this.#queueInfo(call) });
    }
  }

  // ------------------------------------------------------------ staff requests

  setAvailability(session: StaffSession, available: boolean): { available: boolean; offer: CallOffer | null } {
    if (session.user.role !== 'agent') throw new SignalFailure('FORBIDDEN', 'only agents take calls from the queue');
    session.available = available;
    if (!available && session.offer) this.#withdrawOffer(session, true);
    this.#dispatch();
    this.#publishQueue();
    const offer = session.offer ? this.#calls.get(session.offer) : undefined;
    return { available, offer: offer ? this.#offerOf(offer) : null };
  }

  async acceptCall(session: StaffSession, callId: string): Promise<CallSnapshot> {
    const call = this.#calls.get(callId);
    if (!call || session.offer !== callId || call.offeredTo !== session || call.state !== 'offered') {
      throw new SignalFailure('WRONG_STATE', 'this call is not offered to you');
    }
    this.#clearOffer(call);
    call.state = 'in-call';
    call.agent = session;
    call.startedAt = Date.now();
    this.#routing.remove(call.id);
    try {
      const { router, index } = await this.#newRouter();
      if (call.state !== 'in-call') {
        router.close();
        throw new SignalFailure('WRONG_STATE', 'the resident left before the call started');
      }
      call.room = new CallRoom(call.id, router, this.opts.media, (pid, method, data) => this.#notifyParticipant(call, pid, method, data));
      call.workerIndex = index;
    } catch (err) {
      if (call.state === 'in-call') this.#endCall(call, 'no-agent');
      throw err instanceof SignalFailure ? err : new SignalFailure('MEDIA_FAILED', (err as Error).message);
    }
    session.calls.add(call.id);
    call.room.addParticipant(call.kiosk.id, 'resident', call.kiosk.kiosk.name);
    call.room.addParticipant(session.id, 'agent', session.user.displayName);
    await this.opts.store.updateInquiry(call.id, { status: 'in-call', agentId: session.user.id });
    this.opts.log('info', 'call started', { call: call.id, agent: session.user.id, worker: call.workerIndex });
    this.#notify(call.kiosk, 'callStarted', this.#snapshot(call, call.kiosk));
    this.#publishQueue();
    return this.#snapshot(call, session);
  }

  declineCall(session: StaffSession, callId: string): void {
    if (session.offer !== callId) throw new SignalFailure('WRONG_STATE', 'this call is not offered to you');
    session.declined.add(callId);
    this.#withdrawOffer(session, false);
    this.#dispatch();
  }

  listCalls(session: StaffSession): { calls: OngoingCall[] } {
    if (session.user.role !== 'supervisor') throw new SignalFailure('FORBIDDEN', 'only supervisors see all calls');
    const calls: OngoingCall[] = [];
    for (const c of this.#calls.values()) {
      if (c.state !== 'in-call' || !c.room) continue;
      calls.push({
        callId: c.id,
        kioskName: c.kiosk.kiosk.name,
        language: c.request.language,
        ...(c.request.topic ? { topic: c.request.topic } : {}),
        participants: c.room.participants(),
        startedAt: new Date(c.startedAt ?? Date.now()).toISOString(),
      });
    }
    return { calls };
  }

  /** A supervisor (or an interpreter) joins an ongoing call as a third participant. */
  joinCall(session: StaffSession, callId: string, as: 'supervisor' | 'interpreter'): CallSnapshot {
    if (session.user.role !== 'supervisor') throw new SignalFailure('FORBIDDEN', 'only supervisors join ongoing calls');
    const call = this.#calls.get(callId);
    if (!call || call.state !== 'in-call' || !call.room) throw new SignalFailure('WRONG_STATE', 'no such ongoing call');
    session.calls.add(call.id);
    call.room.addParticipant(session.id, as satisfies ParticipantRole, session.user.displayName);
    this.opts.log('info', 'participant joined', { call: call.id, user: session.user.id, as });
    return this.#snapshot(call, session);
  }

  leaveCall(session: StaffSession, callId: string): void {
    const call = this.#callOf(session, callId);
    if (call.agent === session) throw new SignalFailure('WRONG_STATE', 'the agent ends the call instead');
    this.#leave(call, session);
  }

  #leave(call: Call, session: StaffSession): void {
    session.calls.delete(call.id);
    call.room?.removeParticipant(session.id);
  }

  // ------------------------------------------------------------ offers

  /** Offers waiting calls to available agents that have no offer and no call. */
  #dispatch(): void {
    if (this.#closed) return;
    for (const s of this.#sessions.values()) {
      if (s.kind !== 'staff' || !s.available || s.offer || s.calls.size > 0 || !s.peer) continue;
      const next = this.#routing.nextFor({ userId: s.user.id, languages: s.user.languages }, new Set([...s.declined, ...this.#offeredIds()]));
      if (!next) continue;
      const call = this.#calls.get(next.callId);
      if (!call || call.state !== 'queued') continue;
      call.state = 'offered';
      call.offeredTo = s;
      s.offer = call.id;
      call.offerTimer = setTimeout(() => {
        this.opts.log('info', 'offer timed out', { call: call.id, agent: s.user.id });
        s.declined.add(call.id);
        this.#withdrawOffer(s, true);
        this.#dispatch();
      }, this.opts.offerTimeoutSeconds * 1000);
      call.offerTimer.unref();
      this.#notify(s, 'callOffered', this.#offerOf(call));
    }
  }

  #offeredIds(): string[] {
    return [...this.#calls.values()].filter((c) => c.state === 'offered').map((c) => c.id);
  }

  #offerOf(call: Call): CallOffer {
    return {
      callId: call.id,
      kiosk: { id: call.kiosk.kiosk.id, name: call.kiosk.kiosk.name, location: call.kiosk.kiosk.location },
      request: call.request,
      queuedAt: new Date(call.queuedAt).toISOString(),
    };
  }

  #clearOffer(call: Call): void {
    if (call.offerTimer) clearTimeout(call.offerTimer);
    call.offerTimer = null;
    if (call.offeredTo) call.offeredTo.offer = null;
    call.offeredTo = null;
  }

  /** Takes an offer back from an agent; the call goes back to its place in the queue. */
  #withdrawOffer(session: StaffSession, tell: boolean): void {
    const call = session.offer ? this.#calls.get(session.offer) : undefined;
    session.offer = null;
    if (!call) return;
    this.#clearOffer(call);
    if (tell) this.#notify(session, 'offerWithdrawn', { callId: call.id });
    if (call.state === 'offered') {
      call.state = 'queued';
      this.#routing.requeue({ callId: call.id, request: call.request, queuedAt: call.queuedAt });
    }
  }

  // ------------------------------------------------------------ media requests

  room(session: Session, callId: string): { room: CallRoom; participantId: string } {
    const call = this.#callOf(session, callId);
    if (call.state !== 'in-call' || !call.room) throw new SignalFailure('WRONG_STATE', 'the call has no media yet');
    const participantId = session.id;
    if (!call.room.has(participantId)) throw new SignalFailure('NOT_IN_CALL');
    return { room: call.room, participantId };
  }

  endCall(session: Session, callId: string): void {
    const call = this.#callOf(session, callId);
    if (session.kind === 'staff' && call.agent !== session) throw new SignalFailure('FORBIDDEN', 'only the agent or the resident ends the call');
    this.#endCall(call, session.kind === 'kiosk' ? (call.state === 'in-call' ? 'hangup-resident' : 'left-queue') : 'hangup-agent');
  }

  #callOf(session: Session, callId: string): Call {
    const call = this.#calls.get(callId);
    const mine = session.kind === 'kiosk' ? session.callId === callId : session.calls.has(callId) || session.offer === callId;
    if (!call || !mine) throw new SignalFailure('NOT_IN_CALL');
    return call;
  }

  #notifyParticipant<K extends keyof Notifications>(call: Call, participantId: string, method: K, data: NotificationData<K>): void {
    if (participantId === call.kiosk.id) return this.#notify(call.kiosk, method, data);
    for (const s of this.#sessions.values()) if (s.id === participantId) return this.#notify(s, method, data);
  }

  #endCall(call: Call, reason: EndReason): void {
    if (call.state === 'ended') return;
    const wasInCall = call.state === 'in-call';
    this.#routing.remove(call.id);
    if (call.offeredTo) {
      this.#notify(call.offeredTo, 'offerWithdrawn', { callId: call.id });
      this.#clearOffer(call);
    }
    call.state = 'ended';
    call.endReason = reason;
    const participants = call.room ? call.room.participants().map((p) => p.participantId) : [];
    for (const pid of participants) this.#notifyParticipant(call, pid, 'callEnded', { callId: call.id, reason });
    if (!participants.includes(call.kiosk.id)) this.#notify(call.kiosk, 'callEnded', { callId: call.id, reason });
    if (call.room) {
      call.room.close();
      const slot = this.opts.sfu.workers().find((w) => w.index === call.workerIndex);
      if (slot) slot.routers = Math.max(0, slot.routers - 1);
    }
    for (const s of this.#sessions.values()) if (s.kind === 'staff') s.calls.delete(call.id), s.declined.delete(call.id);
    if (call.kiosk.callId === call.id) call.kiosk.callId = null;
    this.#calls.delete(call.id);
    if (wasInCall && call.startedAt) {
      // Exponential moving average of call length, for the queue's wait estimate.
      this.#avgHandleSeconds = Math.round(0.8 * this.#avgHandleSeconds + 0.2 * ((Date.now() - call.startedAt) / 1000));
    }
    void this.opts.store
      .updateInquiry(call.id, { status: wasInCall ? 'ended' : 'abandoned', endReason: reason, endedAt: new Date() })
      .catch((err: unknown) => this.opts.log('error', 'inquiry update failed', { call: call.id, error: (err as Error).message }));
    this.opts.log('info', 'call ended', { call: call.id, reason });
    this.#dispatch();
    this.#publishQueue();
  }

  // ------------------------------------------------------------ SFU placement and recovery

  async #newRouter(): Promise<{ router: ms.Router; index: number }> {
    let slot;
    try {
      slot = this.opts.sfu.leastLoaded();
    } catch {
      // Every worker is down (one-worker sites, right after a crash): wait for the replacement.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new SignalFailure('MEDIA_FAILED', 'no SFU worker available')), 10_000);
        this.opts.sfu.once('workerreplaced', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      slot = this.opts.sfu.leastLoaded();
    }
    slot.routers += 1;
    try {
      return { router: await slot.worker.createRouter({ mediaCodecs: MEDIA_CODECS }), index: slot.index };
    } catch (err) {
      slot.routers -= 1;
      throw err;
    }
  }

  async #onWorkerDied(index: number): Promise<void> {
    const affected = [...this.#calls.values()].filter((c) => c.state === 'in-call' && c.room && c.workerIndex === index);
    this.opts.log('warn', 'moving calls off a dead SFU worker', { worker: index, calls: affected.length });
    for (const call of affected) {
      try {
        const { router, index: newIndex } = await this.#newRouter();
        if (call.state !== 'in-call' || !call.room) {
          router.close();
          continue;
        }
        call.workerIndex = newIndex;
        call.room.migrate(router);
        this.opts.log('info', 'call moved to a new router', { call: call.id, worker: newIndex });
      } catch (err) {
        this.opts.log('error', 'call could not be moved; ending it', { call: call.id, error: (err as Error).message });
        this.#endCall(call, 'connection-lost');
      }
    }
  }

  counts(): { queued: number; offered: number; inCall: number; sessions: number } {
    let queued = 0;
    let offered = 0;
    let inCall = 0;
    for (const c of this.#calls.values()) {
      if (c.state === 'queued') queued++;
      else if (c.state === 'offered') offered++;
      else if (c.state === 'in-call') inCall++;
    }
    return { queued, offered, inCall, sessions: this.#sessions.size };
  }

  /** Ends every call (server shutdown). Idempotent. */
  close(): void {
    if (this.#closed) return;
    for (const call of [...this.#calls.values()]) this.#endCall(call, 'server-shutdown');
    this.#closed = true;
    for (const s of this.#sessions.values()) if (s.graceTimer) clearTimeout(s.graceTimer);
    this.#sessions.clear();
  }
}

function sameClient(s: Session, id: ClientIdentity): boolean {
  return s.kind === 'kiosk' ? id.kind === 'kiosk' && id.kiosk.id === s.kiosk.id : id.kind === 'staff' && id.user.id === s.user.id;
}

export type { Session, KioskSession, StaffSession };
