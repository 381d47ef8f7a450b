/**
 * The technicians' fleet view: kiosks grouped by site, each with a health
 * badge, last seen, its devices and a sparkline of round trip and uptime;
 * alerts as they are raised and cleared. Selecting a kiosk opens its detail
 * page (history chart and table, alert log). Kept current by the fleet
 * socket (fleetState.ts); nothing here shows resident data, there is none.
 *
 * The list's sparklines are small SVG polylines, not uPlot: a fleet has
 * hundreds of rows and a uPlot per row is a canvas and a ResizeObserver
 * each. The detail page's chart is uPlot, as the supervisors' charts are.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { FleetAlert, KioskHealth, KioskHealthDetail, KioskProfileState } from '@citizen/protocol';
import { api } from '../api';
import { Chart, colour } from '../supervision/Chart';
import { browserFleetSocket, createFleetState, type FleetState } from './fleetState';
import { AddKiosk, KioskIdentityActions } from './Enrolment';
import { AssignProfile, ProfileCell, Profiles } from './Profiles';
import { AuditLog } from './AuditLog';
import { RemoteActions } from './RemoteActions';
import './fleet.css';

/** An administrator's work area: their accounts screen first, the fleet beside it. */
export function WithFleet({ label, children }: { label: string; children: ComponentChildren }) {
  const [screen, setScreen] = useState<'other' | 'fleet'>('other');
  return (
    <>
      <nav class="screens" aria-label="Screens">
        {(['other', 'fleet'] as const).map((id) => (
          <button key={id} type="button" class={screen === id ? undefined : 'secondary'} aria-pressed={screen === id} onClick={() => setScreen(id)}>
            {id === 'fleet' ? 'Fleet' : label}
          </button>
        ))}
      </nav>
      {screen === 'fleet' ? <Fleet /> : children}
    </>
  );
}

export function Fleet() {
  const fleet = useMemo(() => createFleetState(api, { connect: browserFleetSocket }), []);
  const [selected, setSelected] = useState<string | null>(null);
  const [view, setView] = useState<'kiosks' | 'profiles'>('kiosks');
  useEffect(() => {
    fleet.start();
    return () => fleet.stop();
  }, [fleet]);
  const kiosk = selected ? fleet.kiosks.value.get(selected) : undefined;
  if (kiosk) return <KioskDetail kiosk={kiosk} profile={fleet.profiles.value.get(kiosk.id)} fleet={fleet} onBack={() => setSelected(null)} />;
  return (
    <>
      <nav class="screens" aria-label="Fleet views">
        {(['kiosks', 'profiles'] as const).map((id) => (
          <button key={id} type="button" class={view === id ? undefined : 'secondary'} aria-pressed={view === id} onClick={() => setView(id)}>
            {id === 'kiosks' ? 'Kiosks' : 'Profiles'}
          </button>
        ))}
      </nav>
      {view === 'profiles' ? <Profiles /> : <FleetList fleet={fleet} onSelect={setSelected} />}
    </>
  );
}

const ALERT_LABEL: Record<FleetAlert['kind'], string> = {
  offline: 'Offline',
  'paper-out': 'Paper out',
  'reader-missing': 'Card reader missing',
  'renderer-crashes': 'Screen keeps crashing',
};

function FleetList({ fleet, onSelect }: { fleet: FleetState; onSelect: (id: string) => void }) {
  const { online, offline, alerts } = fleet.counts.value;
  return (
    <section class="fleet" data-testid="fleet">
      <div class="desk-bar">
        <h2>Fleet</h2>
        <span class={`conn ${fleet.connection.value === 'live' ? 'open' : 'reconnecting'}`} data-testid="fleet-connection">
          {fleet.connection.value === 'live' ? 'live' : fleet.connection.value}
        </span>
        <span>
          {online} online · {offline} offline · {alerts} alerts
        </span>
      </div>
      {fleet.error.value && <p role="alert">{fleet.error.value}</p>}
      <AddKiosk />
      <div class="panel wide" aria-live="polite">
        <h3>Alerts</h3>
        <ul class="alerts" data-testid="fleet-alerts">
          {[...fleet.kiosks.value.values()].flatMap((k) =>
            k.alerts.map((a) => (
              <li key={a.id} data-alert={a.kind} class="alert">
                <strong>{ALERT_LABEL[a.kind]}</strong> · {k.name} ({k.site}) · since {time(a.raisedAt)} · {a.detail}
              </li>
            )),
          )}
        </ul>
        {fleet.feed.value.length > 0 && (
          <details>
            <summary>Raised and cleared while this view was open</summary>
            <ul data-testid="fleet-feed">
              {fleet.feed.value.map((a) => (
                <li key={`${a.id}-${a.clearedAt ?? 'raised'}`}>
                  {a.clearedAt ? `${time(a.clearedAt)} cleared` : `${time(a.raisedAt)} raised`}: {ALERT_LABEL[a.kind]} at {a.kioskId}
                </li>
              ))}
            </ul>
          </details>
        )}
      </div>
      {fleet.bySite.value.map(({ site, kiosks }) => (
        <div class="panel wide" key={site}>
          <h3>{site}</h3>
          <table class="fleet-table" data-testid="fleet-site">
            <thead>
              <tr>
                <th>Kiosk</th>
                <th>Health</th>
                <th>Last seen</th>
                <th>Devices</th>
                <th>Round trip</th>
                <th>Uptime</th>
                <th>Profile</th>
              </tr>
            </thead>
            <tbody>
              {kiosks.map((k) => (
                <tr key={k.id} data-kiosk={k.id}>
                  <td>
                    <button type="button" class="link" onClick={() => onSelect(k.id)}>
                      {k.name}
                    </button>
                    <div class="muted">{k.id}</div>
                  </td>
                  <td>
                    <Badge kiosk={k} />
                  </td>
                  <td>{k.lastHeartbeatAt ? time(k.lastHeartbeatAt) : 'never'}</td>
                  <td>
                    <Devices kiosk={k} />
                  </td>
                  <td>
                    <Sparkline label="round trip, ms" values={k.recent.map((p) => p.rttMs)} />
                    <span class="muted">{k.last?.rttMs != null ? `${k.last.rttMs} ms` : '–'}</span>
                  </td>
                  <td>
                    <Sparkline label="uptime, hours" values={k.recent.map((p) => p.uptimeSeconds / 3600)} />
                    <span class="muted">{k.last ? duration(k.last.uptimeSeconds) : '–'}</span>
                  </td>
                  <td>
                    <ProfileCell state={fleet.profiles.value.get(k.id)} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}

function Badge({ kiosk }: { kiosk: KioskHealth }) {
  const state = kiosk.status === 'online' && kiosk.alerts.length > 0 ? 'alert' : kiosk.status;
  const text = { online: 'Online', offline: 'Offline', never: 'Not yet seen', alert: 'Needs attention' }[state];
  return (
    <span class={`badge ${state}`} data-testid="health-badge" data-status={kiosk.status}>
      {text}
    </span>
  );
}

const PRINTER_TEXT = { ok: 'ok', 'paper-near-end': 'paper low', 'paper-out': 'paper out', 'cover-open': 'cover open', offline: 'offline' } as const;

function Devices({ kiosk }: { kiosk: KioskHealth }) {
  const hb = kiosk.last;
  if (!hb) return <span class="muted">–</span>;
  const items: [string, string, boolean][] = [
    ['printer', PRINTER_TEXT[hb.printer], hb.printer === 'ok' || hb.printer === 'paper-near-end'],
    ['card reader', hb.cardReader, hb.cardReader === 'connected'],
    ['camera', hb.camera, hb.camera === 'working'],
    ['microphone', hb.microphone, hb.microphone === 'working'],
    ['speaker', hb.speaker, hb.speaker !== 'failing'],
  ];
  return (
    <ul class="devices" data-testid="devices">
      {items.map(([name, state, fine]) => (
        <li key={name} class={fine ? 'fine' : 'bad'} data-device={name}>
          {name}: {state}
        </li>
      ))}
    </ul>
  );
}

/** A polyline over the last points; gaps (null) break the line. */
function Sparkline({ values, label }: { values: readonly (number | null)[]; label: string }) {
  const w = 90;
  const h = 24;
  const nums = values.filter((v): v is number => v !== null);
  if (nums.length < 2) return <svg class="spark" width={w} height={h} role="img" aria-label={`${label}: not enough data`} />;
  const max = Math.max(...nums);
  const min = Math.min(...nums);
  const span = max - min || 1;
  const step = w / Math.max(1, values.length - 1);
  const segments: string[][] = [[]];
  values.forEach((v, i) => {
    if (v === null) segments.push([]);
    else segments.at(-1)!.push(`${(i * step).toFixed(1)},${(h - 2 - ((v - min) / span) * (h - 4)).toFixed(1)}`);
  });
  return (
    <svg class="spark" width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={`${label}: ${nums.at(-1)!.toFixed(0)}`}>
      {segments
        .filter((s) => s.length > 1)
        .map((s, i) => (
          <polyline key={i} points={s.join(' ')} fill="none" stroke="#0072b2" stroke-width="1.5" />
        ))}
    </svg>
  );
}

function KioskDetail({ kiosk, profile, fleet, onBack }: { kiosk: KioskHealth; profile: KioskProfileState | undefined; fleet: FleetState; onBack: () => void }) {
  const [detail, setDetail] = useState<KioskHealthDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Reloaded when a push changes the kiosk (a new heartbeat, an alert).
  useEffect(() => {
    api.fleetKiosk(kiosk.id).then(setDetail, (e: unknown) => setError(String(e)));
  }, [kiosk.id, kiosk.lastHeartbeatAt, kiosk.alerts.length]);
  // The audit log is read again when the kiosk's profile or one of its remote actions changes.
  const lastActionAt = [...fleet.actions.value.values()].filter((a) => a.kioskId === kiosk.id).reduce((m, a) => (a.updatedAt > m ? a.updatedAt : m), '');
  const auditChanges = useMemo(() => ({}), [profile, lastActionAt]);
  const history = detail ? [...detail.history].reverse() : [];
  const data = useMemo(
    () => [history.map((h) => Date.parse(h.at) / 1000), history.map((h) => h.heartbeat.rttMs), history.map((h) => h.heartbeat.uptimeSeconds / 3600)] as [number[], (number | null)[], number[]],
    [detail],
  );
  return (
    <section class="fleet" data-testid="kiosk-detail">
      <div class="desk-bar">
        <button type="button" class="secondary" onClick={onBack}>
          Back to the fleet
        </button>
        <h2>
          {kiosk.name} <span class="muted">{kiosk.id}</span>
        </h2>
        <Badge kiosk={kiosk} />
      </div>
      <p>
        {kiosk.site} · last seen {kiosk.lastHeartbeatAt ? time(kiosk.lastHeartbeatAt) : 'never'} · version {kiosk.last?.appVersion ?? '–'}
      </p>
      <Devices kiosk={kiosk} />
      <KioskIdentityActions kioskId={kiosk.id} />
      <AssignProfile kioskId={kiosk.id} state={profile} />
      <RemoteActions kioskId={kiosk.id} fleet={fleet} />
      {error && <p role="alert">{error}</p>}
      {detail && (
        <>
          <div class="panel wide">
            <h3>Last 24 hours</h3>
            <Chart
              testId="kiosk-history-chart"
              label="Round trip and uptime over the last 24 hours"
              shape="kiosk-history"
              height={180}
              data={data}
              options={{
                series: [{}, { label: 'Round trip (ms)', stroke: colour(0), scale: 'ms' }, { label: 'Uptime (h)', stroke: colour(1), scale: 'h' }],
                axes: [{}, { scale: 'ms', label: 'ms' }, { scale: 'h', side: 1, label: 'h', grid: { show: false } }],
              }}
            />
          </div>
          <div class="panel wide">
            <h3>Alerts</h3>
            {detail.alerts.length === 0 ? (
              <p class="muted">None in the last 24 hours.</p>
            ) : (
              <ul data-testid="kiosk-alert-log">
                {detail.alerts.map((a) => (
                  <li key={a.id}>
                    {ALERT_LABEL[a.kind]}: {time(a.raisedAt)} – {a.clearedAt ? time(a.clearedAt) : 'now'} · {a.detail}
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div class="panel wide">
            <h3>Heartbeats</h3>
            <table class="fleet-table" data-testid="heartbeat-history">
              <thead>
                <tr>
                  <th>At</th>
                  <th>Round trip</th>
                  <th>Uptime</th>
                  <th>Printer</th>
                  <th>Card reader</th>
                  <th>Camera</th>
                  <th>Microphone</th>
                  <th>Speaker</th>
                  <th>Crashes</th>
                </tr>
              </thead>
              <tbody>
                {detail.history.slice(0, 100).map((h) => (
                  <tr key={h.at}>
                    <td>{time(h.at)}</td>
                    <td>{h.heartbeat.rttMs ?? '–'}</td>
                    <td>{duration(h.heartbeat.uptimeSeconds)}</td>
                    <td>{h.heartbeat.printer}</td>
                    <td>{h.heartbeat.cardReader}</td>
                    <td>{h.heartbeat.camera}</td>
                    <td>{h.heartbeat.microphone}</td>
                    <td>{h.heartbeat.speaker}</td>
                    <td>{h.heartbeat.rendererCrashes}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      <AuditLog kioskId={kiosk.id} changes={auditChanges} />
    </section>
  );
}

const time = (iso: string): string => new Date(iso).toLocaleString();

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min`;
}
