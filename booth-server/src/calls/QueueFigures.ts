/**
 * The figures of waiting: each waiting resident's place and estimated wait
 * (pushed to their kiosk whenever something changes), the handle times the
 * estimates learn from, and the service level attained per queue. Fed by the
 * call service at the moments that matter: a call answered, a call ended.
 */
import type { NotificationData } from '@citizen/protocol';
import type { CallRouting } from '../routing/CallRouting';
import { ServiceLevelWindow, WaitEstimator } from '../routing/estimates';
import type { Call } from './Call';
import type { CallBook } from './CallBook';
import type { SessionRegistry, StaffSession } from './sessions';

export type QueueInfo = { position: number; estimatedWaitSeconds: number };

export interface QueueFiguresDeps {
  calls: CallBook;
  routing: CallRouting;
  sessions: SessionRegistry;
  busy: (agent: StaffSession) => boolean;
  notifyQueue: (call: Call, data: NotificationData<'queueUpdate'>) => void;
  averageHandleSeconds: number;
  /** On a site: the agents of every node who could answer (else this node's sessions are counted). */
  siteAgents?: (language: string) => number;
}

export class QueueFigures {
  readonly #estimates: WaitEstimator;
  readonly serviceLevel = new ServiceLevelWindow();

  constructor(private readonly deps: QueueFiguresDeps) {
    this.#estimates = new WaitEstimator(deps.averageHandleSeconds);
  }

  /** The resident's place in their queue and the estimated wait. */
  info(call: Call, positions?: ReadonlyMap<string, number>): QueueInfo {
    const position = positions?.get(call.id) ?? this.deps.routing.position(call.id, Date.now()) ?? 1;
    return { position, estimatedWaitSeconds: this.estimate(call.queueId, position, call.request.language) };
  }

  /** The wait at `position` in a queue for a resident speaking `language`. */
  estimate(queueId: string, position: number, language: string): number {
    // Agents who could answer: signed in as agents, taking calls or busy with one, speaking the language.
    let agents = 0;
    if (this.deps.siteAgents) agents = this.deps.siteAgents(language);
    else {
      for (const s of this.deps.sessions.staff()) {
        const working = s.presence.chosen === 'available' || this.deps.busy(s);
        if (s.user.role === 'agent' && working && Object.hasOwn(s.user.skills.languages, language)) agents++;
      }
    }
    return this.#estimates.estimate(queueId, position, agents);
  }

  /** Tells every waiting resident their place and wait. */
  publish(): void {
    const positions = this.deps.routing.positions();
    for (const call of this.deps.calls.all()) {
      if (call.waiting) this.deps.notifyQueue(call, { callId: call.id, ...this.info(call, positions) });
    }
  }

  /** A call answered; a transferred call was answered already and counts once. */
  answered(call: Call, now = Date.now()): void {
    if (call.transfer) return;
    this.serviceLevel.record(call.queueId, now, now - call.queuedAt, true);
  }

  /** A call ended: its handle time if it was answered; a resident who gave up counts against the service level. */
  ended(call: Call, answeredAt: number | null, now = Date.now()): void {
    if (answeredAt !== null) this.#estimates.record(call.queueId, (now - answeredAt) / 1000);
    else if (!call.transfer) this.serviceLevel.record(call.queueId, now, now - call.queuedAt, false);
  }
}
