/**
 * The fleet view's state as signals: every kiosk's health, kept current by
 * the fleet socket's pushes (kioskHealth, fleetAlert), no polling and no
 * reload. The socket opens first and the list loads after, so nothing pushed
 * while the list loads is missed; a push for a kiosk replaces its entry.
 * The socket reconnects with backoff (1 s doubling to 15 s) and the list is
 * loaded again after each reconnect; close code 4003 (signed out) stops it.
 * No rendering here, so it is tested without a browser.
 */
import { computed, signal } from '@preact/signals';
import { FLEET_WS_PATH, type FleetAlert, type FleetNotification, type KioskAction, type KioskHealth, type KioskProfileState } from '@citizen/protocol';
import { ApiError, type Api } from '../api';

/** What the state needs of a WebSocket. */
export interface FleetSocket {
  onmessage: ((e: { data: unknown }) => void) | null;
  onclose: ((e: { code: number }) => void) | null;
  onopen: (() => void) | null;
  close(): void;
}

export interface FleetStateOptions {
  connect: () => FleetSocket;
  setTimer?: (fn: () => void, ms: number) => () => void;
}

export type Connection = 'connecting' | 'live' | 'reconnecting' | 'closed';

export function browserFleetSocket(): FleetSocket {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${FLEET_WS_PATH}`);
  const s: FleetSocket = { onmessage: null, onclose: null, onopen: null, close: () => ws.close() };
  ws.onopen = () => s.onopen?.();
  ws.onmessage = (e) => s.onmessage?.({ data: e.data });
  ws.onclose = (e) => s.onclose?.({ code: e.code });
  return s;
}

export function createFleetState(api: Pick<Api, 'fleet' | 'kioskProfiles'>, opts: FleetStateOptions) {
  const setTimer =
    opts.setTimer ??
    ((fn: () => void, ms: number) => {
      const t = setTimeout(fn, ms);
      return () => clearTimeout(t);
    });
  const kiosks = signal<ReadonlyMap<string, KioskHealth>>(new Map());
  const heartbeatSeconds = signal<number | null>(null);
  const error = signal<string | null>(null);
  const connection = signal<Connection>('connecting');
  /** Alerts raised or cleared while the view is open, newest first (at most 50). */
  const feed = signal<readonly FleetAlert[]>([]);
  /** Each kiosk's configuration profile, desired and applied version (pushed as kioskProfile). */
  const profiles = signal<ReadonlyMap<string, KioskProfileState>>(new Map());
  /** Remote actions by id: those a kiosk page loaded, and every one pushed as kioskAction since (asked for, changed state). */
  const actions = signal<ReadonlyMap<number, KioskAction>>(new Map());
  const putActions = (list: readonly KioskAction[]): void => {
    const next = new Map(actions.value);
    // A push may have brought a newer state than a list loaded at the same moment.
    for (const a of list) if (!next.has(a.id) || Date.parse(next.get(a.id)!.updatedAt) <= Date.parse(a.updatedAt)) next.set(a.id, a);
    actions.value = next;
  };
  let socket: FleetSocket | null = null;
  let backoffMs = 1000;
  let cancelRetry: (() => void) | null = null;
  let stopped = false;

  const put = (k: KioskHealth): void => {
    const next = new Map(kiosks.value);
    next.set(k.id, k);
    kiosks.value = next;
  };

  async function load(): Promise<void> {
    try {
      const o = await api.fleet();
      heartbeatSeconds.value = o.heartbeatSeconds;
      kiosks.value = new Map(o.kiosks.map((k) => [k.id, k]));
      error.value = null;
      profiles.value = new Map((await api.kioskProfiles()).kiosks.map((p) => [p.kioskId, p]));
    } catch (err) {
      error.value = err instanceof ApiError && err.status === 403 ? 'Only technicians and administrators see fleet health.' : 'The fleet could not be loaded; trying again.';
    }
  }

  function onNotification(n: FleetNotification): void {
    if (n.method === 'kioskHealth') put(n.data);
    else if (n.method === 'kioskProfile') profiles.value = new Map(profiles.value).set(n.data.kioskId, n.data);
    else if (n.method === 'kioskAction') putActions([n.data]);
    else feed.value = [n.data, ...feed.value].slice(0, 50);
  }

  function open(): void {
    if (stopped) return;
    const s = opts.connect();
    socket = s;
    s.onopen = () => {
      connection.value = 'live';
      backoffMs = 1000;
      void load();
    };
    s.onmessage = (e) => {
      try {
        onNotification(JSON.parse(String(e.data)) as FleetNotification);
      } catch {
        // A message the console cannot read changes nothing; the next push or reload does.
      }
    };
    s.onclose = (e) => {
      if (socket !== s) return;
      socket = null;
      if (stopped || e.code === 4003) {
        connection.value = 'closed';
        return;
      }
      connection.value = 'reconnecting';
      cancelRetry = setTimer(open, backoffMs);
      backoffMs = Math.min(backoffMs * 2, 15_000);
    };
  }

  /** Kiosks by site (sites and kiosks in name order), offline and alerted first within a site. */
  const bySite = computed(() => {
    const groups = new Map<string, KioskHealth[]>();
    for (const k of kiosks.value.values()) groups.set(k.site, [...(groups.get(k.site) ?? []), k]);
    const rank = (k: KioskHealth): number => (k.status === 'offline' ? 0 : k.alerts.length > 0 ? 1 : k.status === 'never' ? 3 : 2);
    return [...groups.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([site, list]) => ({ site, kiosks: list.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name)) }));
  });
  const counts = computed(() => {
    const all = [...kiosks.value.values()];
    return { online: all.filter((k) => k.status === 'online').length, offline: all.filter((k) => k.status === 'offline').length, alerts: all.reduce((n, k) => n + k.alerts.length, 0) };
  });

  return {
    kiosks,
    profiles,
    actions,
    putActions,
    bySite,
    counts,
    feed,
    heartbeatSeconds,
    error,
    connection,
    start(): void {
      stopped = false;
      open();
    },
    stop(): void {
      stopped = true;
      cancelRetry?.();
      socket?.close();
      socket = null;
      connection.value = 'closed';
    },
  };
}

export type FleetState = ReturnType<typeof createFleetState>;
