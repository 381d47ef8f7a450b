/**
 * What booth-server knows about each kiosk's health: its last heartbeat and
 * recent history in memory, whether it is online, and its alerts.
 *
 * Offline rule: a kiosk that has sent a heartbeat is offline once
 * `offlineAfterMissed` heartbeat periods pass without one. A kiosk that never
 * sent one is `never` (being installed) and raises nothing. After a server
 * restart every kiosk gets a full window from the start, so a restart does
 * not raise an alert for the whole fleet; one already alerted stays offline.
 *
 * Alerts: each kiosk has the conditions its latest state implies (`wanted`)
 * and the alerts stored for them (`alerts`). A change of conditions queues a
 * reconcile, which raises what is wanted and not stored and clears what is
 * stored and no longer wanted. All reconciles run through one queue, so a
 * raise always lands before the clear that follows it, and a failed store
 * write is retried by the next reconcile of that kiosk instead of leaving
 * memory and store disagreeing.
 *
 * Several nodes (`duty` given: `cluster.redisUrl` set, one store): a
 * kiosk's heartbeats reach whichever node it talks to, so no node's memory
 * knows them all. Alerts are a site-wide duty: only the node holding the
 * `fleet` duty (../cluster/Duty.ts) raises and clears them, and it decides
 * from the store: every sweep, each node writes its buffered heartbeats,
 * then reads every kiosk's latest stored heartbeat and the active alerts, so
 * the offline rule runs on the site's last heartbeat, not this node's, and
 * every node's console view and fleet socket follow the holder's alerts
 * (pushed with `raisedHere: false`: the webhook posts only the holder's).
 * Conditions a heartbeat implies are raised by the holder at its next sweep.
 *
 * Heartbeats are written behind: buffered and stored in one transaction every
 * `flushMs` (and on close). They are telemetry; at most that long of history
 * is lost in a crash, and 1,000 kiosks cost one fsync a second, not 33.
 */
import { AlertKind, type FleetAlert, type Heartbeat, type KioskHealth, type KioskId } from '@citizen/protocol';
import type { FleetAlertRecord, HeartbeatRecord, KioskRecord, Store } from '../store/Store';
import { SafeEmitter } from '../util/SafeEmitter';

/** Time and timers of the monitor; tests pass a fake one and move it. */
export interface FleetClock {
  now(): number;
  /** Calls `fn` every `ms`; returns the function that stops it. */
  every(ms: number, fn: () => void): () => void;
}

export const systemClock: FleetClock = {
  now: () => Date.now(),
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref();
    return () => clearInterval(t);
  },
};

export interface FleetMonitorOptions {
  store: Store;
  heartbeatSeconds: number;
  offlineAfterMissed: number;
  historyDays: number;
  rendererCrashesAlertAt: number;
  clock?: FleetClock;
  /**
   * Several nodes share the store: alerts are raised and cleared only while
   * this node holds the duty, and every sweep reads the site's state from the
   * store. Absent: one node, memory is the truth.
   */
  duty?: { isHeld(): boolean };
  /** How often buffered heartbeats are written (default 1 s). */
  flushMs?: number;
  log: (level: 'info' | 'warn' | 'error', msg: string, ctx?: Record<string, unknown>) => void;
}

export type FleetEvents = {
  /** A kiosk's health as the console shows it changed. */
  kiosk: [KioskHealth];
  /** An alert was raised (clearedAt null) or cleared. */
  alert: [FleetAlert, KioskRecordLite, AlertOrigin];
};

/** Whether this node raised or cleared the alert (the webhook posts those), or saw another node's in the store. */
export interface AlertOrigin {
  raisedHere: boolean;
}
const HERE: AlertOrigin = { raisedHere: true };
const ELSEWHERE: AlertOrigin = { raisedHere: false };

export interface KioskRecordLite {
  id: KioskId;
  name: string;
  site: string;
}

/** Points kept in memory per kiosk for the list's sparklines. */
export const RECENT_POINTS = 30;
/** From the schema, so a new kind cannot be forgotten here. */
const ALERT_KINDS: readonly AlertKind[] = AlertKind.anyOf.map((l) => l.const);
const PRUNE_EVERY_MS = 3_600_000;
const MAX_BUFFERED = 5_000;

interface KioskState extends KioskRecordLite {
  lastAt: number | null;
  last: Heartbeat | null;
  recent: { at: number; uptimeSeconds: number; rttMs: number | null }[];
  offline: boolean;
  /** Conditions the latest state implies, with the alert's detail line. */
  wanted: Map<AlertKind, string>;
  /** Alerts as stored (active). */
  alerts: Map<AlertKind, FleetAlertRecord>;
  reconcileQueued: boolean;
}

export class FleetMonitor extends SafeEmitter<FleetEvents> {
  readonly #store: Store;
  readonly #clock: FleetClock;
  readonly #opts: FleetMonitorOptions;
  readonly #kiosks = new Map<KioskId, KioskState>();
  readonly #startedAt: number;
  readonly #stops: (() => void)[] = [];
  #buffer: HeartbeatRecord[] = [];
  #writes: Promise<unknown> = Promise.resolve();
  #alertQueue: Promise<void> = Promise.resolve();
  #closed = false;
  readonly #duty: { isHeld(): boolean } | null;
  #syncing = false;

  /** Loads the last state from the store (latest heartbeats, active alerts) and starts the timers. */
  static async create(opts: FleetMonitorOptions): Promise<FleetMonitor> {
    const m = new FleetMonitor(opts);
    const [kiosks, beats, alerts] = await Promise.all([opts.store.listKiosks(), opts.store.latestHeartbeats(RECENT_POINTS), opts.store.listActiveFleetAlerts()]);
    for (const k of kiosks) m.#state(k);
    for (const b of beats) {
      const s = m.#kiosks.get(b.kioskId);
      if (!s) continue;
      s.lastAt = b.at.getTime();
      s.last = b.heartbeat;
      s.recent.push({ at: s.lastAt, uptimeSeconds: b.heartbeat.uptimeSeconds, rttMs: b.heartbeat.rttMs });
    }
    for (const a of alerts) {
      const s = m.#kiosks.get(a.kioskId);
      if (!s) continue;
      s.alerts.set(a.kind, a);
      s.wanted.set(a.kind, a.detail);
      if (a.kind === 'offline') s.offline = true;
    }
    await m.prune();
    m.#start();
    return m;
  }

  private constructor(opts: FleetMonitorOptions) {
    super();
    for (const k of ['heartbeatSeconds', 'offlineAfterMissed', 'historyDays', 'rendererCrashesAlertAt'] as const) {
      if (!Number.isInteger(opts[k]) || opts[k] < 1) throw new TypeError(`FleetMonitor: ${k} must be a positive integer`);
    }
    this.#opts = opts;
    this.#store = opts.store;
    this.#clock = opts.clock ?? systemClock;
    this.#duty = opts.duty ?? null;
    this.#startedAt = this.#clock.now();
    this.onListenerError = (event, err) => opts.log('warn', `fleet listener threw [event:${event}]`, { err });
  }

  #start(): void {
    const periodMs = this.#opts.heartbeatSeconds * 1000;
    // Checked a few times per period, so a kiosk is seen offline at most a quarter period late.
    this.#stops.push(this.#clock.every(Math.max(1000, Math.floor(periodMs / 4)), () => this.sweep()));
    this.#stops.push(this.#clock.every(this.#opts.flushMs ?? 1000, () => void this.flush()));
    // A site-wide job: the duty's holder prunes for every node.
    this.#stops.push(this.#clock.every(PRUNE_EVERY_MS, () => void (this.#leads() ? this.prune() : undefined)));
  }

  get offlineAfterMs(): number {
    return this.#opts.heartbeatSeconds * 1000 * this.#opts.offlineAfterMissed;
  }

  /** Takes a heartbeat that passed the schema, from an authenticated kiosk. */
  heartbeat(kiosk: KioskRecord, hb: Heartbeat): void {
    if (this.#closed) return;
    const s = this.#state(kiosk);
    const at = this.#clock.now();
    this.#apply(s, at, hb);
    if (this.#buffer.length >= MAX_BUFFERED) this.#buffer.shift();
    this.#buffer.push({ kioskId: s.id, at: new Date(at), heartbeat: hb });
    this.#reconcile(s);
    this.safeEmit('kiosk', this.#health(s));
  }

  /** A heartbeat (this node's or, with several nodes, one from the store) as the kiosk's latest state. */
  #apply(s: KioskState, at: number, hb: Heartbeat): void {
    s.lastAt = at;
    s.last = hb;
    s.recent.push({ at, uptimeSeconds: hb.uptimeSeconds, rttMs: hb.rttMs });
    if (s.recent.length > RECENT_POINTS) s.recent.shift();
    s.offline = false;
    const wanted = new Map<AlertKind, string>();
    if (hb.printer === 'paper-out') wanted.set('paper-out', 'the receipt printer is out of paper');
    if (hb.cardReader === 'disconnected') wanted.set('reader-missing', 'the card reader is not connected');
    if (hb.rendererCrashes >= this.#opts.rendererCrashesAlertAt) wanted.set('renderer-crashes', `${hb.rendererCrashes} renderer crashes in 10 minutes`);
    s.wanted = wanted;
  }

  /** Whether this node raises and clears alerts: always alone, while it holds the duty among several. */
  #leads(): boolean {
    return this.#duty === null || this.#duty.isHeld();
  }

  /**
   * Marks kiosks offline whose heartbeats stopped. Runs on the clock; tests
   * call it after moving a fake clock (and await settled()). With several
   * nodes it first reads the site's state from the store (see the top).
   */
  sweep(): void {
    if (this.#duty === null) return this.#sweepOffline();
    if (this.#syncing || this.#closed) return;
    this.#syncing = true;
    this.#alertQueue = this.#alertQueue
      .then(() => this.#sync())
      .then(
        () => this.#sweepOffline(),
        (err: unknown) => this.#opts.log('warn', 'fleet state not read from the store', { err }),
      )
      .finally(() => (this.#syncing = false));
  }

  /** Several nodes: this node's heartbeats out to the store, the site's latest heartbeats and active alerts in. */
  async #sync(): Promise<void> {
    await this.flush();
    const [kiosks, beats, active] = await Promise.all([this.#store.listKiosks(), this.#store.latestHeartbeats(1), this.#store.listActiveFleetAlerts()]);
    const known = new Map(kiosks.map((k) => [k.id, k]));
    const changed = new Set<KioskState>();
    for (const b of beats) {
      const k = known.get(b.kioskId);
      if (!k) continue;
      const s = this.#state(k);
      const at = b.at.getTime();
      if (s.lastAt !== null && at <= s.lastAt) continue;
      this.#apply(s, at, b.heartbeat);
      changed.add(s);
    }
    const stored = new Map<KioskId, Map<AlertKind, FleetAlertRecord>>();
    for (const a of active) {
      if (!stored.has(a.kioskId)) stored.set(a.kioskId, new Map());
      stored.get(a.kioskId)!.set(a.kind, a);
    }
    for (const k of kiosks) {
      const s = this.#state(k);
      const theirs = stored.get(k.id) ?? new Map<AlertKind, FleetAlertRecord>();
      for (const kind of ALERT_KINDS) {
        const mine = s.alerts.get(kind);
        const their = theirs.get(kind);
        if (their && mine?.id !== their.id) {
          s.alerts.set(kind, their);
          if (!this.#leads()) {
            // Another node's alert: this node's view follows it (the holder decides).
            if (kind === 'offline') s.offline = true;
            s.wanted.set(kind, their.detail);
          }
          this.safeEmit('alert', toAlert(their), lite(s), ELSEWHERE);
          changed.add(s);
        } else if (!their && mine) {
          s.alerts.delete(kind);
          if (!this.#leads()) s.wanted.delete(kind);
          this.safeEmit('alert', toAlert({ ...mine, clearedAt: new Date(this.#clock.now()) }), lite(s), ELSEWHERE);
          changed.add(s);
        }
      }
    }
    for (const s of changed) this.safeEmit('kiosk', this.#health(s));
  }

  #sweepOffline(): void {
    const now = this.#clock.now();
    for (const s of this.#kiosks.values()) {
      // Several nodes: a holder that took over, or saw another node's heartbeat, reconciles what it has not.
      if (this.#duty) this.#reconcile(s);
      if (s.offline || s.lastAt === null) continue;
      if (now - Math.max(s.lastAt, this.#startedAt) <= this.offlineAfterMs) continue;
      s.offline = true;
      s.wanted.set('offline', `no heartbeat since ${new Date(s.lastAt).toISOString()}`);
      this.#reconcile(s);
      this.safeEmit('kiosk', this.#health(s));
    }
  }

  #reconcile(s: KioskState): void {
    if (!this.#leads()) return;
    const differs = ALERT_KINDS.some((k) => s.wanted.has(k) !== s.alerts.has(k));
    if (!differs || s.reconcileQueued) return;
    s.reconcileQueued = true;
    this.#alertQueue = this.#alertQueue.then(async () => {
      s.reconcileQueued = false;
      // The duty may have gone while this waited: another node decides now.
      if (!this.#leads()) return;
      for (const kind of ALERT_KINDS) {
        const detail = s.wanted.get(kind);
        const stored = s.alerts.get(kind);
        try {
          if (detail !== undefined && !stored) {
            const a = await this.#store.raiseFleetAlert({ kioskId: s.id, kind, raisedAt: new Date(this.#clock.now()), detail });
            s.alerts.set(kind, a);
            this.#opts.log('warn', `fleet alert raised [kiosk:${s.id}, kind:${kind}]`, { detail });
            this.safeEmit('alert', toAlert(a), lite(s), HERE);
            this.safeEmit('kiosk', this.#health(s));
          } else if (detail === undefined && stored) {
            const clearedAt = new Date(this.#clock.now());
            const cleared = await this.#store.clearFleetAlert(stored.id, clearedAt);
            s.alerts.delete(kind);
            // Several nodes: cleared by another holder meanwhile; the store's state is read at the next sweep.
            if (!cleared && this.#duty) continue;
            this.#opts.log('info', `fleet alert cleared [kiosk:${s.id}, kind:${kind}]`);
            this.safeEmit('alert', toAlert({ ...stored, clearedAt }), lite(s), HERE);
            this.safeEmit('kiosk', this.#health(s));
          }
        } catch (err) {
          // Memory keeps the condition; the next heartbeat or sweep of this kiosk tries again.
          this.#opts.log('error', `fleet alert not stored [kiosk:${s.id}, kind:${kind}]`, { err });
        }
      }
    });
  }

  /** Resolves once every alert change queued so far is stored (tests, close). */
  async settled(): Promise<void> {
    // A sweep's read of the store queues the reconciles it leads to: wait for those too.
    for (let q = this.#alertQueue; ; q = this.#alertQueue) {
      await q;
      if (q === this.#alertQueue) return;
    }
  }

  /** Writes the buffered heartbeats in one transaction. */
  flush(): Promise<void> {
    const batch = this.#buffer;
    if (batch.length === 0) return this.#writes.then(() => undefined);
    this.#buffer = [];
    const write = this.#writes.then(() =>
      this.#store.addHeartbeats(batch).catch((err: unknown) => this.#opts.log('error', `heartbeats not stored [count:${batch.length}]`, { err })),
    );
    this.#writes = write;
    return write;
  }

  /** Deletes history older than `historyDays`. */
  async prune(): Promise<number> {
    const before = new Date(this.#clock.now() - this.#opts.historyDays * 86_400_000);
    try {
      const n = await this.#store.pruneFleetHistory(before);
      if (n > 0) this.#opts.log('info', `fleet history pruned [heartbeats:${n}]`);
      return n;
    } catch (err) {
      this.#opts.log('warn', 'fleet history prune failed', { err });
      return 0;
    }
  }

  /** Every kiosk of `kiosks` (the enrolled ones), in that order. */
  overview(kiosks: readonly KioskRecord[]): KioskHealth[] {
    return kiosks.map((k) => this.#health(this.#state(k)));
  }

  health(kiosk: KioskRecord): KioskHealth {
    return this.#health(this.#state(kiosk));
  }

  get historyDays(): number {
    return this.#opts.historyDays;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const stop of this.#stops.splice(0)) stop();
    await this.#alertQueue;
    await this.flush();
  }

  #state(k: KioskRecord): KioskState {
    let s = this.#kiosks.get(k.id);
    if (!s) {
      s = { id: k.id, name: k.name, site: k.location, lastAt: null, last: null, recent: [], offline: false, wanted: new Map(), alerts: new Map(), reconcileQueued: false };
      this.#kiosks.set(k.id, s);
    } else {
      // Name and place may change between requests; the kiosk record is the truth.
      s.name = k.name;
      s.site = k.location;
    }
    return s;
  }

  #health(s: KioskState): KioskHealth {
    return {
      id: s.id,
      name: s.name,
      site: s.site,
      status: s.lastAt === null ? 'never' : s.offline ? 'offline' : 'online',
      lastHeartbeatAt: s.lastAt === null ? null : new Date(s.lastAt).toISOString(),
      last: s.last,
      recent: s.recent.map((p) => ({ at: new Date(p.at).toISOString(), uptimeSeconds: p.uptimeSeconds, rttMs: p.rttMs })),
      alerts: [...s.alerts.values()].map(toAlert),
    };
  }
}

const lite = (s: KioskState): KioskRecordLite => ({ id: s.id, name: s.name, site: s.site });

export function toAlert(a: FleetAlertRecord): FleetAlert {
  return { id: a.id, kioskId: a.kioskId, kind: a.kind, raisedAt: a.raisedAt.toISOString(), clearedAt: a.clearedAt?.toISOString() ?? null, detail: a.detail };
}
