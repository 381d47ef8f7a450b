/**
 * The live view without rendering: polling one request at a time while
 * started and never after stop, the waiting history and its gaps, and the
 * grouping of agents by presence.
 */
import { describe, expect, it } from 'vitest';
import type { LiveView } from '@citizen/protocol';
import { ApiError } from '../api';
import { addSample, createLiveState, waitingSeries } from './liveState';

const T0 = Date.parse('2025-03-30T10:00:00Z');
const queue = (id: string, waiting: number, over: Partial<LiveView['queues'][number]> = {}): LiveView['queues'][number] => ({
  id,
  name: id === 'passports' ? 'Passports and ID' : 'Citizen service',
  open: true,
  waiting,
  longestWaitSeconds: waiting * 30,
  serviceLevel: { percent: 80, withinSeconds: 120 },
  attainedPercent: null,
  answeredToday: 0,
  ...over,
});
const view = (at: number, waiting: [number, number], over: Partial<LiveView> = {}): LiveView => ({
  at: new Date(at).toISOString(),
  queues: [queue('passports', waiting[0]), queue('general', waiting[1])],
  agents: [],
  kiosks: [],
  ...over,
});

/** Timers the test fires by hand. */
function timers() {
  const pending: { fn: () => void; ms: number }[] = [];
  return {
    pending,
    setTimer: (fn: () => void, ms: number) => {
      const t = { fn, ms };
      pending.push(t);
      return () => void pending.splice(pending.indexOf(t), 1);
    },
    fire: () => pending.splice(0).forEach((t) => t.fn()),
  };
}
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('live view state', () => {
  it('polls every 2 s after each answer while started, and not after stop', async () => {
    const clock = timers();
    let calls = 0;
    const s = createLiveState({ liveView: async () => view(T0 + 2000 * calls++, [calls, 0]) }, { setTimer: clock.setTimer });
    s.start();
    s.start(); // already running: no second loop
    await settle();
    expect(calls).toBe(1);
    expect(clock.pending.map((p) => p.ms)).toEqual([2000]);
    clock.fire();
    await settle();
    expect(calls).toBe(2);
    expect(s.view.value?.queues[0]?.waiting).toBe(2);
    expect(s.samples.value).toHaveLength(2);
    s.stop();
    expect(clock.pending).toEqual([]);
    expect(s.running.value).toBe(false);
  });

  it('drops an answer that arrives after stop, and starts again with one loop', async () => {
    const clock = timers();
    const answers: ((v: LiveView) => void)[] = [];
    const s = createLiveState({ liveView: () => new Promise<LiveView>((r) => answers.push(r)) }, { setTimer: clock.setTimer });
    s.start();
    s.stop();
    answers[0]!(view(T0, [5, 5]));
    await settle();
    expect(s.view.value).toBeNull();
    expect(clock.pending).toEqual([]);
    s.start();
    answers[1]!(view(T0 + 2000, [1, 0]));
    await settle();
    expect(s.view.value?.queues[0]?.waiting).toBe(1);
    expect(clock.pending).toHaveLength(1);
  });

  it('keeps polling through a failed request and says what went wrong', async () => {
    const clock = timers();
    let fail = true;
    const s = createLiveState(
      {
        liveView: async () => {
          if (fail) throw new Error('network down');
          return view(T0, [0, 0]);
        },
      },
      { setTimer: clock.setTimer },
    );
    s.start();
    await settle();
    expect(s.error.value).toBe('The live view could not be updated; trying again.');
    expect(clock.pending).toHaveLength(1);
    fail = false;
    clock.fire();
    await settle();
    expect(s.error.value).toBeNull();
    const ended = createLiveState({ liveView: async () => Promise.reject(new ApiError(401, 'UNAUTHENTICATED', 'authentication required')) }, { setTimer: timers().setTimer });
    ended.start();
    await settle();
    expect(ended.error.value).toBe('Your session ended. Sign in again.');
  });

  it('keeps the last minutes of samples, per queue', () => {
    let samples = addSample([], view(T0, [1, 0]), 60_000);
    samples = addSample(samples, view(T0 + 30_000, [2, 1]), 60_000);
    samples = addSample(samples, view(T0 + 61_000, [3, 0]), 60_000);
    expect(samples).toEqual([
      { at: T0 + 30_000, waiting: { passports: 2, general: 1 } },
      { at: T0 + 61_000, waiting: { passports: 3, general: 0 } },
    ]);
  });

  it('draws a gap where polling paused, not a line across it', () => {
    const samples = [
      { at: T0, waiting: { passports: 1, general: 0 } },
      { at: T0 + 2000, waiting: { passports: 2, general: 0 } },
      { at: T0 + 60_000, waiting: { passports: 4, general: 1 } }, // the screen was hidden in between
    ];
    const { queues, data } = waitingSeries(view(T0 + 60_000, [4, 1]), samples, 2000);
    expect(queues).toEqual([
      { id: 'passports', name: 'Passports and ID' },
      { id: 'general', name: 'Citizen service' },
    ]);
    expect(data).toEqual([
      [T0 / 1000, T0 / 1000 + 2, T0 / 1000 + 4, T0 / 1000 + 60],
      [1, 2, null, 4],
      [0, 0, null, 1],
    ]);
  });

  it('groups agents by presence, by name, and lines up attained against target per queue', async () => {
    const at = new Date(T0).toISOString();
    const s = createLiveState(
      {
        liveView: async () =>
          view(T0, [0, 0], {
            queues: [queue('passports', 0, { attainedPercent: 75 }), queue('general', 0, { serviceLevel: { percent: 70, withinSeconds: 60 } })],
            agents: [
              { userId: 'u-2', displayName: 'Omar', presence: { state: 'available', since: at } },
              { userId: 'u-1', displayName: 'Anna', presence: { state: 'available', since: at } },
              { userId: 'u-3', displayName: 'Lina', presence: { state: 'wrap-up', since: at, wrapUpUntil: at } },
              { userId: 'u-4', displayName: 'Jens', presence: { state: 'in-call', since: at } },
            ],
          }),
      },
      { setTimer: timers().setTimer },
    );
    s.start();
    await settle();
    const names = (state: 'available' | 'in-call' | 'wrap-up' | 'away'): string[] => s.agentsByPresence.value[state].map((a) => a.displayName);
    expect([names('available'), names('in-call'), names('wrap-up'), names('away')]).toEqual([['Anna', 'Omar'], ['Jens'], ['Lina'], []]);
    expect(s.serviceLevelChart.value).toEqual({
      queues: [
        { id: 'passports', name: 'Passports and ID' },
        { id: 'general', name: 'Citizen service' },
      ],
      attained: [75, null],
      target: [80, 70],
    });
  });
});
