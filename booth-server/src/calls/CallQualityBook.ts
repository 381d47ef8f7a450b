/**
 * A call's quality stage on a bad network (issue #13; protocol inCall.ts
 * CallQuality). Each participant measures its own media path and reports the
 * stage its measurements allow (`reportQuality`, call-client media/quality.ts);
 * the agent (or a supervisor in the call) may also choose a stage by hand
 * (`chooseQuality`). The call's stage is the lowest of these: a conversation
 * is only as good as its weakest link, and everyone applies the same stage
 * (nobody sends video the weak side cannot take). Every change goes to all
 * participants as `callQuality`, with whose network it was, so both sides can
 * say it in plain words.
 *
 * Kept per room: a transfer makes a new room, which starts at `video` again.
 * Only the room's current participants count (someone who left no longer
 * holds the call down).
 */
import { QUALITY_STAGES, type CallQuality, type NotificationData, type Notifications, type ParticipantRole, type QualityStage } from '@citizen/protocol';
import type { CallBook } from './CallBook';
import type { Call } from './Call';
import type { CallRoom } from './CallRoom';
import { SignalFailure } from './errors';
import type { Session, SessionRegistry } from './sessions';

interface RoomQuality {
  /** participantId → the stage it reported, why, and since when (a tie goes to who got there first). */
  reports: Map<string, { stage: QualityStage; reason: string; since: number }>;
  chosen: QualityStage | null;
  current: CallQuality;
}

export interface CallQualityDeps {
  calls: CallBook;
  sessions: SessionRegistry;
  notify: <K extends keyof Notifications>(s: Session | null | undefined, method: K, data: NotificationData<K>) => void;
  log: (level: 'info' | 'warn' | 'error', msg: string, ctx: Record<string, unknown>) => void;
  /** Each change of a call's stage (metrics). */
  changed?: (q: CallQuality) => void;
}

const rank = (s: QualityStage): number => QUALITY_STAGES.indexOf(s);

export class CallQualityBook {
  readonly #rooms = new WeakMap<CallRoom, RoomQuality>();
  /** Orders reports: loss on one leg shows at both ends, and the end that saw it first is the weak one. */
  #seq = 0;

  constructor(private readonly d: CallQualityDeps) {}

  /** The call's stage now (in-call snapshots carry it, so a client that resumes applies it). */
  current(call: Call): CallQuality {
    const room = call.room;
    return room ? this.#of(room, call.id).current : fresh(call.id);
  }

  /** A participant's own measurements allow at most `stage`. */
  report(session: Session, callId: string, stage: QualityStage, reason: string): void {
    const { call, room } = this.#inCall(session, callId);
    const reports = this.#of(room, callId).reports;
    const was = reports.get(session.id);
    reports.set(session.id, { stage, reason, since: was?.stage === stage ? was.since : (this.#seq += 1) });
    this.#update(call, room);
  }

  /** Staff in the call move it to a stage by hand, or hand it back to the network (null). */
  choose(session: Session, callId: string, stage: QualityStage | null): void {
    if (session.kind !== 'staff') throw new SignalFailure('FORBIDDEN', 'only staff in the call choose its stage');
    const { call, room } = this.#inCall(session, callId);
    this.#of(room, callId).chosen = stage;
    this.#update(call, room);
  }

  /** Someone left the call: their measurements no longer hold it down. */
  refreshCall(callId: string): void {
    const call = this.d.calls.get(callId);
    if (call?.room && call.state.step === 'in-call') this.#update(call, call.room);
  }

  /** Whether the call has stepped down as far as text (a callback may replace it). */
  steppedDownToText(call: Call): boolean {
    return rank(this.current(call).stage) >= rank('text');
  }

  #inCall(session: Session, callId: string): { call: Call; room: CallRoom } {
    const call = this.d.calls.member(session, callId);
    const room = call.room;
    if (call.state.step !== 'in-call' || !room) throw new SignalFailure('WRONG_STATE', 'the call is not in progress');
    return { call, room };
  }

  #of(room: CallRoom, callId: string): RoomQuality {
    let q = this.#rooms.get(room);
    if (!q) this.#rooms.set(room, (q = { reports: new Map(), chosen: null, current: fresh(callId) }));
    return q;
  }

  #update(call: Call, room: CallRoom): void {
    const q = this.#of(room, call.id);
    const roles = new Map(room.participants().map((p) => [p.participantId, p.role] as const));
    let low: { stage: QualityStage; reason: string; since: number; role: ParticipantRole } | null = null;
    for (const [pid, r] of q.reports) {
      const role = roles.get(pid);
      if (!role) q.reports.delete(pid);
      else if (!low || rank(r.stage) > rank(low.stage) || (r.stage === low.stage && r.since < low.since)) low = { ...r, role };
    }
    const network = low && low.stage !== 'video' ? low : null;
    const byHand = q.chosen !== null && (!network || rank(q.chosen) >= rank(network.stage));
    const next: CallQuality = byHand
      ? { callId: call.id, stage: q.chosen!, by: 'agent', weak: null, reason: `chosen by hand: ${q.chosen}`, chosen: q.chosen }
      : network
        ? { callId: call.id, stage: network.stage, by: 'network', weak: network.role, reason: network.reason.slice(0, 200), chosen: q.chosen }
        : { callId: call.id, stage: 'video', by: 'network', weak: null, reason: low?.reason.slice(0, 200) ?? '', chosen: q.chosen };
    const was = q.current;
    q.current = next;
    if (was.stage === next.stage && was.chosen === next.chosen && was.weak === next.weak && was.by === next.by) return;
    this.d.log('info', 'call quality changed', { call: call.id, from: was.stage, to: next.stage, by: next.by, weak: next.weak, reason: next.reason });
    this.d.changed?.(next);
    for (const p of room.participants()) this.d.notify(this.d.sessions.byId(p.participantId), 'callQuality', next);
  }
}

function fresh(callId: string): CallQuality {
  return { callId, stage: 'video', by: 'network', weak: null, reason: '', chosen: null };
}
