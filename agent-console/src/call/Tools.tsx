/**
 * The agent's tools during a call: show information on the kiosk (or ask the
 * resident to confirm it), print a document at the kiosk, invite a
 * supervisor or an interpreter, transfer the call; and the banner inviting
 * this staff member into a colleague's call.
 */
import { useEffect, useState } from 'preact/hooks';
import type { KioskPush, StaffMember } from '@citizen/protocol';
import type { ActiveCall, DeskState } from './deskState';
import type { ToolsState } from './toolsState';

const ANSWER_LABEL = { read: 'read', confirmed: 'confirmed by the resident', 'not-correct': 'the resident says it is not right' } as const;

/** Runs an action, turning a failure into the message shown next to it. */
function useAction(): [string | null, (fn: () => Promise<void>) => Promise<boolean>] {
  const [error, setError] = useState<string | null>(null);
  const run = async (fn: () => Promise<void>): Promise<boolean> => {
    setError(null);
    try {
      await fn();
      return true;
    } catch (err) {
      setError((err as Error).message);
      return false;
    }
  };
  return [error, run];
}

export function Tools({ desk, call }: { desk: DeskState; call: ActiveCall }) {
  const tools = desk.tools;
  const [tab, setTab] = useState<'show' | 'print' | 'invite' | 'transfer'>('show');
  const isAgent = call.role === 'agent';
  // Who is online changes during a call: refreshed while the invite or transfer form shows.
  useEffect(() => {
    if (tab !== 'invite' && tab !== 'transfer') return;
    const refresh = (): void => void tools.refreshStaff().catch(() => undefined);
    refresh();
    const timer = setInterval(refresh, 5000);
    return () => clearInterval(timer);
  }, [tab, call.snapshot.callId]);
  return (
    <section class="tools" data-testid="tools">
      <div class="screens" role="tablist">
        {(['show', 'print', ...(isAgent ? (['invite', 'transfer'] as const) : [])] as const).map((t) => (
          <button type="button" role="tab" aria-selected={tab === t} class={tab === t ? 'active' : ''} onClick={() => setTab(t)} data-testid={`tool-${t}`}>
            {{ show: 'Show on kiosk', print: 'Print at kiosk', invite: 'Invite', transfer: 'Transfer' }[t]}
          </button>
        ))}
      </div>
      {tab === 'show' && <ShowForm tools={tools} />}
      {tab === 'print' && <PrintForm tools={tools} />}
      {tab === 'invite' && isAgent && <InviteForm tools={tools} language={call.snapshot.request.language} />}
      {tab === 'transfer' && isAgent && <TransferForm tools={tools} />}
    </section>
  );
}

function ShowForm({ tools }: { tools: ToolsState }) {
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [confirm, setConfirm] = useState(false);
  const [fields, setFields] = useState<{ label: string; value: string }[]>([{ label: '', value: '' }]);
  const [error, run] = useAction();
  const send = async (): Promise<void> => {
    const item: KioskPush = confirm
      ? { kind: 'confirm', title: title.trim(), body: body.trim(), fields: fields.filter((f) => f.label.trim()).map((f) => ({ label: f.label.trim(), value: f.value.trim() })) }
      : { kind: 'info', title: title.trim(), body: body.trim() };
    if (await run(() => tools.push(item))) {
      setTitle('');
      setBody('');
      setFields([{ label: '', value: '' }]);
    }
  };
  return (
    <div class="tool">
      <label>
        Title <input value={title} maxLength={120} onInput={(e) => setTitle(e.currentTarget.value)} data-testid="show-title" />
      </label>
      <label>
        Text <textarea rows={3} maxLength={2000} value={body} onInput={(e) => setBody(e.currentTarget.value)} data-testid="show-body" />
      </label>
      <label class="check">
        <input type="checkbox" checked={confirm} onChange={(e) => setConfirm(e.currentTarget.checked)} data-testid="show-confirm" /> Ask the resident to confirm
      </label>
      {confirm &&
        fields.map((f, i) => (
          <div class="row">
            <input placeholder="Label" value={f.label} maxLength={80} onInput={(e) => setFields(fields.map((g, j) => (j === i ? { ...g, label: e.currentTarget.value } : g)))} data-testid="field-label" />
            <input placeholder="Value" value={f.value} maxLength={300} onInput={(e) => setFields(fields.map((g, j) => (j === i ? { ...g, value: e.currentTarget.value } : g)))} data-testid="field-value" />
            {i === fields.length - 1 && fields.length < 12 && (
              <button type="button" class="secondary" onClick={() => setFields([...fields, { label: '', value: '' }])}>
                + row
              </button>
            )}
          </div>
        ))}
      <button type="button" disabled={!title.trim()} onClick={() => void send()} data-testid="show-send">
        Show on the kiosk
      </button>
      {error && <p role="alert" class="error">{error}</p>}
      <ul class="sent" data-testid="pushes">
        {tools.pushes.value.map((p) => (
          <li data-answer={p.answer ?? 'waiting'}>
            {p.title} ({p.kind === 'confirm' ? 'to confirm' : 'to read'}): <strong>{p.answer ? ANSWER_LABEL[p.answer] : 'on the screen'}</strong>
          </li>
        ))}
      </ul>
    </div>
  );
}

function PrintForm({ tools }: { tools: ToolsState }) {
  const [title, setTitle] = useState('');
  const [text, setText] = useState('');
  const [withReference, setWithReference] = useState(true);
  const [error, run] = useAction();
  const lines = text.split('\n').map((l) => l.trimEnd());
  const ok = title.trim() !== '' && text.trim() !== '' && lines.length <= 60 && lines.every((l) => l.length <= 300);
  const print = async (): Promise<void> => {
    if (await run(() => tools.print({ title: title.trim(), lines, withReference }))) {
      setTitle('');
      setText('');
    }
  };
  return (
    <div class="tool">
      <label>
        Title <input value={title} maxLength={80} onInput={(e) => setTitle(e.currentTarget.value)} data-testid="print-title" />
      </label>
      <label>
        Text (one line per line, at most 60) <textarea rows={5} value={text} onInput={(e) => setText(e.currentTarget.value)} data-testid="print-text" />
      </label>
      <label class="check">
        <input type="checkbox" checked={withReference} onChange={(e) => setWithReference(e.currentTarget.checked)} /> With the reference and its status QR code
      </label>
      <button type="button" disabled={!ok} onClick={() => void print()} data-testid="print-send">
        Print at the kiosk
      </button>
      {error && <p role="alert" class="error">{error}</p>}
      <ul class="sent" data-testid="prints">
        {tools.prints.value.map((p) => (
          <li data-state={p.outcome === null ? 'printing' : p.outcome.ok ? 'printed' : 'failed'}>
            {p.title}:{' '}
            <strong>{p.outcome === null ? 'printing…' : p.outcome.ok ? 'printed' : `not printed (${p.outcome.code ?? 'error'}${p.outcome.queued ? ', prints when the printer is ready' : ''})`}</strong>
          </li>
        ))}
      </ul>
    </div>
  );
}

function InviteForm({ tools, language }: { tools: ToolsState; language: string }) {
  const [as, setAs] = useState<'interpreter' | 'supervisor'>('interpreter');
  const [error, run] = useAction();
  const candidates = tools.staff.value.filter((m) => (as === 'supervisor' ? m.role === 'supervisor' : m.languages.includes(language)));
  return (
    <div class="tool">
      <div class="row">
        <label class="check">
          <input type="radio" name="invite-as" checked={as === 'interpreter'} onChange={() => setAs('interpreter')} /> Interpreter (speaks {language})
        </label>
        <label class="check">
          <input type="radio" name="invite-as" checked={as === 'supervisor'} onChange={() => setAs('supervisor')} data-testid="invite-as-supervisor" /> Supervisor
        </label>
      </div>
      {candidates.length === 0 && <p class="muted">Nobody online to invite as {as}.</p>}
      <ul class="people" data-testid="invite-candidates">
        {candidates.map((m: StaffMember) => (
          <li>
            {m.displayName} ({m.state}){' '}
            <button type="button" onClick={() => void run(() => tools.invite(m, as))} data-testid={`invite-${m.displayName}`}>
              Invite
            </button>
          </li>
        ))}
      </ul>
      {error && <p role="alert" class="error">{error}</p>}
      <ul class="sent" data-testid="invited">
        {tools.invited.value.map((i) => (
          <li data-state={i.state}>
            {i.name} as {i.as}: <strong>{i.state}</strong>
          </li>
        ))}
      </ul>
    </div>
  );
}

function TransferForm({ tools }: { tools: ToolsState }) {
  const [target, setTarget] = useState('');
  const [note, setNote] = useState('');
  const [error, run] = useAction();
  const agents = tools.staff.value.filter((m) => m.role === 'agent');
  const transfer = (): void => {
    const [kind, id] = target.split(':');
    if (!id) return;
    void run(() => tools.transfer(kind === 'queue' ? { queueId: id } : { userId: id }, note));
  };
  return (
    <div class="tool">
      <label>
        To{' '}
        <select value={target} onChange={(e) => setTarget(e.currentTarget.value)} data-testid="transfer-target">
          <option value="">Choose a queue or a colleague</option>
          <optgroup label="Queues (the resident keeps their place)">
            {tools.queues.value.map((q) => (
              <option value={`queue:${q.id}`}>
                {q.name}
                {q.open ? '' : ' (closed)'}
              </option>
            ))}
          </optgroup>
          <optgroup label="Colleagues (must be available)">
            {agents.map((m) => (
              <option value={`user:${m.userId}`} disabled={m.state !== 'available'}>
                {m.displayName} ({m.state})
              </option>
            ))}
          </optgroup>
        </select>
      </label>
      <label>
        Note for the next agent <textarea rows={2} maxLength={500} value={note} onInput={(e) => setNote(e.currentTarget.value)} data-testid="transfer-note" />
      </label>
      <button type="button" disabled={!target} onClick={transfer} data-testid="transfer-send">
        Transfer the call
      </button>
      {error && <p role="alert" class="error">{error}</p>}
    </div>
  );
}

/** A colleague invites this staff member into their call. */
export function InvitationBanner({ desk }: { desk: DeskState }) {
  const inv = desk.tools.invitation.value;
  if (!inv || desk.active.value) return null;
  return (
    <article class="offer invitation" data-testid="invitation">
      <h3>
        {inv.fromName} invites you to join as {inv.as}
      </h3>
      <p>
        {inv.kioskName} · language <strong>{inv.language}</strong>
      </p>
      <div class="row">
        <button type="button" onClick={() => void desk.acceptInvitation()} data-testid="invitation-join">
          Join
        </button>
        <button type="button" class="secondary" onClick={() => void desk.tools.declineInvitation()}>
          Decline
        </button>
      </div>
    </article>
  );
}
