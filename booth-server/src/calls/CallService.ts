/**
 * Calls between kiosks and staff. The parts, each in its own file (README,
 * "Call core"): sessions, the Call state machine and the CallBook, routing
 * (../routing), offers, presence, queue figures, media endpoints and rooms,
 * the inquiry journal, supervision views, callbacks, in-call tools (show,
 * print, invite, transfer). This class ties them together and
 * decides whether a session may do what it asks; every request reaches it
 * already validated against its schema.
 */
import type { CallQuality, CallRequestInfo, CallSnapshot, EndReason, LiveView, NotificationData, Notifications, QualityThresholds } from '@citizen/protocol';
import type { Store } from '../store/Store';
import type { SharedRouters } from '../sfu/SharedRouters';
import { Call } from './Call';
import { CallBook } from './CallBook';
import { CallRoom } from './CallRoom';
import type { EndpointOptions } from './MediaEndpoint';
import { EndpointRegistry } from './EndpointRegistry';
import { MediaAccess } from './MediaAccess';
import { SignalFailure } from './errors';
import { InquiryJournal, answersOf } from './InquiryJournal';
import { OfferDispatcher } from './offers';
import { FifoRouting } from '../routing/FifoRouting';
import type { CallRouting } from '../routing/CallRouting';
import type { QueueSet } from '../routing/queues';
import { liveView } from './supervision';
import { CallChat } from './CallChat';
import { CallQualityBook } from './CallQualityBook';
import { InCallTools } from './InCallTools';
import { QueueFigures, type QueueInfo } from './QueueFigures';
import { WindowLimit } from '../util/WindowLimit';
import { AgentStates, PresenceBook } from './presence';
import { CallbackDesk } from './callbacks';
import { CallbackRequests } from './CallbackRequests';
import type { TurnIssuer } from '../turn/credentials';
import { SessionRegistry, newId, type ClientIdentity, type KioskSession, type Peer, type Session, type StaffSession } from './sessions';

export type Log = (level: 'info' | 'warn' | 'error', msg: string, ctx?: Record<string, unknown>) => void;

export interface CallServiceOptions {
  store: Store;
  routers: SharedRouters;
  media: EndpointOptions & { maxVideoBitrate: number };
  /** TURN credentials handed to participants (booth-server/src/turn); absent: no TURN. */
  turn?: TurnIssuer;
  reconnectGraceSeconds: number;
  offerTimeoutSeconds: number;
  averageHandleSeconds: number;
  /** Inquiries one kiosk may open per minute (each is a stored row with the resident's answers). */
  maxCallRequestsPerKioskPerMinute: number;
  /** Timed wrap-up after each call before the agent's next offer (0: none). */
  wrapUpSeconds: number;
  /** The promised response date of a new inquiry. */
  promise: (topic: string | null, createdAt: Date) => Date;
  routing?: CallRouting;
  /** The configured queues (opening hours, the supervisors' live view); without them, one unnamed queue always open. */
  queues?: QueueSet;
  callbacks: { retryMinutes: number; maxAttempts: number; suggestAboveSeconds: number };
  /** When calls step down on a bad network (config `calls.quality`), sent to clients with the in-call snapshot. */
  quality: QualityThresholds;
  /** Each change of a call's quality stage (metrics). */
  qualityChanged?: (q: CallQuality) => void;
  log: Log;
}

export class CallService {
  readonly sessions: SessionRegistry;
  readonly journal: InquiryJournal;
  readonly #calls = new CallBook();
  readonly #routing: CallRouting;
  readonly #offers: OfferDispatcher;
  /** Inquiries per kiosk per minute. */
  readonly #requests: WindowLimit;
  readonly #endpoints: EndpointRegistry;
  /** Media requests: which endpoint or room they act on, and who may have media. */
  readonly media: MediaAccess;
  readonly #queue: QueueFigures;
  readonly #desk: CallbackDesk;
  /** Callbacks and written inquiries: what residents get instead of waiting. */
  readonly callbacks: CallbackRequests;
  readonly #presence: PresenceBook;
  /** The agents' presence requests (available, away, ready after wrap-up). */
  readonly agents: AgentStates;
  /** During a call: show on the kiosk, print there, invite, transfer; joining and leaving. */
  readonly tools: InCallTools;
  /** In-call text chat. */
  readonly chat: CallChat;
  /** Each call's quality stage on a bad network. */
  readonly quality: CallQualityBook;
  #closed = false;

  constructor(private readonly opts: CallServiceOptions) {
    this.#routing = opts.routing ?? new FifoRouting();
    this.#requests = new WindowLimit(opts.maxCallRequestsPerKioskPerMinute, 60_000);
    this.#presence = new PresenceBook(opts.wrapUpSeconds * 1000, (agent) => {
      this.#notify(agent, 'presenceChanged', this.#presence.view(agent, false));
      this.#offers.dispatch();
      this.#queue.publish();
    });
    this.sessions = new SessionRegistry(opts.reconnectGraceSeconds * 1000);
    this.sessions.onListenerError = (event, err) => opts.log('error', 'session listener threw', { event, error: String(err) });
    this.sessions.on('ended', (session, reason) => this.#onSessionEnded(session, reason));
    this.journal = new InquiryJournal({ store: opts.store, promise: opts.promise, log: opts.log });
    this.#offers = new OfferDispatcher({
      routing: this.#routing,
      items: () => [...this.#calls.all(), ...this.#desk.all()],
      get: (id) => this.#calls.get(id) ?? this.#desk.get(id),
      agents: () => this.sessions.staff(),
      isFree: (agent) => this.#presence.isFree(agent, false),
      idleSince: (agent) => this.#presence.idleSince(agent),
      timeoutMs: opts.offerTimeoutSeconds * 1000,
      notify: (s, method, data) => this.#notify(s, method, data),
      log: opts.log,
    });
    this.#endpoints = new EndpointRegistry({
      routers: opts.routers,
      media: opts.media,
      onMoved: (ownerId, routerRtpCapabilities) => this.#notify(this.sessions.byId(ownerId), 'mediaReset', { routerRtpCapabilities }),
      onLost: (ownerId) => {
        for (const call of this.#calls.all()) if (call.room?.has(ownerId) || call.kiosk.id === ownerId) this.#end(call, 'connection-lost');
      },
      log: opts.log,
    });
    this.#queue = new QueueFigures({
      calls: this.#calls,
      routing: this.#routing,
      sessions: this.sessions,
      busy: (s) => this.#offers.busy(s),
      notifyQueue: (call, data) => this.#notify(call.kiosk, 'queueUpdate', data),
      averageHandleSeconds: opts.averageHandleSeconds,
    });
    this.#desk = new CallbackDesk({
      store: opts.store,
      journal: this.journal,
      routing: this.#routing,
      retryMinutes: opts.callbacks.retryMinutes,
      maxAttempts: opts.callbacks.maxAttempts,
      changed: () => {
        this.#offers.dispatch();
        this.#queue.publish();
      },
      log: opts.log,
    });
    this.callbacks = new CallbackRequests({
      calls: this.#calls,
      desk: this.#desk,
      routing: this.#routing,
      queues: opts.queues,
      figures: this.#queue,
      offers: this.#offers,
      presence: this.#presence,
      journal: this.journal,
      suggestAboveSeconds: opts.callbacks.suggestAboveSeconds,
      endCall: (call) => this.#end(call, 'callback'),
      steppedDown: (call) => this.quality.steppedDownToText(call),
      keepChat: (callId) => this.chat.keepForCallback(callId),
      agentDone: (agent) => this.agents.done(agent),
    });
    this.agents = new AgentStates({
      presence: this.#presence,
      offers: this.#offers,
      closeEndpoint: (agent) => this.#endpoints.close(agent.id),
      publish: () => this.#queue.publish(),
      notify: (agent, presence) => this.#notify(agent, 'presenceChanged', presence),
    });
    this.tools = new InCallTools({
      calls: this.#calls,
      sessions: this.sessions,
      store: opts.store,
      routing: this.#routing,
      queues: opts.queues,
      offers: this.#offers,
      figures: this.#queue,
      presenceOf: (s) => this.#presence.view(s, this.#offers.busy(s)),
      isFree: (s) => this.#presence.isFree(s, this.#offers.busy(s)),
      notify: (s, method, data) => this.#notify(s, method, data),
      released: (agent, others) => this.#release(agent, others),
      endpointOf: (s) => this.#endpoints.of(s.id),
      closeEndpoint: (s) => this.#endpoints.close(s.id),
      log: opts.log,
    });
    this.quality = new CallQualityBook({ calls: this.#calls, sessions: this.sessions, notify: (s, method, data) => this.#notify(s, method, data), log: opts.log, ...(opts.qualityChanged ? { changed: opts.qualityChanged } : {}) });
    this.chat = new CallChat({ calls: this.#calls, sessions: this.sessions, store: opts.store, notify: (s, method, data) => this.#notify(s, method, data), log: opts.log });
    this.media = new MediaAccess({ calls: this.#calls, endpoints: this.#endpoints, sessions: this.sessions, offers: this.#offers, maxVideoBitrate: opts.media.maxVideoBitrate, ...(opts.turn ? { turn: opts.turn } : {}) });
  }

  hello(identity: ClientIdentity, peer: Peer, resumeToken: string | undefined): { session: Session; resumed: boolean; call: CallSnapshot | null } {
    const r = this.sessions.open(identity, peer, resumeToken);
    // An available agent who comes back can be offered calls again.
    if (r.session.kind === 'staff') this.#offers.dispatch();
    return { ...r, call: this.#snapshotFor(r.session) };
  }

  #snapshotFor(session: Session): CallSnapshot | null {
    const call = session.kind === 'kiosk' ? this.#calls.ofKiosk(session) : this.#calls.ofStaff(session);
    return call ? this.#snapshot(call, session) : null;
  }

  #snapshot(call: Call, session: Session): CallSnapshot {
    return call.snapshotFor(session, () => this.#queue.info(call), {
      routerRtpCapabilities: this.#endpoints.routerCapabilities(),
      maxVideoBitrate: this.opts.media.maxVideoBitrate,
      quality: this.opts.quality,
      stage: this.quality.current(call),
    });
  }

  #onSessionEnded(session: Session, reason: EndReason): void {
    if (session.kind === 'kiosk') {
      const call = this.#calls.ofKiosk(session);
      if (call) this.#end(call, reason);
      this.#endpoints.close(session.id);
      return;
    }
    this.#presence.forget(session);
    const offered = this.#offers.offerFor(session);
    if (offered?.kind === 'callback') this.#offers.withdraw(offered, false);
    this.#desk.agentGone(session);
    for (const call of this.#calls.all()) {
      const s = call.state;
      if (s.step === 'offered' && s.agent === session) this.#offers.withdraw(call, false);
      // Accepted but not yet connected: the resident goes back to their place, not out.
      else if (s.step === 'connecting' && s.agent === session) call.requeue();
      else if (s.step === 'in-call' && s.agent === session) this.#end(call, reason);
      else call.room?.removeParticipant(session.id);
    }
    this.#endpoints.close(session.id);
    this.#offers.dispatch();
    this.#queue.publish();
  }

  #notify<K extends keyof Notifications>(session: Session | null | undefined, method: K, data: NotificationData<K>): void {
    session?.peer?.notify(method, data);
  }

  async requestCall(session: KioskSession, request: CallRequestInfo): Promise<{ callId: string; reference: string } & QueueInfo> {
    if (this.#calls.ofKiosk(session)) throw new SignalFailure('ALREADY_QUEUED');
    const { open, opensAt } = this.callbacks.opening(request);
    if (!open) throw new SignalFailure('QUEUE_CLOSED', `closed until ${opensAt?.toISOString() ?? 'further notice'}; a callback or a written inquiry can be left now`);
    if (!this.#requests.take(session.kiosk.id)) {
      throw new SignalFailure('LIMIT_REACHED', `at most ${this.opts.maxCallRequestsPerKioskPerMinute} call requests per minute from one kiosk`);
    }
    const id = newId('c');
    const queuedAt = Date.now();
    const { reference } = await this.journal.open({
      id,
      kioskId: session.kiosk.id,
      language: request.language,
      topic: request.topic ?? null,
      answers: answersOf(request),
      status: 'queued',
      createdAt: new Date(queuedAt),
      queueId: this.#routing.queueFor(request),
    });
    // The session ended or got a call while the row was written: the row is closed, nothing else happens.
    if (!this.sessions.isOpen(session) || this.#calls.ofKiosk(session) || this.#closed) {
      this.journal.ended(id, { status: 'abandoned', endReason: 'connection-lost', endedAt: new Date() });
      throw new SignalFailure('WRONG_STATE', 'the session changed while the call was being requested');
    }
    const call = new Call({ id, reference, queueId: this.#routing.queueFor(request), kiosk: session, request, queuedAt });
    call.timeline.set('requested', queuedAt);
    call.mark('recorded');
    this.#calls.add(call);
    this.#routing.enqueue({ callId: id, request, queuedAt });
    this.opts.log('info', 'call queued', { call: id, kiosk: session.kiosk.id, language: request.language });
    this.#offers.dispatch();
    this.#queue.publish();
    return { callId: id, reference, ...this.#queue.info(call) };
  }

  /** The resident rates the call that just ended (stored with the inquiry for reports). */
  async rateCall(session: KioskSession, callId: string, rating: number): Promise<void> {
    if (!(await this.opts.store.rateInquiry(callId, session.kiosk.id, rating))) throw new SignalFailure('NOT_RATEABLE');
  }

  leaveQueue(session: KioskSession, callId: string): void {
    const call = this.#calls.member(session, callId);
    if (!call.waiting) throw new SignalFailure('WRONG_STATE', 'the call is no longer waiting');
    this.#end(call, 'left-queue');
  }

  /**
   * Accepting is all-or-nothing: the router, the room and the inquiry's
   * in-call record must all exist before either side is told the call
   * started. If any step fails, the room is closed, the resident keeps their
   * place in the queue, and the agent gets the error (and can be offered the
   * call again).
   */
  async acceptCall(session: StaffSession, callId: string): Promise<CallSnapshot> {
    const call = this.#calls.get(callId);
    if (!call && this.#desk.get(callId)) throw new SignalFailure('WRONG_STATE', 'this is a callback: take it with acceptCallback');
    if (!call || call.state.step !== 'offered' || call.state.agent !== session) throw new SignalFailure('WRONG_STATE', 'this call is not offered to you');
    call.accept(session);
    call.mark('accepted');
    const stillMine = (): boolean => call.state.step === 'connecting' && call.state.agent === session;
    let room: CallRoom | null = null;
    try {
      room = new CallRoom(
        call.id,
        (pid, method, data) => this.#notify(this.sessions.byId(pid), method, data),
        (stage) => call.mark(stage),
      );
      await this.journal.started(call.id, session.user.id, new Date());
      call.mark('startRecorded');
      if (!stillMine()) throw new SignalFailure('WRONG_STATE', 'the resident left before the call started');
      room.addParticipant(call.kiosk.id, 'resident', call.kiosk.kiosk.name, this.#endpoints.of(call.kiosk.id));
      room.addParticipant(session.id, 'agent', session.user.displayName, this.#endpoints.of(session.id));
      call.start(room, Date.now());
    } catch (err) {
      room?.close();
      if (stillMine()) {
        call.requeue();
        this.opts.log('error', 'call could not be started; the resident keeps their place', { call: call.id, agent: session.user.id, error: (err as Error).message });
        // Not at once: the same agent would get the same offer in a tight loop while the cause lasts.
        setTimeout(() => this.#offers.dispatch(), 1000).unref();
      }
      if (err instanceof SignalFailure) throw err;
      throw new SignalFailure('INTERNAL', 'the call could not be started; try again');
    }
    this.#routing.remove(call.id);
    this.#queue.answered(call);
    this.opts.log('info', 'call started', { call: call.id, agent: session.user.id });
    this.#notify(call.kiosk, 'callStarted', this.#snapshot(call, call.kiosk));
    call.mark('started');
    this.#queue.publish();
    return this.#snapshot(call, session);
  }

  declineCall(session: StaffSession, callId: string): void {
    const call = this.#offers.offerFor(session);
    if (!call || call.id !== callId) throw new SignalFailure('WRONG_STATE', 'this call is not offered to you');
    this.#offers.decline(session, call);
  }

  /** A supervisor, or a colleague the agent invited, joins an ongoing call as a third participant. */
  joinCall(session: StaffSession, callId: string, as: 'supervisor' | 'interpreter'): CallSnapshot {
    return this.#snapshot(this.tools.join(session, callId, as), session);
  }

  endCall(session: Session, callId: string): void {
    const call = this.#calls.member(session, callId);
    if (session.kind === 'staff' && !(call.state.step === 'in-call' && call.agent === session)) {
      throw new SignalFailure('FORBIDDEN', 'only the agent or the resident ends the call');
    }
    this.#end(call, session.kind === 'kiosk' ? (call.state.step === 'in-call' ? 'hangup-resident' : 'left-queue') : 'hangup-agent');
  }

  #end(call: Call, reason: EndReason): void {
    const was = call.end(reason);
    if (!was) return;
    this.#routing.remove(call.id);
    this.#calls.remove(call);
    this.#offers.forget(call.id);
    if (was.step === 'offered') this.#notify(was.agent, 'offerWithdrawn', { callId: call.id });
    this.#endpoints.close(call.kiosk.id);
    if (reason !== 'server-shutdown' && reason !== 'callback') this.#queue.ended(call, was.step === 'in-call' ? was.startedAt : null);
    this.tools.callEnded(call.id);
    this.chat.callEnded(call.id);
    const told = new Set<Session | undefined>([call.kiosk]);
    if (was.step === 'in-call') {
      for (const p of was.room.participants()) told.add(this.sessions.byId(p.participantId));
      was.room.close();
      this.#release(was.agent, [...told].filter((s): s is StaffSession => s?.kind === 'staff' && s !== was.agent));
    }
    for (const s of told) this.#notify(s, 'callEnded', { callId: call.id, reason });
    // A call turned into a callback: the inquiry goes on with the callback.
    if (reason !== 'callback') this.journal.ended(call.id, { status: was.step === 'in-call' ? 'ended' : 'abandoned', endReason: reason, endedAt: new Date() });
    this.opts.log('info', 'call ended', { call: call.id, reason });
    this.#offers.dispatch();
    this.#queue.publish();
  }

  /** The agent's part of a call is over: wrap-up. Media closes for all but agents who stay available (theirs stays warm). */
  #release(agent: StaffSession, others: StaffSession[]): void {
    for (const s of [agent, ...others]) if (!(s.user.role === 'agent' && s.presence.chosen === 'available')) this.#endpoints.close(s.id);
    if (this.sessions.isOpen(agent)) this.agents.done(agent);
  }

  /** Puts the callbacks a previous run left open back in the queue (at start-up). */
  loadCallbacks(): Promise<number> {
    return this.#desk.load((id) => this.opts.store.findKiosk(id as never));
  }

  /** Queues, agents and kiosks now: the supervisors' live view. */
  liveView(now = Date.now()): LiveView {
    return liveView({
      now,
      calls: this.#calls,
      sessions: this.sessions,
      queues: this.opts.queues,
      serviceLevel: this.#queue.serviceLevel,
      presenceOf: (s) => this.#presence.view(s, this.#offers.busy(s)),
    });
  }

  counts(): { queued: number; offered: number; connecting: number; inCall: number; sessions: number } {
    return { ...this.#calls.counts(), sessions: this.sessions.size };
  }

  recentTimelines(): { callId: string; marks: Record<string, number> }[] {
    return this.#calls.recentTimelines();
  }

  /** Ends every call (server shutdown) and flushes the inquiry journal. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const call of this.#calls.all()) this.#end(call, 'server-shutdown');
    this.#offers.close();
    this.#presence.close();
    this.#endpoints.closeAll();
    this.sessions.close();
    await this.journal.close();
  }
}

export type { Session, KioskSession, StaffSession, ClientIdentity, Peer };
