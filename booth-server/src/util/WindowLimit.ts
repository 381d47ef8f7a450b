/**
 * At most `max` events per key within a sliding window. Memory is bounded by
 * the keys in use: a key's old timestamps go on its next count.
 */
export class WindowLimit {
  readonly #events = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {
    if (!(max >= 1) || !(windowMs > 0)) throw new TypeError('WindowLimit: max >= 1 and windowMs > 0');
  }

  /** Counts one event for `key`; false (and not counted) when the key is at its limit. */
  take(key: string, now = Date.now()): boolean {
    const recent = (this.#events.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.max) {
      this.#events.set(key, recent);
      return false;
    }
    recent.push(now);
    this.#events.set(key, recent);
    return true;
  }
}
