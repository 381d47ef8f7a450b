/**
 * Technician mode, opened by the hidden gesture on the attract screen (App.tsx)
 * and the technician PIN: the kiosk's identity and enrolment, its devices and
 * uplink, the self-test with a test page, and enrolling the kiosk again. For
 * staff, so in English. It never shows resident data (the resident session is
 * wiped before it opens and again when it closes) and closes itself after
 * two minutes without a touch. Loaded when first opened (useLazy).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { SelfTestCheck } from '@citizen/protocol';
import type { KioskState } from '../state';
import { Keyboard } from '../keyboard/Keyboard';
import type { Layout } from '../keyboard/layouts';
import { EnrolmentForm } from '../provisioning/ProvisioningScreen';
import { createTechnicianMode, type TechnicianMode as Mode } from './technician';

const IDLE_SECONDS = 120;
const PIN_PAD: Layout = { rows: [['1', '2', '3'], ['4', '5', '6'], ['7', '8', '9'], ['0']], shift: false, space: false, dir: 'ltr' };

/*
 * The kiosk state comes as a prop, not through useKiosk(): importing a module
 * of the start-up bundle from here would make esbuild split it out into a
 * chunk of its own, which costs start-up bytes (bench:kiosk).
 */
export function TechnicianMode({ kiosk }: { kiosk: KioskState }) {
  const { bridge, closeTechnician } = kiosk;
  const mode = useMemo(() => createTechnicianMode(bridge, { onShellClosed: () => void closeTechnician() }), []);
  useEffect(() => mode.dispose, []);
  const idle = useIdleSeconds();
  useEffect(() => {
    if (idle >= IDLE_SECONDS) void closeTechnician();
  }, [idle]);
  const left = IDLE_SECONDS - idle;
  return (
    <section class="screen technician" lang="en" dir="ltr" data-testid="technician" aria-labelledby="technician-title">
      <header>
        <h1 id="technician-title">Technician mode</h1>
        <button type="button" class="big secondary" onClick={() => void closeTechnician()} data-testid="technician-close">
          {mode.stage.value === 'pin' ? 'Cancel' : 'Close technician mode'}
        </button>
      </header>
      {left <= 20 && (
        <p class="notice" role="status" aria-live="polite">
          Closing in {left} s without a touch.
        </p>
      )}
      {mode.stage.value === 'pin' ? <PinPad mode={mode} /> : <Overview mode={mode} kiosk={kiosk} />}
    </section>
  );
}

/** Seconds since the last touch or key press on the page. */
function useIdleSeconds(): number {
  const [idle, setIdle] = useState(0);
  useEffect(() => {
    const touched = (): void => setIdle(0);
    const events = ['pointerdown', 'keydown'] as const;
    for (const e of events) document.addEventListener(e, touched, { capture: true, passive: true });
    const timer = setInterval(() => setIdle((n) => n + 1), 1000);
    return () => {
      clearInterval(timer);
      for (const e of events) document.removeEventListener(e, touched, { capture: true });
    };
  }, []);
  return idle;
}

function PinPad({ mode }: { mode: Mode }) {
  const [pin, setPin] = useState('');
  const problem = mode.pinProblem.value;
  const [, tick] = useState(0);
  // The lockout's countdown.
  useEffect(() => {
    if (!problem?.retryAt) return;
    const timer = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [problem?.retryAt]);
  const wait = problem?.retryAt ? Math.max(0, Math.ceil((problem.retryAt - Date.now()) / 1000)) : 0;
  const submit = (e?: Event): void => {
    e?.preventDefault();
    if (pin.length < 4 || wait > 0) return;
    void mode.unlock(pin).then(() => setPin(''));
  };
  return (
    <form onSubmit={submit} data-testid="technician-pin-pad">
      <p>Type the technician PIN. It is checked by the kiosk shell; five wrong PINs lock technician mode for a while.</p>
      <label for="technician-pin">Technician PIN</label>
      <input
        id="technician-pin"
        type="password"
        inputMode="numeric"
        autocomplete="off"
        maxLength={12}
        value={pin}
        onInput={(e) => setPin((e.target as HTMLInputElement).value.replace(/\D/g, '').slice(0, 12))}
        data-testid="technician-pin"
      />
      <Keyboard layout={PIN_PAD} value={pin} onChange={setPin} labels={{ label: 'Technician PIN', deleteKey: 'Delete', space: 'Space' }} maxLength={12} />
      {problem && (
        <p class="notice error" role="alert" data-testid="technician-pin-problem" data-code={problem.code}>
          {problem.text}
          {wait > 0 && ` Try again in ${wait} s.`}
        </p>
      )}
      <button type="submit" class="big primary" disabled={mode.busy.value || pin.length < 4 || wait > 0} data-testid="technician-unlock">
        {mode.busy.value ? 'Checking…' : 'Open technician mode'}
      </button>
    </form>
  );
}

function Overview({ mode, kiosk }: { mode: Mode; kiosk: KioskState }) {
  const { connection, refresh, provisioning } = kiosk;
  // Live: devices come and go while the technician works on them.
  useEffect(() => {
    const timer = setInterval(() => void mode.loadStatus(), 5000);
    return () => clearInterval(timer);
  }, []);
  const s = mode.status.value;
  const c = connection.value;
  if (!s) return <p class="notice">Loading…</p>;
  const id = s.identity;
  const uplink = mode.report.value?.checks.find((k) => k.name === 'uplink');
  const card = mode.lastCard.value;
  return (
    <>
      <section aria-labelledby="tech-kiosk">
        <h2 id="tech-kiosk">Kiosk</h2>
        <dl data-testid="technician-kiosk">
          <dt>Name</dt>
          <dd>{c.state === 'online' ? `${c.kiosk.name} · ${c.kiosk.location}` : '(not known: the server is not reached)'}</dd>
          <dt>Kiosk id</dt>
          <dd data-testid="technician-kiosk-id">{s.kioskId}</dd>
          <dt>App version</dt>
          <dd>
            {s.version} ({s.shell} shell)
          </dd>
          <dt>Enrolment</dt>
          <dd data-testid="technician-identity">
            {id.state === 'enrolled' ? `enrolled as ${id.kioskId}` : id.state === 'refused' ? `refused by the server (${id.code}): enrol again` : 'not enrolled'}
          </dd>
        </dl>
      </section>
      <section aria-labelledby="tech-devices">
        <h2 id="tech-devices">Devices</h2>
        <dl data-testid="technician-devices">
          <dt>Printer</dt>
          <dd class={s.hardware.printer.state === 'ready' ? 'ok' : 'bad'} data-testid="technician-printer">
            {s.hardware.printer.state === 'ready' ? s.hardware.printer.detail : `${s.hardware.printer.state.replace('-', ' ')} (${s.hardware.printer.detail})`} · {s.hardware.printer.configuredPath}
          </dd>
          <dt>Card reader</dt>
          <dd class={s.hardware.cardReader.reachable ? 'ok' : 'bad'} data-testid="technician-card-reader">
            {s.hardware.cardReader.reachable ? 'connected' : s.hardware.cardReader.detail} · {s.hardware.cardReader.protocol} · {s.hardware.cardReader.configuredPath}
            {card ? ` · a ${card.kind} card was read at ${new Date(card.at).toLocaleTimeString('en-GB')}` : ' · present a card to test reading'}
          </dd>
          <dt>Camera</dt>
          <dd data-testid="technician-camera">{s.media.camera}</dd>
          <dt>Microphone</dt>
          <dd data-testid="technician-microphone">{s.media.microphone}</dd>
          <dt>Speaker</dt>
          <dd data-testid="technician-speaker">{s.media.speaker}</dd>
        </dl>
      </section>
      <section aria-labelledby="tech-network">
        <h2 id="tech-network">Network</h2>
        <dl>
          <dt>Server</dt>
          <dd>{s.serverUrl}</dd>
          <dt>Connection</dt>
          <dd class={c.state === 'online' ? 'ok' : 'bad'}>{c.state === 'online' ? 'online' : c.state === 'offline' ? `offline (${c.reason})` : 'checking…'}</dd>
          <dt>Uplink</dt>
          <dd>{uplink ? `${uplink.result}: ${uplink.detail}` : 'run the self-test to measure it'}</dd>
        </dl>
      </section>
      <SelfTestPanel mode={mode} />
      <ReEnrol provisioning={provisioning} onEnrolled={() => void refresh().then(() => mode.loadStatus())} />
    </>
  );
}

const CHECK_NAMES: Record<SelfTestCheck['name'], string> = {
  printer: 'Printer',
  testPage: 'Test page',
  cardReader: 'Card reader',
  uplink: 'Uplink',
  camera: 'Camera',
  microphone: 'Microphone',
  speaker: 'Speaker',
};

function SelfTestPanel({ mode }: { mode: Mode }) {
  const r = mode.report.value;
  const testing = mode.testing.value;
  return (
    <section aria-labelledby="tech-selftest">
      <h2 id="tech-selftest">Self-test</h2>
      <div class="choices">
        <button type="button" class="big primary" disabled={testing !== null} onClick={() => void mode.selfTest(false)} data-testid="technician-run-selftest">
          {testing === 'self-test' ? 'Testing…' : 'Run self-test'}
        </button>
        <button type="button" class="big secondary" disabled={testing !== null} onClick={() => void mode.selfTest(true)} data-testid="technician-print-test-page">
          {testing === 'test-page' ? 'Printing…' : 'Print test page'}
        </button>
      </div>
      {mode.testProblem.value && (
        <p class="notice error" role="alert">
          {mode.testProblem.value}
        </p>
      )}
      {r && (
        <div aria-live="polite" data-testid="technician-report" data-ok={String(r.ok)}>
          <p>
            {r.ok ? 'Every check passed' : 'Some checks failed'} ({new Date(r.startedAt).toLocaleTimeString('en-GB')}, {r.durationMs} ms).
          </p>
          <ul class="checks">
            {r.checks.map((k) => (
              <li data-testid={`check-${k.name}`} data-result={k.result}>
                <strong>{CHECK_NAMES[k.name]}</strong>
                <span class={k.result}>{k.result}</span>
                <span>{k.detail}</span>
                <span>{k.durationMs} ms</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

/**
 * Enrolling again with a new code: a new key pair, bound to whichever kiosk
 * record the code belongs to. The app's own provisioning state does the work
 * (the shell allows it while technician mode is open); on success the app
 * refreshes itself as after a first enrolment.
 */
function ReEnrol({ provisioning, onEnrolled }: { provisioning: KioskState['provisioning']; onEnrolled: () => void }) {
  const [open, setOpen] = useState(false);
  const [enrolledAs, setEnrolledAs] = useState<string | null>(null);
  const before = useMemo(() => provisioning.status.value, []);
  const status = provisioning.status.value;
  // A new enrolment shows as a new status object from the shell.
  useEffect(() => {
    if (open && status !== before && status?.state === 'enrolled') {
      setEnrolledAs(status.kioskId);
      onEnrolled();
    }
  }, [status]);
  return (
    <section aria-labelledby="tech-enrol">
      <h2 id="tech-enrol">Enrol again</h2>
      {!open ? (
        <>
          <p>Start over with a new enrolment code from the console (Kiosks). The kiosk makes a new key; the old one stops working once the server accepts the code.</p>
          <button type="button" class="big secondary" onClick={() => setOpen(true)} data-testid="technician-reenrol">
            Enter a new enrolment code
          </button>
        </>
      ) : (
        <>
          {enrolledAs && (
            <p class="notice" role="status" data-testid="technician-enrolled">
              Enrolled as {enrolledAs}.
            </p>
          )}
          <EnrolmentForm provisioning={provisioning} submitLabel="Enrol again" />
        </>
      )}
    </section>
  );
}
