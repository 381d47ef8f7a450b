/**
 * Which waiting call goes to which agent: the interface the call layer talks
 * to. The implementations keep the waiting list and decide; the offers part
 * (calls/offers.ts) makes and times the offers. Everything here is a plain
 * value (ids, skills, times), so the waiting list can move to a shared store
 * (Redis) behind the same interface.
 */
import type { AgentSkills, CallRequestInfo } from '@citizen/protocol';

export interface WaitingCall {
  callId: string;
  request: CallRequestInfo;
  /** When the resident started waiting (their place in line). */
  queuedAt: number;
}

/** An agent free to take a call, as routing sees them. */
export interface FreeAgent {
  userId: string;
  skills: AgentSkills;
  /** Since when the agent has been free: the longest idle is offered first. */
  idleSince: number;
  /** Calls this agent declined or let time out. */
  declined: ReadonlySet<string>;
}

export interface Assignment {
  callId: string;
  userId: string;
}

export interface CallRouting {
  enqueue(call: WaitingCall): void;
  remove(callId: string): void;
  /** 1-based place among the calls waiting in the same queue, or undefined. */
  position(callId: string, now: number): number | undefined;
  /** Every waiting call's place in its queue, in one pass. */
  positions(): Map<string, number>;
  /** The queue a call with this request waits in. */
  queueFor(request: CallRequestInfo): string;
  /**
   * Pairs waiting calls with free agents, best first: the calls in order
   * (priority, then age), each to the longest-idle agent allowed to take it.
   * `skip` marks calls that are not offerable right now (already offered).
   */
  assign(agents: readonly FreeAgent[], now: number, skip: (callId: string) => boolean): Assignment[];
  readonly size: number;
  /** On a site: a call another node held becomes this node's (it took the call over). */
  adopt?(callId: string): void;
  /** On a site: this node's waiting calls are written to the shared routing again. */
  reassert?(): void;
}
