/**
 * What supervisors see: the calls in progress, and the live view of queues
 * (waiting, longest wait, service level attained today), agents (presence)
 * and kiosks (idle, waiting, in a call). Read-only views over the call
 * service's parts.
 */
import type { AgentPresence, LiveView, OngoingCall } from '@citizen/protocol';
import type { ServiceLevelWindow } from '../routing/estimates';
import { isOpen, type QueueSet } from '../routing/queues';
import type { Call } from './Call';
import type { CallBook } from './CallBook';
import { SignalFailure } from './errors';
import type { MediaEndpoint } from './MediaEndpoint';
import type { SessionRegistry, StaffSession } from './sessions';

/** Puts a supervisor, or a colleague the agent invited, into an ongoing call; returns the call. */
export function joinCall(calls: CallBook, session: StaffSession, callId: string, as: 'supervisor' | 'interpreter', endpoint: MediaEndpoint | null, invited: boolean): Call {
  if (session.user.role !== 'supervisor' && !invited) throw new SignalFailure('FORBIDDEN', 'only supervisors, or colleagues the agent invited, join ongoing calls');
  const call = calls.get(callId);
  const room = call?.room;
  if (!call || !room) throw new SignalFailure('WRONG_STATE', 'no such ongoing call');
  room.addParticipant(session.id, as, session.user.displayName, endpoint);
  return call;
}

export function leaveCall(calls: CallBook, session: StaffSession, callId: string): void {
  const call = calls.member(session, callId);
  if (call.agent === session) throw new SignalFailure('WRONG_STATE', 'the agent ends the call instead');
  call.room?.removeParticipant(session.id);
}

export function ongoingCalls(calls: CallBook): OngoingCall[] {
  const out: OngoingCall[] = [];
  for (const c of calls.all()) {
    const s = c.state;
    if (s.step !== 'in-call') continue;
    out.push({
      callId: c.id,
      kioskName: c.kiosk.kiosk.name,
      language: c.request.language,
      ...(c.request.topic ? { topic: c.request.topic } : {}),
      participants: s.room.participants(),
      startedAt: new Date(s.startedAt).toISOString(),
    });
  }
  return out;
}

export interface LiveViewDeps {
  now: number;
  calls: CallBook;
  sessions: SessionRegistry;
  queues: QueueSet | undefined;
  serviceLevel: ServiceLevelWindow;
  presenceOf: (agent: StaffSession) => AgentPresence;
}

export function liveView({ now, calls, sessions, queues, serviceLevel, presenceOf }: LiveViewDeps): LiveView {
  const waiting = calls.all().filter((c) => c.waiting);
  const queueViews = (queues?.queues ?? []).map((q) => {
    const mine = waiting.filter((c) => c.queueId === q.id);
    const sl = serviceLevel.attained(q.id, q.serviceLevel.withinSeconds * 1000, now);
    return {
      id: q.id,
      name: q.name,
      open: isOpen(q, new Date(now)),
      waiting: mine.length,
      longestWaitSeconds: Math.round(Math.max(0, ...mine.map((c) => now - c.queuedAt)) / 1000),
      serviceLevel: q.serviceLevel,
      attainedPercent: sl.percent,
      answeredToday: sl.answered,
    };
  });
  const agents = [...sessions.staff()].filter((s) => s.user.role === 'agent').map((s) => ({ userId: s.user.id, displayName: s.user.displayName, presence: presenceOf(s) }));
  const kiosks = [...sessions.all()].flatMap((s) => {
    if (s.kind !== 'kiosk') return [];
    const call = calls.ofKiosk(s);
    const state = !call ? ('idle' as const) : call.waiting ? ('waiting' as const) : ('in-call' as const);
    return [{ kioskId: s.kiosk.id, name: s.kiosk.name, location: s.kiosk.location, state }];
  });
  return { at: new Date(now).toISOString(), queues: queueViews, agents, kiosks };
}
