/**
 * The kiosk's and the agents' requests about callbacks and written
 * inquiries, and who may make them: a kiosk asks about its queue, turns its
 * own waiting call into a callback, asks for a new one or leaves a written
 * inquiry; an agent lists the callbacks they could take (supervisors: all),
 * takes the one offered to them, and reports the outcome.
 */
import type { CallRequestInfo, CallbackInfo, RequestData, RequestResult, KioskRequests } from '@citizen/protocol';
import type { CallRouting } from '../routing/CallRouting';
import { isOpen, nextOpening, type QueueSet } from '../routing/queues';
import { eligible } from '../routing/SkillRouting';
import { matchLevel } from '../routing/queues';
import type { CallBook } from './CallBook';
import type { CallbackDesk } from './callbacks';
import type { Call } from './Call';
import { SignalFailure } from './errors';
import { answersOf, type InquiryJournal } from './InquiryJournal';
import type { OfferDispatcher } from './offers';
import type { PresenceBook } from './presence';
import type { QueueFigures } from './QueueFigures';
import { newId, type KioskSession, type StaffSession } from './sessions';

export interface CallbackRequestsDeps {
  calls: CallBook;
  desk: CallbackDesk;
  routing: CallRouting;
  queues: QueueSet | undefined;
  figures: QueueFigures;
  offers: OfferDispatcher;
  presence: PresenceBook;
  journal: InquiryJournal;
  /** Offer a callback when the estimated wait is longer than this. */
  suggestAboveSeconds: number;
  /** Ends a kiosk's call (it became a callback). */
  endCall: (call: Call) => void;
  /** Whether a call in progress has stepped down to text or below on a bad network (it may become a callback then). */
  steppedDown: (call: Call) => boolean;
  /** A call that becomes a callback keeps its chat with the case (the callback form's consent covers it). */
  keepChat: (callId: string) => void;
  /** The agent is done with a callback: wrap-up, as after a call. */
  agentDone: (agent: StaffSession) => void;
}

type Topic = Pick<CallRequestInfo, 'language' | 'topic'>;

export class CallbackRequests {
  constructor(private readonly d: CallbackRequestsDeps) {}

  /** Whether the queue for this request is open now, and when it opens if not. */
  opening(request: Topic, now = new Date()): { queueId: string; open: boolean; opensAt: Date | null } {
    const queueId = this.d.routing.queueFor(request);
    const queue = this.d.queues?.byId(queueId);
    if (!queue || isOpen(queue, now)) return { queueId, open: true, opensAt: null };
    return { queueId, open: false, opensAt: nextOpening(queue, now) };
  }

  queueStatus(request: Topic): RequestResult<KioskRequests, 'queueStatus'> {
    const { queueId, open, opensAt } = this.opening(request);
    let waiting = 0;
    for (const c of this.d.calls.all()) if (c.waiting && c.queueId === queueId) waiting++;
    for (const c of this.d.desk.all()) if (this.d.routing.queueFor(c.request) === queueId && c.state.step === 'queued') waiting++;
    const estimatedWaitSeconds = this.d.figures.estimate(queueId, waiting + 1, request.language);
    return { queueId, open, opensAt: opensAt?.toISOString() ?? null, estimatedWaitSeconds, suggestCallback: !open || estimatedWaitSeconds > this.d.suggestAboveSeconds };
  }

  async requestCallback(session: KioskSession, data: RequestData<KioskRequests, 'requestCallback'>): Promise<RequestResult<KioskRequests, 'requestCallback'>> {
    const { phone, consent: _consent, callId, ...request } = data;
    let inquiry: { id: string; reference: string; queuedAt: number } | undefined;
    let call: Call | undefined;
    if (callId !== undefined) {
      call = this.d.calls.member(session, callId);
      // A call in progress becomes a callback only when a bad network has stepped it down to text (or the agent chose so).
      const stepped = call.state.step === 'in-call' && this.d.steppedDown(call);
      if (!stepped && (call.state.step === 'connecting' || !call.waiting)) throw new SignalFailure('WRONG_STATE', 'an agent is already taking this call');
      if (call.state.step === 'offered') this.d.offers.withdraw(call, true);
      // Everything said so far goes with the case, for whoever calls back.
      if (stepped) this.d.keepChat(call.id);
      inquiry = { id: call.id, reference: call.reference, queuedAt: call.queuedAt };
    }
    const callback = await this.d.desk.create({ origin: session.kiosk, phone, request: call?.request ?? request, ...(inquiry ? { inquiry } : {}) });
    // The callback holds the place now; the kiosk's call ends without ending the inquiry.
    if (call) this.d.endCall(call);
    const { opensAt } = this.opening(callback.request);
    return {
      callbackId: callback.id,
      reference: callback.reference,
      position: this.d.routing.position(callback.id, Date.now()) ?? 1,
      opensAt: opensAt?.toISOString() ?? null,
    };
  }

  async submitWrittenInquiry(session: KioskSession, data: RequestData<KioskRequests, 'submitWrittenInquiry'>): Promise<RequestResult<KioskRequests, 'submitWrittenInquiry'>> {
    const { message, phone, consent: _consent, ...request } = data;
    const { reference, promisedBy } = await this.d.journal.open({
      id: newId('c'),
      kioskId: session.kiosk.id,
      language: request.language,
      topic: request.topic ?? null,
      // The message and the number the resident agreed to leave are the inquiry's answers.
      answers: { ...answersOf(request), message, ...(phone ? { phone } : {}) },
      status: 'ended',
      endReason: 'written',
      createdAt: new Date(),
      queueId: this.d.routing.queueFor(request),
    });
    return { reference, promisedBy: promisedBy.toISOString() };
  }

  /** Supervisors see every callback; an agent sees those they could take now and their own. */
  list(session: StaffSession): CallbackInfo[] {
    const now = Date.now();
    return this.d.desk
      .all()
      .filter((cb) => {
        if (session.user.role === 'supervisor') return true;
        if (cb.agent === session) return true;
        const queue = this.d.queues?.byId(this.d.routing.queueFor(cb.request));
        const level = queue ? matchLevel(queue, now - cb.queuedAt) : 'any';
        return cb.state.step === 'queued' && (!queue || eligible(session.user, cb.request.language, cb.request.topic, level, queue));
      })
      .map((cb) => this.d.desk.info(cb, session));
  }

  async accept(session: StaffSession, callbackId: string): Promise<CallbackInfo> {
    return this.d.desk.info(await this.d.desk.take(session, callbackId), session);
  }

  async complete(session: StaffSession, callbackId: string, reached: boolean): Promise<void> {
    await this.d.desk.complete(session, callbackId, reached);
    this.d.agentDone(session);
  }
}
