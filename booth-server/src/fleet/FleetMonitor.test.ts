import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Heartbeat, kioskId, type FleetAlert, type KioskHealth } from '@citizen/protocol';
import { SqliteStore } from '../store/SqliteStore';
import type { KioskRecord } from '../store/Store';
import { FleetMonitor, type FleetMonitorOptions } from './FleetMonitor';
import { FakeClock, HEALTHY } from './testing';

const kiosk = (id: string, location = 'Main library'): KioskRecord => ({
  id: kioskId(id),
  name: `Kiosk ${id}`,
  location,
  languages: ['da'],
  credentialHash: 'x',
  publicKey: null,
  revokedAt: null,
  enrolledAt: new Date(0),
  lastSeenAt: null,
});

describe('heartbeat schema', () => {
  const check = TypeCompiler.Compile(Heartbeat);
  it('accepts a full heartbeat and a first one without a round trip', () => {
    expect(check.Check(HEALTHY)).toBe(true);
    expect(check.Check({ ...HEALTHY, rttMs: null })).toBe(true);
  });
  it.each([
    ['an unknown printer state', { ...HEALTHY, printer: 'jammed' }],
    ['an extra field (no resident data can ride along)', { ...HEALTHY, lastCard: '4111111111111111' }],
    ['a missing device', (({ speaker: _, ...rest }) => rest)(HEALTHY)],
    ['a negative uptime', { ...HEALTHY, uptimeSeconds: -1 }],
    ['a fractional crash count', { ...HEALTHY, rendererCrashes: 1.5 }],
    ['a version with spaces', { ...HEALTHY, appVersion: '1.0 beta' }],
    ['a camera that is just true', { ...HEALTHY, camera: true }],
  ])('refuses %s', (_what, body) => {
    expect(check.Check(body)).toBe(false);
  });
});

describe('FleetMonitor', () => {
  let store: SqliteStore;
  let clock: FakeClock;
  let monitor: FleetMonitor;
  const logs: string[] = [];
  const options = (): FleetMonitorOptions => ({
    store,
    clock,
    heartbeatSeconds: 30,
    offlineAfterMissed: 3,
    historyDays: 14,
    rendererCrashesAlertAt: 3,
    log: (level, msg) => logs.push(`${level} ${msg}`),
  });
  const k1 = kiosk('k-lib-1');
  const k2 = kiosk('k-station-1', 'Central station');

  beforeEach(async () => {
    store = new SqliteStore(':memory:');
    await store.createKiosk(k1);
    await store.createKiosk(k2);
    clock = new FakeClock();
    monitor = await FleetMonitor.create(options());
  });
  afterEach(async () => {
    await monitor.close();
    await store.close();
  });

  const statusOf = (k: KioskRecord): KioskHealth['status'] => monitor.health(k).status;

  it('lists enrolled kiosks that never sent a heartbeat as never, and raises nothing for them', async () => {
    clock.advance(3_600_000);
    await monitor.settled();
    expect(monitor.overview([k1, k2]).map((h) => h.status)).toEqual(['never', 'never']);
    expect(await store.listActiveFleetAlerts()).toEqual([]);
  });

  it('marks a kiosk offline after three missed heartbeats, raises the alert, and clears it on the next heartbeat', async () => {
    const alerts: FleetAlert[] = [];
    monitor.on('alert', (a) => alerts.push(a));
    monitor.heartbeat(k1, HEALTHY);
    expect(statusOf(k1)).toBe('online');
    // Heartbeats keep it online, however long.
    for (let i = 0; i < 10; i++) {
      clock.advance(30_000);
      monitor.heartbeat(k1, HEALTHY);
    }
    // Two missed, and most of the third: still online.
    clock.advance(89_000);
    expect(statusOf(k1)).toBe('online');
    // The sweep runs every 7.5 s: offline within a quarter period of the 90 s mark.
    clock.advance(9_000);
    await monitor.settled();
    expect(statusOf(k1)).toBe('offline');
    expect(alerts).toMatchObject([{ kioskId: 'k-lib-1', kind: 'offline', clearedAt: null }]);
    expect(alerts[0]!.detail).toMatch(/^no heartbeat since 2026-03-02T08:05:00/);
    expect(await store.listActiveFleetAlerts()).toMatchObject([{ kind: 'offline' }]);
    // Once only, however long it stays away.
    clock.advance(3_600_000);
    await monitor.settled();
    expect(alerts).toHaveLength(1);

    monitor.heartbeat(k1, HEALTHY);
    await monitor.settled();
    expect(statusOf(k1)).toBe('online');
    expect(alerts[1]).toMatchObject({ id: alerts[0]!.id, kind: 'offline', clearedAt: new Date(clock.now()).toISOString() });
    expect(await store.listActiveFleetAlerts()).toEqual([]);
    expect(statusOf(k2)).toBe('never');
  });

  it('raises and clears paper-out, reader-missing and renderer-crashes with their conditions', async () => {
    const seen: string[] = [];
    monitor.on('alert', (a) => seen.push(`${a.clearedAt ? 'cleared' : 'raised'} ${a.kind}`));
    monitor.heartbeat(k1, { ...HEALTHY, printer: 'paper-near-end', rendererCrashes: 2 });
    await monitor.settled();
    expect(seen).toEqual([]);
    monitor.heartbeat(k1, { ...HEALTHY, printer: 'paper-out', cardReader: 'disconnected', rendererCrashes: 3 });
    await monitor.settled();
    expect(seen).toEqual(['raised paper-out', 'raised reader-missing', 'raised renderer-crashes']);
    expect(monitor.health(k1).alerts.map((a) => a.kind)).toEqual(['paper-out', 'reader-missing', 'renderer-crashes']);
    // The same conditions again raise nothing new.
    monitor.heartbeat(k1, { ...HEALTHY, printer: 'paper-out', cardReader: 'disconnected', rendererCrashes: 4 });
    await monitor.settled();
    expect(seen).toHaveLength(3);
    monitor.heartbeat(k1, { ...HEALTHY, cardReader: 'disconnected' });
    await monitor.settled();
    expect(seen.slice(3)).toEqual(['cleared paper-out', 'cleared renderer-crashes']);
    expect((await store.listActiveFleetAlerts()).map((a) => a.kind)).toEqual(['reader-missing']);
  });

  it('pushes a kiosk update on every heartbeat, with its recent points for the sparkline', () => {
    const updates: KioskHealth[] = [];
    monitor.on('kiosk', (h) => updates.push(h));
    for (let i = 0; i < 35; i++) {
      monitor.heartbeat(k1, { ...HEALTHY, uptimeSeconds: i * 30, rttMs: i });
      clock.advance(30_000);
    }
    expect(updates).toHaveLength(35);
    const last = updates.at(-1)!;
    expect(last.recent).toHaveLength(30);
    expect(last.recent[0]).toMatchObject({ uptimeSeconds: 150, rttMs: 5 });
    expect(last.recent.at(-1)).toMatchObject({ uptimeSeconds: 1020, rttMs: 34 });
    expect(last).toMatchObject({ site: 'Main library', status: 'online', last: { rttMs: 34 } });
  });

  it('writes heartbeats behind, in batches, and reads them back after a restart', async () => {
    monitor.heartbeat(k1, HEALTHY);
    monitor.heartbeat(k2, { ...HEALTHY, printer: 'paper-out' });
    expect(await store.listHeartbeats(k1.id, new Date(0), 10)).toEqual([]);
    clock.advance(1000);
    await monitor.flush();
    expect(await store.listHeartbeats(k1.id, new Date(0), 10)).toHaveLength(1);
    await monitor.settled();
    await monitor.close();

    // A restart: the last heartbeat and the active alert come back; no offline alert
    // for the time the server itself was down, as long as heartbeats resume in time.
    clock.advance(600_000);
    monitor = await FleetMonitor.create(options());
    expect(monitor.health(k1)).toMatchObject({ status: 'online', last: HEALTHY });
    expect(monitor.health(k2).alerts.map((a) => a.kind)).toEqual(['paper-out']);
    clock.advance(60_000);
    await monitor.settled();
    expect(statusOf(k1)).toBe('online');
    clock.advance(40_000);
    await monitor.settled();
    expect(statusOf(k1)).toBe('offline');
    expect((await store.listActiveFleetAlerts()).map((a) => `${a.kioskId} ${a.kind}`).sort()).toEqual(['k-lib-1 offline', 'k-station-1 offline', 'k-station-1 paper-out']);

    // An offline kiosk stays offline across a restart.
    await monitor.close();
    monitor = await FleetMonitor.create(options());
    expect(statusOf(k1)).toBe('offline');
  });

  it('keeps the history bounded: heartbeats and cleared alerts older than the cut go, active alerts stay', async () => {
    const day = 86_400_000;
    const now = clock.now();
    await store.addHeartbeats([-20, -10, -1].map((d) => ({ kioskId: k1.id, at: new Date(now + d * day), heartbeat: HEALTHY })));
    const oldCleared = await store.raiseFleetAlert({ kioskId: k1.id, kind: 'paper-out', raisedAt: new Date(now - 21 * day), detail: 'x' });
    await store.clearFleetAlert(oldCleared.id, new Date(now - 20 * day));
    const recentCleared = await store.raiseFleetAlert({ kioskId: k1.id, kind: 'paper-out', raisedAt: new Date(now - 2 * day), detail: 'x' });
    await store.clearFleetAlert(recentCleared.id, new Date(now - day));
    await store.raiseFleetAlert({ kioskId: k1.id, kind: 'reader-missing', raisedAt: new Date(now - 30 * day), detail: 'x' });

    expect(await store.pruneFleetHistory(new Date(now - 14 * day))).toBe(1);
    expect((await store.listHeartbeats(k1.id, new Date(0), 10)).map((h) => (h.at.getTime() - now) / day)).toEqual([-1, -10]);
    expect((await store.listFleetAlerts(k1.id, new Date(0), 10)).map((a) => a.id).sort()).toEqual([recentCleared.id, recentCleared.id + 1]);
  });

  it('prunes on its own clock, hourly, after historyDays', async () => {
    monitor.heartbeat(k1, HEALTHY);
    await monitor.flush();
    clock.advance(14 * 86_400_000 + 3_600_000);
    await monitor.flush();
    await monitor.settled();
    expect(await store.listHeartbeats(k1.id, new Date(0), 10)).toEqual([]);
    expect(logs).toContain('info fleet history pruned [heartbeats:1]');
  });

  it('a store that fails an alert write is retried by the next heartbeat', async () => {
    const raise = store.raiseFleetAlert.bind(store);
    let fail = true;
    store.raiseFleetAlert = (a) => (fail ? Promise.reject(new Error('disk full')) : raise(a));
    monitor.heartbeat(k1, { ...HEALTHY, printer: 'paper-out' });
    await monitor.settled();
    expect(logs.some((l) => l.startsWith('error fleet alert not stored [kiosk:k-lib-1, kind:paper-out]'))).toBe(true);
    expect(monitor.health(k1).alerts).toEqual([]);
    fail = false;
    monitor.heartbeat(k1, { ...HEALTHY, printer: 'paper-out' });
    await monitor.settled();
    expect(monitor.health(k1).alerts.map((a) => a.kind)).toEqual(['paper-out']);
  });
});
