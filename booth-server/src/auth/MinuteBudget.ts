/**
 * A budget of expensive checks per minute over every caller (a fixed
 * one-minute window): what stops addresses by the thousand from buying
 * unbounded slow-hash work. Sign-in (LoginThrottle) and kiosk enrolment
 * codes use one each.
 */
export class MinuteBudget {
  #window = { start: 0, used: 0 };

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number,
  ) {
    if (!(perMinute >= 1)) throw new TypeError('MinuteBudget: perMinute must be >= 1');
  }

  /** Takes one from this minute's budget: null when taken, else how long (ms) until the next minute's. */
  take(): number | null {
    const at = this.now();
    if (at - this.#window.start >= 60_000) this.#window = { start: at, used: 0 };
    if (this.#window.used >= this.perMinute) return 60_000 - (at - this.#window.start);
    this.#window.used++;
    return null;
  }
}
