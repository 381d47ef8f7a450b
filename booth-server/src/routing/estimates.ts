/**
 * Estimated waits from recent handle times, per queue: the mean length of
 * the last calls answered from that queue (starting from the configured
 * average until there are some), times the resident's place, over the
 * agents who could take them.
 */
const WINDOW = 20;

export class WaitEstimator {
  readonly #recent = new Map<string, number[]>();

  constructor(private readonly initialHandleSeconds: number) {
    if (!(initialHandleSeconds > 0)) throw new TypeError('WaitEstimator: initialHandleSeconds must be > 0');
  }

  /** A call answered from `queueId` lasted this long. */
  record(queueId: string, handleSeconds: number): void {
    const xs = this.#recent.get(queueId) ?? [];
    xs.push(Math.max(0, handleSeconds));
    if (xs.length > WINDOW) xs.shift();
    this.#recent.set(queueId, xs);
  }

  handleSeconds(queueId: string): number {
    const xs = this.#recent.get(queueId);
    if (!xs || xs.length === 0) return this.initialHandleSeconds;
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  }

  /** Seconds until the resident at `position` is likely answered by one of `agents`. */
  estimate(queueId: string, position: number, agents: number): number {
    return Math.round((position * this.handleSeconds(queueId)) / Math.max(1, agents));
  }
}

/**
 * Service level attained over the last 24 hours, per queue: the share of
 * residents answered within the queue's target, out of those answered plus
 * those who gave up after the target (leaving before it is not counted
 * against the queue), as contact centres count it.
 */
export class ServiceLevelWindow {
  readonly #events = new Map<string, { at: number; waitedMs: number; answered: boolean }[]>();

  record(queueId: string, at: number, waitedMs: number, answered: boolean): void {
    const xs = this.#events.get(queueId) ?? [];
    xs.push({ at, waitedMs, answered });
    this.#events.set(queueId, xs);
  }

  /** Percent answered within `withinMs` over the last day, and how many were answered; null percent when nothing counts yet. */
  attained(queueId: string, withinMs: number, now: number): { percent: number | null; answered: number } {
    const xs = (this.#events.get(queueId) ?? []).filter((e) => now - e.at < 86_400_000);
    this.#events.set(queueId, xs);
    const answered = xs.filter((e) => e.answered);
    const counted = xs.filter((e) => e.answered || e.waitedMs >= withinMs);
    if (counted.length === 0) return { percent: null, answered: answered.length };
    return { percent: Math.round((100 * answered.filter((e) => e.waitedMs <= withinMs).length) / counted.length), answered: answered.length };
  }
}
