/**
 * A kiosk's audit log on its page: who created, enrolled, revoked or
 * configured it, and the remote actions run on it with their results
 * (GET /api/kiosks/:id/audit, newest first). Device facts only: nothing of
 * any resident is ever audited here.
 */
import { useEffect, useState } from 'preact/hooks';
import type { KioskAuditEntry } from '@citizen/protocol';
import { api } from '../api';

/** Plain words for the actions the server records; an action added later shows as its name. */
const ACTION_LABEL: Record<string, string> = {
  created: 'Kiosk record created',
  'code-issued': 'Enrolment code issued',
  enrolled: 'Enrolled (key bound)',
  revoked: 'Revoked',
  'profile-assigned': 'Profile assigned',
  'profile-version': 'Profile version to apply',
  'profile-applied': 'Profile applied',
  'profile-failed': 'Profile could not be applied',
  'action-requested': 'Remote action requested',
};

/** What the kiosk (or booth-server) reported of a remote action: `action-result` entries carry the state as `outcome`. */
const OUTCOME_LABEL: Record<string, string> = {
  deferred: 'waits for the resident to finish',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  expired: 'expired (the kiosk did not run it in time)',
};

function what(e: KioskAuditEntry): string {
  if (e.action === 'action-result') {
    const outcome = typeof e.data.outcome === 'string' ? e.data.outcome : '';
    return `Remote action ${typeof e.data.action === 'string' ? e.data.action : ''}: ${OUTCOME_LABEL[outcome] ?? outcome}`.replace(/\s+:/, ':');
  }
  return ACTION_LABEL[e.action] ?? e.action;
}

const who = (a: KioskAuditEntry['actor']): string => (a.kind === 'user' ? `${a.displayName} (${a.username})` : a.kind === 'kiosk' ? 'the kiosk' : 'booth-server');

const details = (data: KioskAuditEntry['data']): string =>
  Object.entries(data)
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(' · ');

/** `changes`: anything that moves when the kiosk's log may have grown (a push, a profile acknowledgement); the log is read again. */
export function AuditLog({ kioskId, changes }: { kioskId: string; changes: unknown }) {
  const [entries, setEntries] = useState<KioskAuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reads, setReads] = useState(0);
  useEffect(() => {
    let live = true;
    api.kioskAudit(kioskId).then(
      (list) => live && (setEntries(list.entries), setError(null)),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => void (live = false);
  }, [kioskId, changes, reads]);
  return (
    <div class="panel wide">
      <div class="desk-bar">
        <h3 id="audit-log-title">Audit log</h3>
        <button type="button" class="secondary" onClick={() => setReads((n) => n + 1)}>
          Refresh
        </button>
      </div>
      {error && <p role="alert">Could not read the audit log: {error}</p>}
      {entries && entries.length === 0 && <p class="muted">Nothing recorded yet.</p>}
      {entries && entries.length > 0 && (
        <table class="fleet-table" data-testid="kiosk-audit-log" aria-labelledby="audit-log-title">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>What</th>
              <th>Details</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e, i) => (
              <tr key={`${e.at}-${i}`}>
                <td>{new Date(e.at).toLocaleString()}</td>
                <td>{who(e.actor)}</td>
                <td>{what(e)}</td>
                <td>{details(e.data)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
