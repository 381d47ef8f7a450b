/**
 * Routing by language and topic, with queues, widening, priorities and aging.
 *
 * Who may take a call (its match level widens with the time waited, per queue):
 *  - strict: an agent with the resident's language and the call's topic (an
 *    agent with no topics at all takes any topic);
 *  - language: any agent with the language;
 *  - fallback-language: also agents with one of the queue's fallback languages;
 *  - any: any agent.
 * Widening changes who may take a call, never its place in line.
 *
 * In which order calls are served: by priority (needs such as hearing or an
 * interpreter add levels), then by arrival. Waiting `agingSeconds` weighs as
 * much as one priority level, so nobody waits forever behind later arrivals
 * of higher priority. Priority plus aging reduces to one fixed sort key per
 * call (priority × aging − arrival), so the order never has to be recomputed
 * as time passes: FIFO within a priority, and no starvation, by construction.
 *
 * Each call in that order goes to the longest-idle agent allowed to take it.
 */
import type { CallRequestInfo } from '@citizen/protocol';
import type { Assignment, CallRouting, FreeAgent, WaitingCall } from './CallRouting';
import { matchLevel, type MatchLevel, type Queue, type QueueSet } from './queues';

export interface SkillRoutingOptions {
  queues: QueueSet;
  agingSeconds: number;
  /** Priority levels a need adds (`hearing: 1`, …). */
  priorityNeeds: Readonly<Partial<Record<string, number>>>;
}

interface Entry extends WaitingCall {
  queue: Queue;
  priority: number;
  /** Sort key: higher is served first. */
  key: number;
}

export class SkillRouting implements CallRouting {
  /** Waiting calls, best first (key descending). */
  readonly #order: Entry[] = [];
  readonly #byId = new Map<string, Entry>();

  constructor(private readonly opts: SkillRoutingOptions) {
    if (!(opts.agingSeconds > 0)) throw new TypeError('SkillRouting: agingSeconds must be > 0');
  }

  priorityOf(request: CallRequestInfo): number {
    let p = 0;
    for (const need of request.needs ?? []) p += this.opts.priorityNeeds[need] ?? 0;
    return p;
  }

  enqueue(call: WaitingCall): void {
    if (this.#byId.has(call.callId)) return;
    const priority = this.priorityOf(call.request);
    const entry: Entry = { ...call, queue: this.opts.queues.forTopic(call.request.topic), priority, key: priority * this.opts.agingSeconds * 1000 - call.queuedAt };
    // Binary search for the first entry with a lower key: equal keys keep arrival order.
    let lo = 0;
    let hi = this.#order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#order[mid]!.key >= entry.key) lo = mid + 1;
      else hi = mid;
    }
    this.#order.splice(lo, 0, entry);
    this.#byId.set(call.callId, entry);
  }

  remove(callId: string): void {
    const entry = this.#byId.get(callId);
    if (!entry) return;
    this.#byId.delete(callId);
    this.#order.splice(this.#order.indexOf(entry), 1);
  }

  position(callId: string): number | undefined {
    const entry = this.#byId.get(callId);
    if (!entry) return undefined;
    let n = 1;
    for (const e of this.#order) {
      if (e === entry) return n;
      if (e.queue === entry.queue) n++;
    }
    return undefined;
  }

  /** Every waiting call's place in its queue, in one pass. */
  positions(): Map<string, number> {
    const counters = new Map<Queue, number>();
    const out = new Map<string, number>();
    for (const e of this.#order) {
      const n = (counters.get(e.queue) ?? 0) + 1;
      counters.set(e.queue, n);
      out.set(e.callId, n);
    }
    return out;
  }

  queueFor(request: CallRequestInfo): string {
    return this.opts.queues.forTopic(request.topic).id;
  }

  /** The match level of a waiting call now. */
  matchLevelOf(callId: string, now: number): MatchLevel | undefined {
    const e = this.#byId.get(callId);
    return e && matchLevel(e.queue, now - e.queuedAt);
  }

  assign(agents: readonly FreeAgent[], now: number, skip: (callId: string) => boolean): Assignment[] {
    if (agents.length === 0) return [];
    const free = [...agents].sort((a, b) => a.idleSince - b.idleSince);
    const taken = new Set<FreeAgent>();
    // Candidates per (level, language, topic, queue), longest idle first, built once per call
    // of assign: calls share these, so the work is O(calls + combinations × agents).
    const candidates = new Map<string, { list: FreeAgent[]; next: number }>();
    const out: Assignment[] = [];
    for (const e of this.#order) {
      if (taken.size === free.length) break;
      if (skip(e.callId)) continue;
      const level = matchLevel(e.queue, now - e.queuedAt);
      const { language, topic } = e.request;
      const key = `${level}|${language}|${topic ?? ''}|${e.queue.id}`;
      let c = candidates.get(key);
      if (!c) {
        c = { list: free.filter((a) => eligible(a, language, topic, level, e.queue)), next: 0 };
        candidates.set(key, c);
      }
      // Agents taken by earlier calls never come back: skip them for good.
      while (c.next < c.list.length && taken.has(c.list[c.next]!)) c.next++;
      let agent: FreeAgent | undefined;
      for (let i = c.next; i < c.list.length && !agent; i++) {
        const a = c.list[i]!;
        if (!taken.has(a) && !a.declined.has(e.callId)) agent = a;
      }
      if (!agent) continue;
      taken.add(agent);
      out.push({ callId: e.callId, userId: agent.userId });
    }
    return out;
  }

  get size(): number {
    return this.#order.length;
  }
}

/** May this agent take a call in `language` about `topic` at this match level? */
export function eligible(agent: Pick<FreeAgent, 'skills'>, language: string, topic: string | undefined, level: MatchLevel, queue: Queue): boolean {
  const langs = agent.skills.languages;
  const speaks = Object.hasOwn(langs, language);
  switch (level) {
    case 'any':
      return true;
    case 'fallback-language':
      return speaks || queue.fallbackLanguages.some((l) => Object.hasOwn(langs, l));
    case 'language':
      return speaks;
    case 'strict': {
      const topics = agent.skills.topics;
      return speaks && (topic === undefined || Object.keys(topics).length === 0 || Object.hasOwn(topics, topic));
    }
  }
}
