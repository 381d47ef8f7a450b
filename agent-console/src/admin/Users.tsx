import { useEffect, useMemo, useState } from 'preact/hooks';
import { ROLES, type AdminUser, type Role, type User } from '@citizen/protocol';
import type { Api } from '../api';
import { createAdminState, type AdminState } from './adminState';
import { formatSkills, parseSkills, type SkillList } from './skills';

/** Staff accounts, for administrators. */
export function Users({ api, self }: { api: Api; self: User }) {
  const admin = useMemo(() => createAdminState(api), [api]);
  const [editing, setEditing] = useState<string | null>(null);
  useEffect(() => void admin.load(), [admin]);
  const users = admin.users.value;
  const selected = users?.find((u) => u.id === editing) ?? null;
  return (
    <section class="users" data-testid="users">
      <h2>Staff accounts</h2>
      {admin.notice.value && (
        <p role="status" class="notice">
          {admin.notice.value}
        </p>
      )}
      {admin.error.value && (
        <p role="alert" class="error">
          {admin.error.value}
        </p>
      )}
      {!users ? (
        <p>Loading accounts…</p>
      ) : (
        <table data-testid="user-table">
          <thead>
            <tr>
              <th>Username</th>
              <th>Name</th>
              <th>Role</th>
              <th>Languages</th>
              <th>Topics</th>
              <th>Two-step</th>
              <th>Status</th>
              <th>Sessions</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} data-username={u.username} class={u.disabled ? 'disabled' : ''}>
                <td>{u.username}</td>
                <td>{u.displayName}</td>
                <td>{u.role}</td>
                <td>{formatSkills(u.skills.languages)}</td>
                <td>{formatSkills(u.skills.topics)}</td>
                <td>{u.totpEnabled ? 'on' : 'off'}</td>
                <td>{u.disabled ? 'disabled' : 'active'}</td>
                <td>{u.activeSessions}</td>
                <td>
                  <button type="button" class="secondary" onClick={() => setEditing(u.id === editing ? null : u.id)}>
                    {u.id === editing ? 'Close' : 'Edit'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selected && <EditUser key={selected.id} user={selected} isSelf={selected.id === self.id} admin={admin} />}
      <CreateUser admin={admin} />
    </section>
  );
}

function RoleSelect({ value, disabled, onChange }: { value: Role; disabled?: boolean; onChange: (r: Role) => void }) {
  return (
    <select name="role" value={value} disabled={disabled} onChange={(e) => onChange(ROLES.find((r) => r === e.currentTarget.value) ?? value)}>
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {r}
        </option>
      ))}
    </select>
  );
}

/** Two skill lists as typed, and the first problem with them. */
function useSkillFields(initial: { languages: SkillList; topics: SkillList }) {
  const [languages, setLanguages] = useState(formatSkills(initial.languages));
  const [topics, setTopics] = useState(formatSkills(initial.topics));
  const l = parseSkills(languages, 'languages');
  const t = parseSkills(topics, 'topics');
  const problem = !l.ok ? l.error : !t.ok ? t.error : null;
  const value = l.ok && t.ok ? { languages: l.value, topics: t.value } : null;
  const fields = (
    <>
      <label>
        Languages (code and level 1-3) <input name="languages" value={languages} placeholder="da 3, en 2" onInput={(e) => setLanguages(e.currentTarget.value)} />
      </label>
      <label>
        Topics (key and level 1-3) <input name="topics" value={topics} placeholder="passport 2" onInput={(e) => setTopics(e.currentTarget.value)} />
      </label>
      {problem && <p class="error">{problem}</p>}
    </>
  );
  return { fields, value };
}

function EditUser({ user, isSelf, admin }: { user: AdminUser; isSelf: boolean; admin: AdminState }) {
  const [displayName, setDisplayName] = useState(user.displayName);
  const [role, setRole] = useState<Role>(user.role);
  const [password, setPassword] = useState('');
  const skills = useSkillFields(user.skills);
  const busy = admin.busy.value;
  return (
    <div class="panel" data-testid="edit-user">
      <h3>Edit {user.username}</h3>
      <form
        class="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (skills.value) void admin.update(user.id, { displayName, role, skills: skills.value });
        }}
      >
        <label>
          Name <input name="displayName" required maxLength={120} value={displayName} onInput={(e) => setDisplayName(e.currentTarget.value)} />
        </label>
        <label>
          Role <RoleSelect value={role} disabled={isSelf} onChange={setRole} />
        </label>
        {isSelf && <p class="muted">You cannot change your own role.</p>}
        {skills.fields}
        <button type="submit" disabled={busy || !skills.value}>
          Save
        </button>
      </form>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          void admin.resetPassword(user.id, password).then((ok) => ok && setPassword(''));
        }}
      >
        <label>
          New password <input name="newPassword" type="password" autocomplete="new-password" minLength={10} required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Set password
        </button>
      </form>
      <div class="row">
        {user.disabled ? (
          <button type="button" disabled={busy} onClick={() => void admin.setDisabled(user.id, false)}>
            Enable account
          </button>
        ) : (
          <button type="button" class="danger" disabled={busy || isSelf} onClick={() => void admin.setDisabled(user.id, true)}>
            Disable account
          </button>
        )}
        <button type="button" class="secondary" disabled={busy} onClick={() => void admin.revokeSessions(user.id)}>
          End sessions{isSelf ? ' (other than this one)' : ''}
        </button>
        {user.totpEnabled && (
          <button type="button" class="secondary" disabled={busy} onClick={() => void admin.resetTotp(user.id)}>
            Turn off two-step sign-in
          </button>
        )}
      </div>
    </div>
  );
}

/** A new form after each account created, so every field starts empty again. */
function CreateUser({ admin }: { admin: AdminState }) {
  const [round, setRound] = useState(0);
  return <CreateUserForm key={round} admin={admin} onCreated={() => setRound((r) => r + 1)} />;
}

function CreateUserForm({ admin, onCreated }: { admin: AdminState; onCreated: () => void }) {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const [password, setPassword] = useState('');
  const skills = useSkillFields({ languages: {}, topics: {} });
  return (
    <form
      class="panel form"
      data-testid="create-user"
      onSubmit={(e) => {
        e.preventDefault();
        if (!skills.value) return;
        void admin.create({ username, displayName, role, skills: skills.value, password }).then((ok) => ok && onCreated());
      }}
    >
      <h3>New account</h3>
      <label>
        Username <input name="newUsername" required pattern="[a-z][a-z0-9._\-]{1,62}" value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
      </label>
      <label>
        Name <input name="newDisplayName" required maxLength={120} value={displayName} onInput={(e) => setDisplayName(e.currentTarget.value)} />
      </label>
      <label>
        Role <RoleSelect value={role} onChange={setRole} />
      </label>
      {skills.fields}
      <label>
        Initial password <input name="initialPassword" type="password" autocomplete="new-password" minLength={10} required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </label>
      <button type="submit" disabled={admin.busy.value || !skills.value}>
        Create account
      </button>
    </form>
  );
}
