/**
 * Enrolling kiosks from the fleet view: a new kiosk record gives a one-time
 * code to type on the kiosk's provisioning screen (shown here once; the
 * server keeps only its hash); an existing kiosk can get a new code (after a
 * hardware swap: its key is replaced when the code is used) or be revoked
 * (its key, tokens and open socket stop working at once). Every step is
 * audited by the server.
 */
import { useState } from 'preact/hooks';
import type { EnrolmentCode } from '@citizen/protocol';
import { api } from '../api';

const errorText = (e: unknown): string => (e as { message?: string }).message ?? String(e);

/** The code, large and spaced for reading to someone at the kiosk, and when it stops working. */
function CodeCard({ enrolment, kioskId }: { enrolment: EnrolmentCode; kioskId: string }) {
  return (
    <div class="notice" role="status" data-testid="enrolment-code">
      <p>
        Type this code on the provisioning screen of <strong>{kioskId}</strong>. It works once, until{' '}
        {new Date(enrolment.expiresAt).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}.
      </p>
      <p class="code" data-code={enrolment.code}>
        {enrolment.code}
      </p>
    </div>
  );
}

export function AddKiosk() {
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState({ id: '', name: '', location: '', languages: 'da, en' });
  const [result, setResult] = useState<{ kioskId: string; enrolment: EnrolmentCode } | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!open)
    return (
      <button type="button" onClick={() => setOpen(true)} data-testid="add-kiosk">
        Add a kiosk
      </button>
    );
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    try {
      const languages = form.languages.split(/[\s,]+/).filter(Boolean);
      const r = await api.enrolKiosk({ id: form.id.trim(), name: form.name.trim(), location: form.location.trim(), languages });
      setResult({ kioskId: r.kiosk.id, enrolment: r.enrolment });
    } catch (err) {
      setError(errorText(err));
    }
  };
  const field = (key: keyof typeof form, label: string, hint?: string) => (
    <label>
      {label}
      <input value={form[key]} onInput={(e) => setForm({ ...form, [key]: e.currentTarget.value })} required data-testid={`kiosk-${key}`} />
      {hint && <small>{hint}</small>}
    </label>
  );
  return (
    <div class="panel wide" data-testid="add-kiosk-form">
      <h3>Add a kiosk</h3>
      {result ? (
        <>
          <CodeCard enrolment={result.enrolment} kioskId={result.kioskId} />
          <button type="button" class="secondary" onClick={() => (setResult(null), setOpen(false))}>
            Done
          </button>
        </>
      ) : (
        <form onSubmit={(e) => void submit(e)} class="stack">
          {field('id', 'Kiosk id', 'Lower case, e.g. k-library-north-1')}
          {field('name', 'Name')}
          {field('location', 'Site and place', 'e.g. Main library, entrance hall')}
          {field('languages', 'Languages', 'Codes, e.g. da, en, ar')}
          {error && <p role="alert">{error}</p>}
          <div class="row">
            <button type="submit" data-testid="create-kiosk">
              Create and get a code
            </button>
            <button type="button" class="secondary" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

/** On a kiosk's detail page: a new enrolment code, or revocation (asked twice). */
export function KioskIdentityActions({ kioskId }: { kioskId: string }) {
  const [code, setCode] = useState<EnrolmentCode | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const newCode = async (): Promise<void> => {
    try {
      setCode(await api.newEnrolmentCode(kioskId));
      setMessage(null);
    } catch (err) {
      setMessage(errorText(err));
    }
  };
  const revoke = async (): Promise<void> => {
    setConfirming(false);
    try {
      const r = await api.revokeKiosk(kioskId);
      setMessage(`Revoked: the kiosk is refused everywhere${r.closedSockets ? ` and its connection (${r.closedSockets}) was closed` : ''}. A new code brings it back.`);
    } catch (err) {
      setMessage(errorText(err));
    }
  };
  return (
    <div class="panel wide" data-testid="kiosk-identity">
      <h3>Identity</h3>
      <div class="row">
        <button type="button" class="secondary" onClick={() => void newCode()} data-testid="new-enrolment-code">
          New enrolment code
        </button>
        {confirming ? (
          <>
            <button type="button" class="danger" onClick={() => void revoke()} data-testid="confirm-revoke">
              Revoke {kioskId} now
            </button>
            <button type="button" class="secondary" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </>
        ) : (
          <button type="button" class="secondary" onClick={() => setConfirming(true)} data-testid="revoke-kiosk">
            Revoke…
          </button>
        )}
      </div>
      {code && <CodeCard enrolment={code} kioskId={kioskId} />}
      {message && (
        <p role="status" data-testid="identity-message">
          {message}
        </p>
      )}
    </div>
  );
}
