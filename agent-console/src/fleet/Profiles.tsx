/**
 * Kiosk configuration profiles for technicians and administrators: every
 * profile with its current version, a profile's history with a roll-back
 * button per older version, and a new version edited as JSON (the server
 * checks it and names the field that is wrong, shown as it says). Per kiosk,
 * the version it should run and the one it runs (ProfileCell, on the fleet
 * list) and the assignment (AssignProfile, on a kiosk's page).
 */
import { useEffect, useState } from 'preact/hooks';
import type { KioskProfileState, ProfileHistory, ProfileSummary } from '@citizen/protocol';
import { ApiError, api } from '../api';

const message = (e: unknown): string => (e instanceof ApiError ? `${e.message}${e.fix ? ` (${e.fix})` : ''}` : String(e));

export function Profiles() {
  const [profiles, setProfiles] = useState<readonly ProfileSummary[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = (): void => void api.profiles().then((p) => setProfiles(p.profiles), (e: unknown) => setError(message(e)));
  useEffect(reload, []);
  return (
    <section class="fleet" data-testid="profiles">
      <div class="desk-bar">
        <h2>Configuration profiles</h2>
      </div>
      {error && <p role="alert">{error}</p>}
      <div class="panel wide">
        <table class="fleet-table">
          <thead>
            <tr>
              <th>Profile</th>
              <th>Current version</th>
              <th>Kiosks</th>
              <th>Changed</th>
            </tr>
          </thead>
          <tbody>
            {(profiles ?? []).map((p) => (
              <tr key={p.profile} data-profile={p.profile}>
                <td>
                  <button type="button" class="link" aria-pressed={selected === p.profile} onClick={() => setSelected(p.profile)}>
                    {p.profile}
                  </button>
                </td>
                <td>{p.current.version}</td>
                <td>{p.kiosks}</td>
                <td>{new Date(p.current.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <NewProfile onCreated={(name) => (reload(), setSelected(name))} />
      </div>
      {selected && <ProfileDetail key={selected} name={selected} onChanged={reload} />}
    </section>
  );
}

function NewProfile({ onCreated }: { onCreated: (name: string) => void }) {
  const [name, setName] = useState('');
  return (
    <form
      class="inline"
      onSubmit={(e) => {
        e.preventDefault();
        if (name) onCreated(name);
      }}
    >
      <label>
        New profile name <input value={name} pattern="[a-z][a-z0-9-]{1,38}[a-z0-9]" onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <button type="submit">Start a new profile</button>
    </form>
  );
}

function ProfileDetail({ name, onChanged }: { name: string; onChanged: () => void }) {
  const [history, setHistory] = useState<ProfileHistory | null>(null);
  const [text, setText] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const load = (): void =>
    void api.profileHistory(name).then(
      (h) => {
        setHistory(h);
        if (h.versions[0]) setText(JSON.stringify(h.versions[0].body, null, 2));
      },
      // A profile that does not exist yet starts from an empty editor; its first version creates it.
      (e: unknown) => (e instanceof ApiError && e.code === 'PROFILE_NOT_FOUND' ? setHistory({ profile: name, versions: [] }) : setError(message(e))),
    );
  useEffect(load, [name]);
  const done = (what: string) => (): void => {
    setError(null);
    setStatus(what);
    load();
    onChanged();
  };
  const save = (): void => {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      setError(`The profile is not valid JSON: ${(e as Error).message}`);
      return;
    }
    api.createProfileVersion(name, body, note).then(done('Saved as a new version; kiosks running it get it between residents.'), (e: unknown) => setError(message(e)));
  };
  const current = history?.versions[0]?.version;
  return (
    <div class="panel wide" data-testid="profile-detail">
      <h3>{name}</h3>
      {status && <p role="status">{status}</p>}
      <label for="profile-json">Version body (JSON): flows, languages, session, hardware, openingHours, call</label>
      <textarea id="profile-json" rows={16} cols={80} spellcheck={false} value={text} onInput={(e) => setText(e.currentTarget.value)} aria-describedby="profile-error" />
      <label>
        Note <input value={note} maxLength={200} onInput={(e) => setNote(e.currentTarget.value)} />
      </label>
      <button type="button" onClick={save}>
        Save as a new version
      </button>
      <p id="profile-error" role="alert" data-testid="profile-error">
        {error}
      </p>
      <h4>History</h4>
      <ol reversed>
        {(history?.versions ?? []).map((v) => (
          <li key={v.version}>
            Version {v.version} · {new Date(v.createdAt).toLocaleString()} · by {v.createdBy}
            {v.rolledBackFrom ? ` · rollback to ${v.rolledBackFrom}` : ''}
            {v.note ? ` · ${v.note}` : ''}
            {v.version !== current && (
              <button type="button" class="secondary" onClick={() => api.rollbackProfile(name, v.version).then(done(`Rolled back to version ${v.version}.`), (e: unknown) => setError(message(e)))}>
                Roll back to version {v.version}
              </button>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** The fleet list's cell: the profile, the version wanted, the one running, and a failure. */
export function ProfileCell({ state }: { state: KioskProfileState | undefined }) {
  if (!state?.profile) return <span class="muted">none</span>;
  const behind = state.appliedProfile !== state.profile || state.appliedVersion !== state.desiredVersion;
  return (
    <span data-testid="kiosk-profile">
      {state.profile} v{state.desiredVersion}
      {behind ? <span class="muted"> · runs {state.appliedVersion ? `${state.appliedProfile} v${state.appliedVersion}` : 'none yet'}</span> : <span class="muted"> · applied</span>}
      {state.failedVersion && <span class="badge warn"> v{state.failedVersion} failed: {state.failure}</span>}
    </span>
  );
}

/** A kiosk's page: assign it a profile. */
export function AssignProfile({ kioskId, state }: { kioskId: string; state: KioskProfileState | undefined }) {
  const [profiles, setProfiles] = useState<readonly ProfileSummary[]>([]);
  const [choice, setChoice] = useState(state?.profile ?? '');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => void api.profiles().then((p) => setProfiles(p.profiles), (e: unknown) => setError(message(e))), []);
  return (
    <div class="panel wide">
      <h3>Configuration profile</h3>
      <p>
        <ProfileCell state={state} />
      </p>
      <label>
        Profile{' '}
        <select value={choice} onChange={(e) => setChoice(e.currentTarget.value)}>
          <option value="">none (local configuration)</option>
          {profiles.map((p) => (
            <option key={p.profile} value={p.profile}>
              {p.profile} (version {p.current.version})
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={() => api.assignProfile(kioskId, choice || null).then(() => setError(null), (e: unknown) => setError(message(e)))}>
        Assign
      </button>
      {error && <p role="alert">{error}</p>}
    </div>
  );
}
