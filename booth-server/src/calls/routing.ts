/**
 * Which waiting call goes to which agent. The call service only talks to
 * this interface; first-come-first-served is the default, and routing by
 * language and topic replaces it without touching the service.
 */
import type { CallRequestInfo } from '@citizen/protocol';

export interface QueuedCall {
  callId: string;
  request: CallRequestInfo;
  queuedAt: number;
}

export interface AgentProfile {
  userId: string;
  languages: readonly string[];
}

export interface CallRouting {
  enqueue(call: QueuedCall): void;
  /** Puts a call back at the place it had (after a declined or expired offer). */
  requeue(call: QueuedCall): void;
  remove(callId: string): void;
  /** 1-based place in the queue, or undefined when not queued. */
  position(callId: string): number | undefined;
  /** The call this agent should be offered next, skipping calls the agent declined. */
  nextFor(agent: AgentProfile, declined: ReadonlySet<string>): QueuedCall | undefined;
  readonly size: number;
}

export class FifoRouting implements CallRouting {
  #queue: QueuedCall[] = [];

  enqueue(call: QueuedCall): void {
    if (this.#queue.some((c) => c.callId === call.callId)) return;
    this.#queue.push(call);
  }

  requeue(call: QueuedCall): void {
    this.remove(call.callId);
    const at = this.#queue.findIndex((c) => c.queuedAt > call.queuedAt);
    if (at < 0) this.#queue.push(call);
    else this.#queue.splice(at, 0, call);
  }

  remove(callId: string): void {
    this.#queue = this.#queue.filter((c) => c.callId !== callId);
  }

  position(callId: string): number | undefined {
    const i = this.#queue.findIndex((c) => c.callId === callId);
    return i < 0 ? undefined : i + 1;
  }

  nextFor(_agent: AgentProfile, declined: ReadonlySet<string>): QueuedCall | undefined {
    return this.#queue.find((c) => !declined.has(c.callId));
  }

  get size(): number {
    return this.#queue.length;
  }
}
