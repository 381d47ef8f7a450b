/**
 * EventEmitter with a typed event map whose `emit` survives a throwing
 * listener: the other listeners still run and the error is reported through
 * `process.emitWarning` instead of unwinding into the device's I/O code (a
 * renderer-side bug must not stop the card reader from reading).
 */
import { EventEmitter } from 'node:events';

export type EventMap<T> = Record<keyof T, unknown[]>;

export class SafeEmitter<T extends EventMap<T>> extends EventEmitter<T> {
  /** Calls every listener of `event`; a listener that throws is reported and skipped. */
  protected safeEmit<K extends keyof T & string>(event: K, ...args: T[K]): void {
    // rawListeners keeps the once() wrappers, so calling them also removes them.
    const listeners = (this as EventEmitter).rawListeners(event) as ((...a: unknown[]) => unknown)[];
    for (const fn of listeners) {
      try {
        fn.apply(this, args);
      } catch (err) {
        process.emitWarning(`listener for "${event}" threw: ${err instanceof Error ? err.message : String(err)}`, { code: 'HW_LISTENER_THREW' });
      }
    }
  }
}
