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
import type { AgentPresence } from '@citizen/protocol';
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
