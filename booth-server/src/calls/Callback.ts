/**
 * A resident to be called back by phone: asked for at the kiosk instead of
 * waiting there (keeping the place of the call it replaces), or when the
 * queue is closed. It waits in the same queue as calls, is offered like a
 * call, and once an agent takes it, it is theirs until they report whether
 * they reached the resident. A callback not reached goes back to its place,
 * not before the retry time, up to the configured attempts.
 */
import type { CallRequestInfo } from '@citizen/protocol';
import type { KioskRecord } from '../store/Store';
import { SignalFailure } from './errors';
import type { StaffSession } from './sessions';

export type CallbackState =
  | { step: 'queued' }
  | { step: 'offered'; agent: StaffSession; timer: NodeJS.Timeout }
  | { step: 'taken'; agent: StaffSession; takenAt: number }
  | { step: 'closed'; outcome: 'reached' | 'failed' };

export interface CallbackInit {
  id: string;
  inquiryId: string;
  reference: string;
  origin: KioskRecord;
  phone: string;
  request: CallRequestInfo;
  queuedAt: number;
  attempts: number;
  notBefore: number | null;
}

export class Callback {
  readonly kind = 'callback' as const;
  readonly id: string;
  readonly inquiryId: string;
  readonly reference: string;
  readonly origin: KioskRecord;
  readonly phone: string;
  readonly request: CallRequestInfo;
  readonly queuedAt: number;
  readonly timeline = new Map<string, number>();
  attempts: number;
  /** Not offered before this time (after an attempt that did not reach the resident). */
  notBefore: number | null;
  #state: CallbackState = { step: 'queued' };

  constructor(init: CallbackInit) {
    this.id = init.id;
    this.inquiryId = init.inquiryId;
    this.reference = init.reference;
    this.origin = init.origin;
    this.phone = init.phone;
    this.request = init.request;
    this.queuedAt = init.queuedAt;
    this.attempts = init.attempts;
    this.notBefore = init.notBefore;
  }

  get state(): Readonly<CallbackState> {
    return this.#state;
  }

  get agent(): StaffSession | null {
    const s = this.#state;
    return s.step === 'offered' || s.step === 'taken' ? s.agent : null;
  }

  mark(stage: string): void {
    if (!this.timeline.has(stage)) this.timeline.set(stage, Date.now());
  }

  offer(agent: StaffSession, timer: NodeJS.Timeout): void {
    this.#expect('queued');
    this.#state = { step: 'offered', agent, timer };
  }

  requeue(): void {
    const s = this.#expect('offered', 'taken');
    if (s.step === 'offered') clearTimeout(s.timer);
    this.#state = { step: 'queued' };
  }

  take(agent: StaffSession, now = Date.now()): void {
    const s = this.#expect('offered');
    if (s.agent !== agent) throw new SignalFailure('WRONG_STATE', 'this callback is not offered to you');
    clearTimeout(s.timer);
    this.#state = { step: 'taken', agent, takenAt: now };
  }

  close(outcome: 'reached' | 'failed'): void {
    const s = this.#state;
    if (s.step === 'offered') clearTimeout(s.timer);
    this.#state = { step: 'closed', outcome };
  }

  #expect<S extends CallbackState['step'][]>(...steps: S): Extract<CallbackState, { step: S[number] }> {
    const s = this.#state;
    if (!steps.includes(s.step)) throw new SignalFailure('WRONG_STATE', `the callback is ${s.step}, not ${steps.join(' or ')}`);
    return s as Extract<CallbackState, { step: S[number] }>;
  }
}
