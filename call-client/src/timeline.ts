/**
 * When each stage of a call's set-up happened, on this side: the numbers
 * behind the set-up benchmark's stage breakdown, and what a technician reads
 * (`?debug`) when residents say calls take long to start. Times are wall-clock
 * milliseconds (`performance.timeOrigin + performance.now()`), the same clock
 * as the server's `Date.now()` when both run on one machine.
 */
export const wallClock = (): number => performance.timeOrigin + performance.now();

export class Timeline {
  readonly #marks = new Map<string, number>();

  /** Records the first time `stage` happened; later marks of the same stage are ignored. */
  mark(stage: string, at: number = wallClock()): void {
    if (!this.#marks.has(stage)) this.#marks.set(stage, at);
  }

  get(stage: string): number | undefined {
    return this.#marks.get(stage);
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.#marks);
  }
}
