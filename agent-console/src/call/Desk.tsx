import { useEffect, useState } from 'preact/hooks';
import { CallStage, createLogger, describeQuality, type CallStats } from '@citizen/call-client';

const log = createLogger('desk');
import type { CallbackInfo, User } from '@citizen/protocol';
import type { ActiveCall, DeskState } from './deskState';
import { CasePanel } from '../cases/CasePanel';
import { WrapUpCase } from '../cases/WrapUpCase';
import { InvitationBanner, Tools } from './Tools';
import { ChatPanel } from './ChatPanel';
import { QualityBar } from './QualityBar';

const CONNECTION_LABEL = { connecting: 'Connecting…', open: 'Connected', reconnecting: 'Reconnecting…', closed: 'Offline' } as const;

export function Desk({ desk, user }: { desk: DeskState; user: User }) {
  const active = desk.active.value;
  return (
    <section class="desk">
      <div class="desk-bar">
        <span class={`conn ${desk.connection.value}`} data-testid="desk-connection" data-state={desk.connection.value}>
          {CONNECTION_LABEL[desk.connection.value]}
        </span>
        {user.role === 'agent' && !active && !desk.callback.value && (
          <label class="toggle">
            <input type="checkbox" checked={desk.available.value} onChange={(e) => void desk.setAvailable(e.currentTarget.checked)} data-testid="available" />
            Available for calls
          </label>
        )}
        {desk.error.value && <span role="alert" class="error">{desk.error.value}</span>}
      </div>
      <InvitationBanner desk={desk} />
      {active ? (
        <CallView desk={desk} call={active} />
      ) : desk.callback.value ? (
        <CallbackInHand desk={desk} callback={desk.callback.value} />
      ) : (
        <Idle desk={desk} user={user} />
      )}
    </section>
  );
}

function Idle({ desk, user }: { desk: DeskState; user: User }) {
  const offer = desk.offer.value;
  const ended = desk.lastEnded.value;
  useEffect(() => {
    void desk.refreshCallbacks();
    const timer = setInterval(() => void desk.refreshCallbacks(), 5000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    if (user.role !== 'supervisor') return;
    void desk.refreshOngoing();
    const timer = setInterval(() => void desk.refreshOngoing(), 3000);
    return () => clearInterval(timer);
  }, [user.role]);
  return (
    <div>
      {ended && <p data-testid="last-ended">Call ended ({ended.reason}).</p>}
      {offer && (
        <article class="offer" data-testid="offer" data-kind={offer.kind}>
          <h3>{offer.kind === 'callback' ? 'Callback to make (phone)' : 'Incoming call'}</h3>
          <p>
            <strong>{offer.kiosk.name}</strong> · {offer.kiosk.location}
          </p>
          <p>
            Language: <strong>{offer.request.language}</strong>
            {offer.request.topic && (
              <>
                {' '}
                · Topic: <strong>{offer.request.topic}</strong>
              </>
            )}
          </p>
          {offer.transfer && (
            <p class="transfer" data-testid="offer-transfer">
              Transferred by <strong>{offer.transfer.fromName}</strong>
              {offer.transfer.note && <>: “{offer.transfer.note}”</>}
            </p>
          )}
          {offer.request.card && (
            <p data-testid="offer-card">
              Card shared by the resident: <strong>{offer.request.card.kind}</strong> {offer.request.card.masked}
            </p>
          )}
          {offer.request.needs && offer.request.needs.length > 0 && (
            <p data-testid="offer-needs">
              Needs: <strong>{offer.request.needs.join(', ')}</strong>
            </p>
          )}
          <Answers answers={offer.request.answers} />
          <div class="row">
            <button type="button" onClick={() => void desk.accept()}>
              Accept
            </button>
            <button type="button" class="secondary" onClick={() => void desk.decline()}>
              Decline
            </button>
          </div>
        </article>
      )}
      {user.role === 'agent' && !offer && <WrapUp desk={desk} />}
      {user.role === 'agent' && <WrapUpCase desk={desk} />}
      {user.role === 'agent' && !offer && desk.presence.value?.state !== 'wrap-up' && (
        <p>{desk.available.value ? 'Waiting for the next resident…' : 'You are not taking calls.'}</p>
      )}
      <CallbackList desk={desk} />
      {user.role === 'supervisor' && (
        <section>
          <h3>Ongoing calls</h3>
          {desk.ongoing.value.length === 0 && <p>No calls in progress.</p>}
          <ul class="ongoing" data-testid="ongoing">
            {desk.ongoing.value.map((c) => (
              <li key={c.callId}>
                {c.kioskName} · {c.language} · {c.participants.map((p) => p.displayName).join(', ')}{' '}
                <button type="button" onClick={() => void desk.join(c.callId, 'supervisor')}>
                  Join
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

/** A callback this agent has taken: the number to phone, what the resident told the kiosk, and the outcome. */
function CallbackInHand({ desk, callback }: { desk: DeskState; callback: CallbackInfo }) {
  return (
    <article class="callback" data-testid="callback">
      <h3>
        Call back <a href={`tel:${callback.phone?.replace(/ /g, '') ?? ''}`} data-testid="callback-phone">{callback.phone}</a>
      </h3>
      <p>
        Reference <strong data-testid="callback-reference">{callback.reference}</strong> · asked at {callback.kiosk.name} ({callback.kiosk.location}) ·{' '}
        {new Date(callback.queuedAt).toLocaleString()} · language <strong>{callback.request.language}</strong>
        {callback.request.topic && (
          <>
            {' '}
            · topic <strong>{callback.request.topic}</strong>
          </>
        )}
        {callback.attempts > 0 && <> · attempt {callback.attempts + 1}</>}
      </p>
      <Answers answers={callback.request.answers} />
      <div class="row">
        <button type="button" onClick={() => void desk.completeCallback(true)}>
          Reached – done
        </button>
        <button type="button" class="secondary" onClick={() => void desk.completeCallback(false)}>
          Not reached – try again later
        </button>
      </div>
      <CasePanel inquiryId={callback.inquiryId} />
    </article>
  );
}

function CallbackList({ desk }: { desk: DeskState }) {
  const list = desk.callbacks.value;
  return (
    <section>
      <h3>Callbacks</h3>
      {list.length === 0 ? (
        <p class="muted">No callbacks waiting.</p>
      ) : (
        <table class="callbacks" data-testid="callbacks">
          <thead>
            <tr>
              <th>Reference</th>
              <th>Asked</th>
              <th>Kiosk</th>
              <th>Language</th>
              <th>Topic</th>
              <th>Attempts</th>
              <th>State</th>
            </tr>
          </thead>
          <tbody>
            {list.map((c) => (
              <tr key={c.callbackId}>
                <td>{c.reference}</td>
                <td>{new Date(c.queuedAt).toLocaleTimeString()}</td>
                <td>{c.kiosk.name}</td>
                <td>{c.request.language}</td>
                <td>{c.request.topic ?? '–'}</td>
                <td>{c.attempts}</td>
                <td>{c.state === 'taken' ? `with ${c.agentName ?? 'an agent'}` : c.state}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** After a call: time to finish notes before the next offer; "Ready" ends it early. */
function WrapUp({ desk }: { desk: DeskState }) {
  const p = desk.presence.value;
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (p?.state !== 'wrap-up') return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [p]);
  if (p?.state !== 'wrap-up') return null;
  const left = Math.max(0, Math.ceil((Date.parse(p.wrapUpUntil) - now) / 1000));
  return (
    <p class="wrap-up" data-testid="wrap-up">
      Wrap-up: next call in {left} s.{' '}
      <button type="button" onClick={() => void desk.endWrapUp()}>
        Ready for the next call
      </button>
    </p>
  );
}

function Answers({ answers }: { answers?: Record<string, string> | undefined }) {
  const entries = Object.entries(answers ?? {});
  if (entries.length === 0) return <p class="muted">The resident has not answered any questions yet.</p>;
  return (
    <dl class="answers" data-testid="answers">
      {entries.map(([k, v]) => (
        <>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </>
      ))}
    </dl>
  );
}

function CallView({ desk, call }: { desk: DeskState; call: ActiveCall }) {
  const v = call.view;
  const residentId = v.participants.value.find((p) => p.role === 'resident')?.participantId;
  const residentAudio = v.remotes.value.find((r) => r.kind === 'audio' && r.participantId === residentId);
  const stage = v.quality.value;
  // At chat only everyone's microphone is held: that is not the resident muting.
  const soundHeld = stage.stage === 'text' || stage.stage === 'callback';
  const [elapsed, setElapsed] = useState(0);
  const [quality, setQuality] = useState<string>('measuring…');
  const [server, setServer] = useState<string>('');
  useEffect(() => {
    const timer = setInterval(() => {
      setElapsed(Math.floor((Date.now() - v.startedAt) / 1000));
      v.media.stats().then(
        (s: CallStats) => setQuality(describeQuality(s)),
        (err: unknown) => log.debug('stats failed', { call: v.callId, error: err }),
      );
    }, 1000);
    return () => clearInterval(timer);
  }, [v]);
  useEffect(() => {
    const timer = setInterval(() => {
      const [transportId] = v.media.transportIds();
      if (!transportId) return;
      desk.client.request('getTransportStats', { transportId }).then(
        (s) => setServer(`· server: ICE ${s.iceState}, DTLS ${s.dtlsState}, in ${Math.round(s.recvBitrate / 1000)} kbit/s`),
        (err: unknown) => {
          log.debug('server transport stats failed', { call: v.callId, error: err });
          setServer('');
        },
      );
    }, 3000);
    return () => clearInterval(timer);
  }, [v]);
  return (
    <div class="call">
      <CallStage
        view={v}
        featured="resident"
        labels={{
          featuredName: 'resident',
          waitingForVideo: 'Waiting for the resident’s video…',
          cameraOnIndicator: 'Your camera is on',
          cameraOffIndicator: 'Your camera is off',
          featuredMuted: 'The resident is muted',
          reconnecting: 'Reconnecting…',
          mute: 'Mute',
          unmute: 'Unmute',
          cameraOff: 'Camera off',
          cameraOn: 'Camera on',
          end: call.role === 'agent' ? 'End call' : 'Leave call',
        }}
        testIds={{ featured: 'resident-video', other: 'other-video', featuredMuted: 'resident-muted-note' }}
        cameraIndicator={false}
        onEnd={() => void desk.hangUp()}
      >
        <p class="meta">
          <span data-testid="call-timer">{formatDuration(elapsed)}</span> · {v.participants.value.map((p) => `${p.displayName} (${p.role})`).join(', ')}
          {residentAudio?.paused && !soundHeld && <span data-testid="resident-muted"> · resident muted</span>}
        </p>
        <p class="quality" data-testid="quality">
          {quality} {server}
        </p>
        <QualityBar desk={desk} callId={v.callId} quality={stage} canChoose={call.role === 'agent'} />
        <Answers answers={call.snapshot.request.answers} />
      </CallStage>
      <ChatPanel chat={desk.chat} />
      <Tools desk={desk} call={call} />
      <CasePanel inquiryId={call.snapshot.inquiryId} />
    </div>
  );
}

function formatDuration(s: number): string {
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
