/**
 * Agent presence: available, in a call, in wrap-up, away. The agent chooses
 * available or away; "in call" comes from the calls (the agent has an offer
 * or a call); wrap-up is a timed pause after each call (`routing.wrapUpSeconds`)
 * in which no offer comes, ended early by the agent or by its timer.
 *
 * The presence of a session is kept on the session; this part owns the
 * wrap-up timers and says when an agent became free (routing offers the
 * longest-idle first).
 */
import type { AgentPresence, CallOffer } from '@citizen/protocol';
import { SignalFailure } from './errors';
import { offerOf, type OfferDispatcher } from './offers';
import type { StaffSession } from './sessions';

export class PresenceBook {
  readonly #wrapUps = new Map<StaffSession, NodeJS.Timeout>();

  constructor(
    private readonly wrapUpMs: number,
    /** A wrap-up ended by its timer: the agent may be free for an offer now. */
    private readonly onWrapUpOver: (session: StaffSession) => void,
  ) {}

  choose(session: StaffSession, state: 'available' | 'away', now = Date.now()): void {
    if (session.presence.chosen !== state) session.presence = { ...session.presence, chosen: state, since: now };
    if (state === 'away') this.endWrapUp(session, now);
  }

  /** The agent's call ended: wrap-up starts (if configured). */
  callEnded(session: StaffSession, now = Date.now()): void {
    session.presence = { ...session.presence, freeSince: now };
    if (this.wrapUpMs <= 0) return;
    this.#clear(session);
    session.presence = { ...session.presence, wrapUpUntil: now + this.wrapUpMs };
    const timer = setTimeout(() => {
      this.#wrapUps.delete(session);
      session.presence = { ...session.presence, wrapUpUntil: null, freeSince: Date.now() };
      this.onWrapUpOver(session);
    }, this.wrapUpMs);
    timer.unref();
    this.#wrapUps.set(session, timer);
  }

  endWrapUp(session: StaffSession, now = Date.now()): void {
    if (session.presence.wrapUpUntil === null) return;
    this.#clear(session);
    session.presence = { ...session.presence, wrapUpUntil: null, freeSince: now };
  }

  /** Free for an offer: chose available, not in wrap-up, and no offer or call (`busy`). */
  isFree(session: StaffSession, busy: boolean): boolean {
    return session.presence.chosen === 'available' && session.presence.wrapUpUntil === null && !busy;
  }

  /** Since when the agent has been free (the later of choosing available and finishing the last call). */
  idleSince(session: StaffSession): number {
    return Math.max(session.presence.since, session.presence.freeSince);
  }

  view(session: StaffSession, busy: boolean): AgentPresence {
    const p = session.presence;
    if (busy) return { state: 'in-call', since: new Date(p.freeSince).toISOString() };
    if (p.wrapUpUntil !== null) return { state: 'wrap-up', since: new Date(p.freeSince).toISOString(), wrapUpUntil: new Date(p.wrapUpUntil).toISOString() };
    return { state: p.chosen, since: new Date(this.idleSince(session)).toISOString() };
  }

  forget(session: StaffSession): void {
    this.#clear(session);
  }

  #clear(session: StaffSession): void {
    const t = this.#wrapUps.get(session);
    if (t) clearTimeout(t);
    this.#wrapUps.delete(session);
  }

  close(): void {
    for (const t of this.#wrapUps.values()) clearTimeout(t);
    this.#wrapUps.clear();
  }
}

export interface AgentStatesDeps {
  presence: PresenceBook;
  offers: Pick<OfferDispatcher, 'dispatch' | 'offerFor' | 'withdraw' | 'busy'>;
  /** The agent stops taking calls: their warm media endpoint closes. */
  closeEndpoint: (agent: StaffSession) => void;
  /** Positions and waits changed. */
  publish: () => void;
  notify: (agent: StaffSession, presence: AgentPresence) => void;
}

/** The agents' presence requests: available or away, ready after wrap-up, done with a call or callback. */
export class AgentStates {
  constructor(private readonly d: AgentStatesDeps) {}

  setAvailability(agent: StaffSession, available: boolean): { available: boolean; presence: AgentPresence; offer: CallOffer | null } {
    if (agent.user.role !== 'agent') throw new SignalFailure('FORBIDDEN', 'only agents take calls from the queue');
    this.d.presence.choose(agent, available ? 'available' : 'away');
    const current = this.d.offers.offerFor(agent);
    if (!available && current) this.d.offers.withdraw(current, true);
    if (!available && !this.d.offers.busy(agent)) this.d.closeEndpoint(agent);
    return { available, ...this.#after(agent) };
  }

  /** The agent is ready before the wrap-up timer runs out. */
  endWrapUp(agent: StaffSession): { presence: AgentPresence; offer: CallOffer | null } {
    if (agent.user.role !== 'agent') throw new SignalFailure('FORBIDDEN', 'only agents have a wrap-up');
    this.d.presence.endWrapUp(agent);
    return this.#after(agent);
  }

  /** A call or callback of the agent ended: wrap-up starts, and they hear so. */
  done(agent: StaffSession): void {
    this.d.presence.callEnded(agent);
    this.d.notify(agent, this.d.presence.view(agent, this.d.offers.busy(agent)));
    this.d.offers.dispatch();
  }

  #after(agent: StaffSession): { presence: AgentPresence; offer: CallOffer | null } {
    this.d.offers.dispatch();
    this.d.publish();
    const offer = this.d.offers.offerFor(agent);
    return { presence: this.d.presence.view(agent, this.d.offers.busy(agent)), offer: offer ? offerOf(offer) : null };
  }
}
