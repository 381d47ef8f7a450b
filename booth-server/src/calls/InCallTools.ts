/**
 * What staff do for the resident during a call besides talking (protocol
 * src/inCall.ts): show information on the kiosk screen or ask the resident to
 * confirm it, print a document at the kiosk, invite a supervisor or an
 * interpreter, and transfer the call to another queue or agent. Each is
 * written into the inquiry's history, so whoever handles the case next sees
 * it; the resident is never asked again for what they already said.
 *
 * Pushes, prints and invitations belong to one call and are forgotten when it
 * ends or is transferred.
 */
import type { AgentPresence, InquiryEventData, KioskDocument, KioskPush, NotificationData, Notifications, OngoingCall, PrintOutcome, PushAnswer, RequestResult, StaffRequests, TransferTarget } from '@citizen/protocol';
import type { Store } from '../store/Store';
import type { CallRouting } from '../routing/CallRouting';
import { isOpen, type QueueSet } from '../routing/queues';
import type { Call } from './Call';
import type { CallBook } from './CallBook';
import type { MediaEndpoint } from './MediaEndpoint';
import { joinCall, leaveCall, ongoingCalls } from './supervision';
import { SignalFailure } from './errors';
import type { OfferDispatcher } from './offers';
import type { QueueFigures } from './QueueFigures';
import { newId, type KioskSession, type Session, type SessionRegistry, type StaffSession } from './sessions';

/** Open pushes and prints per call: enough for any conversation, not for a flood. */
const MAX_OPEN_PER_CALL = 20;

export interface InCallToolsDeps {
  calls: CallBook;
  sessions: SessionRegistry;
  store: Store;
  routing: CallRouting;
  queues: QueueSet | undefined;
  offers: OfferDispatcher;
  figures: QueueFigures;
  presenceOf: (s: StaffSession) => AgentPresence;
  /** Free for an offer now (presence available, not in wrap-up, nothing in hand). */
  isFree: (s: StaffSession) => boolean;
  notify: <K extends keyof Notifications>(s: Session | null | undefined, method: K, data: NotificationData<K>) => void;
  /** The agent's part of a call is over (wrap-up), and media of those who do not keep it warm closes. */
  released: (agent: StaffSession, others: StaffSession[]) => void;
  endpointOf: (s: Session) => MediaEndpoint | null;
  closeEndpoint: (s: Session) => void;
  log: (level: 'info' | 'warn' | 'error', msg: string, ctx: Record<string, unknown>) => void;
}

interface Pending {
  callId: string;
  from: StaffSession;
  title: string;
}

export class InCallTools {
  readonly #pushes = new Map<string, Pending>();
  readonly #prints = new Map<string, Pending>();
  /** callId → invited userId → as what, and who invited. */
  readonly #invitations = new Map<string, Map<string, { as: 'supervisor' | 'interpreter'; from: StaffSession }>>();

  constructor(private readonly d: InCallToolsDeps) {}

  /** The call in progress this staff member takes part in; `agentOnly`: as its agent. */
  #inCall(session: StaffSession, callId: string, agentOnly = false): Call {
    const call = this.d.calls.member(session, callId);
    if (call.state.step !== 'in-call') throw new SignalFailure('WRONG_STATE', 'the call is not in progress');
    if (agentOnly && call.agent !== session) throw new SignalFailure('FORBIDDEN', 'only the call’s agent does this');
    return call;
  }

  #record(callId: string, event: InquiryEventData, actor: Session): void {
    const by = actor.kind === 'kiosk' ? ({ kind: 'kiosk' } as const) : ({ kind: 'staff', userId: actor.user.id } as const);
    this.d.store.recordInquiryEvent(callId, event, new Date(), by).catch((err: unknown) => this.d.log('error', 'recording a call event failed', { call: callId, kind: event.kind, error: String(err) }));
  }

  #open(map: Map<string, Pending>, callId: string): void {
    let n = 0;
    for (const p of map.values()) if (p.callId === callId) n++;
    if (n >= MAX_OPEN_PER_CALL) throw new SignalFailure('LIMIT_REACHED', `at most ${MAX_OPEN_PER_CALL} open at a time in one call`);
  }

  push(session: StaffSession, callId: string, item: KioskPush): { pushId: string } {
    const call = this.#inCall(session, callId);
    this.#open(this.#pushes, callId);
    const pushId = newId('p');
    this.#pushes.set(pushId, { callId, from: session, title: item.title });
    this.d.notify(call.kiosk, 'kioskPush', { callId, pushId, item });
    this.#record(callId, { kind: 'shown-on-kiosk', title: item.title, pushKind: item.kind }, session);
    return { pushId };
  }

  answerPush(kiosk: KioskSession, callId: string, pushId: string, answer: PushAnswer): void {
    const call = this.d.calls.member(kiosk, callId);
    const p = this.#pushes.get(pushId);
    if (!p || p.callId !== call.id) throw new SignalFailure('NOT_FOUND', 'nothing open to answer with this id');
    this.#pushes.delete(pushId);
    this.d.notify(p.from, 'pushAnswered', { callId, pushId, answer });
    this.#record(callId, { kind: 'resident-answered', title: p.title, answer }, kiosk);
  }

  print(session: StaffSession, callId: string, document: KioskDocument): { printId: string } {
    const call = this.#inCall(session, callId);
    this.#open(this.#prints, callId);
    const printId = newId('pr');
    this.#prints.set(printId, { callId, from: session, title: document.title });
    this.d.notify(call.kiosk, 'printRequest', { callId, printId, document, reference: call.reference });
    return { printId };
  }

  reportPrint(kiosk: KioskSession, callId: string, printId: string, outcome: PrintOutcome): void {
    const call = this.d.calls.member(kiosk, callId);
    const p = this.#prints.get(printId);
    if (!p || p.callId !== call.id) throw new SignalFailure('NOT_FOUND', 'no print with this id');
    this.#prints.delete(printId);
    this.d.notify(p.from, 'printResult', { callId, printId, ...outcome });
    this.#record(callId, { kind: 'printed-at-kiosk', title: p.title, ok: outcome.ok, code: outcome.code ?? null }, kiosk);
  }

  listStaff(): RequestResult<StaffRequests, 'listStaff'> {
    const seen = new Set<string>();
    const staff = [];
    for (const s of this.d.sessions.staff()) {
      if (!s.peer || seen.has(s.user.id) || (s.user.role !== 'agent' && s.user.role !== 'supervisor')) continue;
      seen.add(s.user.id);
      staff.push({ userId: s.user.id, displayName: s.user.displayName, role: s.user.role, languages: Object.keys(s.user.skills.languages), state: this.d.presenceOf(s).state });
    }
    const now = new Date();
    const queues = (this.d.queues?.queues ?? []).map((q) => ({ id: q.id, name: q.name, open: isOpen(q, now) }));
    return { staff, queues };
  }

  #online(userId: string): StaffSession | undefined {
    for (const s of this.d.sessions.staff()) if (s.user.id === userId && s.peer) return s;
    return undefined;
  }

  invite(session: StaffSession, callId: string, userId: string, as: 'supervisor' | 'interpreter'): void {
    const call = this.#inCall(session, callId, true);
    const target = this.#online(userId);
    if (!target || userId === session.user.id) throw new SignalFailure('NOT_FOUND', 'no such colleague online');
    if (as === 'supervisor' && target.user.role !== 'supervisor') throw new SignalFailure('FORBIDDEN', `${target.user.displayName} is not a supervisor`);
    if (as === 'interpreter' && !(call.request.language in target.user.skills.languages)) {
      throw new SignalFailure('FORBIDDEN', `${target.user.displayName} does not speak the resident’s language (${call.request.language})`);
    }
    if (call.room?.has(target.id)) throw new SignalFailure('WRONG_STATE', `${target.user.displayName} is in the call already`);
    let invited = this.#invitations.get(callId);
    if (!invited) this.#invitations.set(callId, (invited = new Map()));
    invited.set(userId, { as, from: session });
    this.d.notify(target, 'callInvitation', { callId, as, fromName: session.user.displayName, kioskName: call.origin.name, language: call.request.language });
    this.d.log('info', 'invited into a call', { call: callId, user: userId, as });
  }

  /** The calls in progress, for supervisors to join. */
  listCalls(session: StaffSession): { calls: OngoingCall[] } {
    if (session.user.role !== 'supervisor') throw new SignalFailure('FORBIDDEN', 'only supervisors see all calls');
    return { calls: ongoingCalls(this.d.calls) };
  }

  /** A supervisor, or someone invited, joins an ongoing call as a third participant; returns the call. */
  join(session: StaffSession, callId: string, as: 'supervisor' | 'interpreter'): Call {
    const invited = this.#takeInvitation(session, callId, as);
    const call = joinCall(this.d.calls, session, callId, as, this.d.endpointOf(session), invited);
    this.d.log('info', 'participant joined', { call: call.id, user: session.user.id, as, invited });
    return call;
  }

  leave(session: StaffSession, callId: string): void {
    leaveCall(this.d.calls, session, callId);
    this.d.closeEndpoint(session);
    this.d.offers.dispatch();
  }

  /** Whether this staff member was invited into the call as `as`; the invitation is used up when they join. */
  #takeInvitation(session: StaffSession, callId: string, as: 'supervisor' | 'interpreter'): boolean {
    const inv = this.#invitations.get(callId)?.get(session.user.id);
    if (!inv || inv.as !== as) return false;
    this.#invitations.get(callId)!.delete(session.user.id);
    this.d.notify(inv.from, 'invitationClosed', { callId, userId: session.user.id, reason: 'joined' });
    return true;
  }

  declineInvitation(session: StaffSession, callId: string): void {
    const inv = this.#invitations.get(callId)?.get(session.user.id);
    if (!inv) throw new SignalFailure('NOT_FOUND', 'no invitation into this call');
    this.#invitations.get(callId)!.delete(session.user.id);
    this.d.notify(inv.from, 'invitationClosed', { callId, userId: session.user.id, reason: 'declined' });
  }

  /**
   * Hands the call on. To a queue: the resident waits there at their place
   * (their arrival time), the topic becoming the queue's when it takes
   * others. To an agent: offered to them at once (they must be free); if
   * they decline, the call waits in its queue as any other. Either way the
   * agent's part ends (wrap-up), and they are not offered the call again.
   */
  transfer(session: StaffSession, callId: string, to: TransferTarget, note: string | undefined): void {
    const call = this.#inCall(session, callId, true);
    let retarget: { queueId: string; request: Call['request'] } | undefined;
    let direct: StaffSession | undefined;
    if ('queueId' in to) {
      const queue = this.d.queues?.byId(to.queueId);
      if (!queue) throw new SignalFailure('NOT_FOUND', `no queue ${to.queueId}`);
      const { topic: _topic, ...rest } = call.request;
      const keeps = this.d.routing.queueFor(call.request) === queue.id;
      const topic = keeps ? call.request.topic : queue.topics[0];
      retarget = { queueId: queue.id, request: topic === undefined ? rest : { ...rest, topic } };
    } else {
      direct = this.#online(to.userId);
      if (!direct || direct === session || direct.user.role !== 'agent') throw new SignalFailure('NOT_FOUND', 'no such agent online');
      if (!this.d.isFree(direct)) throw new SignalFailure('WRONG_STATE', `${direct.user.displayName} is not free for a call now`);
    }
    const room = call.transferred({ fromName: session.user.displayName, ...(note ? { note } : {}) }, retarget);
    const others: StaffSession[] = [];
    for (const p of room.participants()) {
      const s = this.d.sessions.byId(p.participantId);
      if (s?.kind === 'staff' && s !== session) others.push(s);
    }
    room.close();
    this.callEnded(call.id);
    session.declined.add(call.id);
    this.d.routing.enqueue({ callId: call.id, request: call.request, queuedAt: call.queuedAt });
    for (const s of [session, ...others]) this.d.notify(s, 'callEnded', { callId: call.id, reason: 'transferred' });
    this.d.released(session, others);
    this.d.store.updateInquiry(call.id, { status: 'queued' }).catch((err: unknown) => this.d.log('error', 'inquiry update failed', { call: call.id, error: String(err) }));
    this.#record(call.id, { kind: 'transferred', toQueue: retarget?.queueId ?? null, toUser: direct?.user.id ?? null, note: note ?? null }, session);
    this.d.notify(call.kiosk, 'callTransferred', { callId: call.id, ...this.d.figures.info(call) });
    this.d.log('info', 'call transferred', { call: call.id, from: session.user.id, toQueue: retarget?.queueId, toUser: direct?.user.id });
    if (!direct || !this.d.offers.offerTo(call, direct)) this.d.offers.dispatch();
    this.d.figures.publish();
  }

  /** The call ended or moved on: its open pushes, prints and invitations go. */
  callEnded(callId: string): void {
    for (const [id, p] of this.#pushes) if (p.callId === callId) this.#pushes.delete(id);
    for (const [id, p] of this.#prints) if (p.callId === callId) this.#prints.delete(id);
    const invited = this.#invitations.get(callId);
    this.#invitations.delete(callId);
    for (const [userId, inv] of invited ?? []) {
      this.d.notify(this.#online(userId), 'invitationClosed', { callId, userId, reason: 'call-ended' });
      this.d.notify(inv.from, 'invitationClosed', { callId, userId, reason: 'call-ended' });
    }
  }
}
