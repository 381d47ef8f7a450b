/**
 * One resident's call from the tap to its end, as a state machine. The state
 * is a discriminated union, so what exists in a state exists only there: an
 * offer timer only while offered, a room only in a call, an end reason only
 * once ended. Transitions check where they start from and throw a coded
 * WRONG_STATE otherwise; leaving a state releases what it held (the offer
 * timer). Who the call is offered to, who the agent is, and where its media
 * lives are read from here and nowhere else.
 */
import type { CallRequestInfo, CallSnapshot, EndReason, TransferInfo } from '@citizen/protocol';
import type { CallRoom } from './CallRoom';
import type { KioskSession, Session, StaffSession } from './sessions';
import { SignalFailure } from './errors';

export type CallState =
  | { step: 'queued' }
  | { step: 'offered'; agent: StaffSession; timer: NodeJS.Timeout }
  /** The agent accepted; the room is being set up and the inquiry updated. */
  | { step: 'connecting'; agent: StaffSession }
  | { step: 'in-call'; agent: StaffSession; room: CallRoom; startedAt: number }
  | { step: 'ended'; reason: EndReason };

export type CallStep = CallState['step'];

export interface CallInit {
  id: string;
  reference: string;
  /** The routing queue it waits in (and whose handle times it counts towards). */
  queueId: string;
  kiosk: KioskSession;
  request: CallRequestInfo;
  queuedAt: number;
}

export class Call {
  readonly kind = 'call' as const;
  readonly id: string;
  readonly reference: string;
  /** The queue and request change only when an agent transfers the call (`transferred`). */
  queueId: string;
  readonly kiosk: KioskSession;
  request: CallRequestInfo;
  readonly queuedAt: number;
  /** Set when an agent transferred the call: who, with what note (the next agent sees it with the offer). */
  transfer: TransferInfo | null = null;
  /** When each set-up stage happened on the server (ms since the epoch): diagnostics and the set-up benchmark. */
  readonly timeline = new Map<string, number>();
  #state: CallState = { step: 'queued' };

  constructor(init: CallInit) {
    this.id = init.id;
    this.reference = init.reference;
    this.queueId = init.queueId;
    this.kiosk = init.kiosk;
    this.request = init.request;
    this.queuedAt = init.queuedAt;
  }

  /** Records the first time `stage` happened. */
  mark(stage: string): void {
    if (!this.timeline.has(stage)) this.timeline.set(stage, Date.now());
  }

  /** The kiosk the call comes from. */
  get origin(): KioskSession['kiosk'] {
    return this.kiosk.kiosk;
  }

  get state(): Readonly<CallState> {
    return this.#state;
  }

  /** Waiting for an agent (queued, offered, or accepted but not yet connected). */
  get waiting(): boolean {
    return this.#state.step === 'queued' || this.#state.step === 'offered' || this.#state.step === 'connecting';
  }

  get ended(): boolean {
    return this.#state.step === 'ended';
  }

  /** The agent the call is offered to, accepted by, or handled by. */
  get agent(): StaffSession | null {
    const s = this.#state;
    return s.step === 'offered' || s.step === 'connecting' || s.step === 'in-call' ? s.agent : null;
  }

  get room(): CallRoom | null {
    return this.#state.step === 'in-call' ? this.#state.room : null;
  }

  /** The call as one participant sees it: sent on (re)connect and when media starts, so a client can resync. */
  snapshotFor(
    session: Session,
    queue: () => { position: number; estimatedWaitSeconds: number },
    media: Pick<Extract<CallSnapshot, { step: 'in-call' }>, 'routerRtpCapabilities' | 'maxVideoBitrate' | 'quality' | 'stage'>,
  ): CallSnapshot {
    const s = this.#state;
    switch (s.step) {
      case 'queued':
      case 'offered':
      case 'connecting':
        if (session.kind === 'staff') return { step: 'offered', callId: this.id };
        return { step: 'queued', callId: this.id, reference: this.reference, ...queue() };
      case 'in-call':
        return {
          step: 'in-call',
          callId: this.id,
          reference: this.reference,
          // A call is its inquiry's first contact: the inquiry has the call's id.
          inquiryId: this.id,
          participantId: session.id,
          routerRtpCapabilities: media.routerRtpCapabilities,
          maxVideoBitrate: media.maxVideoBitrate,
          quality: media.quality,
          stage: media.stage,
          participants: s.room.participants(),
          producers: s.room.producers(),
          request: this.request,
          startedAt: new Date(s.startedAt).toISOString(),
        };
      case 'ended':
        return { step: 'ended', callId: this.id, reason: s.reason };
    }
  }

  offer(agent: StaffSession, timer: NodeJS.Timeout): void {
    this.#expect('queued');
    this.#state = { step: 'offered', agent, timer };
  }

  /** Back to the queue (declined, timed out, or set-up failed); the place in line is the routing's business. */
  requeue(): void {
    this.#expect('offered', 'connecting');
    this.#move({ step: 'queued' });
  }

  accept(agent: StaffSession): void {
    const s = this.#expect('offered');
    if (s.agent !== agent) throw new SignalFailure('WRONG_STATE', 'this call is not offered to you');
    this.#move({ step: 'connecting', agent });
  }

  start(room: CallRoom, startedAt: number): void {
    const s = this.#expect('connecting');
    this.#state = { step: 'in-call', agent: s.agent, room, startedAt };
  }

  /**
   * The agent hands the call on: it waits again (its place is its arrival,
   * unchanged), in `queueId` with `request` when it moves to another queue.
   * Returns the call's room, for the caller to close.
   */
  transferred(info: TransferInfo, to?: { queueId: string; request: CallRequestInfo }): CallRoom {
    const s = this.#expect('in-call');
    this.transfer = info;
    if (to) {
      this.queueId = to.queueId;
      this.request = to.request;
    }
    this.#move({ step: 'queued' });
    return s.room;
  }

  /**
   * The agent's session is taken over by another session object with the same
   * id (a stand-in replaced by the agent's own session, on a site, when the
   * agent's node died and their console reconnected to the call's node).
   */
  swapAgent(agent: StaffSession): void {
    const s = this.#expect('in-call');
    if (s.agent.id !== agent.id) throw new SignalFailure('WRONG_STATE', 'not the same participant');
    this.#state = { ...s, agent };
  }

  /** Ends the call; returns the state it ended from, so the caller can release what it held. Ending twice returns null. */
  end(reason: EndReason): Exclude<CallState, { step: 'ended' }> | null {
    const s = this.#state;
    if (s.step === 'ended') return null;
    this.#move({ step: 'ended', reason });
    return s;
  }

  #move(next: CallState): void {
    if (this.#state.step === 'offered') clearTimeout(this.#state.timer);
    this.#state = next;
  }

  #expect<S extends CallStep[]>(...steps: S): Extract<CallState, { step: S[number] }> {
    const s = this.#state;
    if (!steps.includes(s.step)) throw new SignalFailure('WRONG_STATE', `the call is ${s.step}, not ${steps.join(' or ')}`);
    return s as Extract<CallState, { step: S[number] }>;
  }
}
