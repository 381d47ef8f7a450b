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
