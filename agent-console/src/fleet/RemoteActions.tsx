/**
 * Remote actions on a kiosk's page (technicians and administrators: the only
 * ones who reach the fleet view): restart the app, reload the screen, run the
 * self-test, print a test page. Each waits while a resident uses the kiosk
 * unless "do it now" is ticked; then the resident is told first. The list
 * below shows each action's state as the fleet socket pushes it
 * (kioskAction), and a self-test's report as a table.
 */
import { useEffect, useState } from 'preact/hooks';
import type { KioskAction, KioskActionName, SelfTestReport } from '@citizen/protocol';
import { api } from '../api';
import type { FleetState } from './fleetState';

const ACTIONS: { action: KioskActionName; label: string; hint: string }[] = [
  { action: 'restart', label: 'Restart app', hint: 'The kiosk app starts again: devices, connection and screen.' },
  { action: 'reload', label: 'Reload screen', hint: 'The kiosk screen loads again.' },
  { action: 'self-test', label: 'Run self-test', hint: 'Printer, card reader, connection, camera, microphone and speaker.' },
  { action: 'test-page', label: 'Print test page', hint: 'Checks the printer and prints a page with the kiosk’s name, id and a test pattern.' },
];
const LABEL = Object.fromEntries(ACTIONS.map((a) => [a.action, a.label])) as Record<KioskActionName, string>;

const STATE_LABEL: Record<KioskAction['state'], string> = {
  requested: 'Waiting for the kiosk to connect',
  sent: 'Sent to the kiosk',
  deferred: 'Waiting for the resident to finish',
  running: 'Running',
  succeeded: 'Done',
  failed: 'Failed',
  expired: 'Expired (did not start in time)',
};
const STATE_CLASS: Record<KioskAction['state'], string> = {
  requested: 'never',
  sent: 'never',
  deferred: 'alert',
  running: 'online',
  succeeded: 'online',
  failed: 'offline',
  expired: 'offline',
};

export function RemoteActions({ kioskId, fleet }: { kioskId: string; fleet: Pick<FleetState, 'actions' | 'putActions'> }) {
  const [force, setForce] = useState<Partial<Record<KioskActionName, boolean>>>({});
  const [busy, setBusy] = useState<KioskActionName | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.kioskActions(kioskId).then(
      (list) => fleet.putActions(list.actions),
      (e: unknown) => setError(`Could not read the kiosk's actions: ${e instanceof Error ? e.message : String(e)}`),
    );
  }, [kioskId]);
  const mine = [...fleet.actions.value.values()].filter((a) => a.kioskId === kioskId).sort((a, b) => b.id - a.id).slice(0, 20);

  const run = async (action: KioskActionName): Promise<void> => {
    setBusy(action);
    setError(null);
    try {
      fleet.putActions([await api.requestKioskAction(kioskId, { action, force: force[action] === true })]);
      setForce((f) => ({ ...f, [action]: false }));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div class="panel wide" data-testid="remote-actions">
      <h3 id="remote-actions-title">Remote actions</h3>
      <p class="muted">An action waits while a resident is using the kiosk, and runs when they finish. Every action is recorded in the audit log.</p>
      <ul class="remote-actions" aria-labelledby="remote-actions-title">
        {ACTIONS.map(({ action, label, hint }) => (
          <li key={action}>
            <button type="button" disabled={busy !== null} aria-describedby={`hint-${action}`} onClick={() => void run(action)}>
              {busy === action ? `${label}…` : label}
            </button>
            <span id={`hint-${action}`} class="muted">
              {hint}
            </span>
            <label>
              <input type="checkbox" checked={force[action] === true} onChange={(e) => setForce((f) => ({ ...f, [action]: e.currentTarget.checked }))} />
              Do it now even if a resident is using the kiosk (they will be told)
            </label>
          </li>
        ))}
      </ul>
      {error && <p role="alert">{error}</p>}
      <h4 id="action-list-title">Recent actions</h4>
      {mine.length === 0 ? (
        <p class="muted">None yet.</p>
      ) : (
        <table class="fleet-table" data-testid="kiosk-actions" aria-labelledby="action-list-title">
          <thead>
            <tr>
              <th>Asked</th>
              <th>Action</th>
              <th>By</th>
              <th>State</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody aria-live="polite">
            {mine.map((a) => (
              <tr key={a.id} data-testid={`kiosk-action-${a.id}`}>
                <td>{new Date(a.requestedAt).toLocaleString()}</td>
                <td>
                  {LABEL[a.action]}
                  {a.force ? ' (now)' : ''}
                </td>
                <td>{a.requestedBy.username}</td>
                <td>
                  <span class={`badge ${STATE_CLASS[a.state]}`} data-testid="action-state">
                    {STATE_LABEL[a.state]}
                  </span>
                </td>
                <td>
                  {a.reason && <p>{a.reason}</p>}
                  {a.report && <SelfTestTable report={a.report} caption={`${LABEL[a.action]}, ${new Date(a.report.startedAt).toLocaleString()}`} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

const RESULT_LABEL = { ok: 'OK', failed: 'Failed', skipped: 'Skipped' } as const;
const CHECK_LABEL: Record<SelfTestReport['checks'][number]['name'], string> = {
  printer: 'Printer',
  testPage: 'Test page',
  cardReader: 'Card reader',
  uplink: 'Connection to the server',
  camera: 'Camera',
  microphone: 'Microphone',
  speaker: 'Speaker',
};

function SelfTestTable({ report, caption }: { report: SelfTestReport; caption: string }) {
  return (
    <table class="fleet-table selftest" data-testid="selftest-report">
      <caption>
        {caption}: {report.ok ? 'no check failed' : 'a check failed'} ({report.durationMs} ms)
      </caption>
      <thead>
        <tr>
          <th scope="col">Check</th>
          <th scope="col">Result</th>
          <th scope="col">Detail</th>
          <th scope="col">Duration</th>
        </tr>
      </thead>
      <tbody>
        {report.checks.map((c) => (
          <tr key={c.name} class={c.result === 'failed' ? 'bad' : undefined}>
            <th scope="row">{CHECK_LABEL[c.name]}</th>
            <td>{RESULT_LABEL[c.result]}</td>
            <td>{c.detail}</td>
            <td>{c.durationMs} ms</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
