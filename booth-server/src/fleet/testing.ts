/** Test helpers of fleet health: a fake clock and a healthy heartbeat. */
import type { Heartbeat } from '@citizen/protocol';
import type { FleetClock } from './FleetMonitor';

export const HEALTHY: Heartbeat = {
  appVersion: '0.1.0',
  uptimeSeconds: 120,
  rttMs: 12,
  printer: 'ok',
  cardReader: 'connected',
  camera: 'working',
  microphone: 'working',
  speaker: 'unknown',
  rendererCrashes: 0,
};

/** A FleetClock for tests: time stands still until `advance` moves it and runs the timers that fell due, in order. */

export class FakeClock implements FleetClock {
  #now: number;
  #timers: { every: number; due: number; fn: () => void; stopped: boolean }[] = [];

  constructor(start = Date.parse('2026-03-02T08:00:00Z')) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  every(ms: number, fn: () => void): () => void {
    const t = { every: ms, due: this.#now + ms, fn, stopped: false };
    this.#timers.push(t);
    return () => {
      t.stopped = true;
    };
  }

  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const next = this.#timers.filter((t) => !t.stopped && t.due <= end).sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.#now = next.due;
      next.due += next.every;
      next.fn();
    }
    this.#now = end;
  }
}
