/**
 * First come, first served, to the longest-idle free agent, with no skills
 * and no queues: the routing of a site without a routing configuration, and
 * the benchmark's baseline.
 */
import type { Assignment, CallRouting, FreeAgent, WaitingCall } from './CallRouting';

export class FifoRouting implements CallRouting {
  #queue: WaitingCall[] = [];

  enqueue(call: WaitingCall): void {
    if (this.#queue.some((c) => c.callId === call.callId)) return;
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

  positions(): Map<string, number> {
    return new Map(this.#queue.map((c, i) => [c.callId, i + 1]));
  }

  queueFor(): string {
    return 'fifo';
  }

  assign(agents: readonly FreeAgent[], _now: number, skip: (callId: string) => boolean): Assignment[] {
    const free = [...agents].sort((a, b) => a.idleSince - b.idleSince);
    const out: Assignment[] = [];
    for (const call of this.#queue) {
      if (free.length === 0) break;
      if (skip(call.callId)) continue;
      const i = free.findIndex((a) => !a.declined.has(call.callId));
      if (i < 0) continue;
      out.push({ callId: call.callId, userId: free[i]!.userId });
      free.splice(i, 1);
    }
    return out;
  }

  get size(): number {
    return this.#queue.length;
  }
}
