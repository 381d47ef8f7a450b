import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { Desk } from './call/Desk';
import { browserConnect, createDeskState, type DeskState } from './call/deskState';
import type { Kiosk, User } from '@citizen/protocol';
import { api } from './api';
import type { SessionState } from './state';
import { Account } from './account/Account';
import { Users } from './admin/Users';
import { Supervisor } from './supervision/Supervisor';
import { Agent } from './agent/Agent';
import { CasesProvider } from './cases/CasesContext';
import { Fleet, WithFleet } from './fleet/Fleet';

export const SessionContext = createContext<SessionState | null>(null);
const useSession = (): SessionState => {
  const s = useContext(SessionContext);
  if (!s) throw new Error('SessionContext missing');
  return s;
};

export function App() {
  const state = useSession();
  const { session, signOut } = state;
  const [view, setView] = useState<'work' | 'account'>('work');
  const s = session.value;
  if (s.state === 'checking') return <p class="center">Loading…</p>;
  if (s.state === 'signed-out') return <SignIn error={s.error} />;
  if (s.state === 'code') return <CodeStep error={s.error} />;
  return (
    <div class="shell">
      <header class="topbar">
        <strong>Citizen Service · Agent console</strong>
        <span data-testid="signed-in-as">
          {s.user.displayName} ({s.user.role})
        </span>
        <button type="button" aria-pressed={view === 'account'} onClick={() => setView(view === 'account' ? 'work' : 'account')}>
          {view === 'account' ? 'Back' : 'Account'}
        </button>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main>
        {/* The desk stays mounted while the account page shows, so a call or the queue is not dropped. */}
        <div hidden={view !== 'work'}>
          <CasesProvider userId={s.user.id}>
            <Work user={s.user} shown={view === 'work'} />
          </CasesProvider>
        </div>
        {view === 'account' && <Account api={api} session={state} />}
      </main>
    </div>
  );
}

/** What each role works with: agents the call desk and cases, supervisors the desk with the live view, reports and cases, technicians the fleet and the kiosks, administrators the accounts and the fleet. */
function Work({ user, shown }: { user: User; shown: boolean }) {
  switch (user.role) {
    case 'agent':
      return <AgentWork user={user} />;
    case 'supervisor':
      return (
        <Supervisor
          shown={shown}
          desk={
            <>
              <DeskHost user={user} />
              <KioskList />
            </>
          }
        />
      );
    case 'technician':
      return (
        <>
          <Fleet />
          <KioskList />
        </>
      );
    case 'admin':
      return (
        <WithFleet label="Accounts">
          <Users api={api} self={user} />
        </WithFleet>
      );
  }
}

function SignIn({ error }: { error: string | null }) {
  const { signIn } = useSession();
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="signin"
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        setBusy(true);
        void signIn(String(data.get('username') ?? ''), String(data.get('password') ?? '')).finally(() => setBusy(false));
      }}
    >
      <h1>Sign in</h1>
      <label>
        Username <input name="username" autocomplete="username" required />
      </label>
      <label>
        Password <input name="password" type="password" autocomplete="current-password" required />
      </label>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        Sign in
      </button>
    </form>
  );
}

/** The second sign-in step, for accounts with two-step sign-in on. */
function CodeStep({ error }: { error: string | null }) {
  const { submitCode, cancelCode } = useSession();
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="signin"
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        setBusy(true);
        void submitCode(String(data.get('code') ?? '')).finally(() => setBusy(false));
      }}
    >
      <h1>Two-step sign-in</h1>
      <label>
        Code from your authenticator app <input name="code" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required autoFocus />
      </label>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        Continue
      </button>
      <button type="button" class="secondary" onClick={cancelCode}>
        Start over
      </button>
    </form>
  );
}

/** An agent's desk and cases; a call offered brings the desk to the front. */
function AgentWork({ user }: { user: User }) {
  const [desk, setDesk] = useState<DeskState | null>(null);
  return <Agent desk={<DeskHost user={user} onDesk={setDesk} />} offered={desk?.offer.value != null} />;
}

/** One desk (one signalling socket) per signed-in agent or supervisor; closed on sign-out. `onDesk` hears of it. */
function DeskHost({ user, onDesk }: { user: User; onDesk?: (desk: DeskState | null) => void }) {
  const [desk, setDesk] = useState<DeskState | null>(null);
  useEffect(() => {
    const d = createDeskState(browserConnect());
    setDesk(d);
    onDesk?.(d);
    if (new URLSearchParams(location.search).has('debug')) (window as unknown as { __desk: DeskState }).__desk = d;
    return () => {
      onDesk?.(null);
      d.close();
    };
  }, [user.id]);
  return (
    <>
      <p>
        You serve residents in: <span data-testid="agent-languages">{Object.keys(user.skills.languages).join(', ')}</span>.
      </p>
      {desk && <Desk desk={desk} user={user} />}
    </>
  );
}

function KioskList() {
  const [kiosks, setKiosks] = useState<Kiosk[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.kiosks().then(
      (r) => setKiosks(r.kiosks),
      (e: unknown) => setError(String(e)),
    );
  }, []);
  if (error) return <p role="alert">{error}</p>;
  if (!kiosks) return <p>Loading kiosks…</p>;
  return (
    <section>
      <h2>Kiosks</h2>
      <table data-testid="kiosk-table">
        <thead>
          <tr>
            <th>Id</th>
            <th>Name</th>
            <th>Location</th>
            <th>Languages</th>
            <th>Last seen</th>
          </tr>
        </thead>
        <tbody>
          {kiosks.map((k) => (
            <tr key={k.id}>
              <td>{k.id}</td>
              <td>{k.name}</td>
              <td>{k.location}</td>
              <td>{k.languages.join(', ')}</td>
              <td>{k.lastSeenAt ? new Date(k.lastSeenAt).toLocaleString() : 'never'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
