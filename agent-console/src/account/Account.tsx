import { useMemo, useState } from 'preact/hooks';
import type { Api } from '../api';
import type { SessionState } from '../state';
import { createAccountState } from './accountState';

const time = (d: Date): string => d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });

/** The signed-in user's own sessions and second factor. */
export function Account({ api, session }: { api: Api; session: SessionState }) {
  const account = useMemo(() => createAccountState(api, session), [api, session]);
  const s = session.session.value;
  if (s.state !== 'signed-in') return null;
  const e = account.enrolment.value;
  return (
    <section class="account" data-testid="account">
      <h2>Your account</h2>
      <p>
        Signed in as {s.user.displayName} ({s.user.username}) until {time(s.expiresAt)} at the latest; unused, the session ends at {time(s.idleExpiresAt)}.
      </p>
      {account.notice.value && (
        <p role="status" class="notice">
          {account.notice.value}
        </p>
      )}
      {account.error.value && (
        <p role="alert" class="error">
          {account.error.value}
        </p>
      )}

      <h3>Two-step sign-in</h3>
      <p data-testid="totp-state">{s.totpEnabled ? 'On: sign-in asks for a code from your authenticator app.' : 'Off: sign-in asks for your password only.'}</p>
      {!s.totpEnabled && e.step === 'idle' && (
        <button type="button" disabled={account.busy.value} onClick={() => void account.startEnrolment()}>
          Set up two-step sign-in
        </button>
      )}
      {!s.totpEnabled && e.step === 'scan' && (
        <div class="enrol">
          <p>Scan this code with your authenticator app, then enter the 6-digit code it shows (before {time(e.expiresAt)}).</p>
          <img src={e.qrDataUrl} alt="QR code for your authenticator app" width={220} height={220} data-testid="totp-qr" />
          <p>
            Cannot scan? Enter this key: <code data-testid="totp-secret">{e.secret}</code>
          </p>
          <CodeForm label="Code from the app" action="Turn on" busy={account.busy.value} onCode={(c) => account.confirm(c)} />
          <button type="button" class="secondary" onClick={account.cancelEnrolment}>
            Cancel
          </button>
        </div>
      )}
      {s.totpEnabled && <CodeForm label="Code from the app, to turn it off" action="Turn off" busy={account.busy.value} onCode={(c) => account.disable(c)} />}

      <h3>Sessions</h3>
      <p>Signed in somewhere you no longer are, or lost a device? This ends every session of your account, this one too.</p>
      <button type="button" class="danger" disabled={account.busy.value} onClick={() => void account.signOutEverywhere()}>
        Sign out everywhere
      </button>
    </section>
  );
}

function CodeForm({ label, action, busy, onCode }: { label: string; action: string; busy: boolean; onCode: (code: string) => Promise<void> }) {
  const [code, setCode] = useState('');
  return (
    <form
      class="row"
      onSubmit={(ev) => {
        ev.preventDefault();
        void onCode(code).then(() => setCode(''));
      }}
    >
      <label>
        {label}{' '}
        <input
          name="code"
          inputMode="numeric"
          autocomplete="one-time-code"
          pattern="[0-9 ]{6,7}"
          required
          value={code}
          onInput={(ev) => setCode(ev.currentTarget.value)}
        />
      </label>
      <button type="submit" disabled={busy}>
        {action}
      </button>
    </form>
  );
}
