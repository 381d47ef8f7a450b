/**
 * Queues as configured (`routing.queues`): which topics each takes, when it
 * is open, its service-level target and how its match widens while a
 * resident waits. Compiled once from the validated config; every decision
 * after that is a lookup.
 */
import type { BoothConfig } from '@citizen/config';

type QueueConfig = BoothConfig['routing']['queues'][number];
export type WideningMatch = QueueConfig['widening'][number]['match'];
/** How strictly a waiting call must match an agent right now. */
export type MatchLevel = 'strict' | WideningMatch;

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export interface Queue {
  readonly id: string;
  readonly name: string;
  /** The topics it takes; none: every topic no other queue takes. */
  readonly topics: readonly string[];
  readonly fallbackLanguages: readonly string[];
  readonly serviceLevel: { percent: number; withinSeconds: number };
  /** Widening steps by time waited, earliest first. */
  readonly widening: readonly { afterMs: number; match: WideningMatch }[];
  readonly hours: QueueConfig['openingHours'];
}

export class QueueSet {
  readonly #byTopic = new Map<string, Queue>();
  readonly #catchAll: Queue;
  readonly queues: readonly Queue[];

  constructor(configs: readonly QueueConfig[]) {
    const queues: Queue[] = [];
    let catchAll: Queue | undefined;
    for (const c of configs) {
      const q: Queue = {
        id: c.id,
        name: c.name,
        topics: c.topics,
        fallbackLanguages: c.fallbackLanguages,
        serviceLevel: c.serviceLevel,
        widening: [...c.widening].sort((a, b) => a.afterSeconds - b.afterSeconds).map((w) => ({ afterMs: w.afterSeconds * 1000, match: w.match })),
        hours: c.openingHours,
      };
      if (queues.some((o) => o.id === q.id)) throw new TypeError(`routing.queues: the id ${q.id} is used twice`);
      queues.push(q);
      if (c.topics.length === 0) {
        if (catchAll) throw new TypeError(`routing.queues: ${catchAll.id} and ${q.id} both take every topic (topics: []); exactly one may`);
        catchAll = q;
      }
      for (const t of c.topics) {
        const other = this.#byTopic.get(t);
        if (other) throw new TypeError(`routing.queues: topic ${t} is in both ${other.id} and ${q.id}`);
        this.#byTopic.set(t, q);
      }
    }
    if (!catchAll) throw new TypeError('routing.queues: one queue must take every other topic (topics: [])');
    this.#catchAll = catchAll;
    this.queues = queues;
  }

  /** The queue a call about `topic` waits in. */
  forTopic(topic: string | undefined): Queue {
    return (topic !== undefined ? this.#byTopic.get(topic) : undefined) ?? this.#catchAll;
  }

  byId(id: string): Queue | undefined {
    return this.queues.find((q) => q.id === id);
  }
}

/** How strictly a call that has waited `waitedMs` in `queue` must match. */
export function matchLevel(queue: Queue, waitedMs: number): MatchLevel {
  let level: MatchLevel = 'strict';
  for (const w of queue.widening) if (waitedMs >= w.afterMs) level = w.match;
  return level;
}

/** The local date, weekday and minute of the day of `at` in `timeZone`. */
function localTime(at: Date, timeZone: string): { date: string; day: (typeof DAYS)[number]; minute: number } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  const day = get('weekday').toLowerCase().slice(0, 3) as (typeof DAYS)[number];
  return { date: `${get('year')}-${get('month')}-${get('day')}`, day, minute: Number(get('hour')) * 60 + Number(get('minute')) };
}

const toMinute = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether agents of this queue take calls at `at`. */
export function isOpen(queue: Queue, at: Date): boolean {
  const { date, day, minute } = localTime(at, queue.hours.timeZone);
  if (queue.hours.closedDates.includes(date)) return false;
  return queue.hours[day].some((span) => {
    const [from, to] = span.split('-') as [string, string];
    return minute >= toMinute(from) && minute < toMinute(to);
  });
}

/** When the queue opens next (to the minute, within two weeks), or null if it never does. */
export function nextOpening(queue: Queue, from: Date): Date | null {
  if (isOpen(queue, from)) return from;
  // Coarse steps, then back to the first open minute: opening hours change on whole minutes.
  const STEP = 10 * 60_000;
  for (let t = from.getTime(); t < from.getTime() + 14 * 86_400_000; t += STEP) {
    if (!isOpen(queue, new Date(t + STEP))) continue;
    for (let m = t + 60_000; m <= t + STEP; m += 60_000) if (isOpen(queue, new Date(m))) return new Date(Math.floor(m / 60_000) * 60_000);
  }
  return null;
}
