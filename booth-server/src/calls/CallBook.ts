/**
 * The calls of this server that have not ended, and the questions asked of
 * them: whose call is this, which call is a session in. Links between calls
 * and sessions are read from the calls themselves (a call knows its kiosk,
 * its agent and its room), never kept in a second map.
 *
 * It also remembers the last calls' set-up timelines (ids and times only)
 * for diagnostics.
 */
import type { Call } from './Call';
import type { CallRoom } from './CallRoom';
import { SignalFailure } from './errors';
import type { KioskSession, Session, StaffSession } from './sessions';

const RECENT_TIMELINES = 100;

export class CallBook {
  readonly #calls = new Map<string, Call>();
  readonly #recent: Call[] = [];

  /** The live calls by id (read-only view for the offer dispatcher). */
  get map(): ReadonlyMap<string, Call> {
    return this.#calls;
  }

  add(call: Call): void {
    this.#calls.set(call.id, call);
    this.#recent.push(call);
    if (this.#recent.length > RECENT_TIMELINES) this.#recent.shift();
  }

  remove(call: Call): void {
    this.#calls.delete(call.id);
  }

  get(callId: string): Call | undefined {
    return this.#calls.get(callId);
  }

  all(): Call[] {
    return [...this.#calls.values()];
  }

  /** The kiosk session's call (waiting or in progress). */
  ofKiosk(session: KioskSession): Call | undefined {
    for (const c of this.#calls.values()) if (c.kiosk === session) return c;
    return undefined;
  }

  /** The call a staff member is offered, handles, or has joined (the newest). */
  ofStaff(session: StaffSession): Call | undefined {
    let found: Call | undefined;
    for (const c of this.#calls.values()) if (c.agent === session || c.room?.has(session.id)) found = c;
    return found;
  }

  /** The call, if the session takes part in it (or has it on offer); NOT_IN_CALL otherwise. */
  member(session: Session, callId: string): Call {
    const call = this.#calls.get(callId);
    const mine = call && (session.kind === 'kiosk' ? call.kiosk === session : call.agent === session || call.room?.has(session.id));
    if (!call || !mine) throw new SignalFailure('NOT_IN_CALL');
    return call;
  }

  /** The room the session is in now. */
  roomOf(session: Session): CallRoom | null {
    for (const c of this.#calls.values()) if (c.room?.has(session.id)) return c.room;
    return null;
  }

  counts(): { queued: number; offered: number; connecting: number; inCall: number } {
    const n = { queued: 0, offered: 0, connecting: 0, inCall: 0 };
    for (const c of this.#calls.values()) {
      const step = c.state.step;
      if (step === 'in-call') n.inCall++;
      else if (step !== 'ended') n[step]++;
    }
    return n;
  }

  /** Server-side set-up stages of recent calls, newest last (no personal data: ids and times only). */
  recentTimelines(): { callId: string; marks: Record<string, number> }[] {
    return this.#recent.map((c) => ({ callId: c.id, marks: Object.fromEntries(c.timeline) }));
  }
}
