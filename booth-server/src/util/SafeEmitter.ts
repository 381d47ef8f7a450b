/**
 * A typed EventEmitter whose `safeEmit` survives a throwing listener: the other
 * listeners still run, and the error goes to `onListenerError` (the server's
 * logger) instead of unwinding into the code that emitted — a bug in one
 * listener of `ended` must not leave a call half-ended.
 */
import { EventEmitter } from 'node:events';

type EventMap<T> = Record<keyof T, unknown[]>;

export class SafeEmitter<T extends EventMap<T>> extends EventEmitter<T> {
  onListenerError: (event: string, err: unknown) => void = (event, err) =>
    process.emitWarning(`listener for "${event}" threw: ${err instanceof Error ? err.message : String(err)}`, { code: 'LISTENER_THREW' });

  /** Calls every listener of `event`; one that throws is reported and the rest still run. */
  protected safeEmit<K extends keyof T & string>(event: K, ...args: T[K]): void {
    // rawListeners keeps once() wrappers, so calling them also removes them.
    const listeners = (this as EventEmitter).rawListeners(event) as ((...a: unknown[]) => unknown)[];
    for (const fn of listeners) {
      try {
        fn.apply(this, args);
      } catch (err) {
        this.onListenerError(event, err);
      }
    }
  }
}
