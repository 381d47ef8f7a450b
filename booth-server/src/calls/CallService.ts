/**
 * Calls between kiosks and staff. The parts, each in its own file (README,
 * "Call core"): sessions, the Call state machine and the CallBook, routing
 * (../routing), offers, presence, queue figures, media endpoints and rooms,
 * the inquiry journal, supervision views, callbacks, in-call tools (show,
 * print, invite, transfer). This class ties them together and
 * decides whether a session may do what it asks; every request reaches it
 * already validated against its schema.
 */
import { CallSnapshot as CallSnapshotSchema, STAFF_REQUESTS, registerFormats, type CallQuality, type CallRequestInfo, type CallSnapshot, type EndReason, type LiveView, type NotificationData, type Notifications, type QualityThresholds } from '@citizen/protocol';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
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
import { OfferDispatcher, offerOf } from './offers';
import type { CallCluster, RoutedOffer, RpcOp } from '../cluster/CallCluster';
import { invoke, staffHandlers, FORWARDED_STAFF_REQUESTS, type HandlerTable } from './handlers';
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
  /**
   * One node of a site (cluster/CallCluster.ts): calls are paired with
   * agents site-wide, and an agent here can take a call another node holds.
   * `routing` must then be the node's SiteRouting. Absent: one node.
   */
  site?: CallCluster;
  log: Log;
}

/** This node's agent's part in a call another node holds: offered, being accepted, or in the call. */
interface AwayPart {
  callId: string;
  home: string;
  step: 'offered' | 'accepting' | 'in-call';
  timer: NodeJS.Timeout | null;
  /** Set while the call's node is gone: the part ends unless another node takes the call over in time. */
  orphaned?: NodeJS.Timeout;
}

/** A call taken over from a dead node whose agent was on it too: how long to wait for the agent's console to be taken over. */
const AGENT_TAKEOVER_WAIT_MS = 5000;
/** On a site: how often a node reads the callbacks other nodes made or took. */
const CALLBACK_REFRESH_MS = 5000;

const checkSnapshot = TypeCompiler.Compile(CallSnapshotSchema);
const staffDataChecks = new Map<string, ReturnType<typeof TypeCompiler.Compile>>();
function checkStaffData(method: string, data: unknown): boolean {
  registerFormats();
  let c = staffDataChecks.get(method);
  if (!c) staffDataChecks.set(method, (c = TypeCompiler.Compile((STAFF_REQUESTS as Record<string, { data: TSchema }>)[method]!.data)));
  return c.Check(data);
}
/** Notifications a stand-in does not pass on: the agent's own node owns their presence and offers. */
const NOT_RELAYED = new Set<keyof Notifications>(['presenceChanged', 'callOffered', 'offerWithdrawn']);

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
  /** This node's agents' parts in other nodes' calls. */
  readonly #away = new Map<StaffSession, AwayPart>();
  /** Stand-ins whose node is gone: they end unless their session is taken over elsewhere in time. */
  readonly #orphans = new Map<StaffSession, NodeJS.Timeout>();
  #staffTable: HandlerTable<typeof STAFF_REQUESTS, StaffSession> | null = null;
  #refreshCallbacks: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(private readonly opts: CallServiceOptions) {
    this.#routing = opts.routing ?? new FifoRouting();
    this.#requests = new WindowLimit(opts.maxCallRequestsPerKioskPerMinute, 60_000);
    this.#presence = new PresenceBook(opts.wrapUpSeconds * 1000, (agent) => {
      this.#notify(agent, 'presenceChanged', this.#presence.view(agent, false));
      this.#writeStaff(agent);
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
      ...(opts.site ? { site: this.#offerSite(opts.site) } : {}),
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
      ...(opts.site ? { siteAgents: (language: string) => opts.site!.workingFor(language, this.#workingHere()) } : {}),
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
      ...(opts.site ? { shared: true } : {}),
    });
    if (opts.site) {
      // Callbacks other nodes made or took: looked at again every few seconds.
      this.#refreshCallbacks = setInterval(() => {
        this.#desk.refresh((id) => opts.store.findKiosk(id as never)).catch((err: unknown) => opts.log('warn', "could not read the site's callbacks", { error: (err as Error).message }));
      }, CALLBACK_REFRESH_MS);
      this.#refreshCallbacks.unref();
    }
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
      notify: (agent, presence) => {
        this.#notify(agent, 'presenceChanged', presence);
        this.#writeStaff(agent);
      },
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
    opts.site?.bind({
      routedOffer: (m) => this.#routedOffer(m),
      rpc: (from, sessionId, op) => this.#rpc(from, sessionId, op),
      relayed: (sessionId, method, data) => this.#notify(this.sessions.byId(sessionId), method, data as never),
      alive: (nodes) => this.#homesAlive(nodes),
      lost: (node) => this.#nodeLost(node),
      restored: () => this.#reassert(),
    });
    if (opts.site) {
      const dir = opts.site.directory;
      this.sessions.on('ended', (s) => {
        if (s.kind === 'kiosk' && !s.remoteNode) dir.dropKiosk(s.resumeToken).catch(() => undefined);
        if (s.kind === 'staff' && !s.remoteNode) dir.dropStaff(s.resumeToken).catch(() => undefined);
      });
    }
    this.media = new MediaAccess({ calls: this.#calls, endpoints: this.#endpoints, sessions: this.sessions, offers: this.#offers, maxVideoBitrate: opts.media.maxVideoBitrate, ...(opts.turn ? { turn: opts.turn } : {}) });
  }

  hello(identity: ClientIdentity, peer: Peer, resumeToken: string | undefined): { session: Session; resumed: boolean; call: CallSnapshot | null } {
    const r = this.sessions.open(identity, peer, resumeToken);
    const site = this.opts.site;
    // On a site, a kiosk's session is in the site's directory: if this node dies, the node it reconnects to takes it over.
    if (site && !r.resumed && r.session.kind === 'staff') this.#writeStaff(r.session);
    if (site && !r.resumed && r.session.kind === 'kiosk') this.#writeKiosk(r.session);
    // An available agent who comes back can be offered calls again.
    if (r.session.kind === 'staff') this.#offers.dispatch();
    return { ...r, call: this.#snapshotFor(r.session) };
  }

  /** The call of a session of this node that takes part in another node's call, as that node sees it (after a reconnect). */
  async awaySnapshot(session: Session): Promise<CallSnapshot | null> {
    const away = session.kind === 'staff' ? this.#away.get(session) : undefined;
    if (!away || away.step !== 'in-call' || !this.opts.site) return null;
    try {
      return this.#checkedSnapshot(await this.opts.site.ask(away.home, session.id, { kind: 'snapshot' }));
    } catch (err) {
      this.opts.log('warn', "the call's node did not give its snapshot", { session: session.id, error: (err as Error).message });
      return null;
    }
  }

  #checkedSnapshot(v: unknown): CallSnapshot {
    registerFormats();
    if (!checkSnapshot.Check(v)) throw new SignalFailure('INTERNAL', "the call's node answered a malformed snapshot");
    return v;
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
    this.#awayEnded(session, reason);
    const orphaned = this.#orphans.get(session);
    if (orphaned) clearTimeout(orphaned);
    this.#orphans.delete(session);
    // A stand-in for another node's agent: their node hears that their part is over.
    if (session.remoteNode) this.opts.site?.ask(session.remoteNode, session.id, { kind: 'ended', reason }).catch(() => undefined);
    const offered = this.#offers.offerFor(session);
    if (offered?.kind === 'callback') this.#offers.withdraw(offered, false);
    this.#desk.agentGone(session);
    for (const call of this.#calls.all()) {
      const s = call.state;
      if (s.step === 'offered' && s.agent === session) this.#offers.withdraw(call, false);
      // Accepted but not yet connected: the resident goes back to their place, not out.
      else if (s.step === 'connecting' && s.agent === session) {
        call.requeue();
        this.#backInLine(call);
      }
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
    const away = this.#away.get(session);
    if (away?.callId === callId && away.step === 'offered') return this.#acceptAway(session, away);
    const call = this.#calls.get(callId);
    if (!call && this.#desk.get(callId)) throw new SignalFailure('WRONG_STATE', 'this is a callback: take it with acceptCallback');
    const offeredToMe = (): boolean => call?.state.step === 'offered' && call.state.agent === session;
    if (!call || !offeredToMe()) throw new SignalFailure('WRONG_STATE', 'this call is not offered to you');
    // On a site the shared routing must agree (the offer may have lapsed there); a stand-in's was taken on its own node.
    if (this.opts.site && !session.remoteNode) {
      const taken = await this.opts.site.shared.accept(callId, session.user.id).catch((err: unknown) => {
        throw new SignalFailure('LIVE_STATE_UNAVAILABLE', `the site's routing did not answer: ${(err as Error).message}`);
      });
      if (!taken) {
        if (offeredToMe()) this.#offers.withdraw(call, false);
        throw new SignalFailure('WRONG_STATE', 'the offer lapsed before it was accepted');
      }
      if (!offeredToMe()) {
        this.#backInLine(call);
        throw new SignalFailure('WRONG_STATE', 'this call is not offered to you');
      }
    }
    call.accept(session);
    call.mark('accepted');
    const stillMine = (): boolean => call.state.step === 'connecting' && call.state.agent === session;
    let room: CallRoom | null = null;
    try {
      await this.journal.started(call.id, session.user.id, new Date());
      call.mark('startRecorded');
      if (!stillMine()) throw new SignalFailure('WRONG_STATE', 'the resident left before the call started');
      room = this.#roomFor(call, session);
      call.start(room, Date.now());
    } catch (err) {
      room?.close();
      if (stillMine()) {
        call.requeue();
        this.#backInLine(call);
        this.opts.log('error', 'call could not be started; the resident keeps their place', { call: call.id, agent: session.user.id, error: (err as Error).message });
        // Not at once: the same agent would get the same offer in a tight loop while the cause lasts.
        setTimeout(() => this.#offers.dispatch(), 1000).unref();
      }
      if (err instanceof SignalFailure) throw err;
      throw new SignalFailure('INTERNAL', 'the call could not be started; try again');
    }
    this.#routing.remove(call.id);
    this.#record(call);
    if (!session.remoteNode) this.#writeStaff(session);
    this.#queue.answered(call);
    this.opts.log('info', 'call started', { call: call.id, agent: session.user.id });
    this.#notify(call.kiosk, 'callStarted', this.#snapshot(call, call.kiosk));
    call.mark('started');
    this.#queue.publish();
    return this.#snapshot(call, session);
  }

  declineCall(session: StaffSession, callId: string): void {
    const away = this.#away.get(session);
    if (away?.callId === callId && away.step === 'offered') {
      this.#awayDeclined(session, away, false);
      return;
    }
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
    // An ended call leaves the site's directory (a node's orderly stop hands its calls over without ending them: close()).
    this.opts.site?.directory.dropCall(call.id, this.opts.site.nodeId).catch(() => undefined);
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

  /** A call's room with its resident and its agent, on their media endpoints (opened or not yet). */
  #roomFor(call: Call, agent: StaffSession): CallRoom {
    const room = new CallRoom(call.id, (pid, method, data) => this.#notify(this.sessions.byId(pid), method, data), (stage) => call.mark(stage));
    room.addParticipant(call.kiosk.id, 'resident', call.kiosk.kiosk.name, this.#endpoints.of(call.kiosk.id));
    room.addParticipant(agent.id, 'agent', agent.user.displayName, this.#endpoints.of(agent.id));
    return room;
  }

  /** The agent's part of a call is over: wrap-up. Media closes for all but agents who stay available (theirs stays warm). */
  #release(agent: StaffSession, others: StaffSession[]): void {
    for (const s of [agent, ...others]) if (!(s.user.role === 'agent' && s.presence.chosen === 'available')) this.#endpoints.close(s.id);
    if (this.sessions.isOpen(agent)) this.agents.done(agent);
    for (const s of [agent, ...others]) if (!s.remoteNode) this.#writeStaff(s);
    // Stand-ins for other nodes' agents go once what the call tells them now (callEnded …) is on its way.
    for (const s of [agent, ...others]) {
      if (s.remoteNode) queueMicrotask(() => this.sessions.end(s, 'hangup-agent'));
    }
  }

  /** A call that went back to waiting after the site's routing took it off its list (accepted, then not started; transferred). */
  #backInLine(call: Call): void {
    if (call.state.step === 'queued') this.#routing.enqueue({ callId: call.id, request: call.request, queuedAt: call.queuedAt });
  }

  // ---- A site of several nodes (cluster/CallCluster.ts) ----

  #offerSite(site: CallCluster): import('./offers').OfferSite {
    const fail = (what: string) => (err: unknown) => this.opts.log('warn', `the site's routing did not take ${what}`, { error: (err as Error).message });
    return {
      free: (agents) => {
        site.agentsNow(agents.map((a) => ({ userId: a.userId, skills: a.skills, idleSince: a.idleSince, declined: [...a.declined] })));
        site.workingNow(this.#workingHere());
      },
      busyElsewhere: (agent) => this.#away.has(agent),
      declined: (callId, userId) => void site.shared.decline(callId, userId).then(() => site.kick(), fail('a decline')),
      released: (callId, userId) => {
        void site.shared.release(callId, userId).then(() => site.kick(), fail('an offer handed back'));
        const call = this.#calls.get(callId);
        if (call) this.#backInLine(call);
      },
    };
  }

  /** This node's own agents who work now (taking calls, or busy with one): stand-ins are counted on their own node. */
  #workingHere(): { userId: string; languages: string[] }[] {
    const out: { userId: string; languages: string[] }[] = [];
    for (const s of this.sessions.staff()) {
      if (s.remoteNode || s.user.role !== 'agent' || !(s.presence.chosen === 'available' || this.#offers.busy(s))) continue;
      out.push({ userId: s.user.id, languages: Object.keys(s.user.skills.languages) });
    }
    return out;
  }

  /** What the site's routing stores with a call this node holds: the offer agents on any node are shown. */
  describeForSite(callId: string): { offer: ReturnType<typeof offerOf>; notBefore?: number } | null {
    const cb = this.#desk.get(callId);
    if (cb) return cb.state.step === 'queued' || cb.state.step === 'offered' ? { offer: offerOf(cb), ...(cb.notBefore ? { notBefore: cb.notBefore } : {}) } : null;
    const call = this.#calls.get(callId);
    // Only a call that waits is shared (one accepted and being connected is no longer the router's).
    if (!call || (call.state.step !== 'queued' && call.state.step !== 'offered')) return null;
    this.#record(call);
    return { offer: offerOf(call) };
  }

  /** Writes a kiosk session of this node to the site's directory (what another node needs to take it over). */
  #writeKiosk(session: KioskSession): void {
    const site = this.opts.site!;
    site.directory.putKiosk(session.resumeToken, { sessionId: session.id, kioskId: session.kiosk.id, node: site.nodeId }).catch((err: unknown) =>
      this.opts.log('warn', "a kiosk session was not written to the site's directory", { error: (err as Error).message }),
    );
  }

  /** Writes a staff session of this node as it is now to the site's directory (what another node needs to take it over). */
  #writeStaff(session: StaffSession): void {
    const site = this.opts.site;
    if (!site || session.remoteNode || !this.sessions.isOpen(session)) return;
    const away = this.#away.get(session);
    const local = this.#calls.ofStaff(session);
    const call = away?.step === 'in-call' ? { callId: away.callId, home: away.home } : local?.state.step === 'in-call' && local.agent === session ? { callId: local.id, home: site.nodeId } : null;
    site.directory
      .putStaff(session.resumeToken, { sessionId: session.id, userId: session.user.id, node: site.nodeId, available: session.presence.chosen === 'available', call })
      .catch((err: unknown) => this.opts.log('warn', "a staff session was not written to the site's directory", { error: (err as Error).message }));
  }

  /**
   * A console reconnects here with a resume token of a node that died: this
   * node takes the agent's session over (same id and token, same choice of
   * available or away). Their call goes on: a call another node holds keeps
   * its stand-in, which reports here now; a call the dead node held is set up
   * again by the node its kiosk reconnects to, which finds the agent here.
   */
  async #adoptStaff(identity: Extract<ClientIdentity, { kind: 'staff' }>, peer: Peer, resumeToken: string): Promise<{ session: Session; resumed: boolean; call: CallSnapshot | null } | null> {
    const site = this.opts.site!;
    const dir = site.directory;
    const entry = await dir.getStaff(resumeToken).catch(() => null);
    if (!entry || entry.userId !== identity.user.id || entry.node === site.nodeId) return null;
    if (!(await site.waitGone(entry.node))) return null;
    if (this.sessions.knows(resumeToken) || !(await dir.claimStaff(resumeToken, entry.node, site.nodeId))) return null;
    // The agent's call is held here: the stand-in this node kept for them gives way to their own session.
    const standIn = this.sessions.byId(entry.sessionId);
    const session = this.sessions.adoptStaff(identity, peer, entry.sessionId, resumeToken, entry.available);
    this.opts.log('info', 'took over a staff session of a node that is gone', { user: identity.user.id, from: entry.node, call: entry.call?.callId });
    let call: CallSnapshot | null = null;
    if (standIn?.kind === 'staff' && standIn.remoteNode) {
      const held = this.#calls.ofStaff(standIn);
      this.sessions.forget(standIn);
      const t = this.#orphans.get(standIn);
      if (t) clearTimeout(t);
      this.#orphans.delete(standIn);
      this.#presence.forget(standIn);
      if (held?.state.step === 'in-call' && held.agent === standIn) {
        held.swapAgent(session);
        this.#record(held);
        call = this.#snapshotFor(session);
      } else if (held) held.room?.removeParticipant(standIn.id);
    } else if (entry.call && entry.call.home !== entry.node && site.isAlive(entry.call.home)) {
      try {
        call = this.#checkedSnapshot(await site.ask(entry.call.home, session.id, { kind: 'rejoin' }));
        if (call.step === 'in-call') this.#away.set(session, { callId: entry.call.callId, home: entry.call.home, step: 'in-call', timer: null });
        else call = null;
      } catch (err) {
        this.opts.log('warn', "the call's node did not take the agent back", { error: (err as Error).message });
      }
    } else if (entry.call) {
      // The call was on the dead node too: the node its kiosk reconnects to sets it up again with the agent here.
      if (await dir.moveCallAgent(entry.call.callId, entry.node, site.nodeId).catch(() => false)) {
        const dead = entry.call.home;
        this.#away.set(session, { callId: entry.call.callId, home: dead, step: 'in-call', timer: null });
        this.#homesAlive(await site.aliveNow());
        // Answered once the call is set up again (its new node says `moved`), so the console goes on with it.
        for (const end = Date.now() + AGENT_TAKEOVER_WAIT_MS + 2000; Date.now() < end && this.#away.get(session)?.home === dead; ) await new Promise((r) => setTimeout(r, 200));
        if (this.#away.get(session)?.home !== dead) call = await this.awaySnapshot(session);
      }
    }
    this.#writeStaff(session);
    this.#offers.dispatch();
    return { session, resumed: true, call };
  }

  /** Writes the call as it is now to the site's directory (what another node needs to take it over). */
  #record(call: Call): void {
    const site = this.opts.site;
    if (!site || call.ended) return;
    const agent = call.state.step === 'in-call' ? call.state.agent : null;
    site.directory
      .putCall({
        callId: call.id,
        reference: call.reference,
        queueId: call.queueId,
        kioskId: call.kiosk.kiosk.id,
        sessionId: call.kiosk.id,
        request: call.request,
        queuedAt: call.queuedAt,
        transfer: call.transfer,
        node: site.nodeId,
        agent: agent ? { userId: agent.user.id, sessionId: agent.id, node: agent.remoteNode ?? site.nodeId } : null,
        startedAt: call.state.step === 'in-call' ? call.state.startedAt : null,
      })
      .catch((err: unknown) => this.opts.log('warn', "a call was not written to the site's directory", { call: call.id, error: (err as Error).message }));
  }

  /**
   * A kiosk reconnects here with a resume token of a node that died: this node
   * takes its session over (same id and token), and its call with it: a
   * waiting resident keeps their place; a call in progress is set up again
   * here, the agent's node told to move the agent's media here. Null when
   * there is nothing to take over (a live node's session, or none).
   */
  async adopt(identity: ClientIdentity, peer: Peer, resumeToken: string | undefined): Promise<{ session: Session; resumed: boolean; call: CallSnapshot | null } | null> {
    const site = this.opts.site;
    if (!site || !resumeToken || this.sessions.knows(resumeToken)) return null;
    if (identity.kind === 'staff') return this.#adoptStaff(identity, peer, resumeToken);
    const dir = site.directory;
    const entry = await dir.getKiosk(resumeToken).catch(() => null);
    if (!entry || entry.kioskId !== identity.kiosk.id || entry.node === site.nodeId) return null;
    if (!(await site.waitGone(entry.node))) return null;
    if (this.sessions.knows(resumeToken)) return null;
    if (!(await dir.claimKiosk(resumeToken, entry.node, site.nodeId))) return null;
    const rec = (await dir.callsOf(entry.node)).find((r) => r.sessionId === entry.sessionId);
    const session = this.sessions.adoptKiosk(identity.kiosk, peer, entry.sessionId, resumeToken);
    this.opts.log('info', 'took over a kiosk session of a node that is gone', { kiosk: identity.kiosk.id, from: entry.node, call: rec?.callId });
    if (rec && (await dir.claimCall(rec.callId, entry.node, site.nodeId))) await this.#adoptCall(session, rec);
    return { session, resumed: true, call: this.#snapshotFor(session) };
  }

  async #adoptCall(kiosk: KioskSession, taken: import('../cluster/CallDirectory').CallRecord): Promise<void> {
    const site = this.opts.site!;
    let rec = taken;
    if (rec.agent && !site.isAlive(rec.agent.node)) {
      // The agent's socket was on the dead node too: give their console a moment to be taken over elsewhere.
      const dead = rec.agent.node;
      for (const end = Date.now() + AGENT_TAKEOVER_WAIT_MS; Date.now() < end; ) {
        await new Promise((r) => setTimeout(r, 250));
        const now = await site.directory.getCall(rec.callId).catch(() => null);
        if (now?.agent && now.agent.node !== dead) {
          rec = { ...now, node: site.nodeId };
          await site.aliveNow();
          break;
        }
      }
    }
    const call = new Call({ id: rec.callId, reference: rec.reference, queueId: rec.queueId, kiosk, request: rec.request, queuedAt: rec.queuedAt });
    call.transfer = rec.transfer;
    call.mark('adopted');
    this.#calls.add(call);
    this.#routing.adopt?.(call.id);
    const agentUser = rec.agent && site.isAlive(rec.agent.node) ? await this.opts.store.findUserById(rec.agent.userId as never) : undefined;
    if (!rec.agent || !agentUser) {
      // Waiting (or its agent is gone too): back in line at the same place.
      this.#routing.enqueue({ callId: call.id, request: call.request, queuedAt: call.queuedAt });
      this.#offers.dispatch();
      this.#queue.publish();
      // Its warm transports were on the dead node: the kiosk makes them here (after the hello answer).
      try {
        const { endpoint } = await this.#endpoints.open(kiosk.id, () => this.sessions.isOpen(kiosk) && !call.ended);
        setImmediate(() => this.#notify(kiosk, 'mediaReset', { routerRtpCapabilities: endpoint.router.rtpCapabilities }));
      } catch (err) {
        this.opts.log('warn', 'a kiosk taken over could not warm its media here (its call opens it)', { error: (err as Error).message });
      }
      return;
    }
    // In a call: set up again here. The agent takes part through a stand-in for their node's session,
    // or as themself when their socket is on this node.
    const agent = rec.agent;
    const local = agent.node === site.nodeId ? this.sessions.byId(agent.sessionId) : undefined;
    if (agent.node === site.nodeId && (local?.kind !== 'staff' || !this.sessions.isOpen(local))) {
      this.#routing.enqueue({ callId: call.id, request: call.request, queuedAt: call.queuedAt });
      this.#offers.dispatch();
      return;
    }
    const agentSession = local?.kind === 'staff' ? local : this.sessions.openStandIn(agent.sessionId, agentUser, agent.node, this.#relayTo(agent.node, agent.sessionId));
    if (local?.kind === 'staff') this.#dropAway(local);
    try {
      const kioskMedia = await this.#endpoints.open(kiosk.id, () => true);
      await this.#endpoints.open(agentSession.id, () => true);
      call.offer(agentSession, setTimeout(() => undefined, 0));
      call.accept(agentSession);
      call.start(this.#roomFor(call, agentSession), rec.startedAt ?? Date.now());
      this.#record(call);
      const caps = kioskMedia.endpoint.router.rtpCapabilities;
      if (local) this.#notify(local, 'mediaReset', { routerRtpCapabilities: caps });
      else await site.ask(agent.node, agentSession.id, { kind: 'moved', callId: call.id, routerRtpCapabilities: caps });
      // After the hello answer: the kiosk makes its transports here.
      setImmediate(() => this.#notify(kiosk, 'mediaReset', { routerRtpCapabilities: caps }));
      this.opts.log('info', 'took over a call of a node that is gone', { call: call.id, agentNode: agent.node });
    } catch (err) {
      this.opts.log('warn', 'a call taken over could not be set up again here; it ends', { call: call.id, error: (err as Error).message });
      this.#end(call, 'connection-lost');
    }
  }

  #relayTo(node: string, sessionId: string): Peer {
    const site = this.opts.site!;
    return {
      notify: (method, data) => {
        if (!NOT_RELAYED.has(method)) site.notify(node, sessionId, method, data);
      },
      close: () => {},
    };
  }

  /** Parts of this node's agents in calls whose node is gone: they end unless another node takes the call over within the grace period. */
  #homesAlive(nodes: ReadonlySet<string>): void {
    const site = this.opts.site!;
    // Stand-ins here for sessions of a node that is gone: the agent's part ends after the grace period.
    for (const s of this.sessions.staff()) {
      if (!s.remoteNode) continue;
      const gone = !nodes.has(s.remoteNode);
      const t = this.#orphans.get(s);
      if (!gone && t) {
        clearTimeout(t);
        this.#orphans.delete(s);
      } else if (gone && !t) {
        const node = s.remoteNode;
        const timer = setTimeout(() => {
          this.#orphans.delete(s);
          if (s.remoteNode !== node || site.isAlive(node) || !this.sessions.isOpen(s)) return;
          this.opts.log('warn', "an agent's node is gone and their session was not taken over; their part in the call ends", { agent: s.user.id, node });
          this.sessions.end(s, 'connection-lost');
        }, this.#takeoverGraceMs());
        timer.unref();
        this.#orphans.set(s, timer);
      }
    }
    for (const [agent, away] of this.#away) {
      const gone = away.home !== site.nodeId && !nodes.has(away.home);
      if (!gone && away.orphaned) {
        clearTimeout(away.orphaned);
        delete away.orphaned;
      } else if (gone && !away.orphaned) {
        const home = away.home;
        away.orphaned = setTimeout(() => {
          if (this.#away.get(agent) !== away || away.home !== home) return;
          this.opts.log('warn', "the node of an agent's call is gone and nobody took the call over", { call: away.callId, agent: agent.user.id });
          if (away.step === 'in-call') this.#notify(agent, 'callEnded', { callId: away.callId, reason: 'connection-lost' });
          else this.#notify(agent, 'offerWithdrawn', { callId: away.callId });
          this.#awayEnded(agent, 'connection-lost');
        }, this.#takeoverGraceMs());
        away.orphaned.unref();
      }
    }
  }

  /** How long a dead node's residents and calls wait to be taken over: a kiosk's reconnect grace, plus a lease's lapse. */
  #takeoverGraceMs(): number {
    return this.opts.reconnectGraceSeconds * 1000 + 5000;
  }

  /** This node's lease came back after it was gone: its calls, sessions, waiting list and agents are written to the site again. */
  #reassert(): void {
    const site = this.opts.site!;
    for (const call of this.#calls.all()) this.#record(call);
    for (const s of this.sessions.all()) {
      if (s.remoteNode) continue;
      if (s.kind === 'staff') this.#writeStaff(s);
      else this.#writeKiosk(s);
    }
    this.#routing.reassert?.();
    // The agents free and working here are published again (the cluster forgot what it had published).
    this.#offers.dispatch();
  }

  /** This node claimed a dead node: its agents are free nowhere; what nobody took over within the grace period is closed here. */
  #nodeLost(node: string): void {
    const site = this.opts.site!;
    site.shared.dropNode(node).catch(() => undefined);
    const t = setTimeout(() => {
      void (async () => {
        // Not dead after all (Redis was away, so no node could renew): it writes its state again itself.
        if ((await site.aliveNow()).has(node)) {
          this.opts.log('info', 'a node thought gone renewed its lease: nothing of it is closed', { node });
          return;
        }
        for (const rec of await site.directory.callsOf(node)) {
          if (!(await site.directory.claimCall(rec.callId, node, site.nodeId))) continue;
          await site.shared.remove(rec.callId).catch(() => undefined);
          this.#routing.adopt?.(rec.callId);
          this.#routing.remove(rec.callId);
          this.journal.ended(rec.callId, { status: rec.agent ? 'ended' : 'abandoned', endReason: 'connection-lost', endedAt: new Date() });
          await site.directory.dropCall(rec.callId, site.nodeId);
          this.opts.log('info', "closed a call of a gone node that nobody took over", { call: rec.callId, node });
        }
        await site.directory.dropNode(node);
        site.kick();
      })().catch((err: unknown) => this.opts.log('warn', "could not close a gone node's calls", { node, error: (err as Error).message }));
    }, this.#takeoverGraceMs());
    t.unref();
  }

  /** Another node's call came or went: places in line moved. */
  siteQueueChanged(): void {
    this.#queue.publish();
  }

  /** Another node's call no longer waits (taken, left): an offer of it here is withdrawn. */
  siteCallGone(callId: string): void {
    for (const [agent, away] of [...this.#away]) {
      if (away.callId !== callId || away.step !== 'offered') continue;
      this.#dropAway(agent);
      this.#notify(agent, 'offerWithdrawn', { callId });
    }
    this.#offers.dispatch();
  }

  /** The site's router paired a call with an agent whose socket is here. */
  #routedOffer(m: RoutedOffer): void {
    const site = this.opts.site!;
    const handBack = (): void => void site.shared.release(m.callId, m.userId).then(() => site.kick(), () => undefined);
    if (this.#closed) return handBack();
    let agent: StaffSession | undefined;
    for (const s of this.sessions.staff()) {
      if (s.user.id === m.userId && !s.remoteNode && s.peer && s.user.role === 'agent' && this.#presence.isFree(s, this.#offers.busy(s))) agent = s;
    }
    if (!agent) return handBack();
    // A callback: every node holds the site's waiting callbacks; this one offers it from its own desk.
    if (m.offer.kind === 'callback') {
      const cb = this.#desk.get(m.callId);
      if (!cb || !this.#offers.offerTo(cb, agent)) handBack();
      return;
    }
    if (m.home === site.nodeId) {
      const call = this.#calls.get(m.callId);
      if (!call || !this.#offers.offerTo(call, agent)) handBack();
      else this.#queue.publish();
      return;
    }
    const a = agent;
    const away: AwayPart = { callId: m.callId, home: m.home, step: 'offered', timer: null };
    away.timer = setTimeout(() => {
      if (this.#away.get(a) !== away || away.step !== 'offered') return;
      this.opts.log('info', 'offer timed out', { call: m.callId, agent: a.user.id });
      this.#awayDeclined(a, away, true);
    }, this.opts.offerTimeoutSeconds * 1000);
    away.timer.unref();
    this.#away.set(agent, away);
    this.#notify(agent, 'callOffered', m.offer);
  }

  #awayDeclined(agent: StaffSession, away: AwayPart, tell: boolean): void {
    this.#dropAway(agent);
    agent.declined.add(away.callId);
    const site = this.opts.site!;
    void site.shared.decline(away.callId, agent.user.id).then(
      () => site.kick(),
      () => undefined,
    );
    if (tell) this.#notify(agent, 'offerWithdrawn', { callId: away.callId });
    this.#offers.dispatch();
  }

  /** The agent here accepts a call another node holds: the shared routing agrees, then that node starts it with a stand-in for them. */
  async #acceptAway(session: StaffSession, away: AwayPart): Promise<CallSnapshot> {
    const site = this.opts.site!;
    if (away.timer) clearTimeout(away.timer);
    away.step = 'accepting';
    const drop = (): void => {
      if (this.#away.get(session) === away) this.#away.delete(session);
      this.#offers.dispatch();
    };
    let snapshot: CallSnapshot;
    try {
      const taken = await site.shared.accept(away.callId, session.user.id).catch((err: unknown) => {
        throw new SignalFailure('LIVE_STATE_UNAVAILABLE', `the site's routing did not answer: ${(err as Error).message}`);
      });
      if (!taken) throw new SignalFailure('WRONG_STATE', 'the offer lapsed before it was accepted');
      snapshot = this.#checkedSnapshot(await site.ask(away.home, session.id, { kind: 'start', callId: away.callId, userId: session.user.id }));
    } catch (err) {
      drop();
      throw err;
    }
    if (!this.sessions.isOpen(session) || this.#away.get(session) !== away || snapshot.step !== 'in-call') {
      drop();
      site.ask(away.home, session.id, { kind: 'ended', reason: 'connection-lost' }).catch(() => undefined);
      throw new SignalFailure('WRONG_STATE', 'the session changed while the call was being started');
    }
    away.step = 'in-call';
    this.#writeStaff(session);
    // The agent's transports move to the call's node: the console makes them again there.
    this.#endpoints.close(session.id);
    this.#notify(session, 'mediaReset', { routerRtpCapabilities: snapshot.routerRtpCapabilities });
    this.#queue.publish();
    this.opts.log('info', "call taken on another node's behalf", { call: away.callId, home: away.home, agent: session.user.id });
    return snapshot;
  }

  /** Whether a request of this session goes to the node holding its call. */
  forwards(session: Session, method: string): boolean {
    return session.kind === 'staff' && this.#away.get(session)?.step === 'in-call' && FORWARDED_STAFF_REQUESTS.has(method);
  }

  /** Runs a request of this session's on the node holding its call. */
  forward(session: StaffSession, method: string, data: unknown): Promise<unknown> {
    const away = this.#away.get(session);
    if (!away || away.step !== 'in-call') return Promise.reject(new SignalFailure('NOT_IN_CALL'));
    return this.opts.site!.ask(away.home, session.id, { kind: 'request', method, data });
  }

  /** Forgets this node's agent's part in another node's call, with its timers; answers the part it was, if any. */
  #dropAway(session: StaffSession): AwayPart | undefined {
    const away = this.#away.get(session);
    if (!away) return undefined;
    if (away.timer) clearTimeout(away.timer);
    if (away.orphaned) clearTimeout(away.orphaned);
    this.#away.delete(session);
    return away;
  }

  /** This node's agent's part in another node's call ended (the call's node said so, or the session ended here). */
  #awayEnded(session: StaffSession, reason: EndReason): void {
    const away = this.#dropAway(session);
    if (!away) return;
    this.#writeStaff(session);
    const site = this.opts.site!;
    if (away.step === 'offered') void site.shared.release(away.callId, session.user.id).then(() => site.kick(), () => undefined);
    else if (this.sessions.isOpen(session)) {
      // Over on the call's node: wrap-up here, and warm transports here again for an agent who stays available.
      this.agents.done(session);
      if (session.presence.chosen === 'available') {
        this.#endpoints.open(session.id, () => this.sessions.isOpen(session) && !this.#away.has(session)).then(
          ({ endpoint }) => this.#notify(session, 'mediaReset', { routerRtpCapabilities: endpoint.router.rtpCapabilities }),
          (err: unknown) => this.opts.log('warn', 'could not warm media again after a call on another node', { error: (err as Error).message }),
        );
      }
    } else site.ask(away.home, session.id, { kind: 'ended', reason }).catch(() => undefined);
  }

  /** What another node asks of this one on behalf of its session `sessionId`. */
  async #rpc(from: string, sessionId: string, op: RpcOp): Promise<unknown> {
    const site = (): CallCluster => this.opts.site!;
    if (op.kind === 'start') return this.#startForAway(from, sessionId, op.callId, op.userId);
    const s = this.sessions.byId(sessionId);
    if (op.kind === 'moved') {
      // The call's node died; `from` took the call over: the agent's media goes there now.
      const away = s?.kind === 'staff' ? this.#away.get(s) : undefined;
      if (!s || !away || away.callId !== op.callId) throw new SignalFailure('NOT_IN_CALL', 'no part in this call here');
      if (away.orphaned) clearTimeout(away.orphaned);
      delete away.orphaned;
      away.home = from;
      away.step = 'in-call';
      this.#writeStaff(s as StaffSession);
      this.#notify(s, 'mediaReset', { routerRtpCapabilities: op.routerRtpCapabilities });
      return null;
    }
    if (op.kind === 'ended') {
      // Either side: the stand-in here goes, or this node's agent's part in `from`'s call is over.
      if (s?.kind === 'staff' && s.remoteNode === from) this.sessions.end(s, op.reason);
      else if (s?.kind === 'staff' && this.#away.get(s)?.home === from) this.#awayEnded(s, op.reason);
      return null;
    }
    if (op.kind === 'rejoin') {
      // The stand-in's node died; `from` took the agent's session over: report there from now on.
      if (!s || s.kind !== 'staff' || !s.remoteNode || (await site().aliveNow()).has(s.remoteNode)) throw new SignalFailure('NOT_IN_CALL', 'no stand-in here waiting for its session');
      s.remoteNode = from;
      s.peer = this.#relayTo(from, s.id);
      const t = this.#orphans.get(s);
      if (t) clearTimeout(t);
      this.#orphans.delete(s);
      this.#calls.ofStaff(s) && this.#record(this.#calls.ofStaff(s)!);
      this.opts.log('info', "an agent's session moved to another node; their part in the call goes on", { agent: s.user.id, node: from });
      return this.#snapshotFor(s);
    }
    if (!s || s.kind !== 'staff' || s.remoteNode !== from) throw new SignalFailure('NOT_IN_CALL', 'no stand-in for this session on the call\'s node');
    if (op.kind === 'snapshot') return this.#snapshotFor(s);
    if (!FORWARDED_STAFF_REQUESTS.has(op.method)) throw new SignalFailure('UNKNOWN_METHOD', `${op.method} is not run on the call's node`);
    if (!checkStaffData(op.method, op.data)) throw new SignalFailure('INVALID_DATA');
    this.#staffTable ??= staffHandlers(this);
    return invoke(this.#staffTable, op.method as never, s, op.data);
  }

  /** Another node's agent accepted (through the site's routing) a call held here: it starts with a stand-in for them. */
  async #startForAway(from: string, sessionId: string, callId: string, userId: string): Promise<CallSnapshot> {
    const waiting = (): Call | undefined => {
      const c = this.#calls.get(callId);
      return c?.state.step === 'queued' ? c : undefined;
    };
    if (!waiting()) throw new SignalFailure('WRONG_STATE', 'the call is no longer waiting');
    const user = await this.opts.store.findUserById(userId as never);
    if (!user || user.disabledAt || user.role !== 'agent') throw new SignalFailure('FORBIDDEN', 'only an agent takes calls');
    const call = waiting();
    if (!call) throw new SignalFailure('WRONG_STATE', 'the call is no longer waiting');
    const site = this.opts.site!;
    const standIn = this.sessions.openStandIn(sessionId, user, from, this.#relayTo(from, sessionId));
    try {
      call.offer(standIn, setTimeout(() => undefined, 0));
      await this.media.openMedia(standIn);
      return await this.acceptCall(standIn, callId);
    } catch (err) {
      this.sessions.end(standIn, 'connection-lost');
      throw err;
    }
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

  /**
   * Ends every call (server shutdown) and flushes the inquiry journal. On a
   * site the node hands its work over instead: its calls and sessions stay
   * in the site's directory and their inquiries open, its clients reconnect
   * to other nodes, which take them over as after a crash (a rolling restart
   * ends nobody's call). Idempotent.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#refreshCallbacks) clearInterval(this.#refreshCallbacks);
    for (const t of this.#orphans.values()) clearTimeout(t);
    this.#orphans.clear();
    for (const s of [...this.#away.keys()]) {
      const away = this.#dropAway(s)!;
      // An offer goes back; a part in another node's call goes on once the agent's session is taken over elsewhere.
      if (away.step === 'offered') await this.opts.site?.shared.release(away.callId, s.user.id).catch(() => undefined);
    }
    if (this.opts.site) {
      for (const call of [...this.#calls.all()]) {
        // Media goes with this node's SFU; the call stays as the directory has it, for the node its kiosk reconnects to.
        if (call.state.step === 'offered') clearTimeout(call.state.timer);
        call.room?.close();
        this.#calls.remove(call);
      }
      this.opts.log('info', "this node's calls and sessions are handed over to the site", {});
    } else for (const call of this.#calls.all()) this.#end(call, 'server-shutdown');
    this.#offers.close();
    this.#presence.close();
    this.#endpoints.closeAll();
    this.sessions.close();
    await this.journal.close();
  }
}

export type { Session, KioskSession, StaffSession, ClientIdentity, Peer };
