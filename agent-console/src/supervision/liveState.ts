/**
 * The supervisors' live view as signals: the latest view of queues, agents
 * and kiosks, polled every 2 s while the screen is shown, and the recent
 * samples of residents waiting per queue that the chart draws. No rendering
 * here, so polling, history and grouping are tested without a browser.
 *
 * Polling waits for each answer before it schedules the next request, so a
 * slow server gets one request at a time, never a pile of them.
 */
import { computed, signal } from '@preact/signals';
import type { AgentPresence, LiveView } from '@citizen/protocol';
import { ApiError, type Api } from '../api';

export const LIVE_INTERVAL_MS = 2000;
/** How far back the waiting chart reaches. */
export const LIVE_HISTORY_MS = 10 * 60_000;

export interface LiveSample {
  /** Epoch ms the view was taken at (the server's clock). */
  at: number;
  waiting: Readonly<Record<string, number>>;
}

export type PresenceState = AgentPresence['state'];
/** The presence groups in the order the screen shows them. */
export const PRESENCE_ORDER: readonly PresenceState[] = ['available', 'in-call', 'wrap-up', 'away'];

export interface LiveStateOptions {
  intervalMs?: number;
  historyMs?: number;
  setTimer?: (fn: () => void, ms: number) => () => void;
}

/** Series for uPlot: x in seconds, one column per queue; null where there is no sample (a gap is drawn, not a slope). */
export interface WaitingChart {
  queues: { id: string; name: string }[];
  data: [number[], ...(number | null)[][]];
}

export interface ServiceLevelChart {
  queues: { id: string; name: string }[];
  attained: (number | null)[];
  target: number[];
}

export function createLiveState(api: Pick<Api, 'liveView'>, opts: LiveStateOptions = {}) {
  const intervalMs = opts.intervalMs ?? LIVE_INTERVAL_MS;
  const historyMs = opts.historyMs ?? LIVE_HISTORY_MS;
  const setTimer =
    opts.setTimer ??
    ((fn: () => void, ms: number) => {
      const id = setTimeout(fn, ms);
      return () => clearTimeout(id);
    });

  const view = signal<LiveView | null>(null);
  const error = signal<string | null>(null);
  const samples = signal<readonly LiveSample[]>([]);
  const running = signal(false);
  // Each start() begins a new generation; an answer of an older one (in flight across stop and start) schedules nothing.
  let generation = 0;
  let cancelTimer: (() => void) | null = null;

  async function poll(gen: number): Promise<void> {
    try {
      const v = await api.liveView();
      if (gen !== generation) return;
      view.value = v;
      error.value = null;
      samples.value = addSample(samples.value, v, historyMs);
    } catch (err) {
      if (gen !== generation) return;
      error.value =
        err instanceof ApiError && err.status === 401
          ? 'Your session ended. Sign in again.'
          : err instanceof ApiError && err.status === 403
            ? 'Only supervisors see the live view.'
            : 'The live view could not be updated; trying again.';
    }
    if (gen === generation && running.value) cancelTimer = setTimer(() => void poll(gen), intervalMs);
  }

  /** Starts polling at once (nothing happens if it runs already). */
  function start(): void {
    if (running.value) return;
    running.value = true;
    void poll(++generation);
  }

  /** Stops polling; an answer still on its way is dropped. */
  function stop(): void {
    if (!running.value) return;
    running.value = false;
    generation++;
    cancelTimer?.();
    cancelTimer = null;
  }

  const agentsByPresence = computed(() => {
    const groups: Record<PresenceState, { userId: string; displayName: string; since: string }[]> = { available: [], 'in-call': [], 'wrap-up': [], away: [] };
    for (const a of view.value?.agents ?? []) groups[a.presence.state].push({ userId: a.userId, displayName: a.displayName, since: a.presence.since });
    for (const list of Object.values(groups)) list.sort((x, y) => x.displayName.localeCompare(y.displayName));
    return groups;
  });

  const waitingChart = computed((): WaitingChart => waitingSeries(view.value, samples.value, intervalMs));

  const serviceLevelChart = computed((): ServiceLevelChart => {
    const queues = view.value?.queues ?? [];
    return {
      queues: queues.map((q) => ({ id: q.id, name: q.name })),
      attained: queues.map((q) => q.attainedPercent),
      target: queues.map((q) => q.serviceLevel.percent),
    };
  });

  return { view, error, samples, running, start, stop, agentsByPresence, waitingChart, serviceLevelChart };
}
export type LiveState = ReturnType<typeof createLiveState>;

/** The samples with this view added, and those older than the history dropped. */
export function addSample(samples: readonly LiveSample[], v: LiveView, historyMs: number): LiveSample[] {
  const at = Date.parse(v.at);
  const waiting: Record<string, number> = {};
  for (const q of v.queues) waiting[q.id] = q.waiting;
  return [...samples.filter((s) => s.at > at - historyMs && s.at < at), { at, waiting }];
}

/**
 * Columns for the waiting chart. Where polling paused (the screen was
 * hidden), a row of nulls goes in between, so the chart shows a gap rather
 * than a line across minutes nobody watched.
 */
export function waitingSeries(v: LiveView | null, samples: readonly LiveSample[], intervalMs: number): WaitingChart {
  const queues = (v?.queues ?? []).map((q) => ({ id: q.id, name: q.name }));
  const xs: number[] = [];
  const columns: (number | null)[][] = queues.map(() => []);
  let previous: number | null = null;
  for (const s of samples) {
    if (previous !== null && s.at - previous > 3 * intervalMs) {
      xs.push((previous + intervalMs) / 1000);
      for (const c of columns) c.push(null);
    }
    xs.push(s.at / 1000);
    queues.forEach((q, i) => columns[i]!.push(s.waiting[q.id] ?? null));
    previous = s.at;
  }
  return { queues, data: [xs, ...columns] };
}
