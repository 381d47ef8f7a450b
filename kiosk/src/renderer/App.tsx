/**
 * The kiosk's screens: the attract screen (greeting in every language; a
 * tap on a language starts), the home screen with the services, a guided
 * flow, following up a case, and the call screens, which take over whenever
 * a call, a callback or a written inquiry is under way. The language can be
 * changed on every screen without losing progress. A session left untouched
 * asks "Are you still there?" and is then wiped (IdleGuard).
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { DeviceStatus } from '../contract';
import { StateContext, useKiosk } from './context';
import { hoursToday } from './openingHours';
import { EndedScreen, InCallScreen, WaitingScreen } from './call/CallScreens';
import { CallbackForm, ClosedScreen, WrittenForm } from './call/LeaveWord';
import { FlowScreen } from './flows/FlowScreen';
import { IdleGuard } from './IdleGuard';
import { FlowIcon } from './flows/icons';
import { A11yBar, ReadOnArrival } from './A11yBar';
import { useLazy } from './lazy';

export { StateContext };

export function App() {
  const kiosk = useKiosk();
  const { content, contentProblem, t, call, receiptLang, lang, bridge, endResidentSession, screen, followUp, card, home, provisioning, technician, maintenance } = kiosk;
  /** A card was read this session: ask before its (masked) number goes to the agent. */
  const [askCard, setAskCard] = useState(false);
  const step = call.state.value;
  // Rarely needed screens come in their own chunks.
  const ProvisioningScreen = useLazy(() => import('./provisioning/ProvisioningScreen').then((m) => m.ProvisioningScreen), provisioning.needed.value);
  const FollowUpScreen = useLazy(() => import('./followUp/FollowUpScreen').then((m) => m.FollowUpScreen), screen.value === 'follow-up');
  const TechnicianMode = useLazy(() => import('./technician/TechnicianMode').then((m) => m.TechnicianMode), technician.value);
  if (maintenance.value)
    return (
      <Frame bare>
        <div class="maintenance" role="alert" data-testid="maintenance-notice">
          <h1>{t.value.maintenanceTitle}</h1>
          <p>{t.value.maintenanceText(maintenance.value.seconds)}</p>
        </div>
      </Frame>
    );
  if (technician.value) return <Frame bare>{TechnicianMode ? <TechnicianMode kiosk={kiosk} /> : <p class="notice">…</p>}</Frame>;
  if (provisioning.needed.value)
    return <Frame bare>{ProvisioningScreen ? <ProvisioningScreen provisioning={provisioning} /> : <p class="notice">…</p>}</Frame>;
  if (!content.value)
    return (
      <Frame bare>
        {contentProblem.value ? (
          <p class="notice error" role="alert" data-testid="content-problem">
            {t.value.contentProblem}
          </p>
        ) : (
          <p class="notice">…</p>
        )}
      </Frame>
    );
  if (step.step === 'queued') return <Frame><WaitingScreen step={step} call={call} t={t.value} /></Frame>;
  if (step.step === 'closed') return <Frame><ClosedScreen step={step} call={call} t={t.value} lang={lang.value} /></Frame>;
  if (step.step === 'callback-form') return <Frame><CallbackForm step={step} call={call} t={t.value} /></Frame>;
  if (step.step === 'written-form') return <Frame><WrittenForm call={call} t={t.value} lang={lang.value} /></Frame>;
  if (step.step === 'in-call') return <Frame><InCallScreen step={step} call={call} t={t.value} lang={lang.value} /></Frame>;
  if (step.step === 'ended')
    return (
      <Frame>
        <EndedScreen step={step} t={t.value} lang={receiptLang.value} bridge={bridge} onDone={() => void endResidentSession()} onRate={(n) => call.rate(n)} />
      </Frame>
    );
  if (askCard && card.value && step.step === 'idle') {
    const c = card.value;
    const talk = (share: boolean): void => {
      setAskCard(false);
      void call.talkToAPerson({ language: lang.value, ...(share ? { card: { kind: c.kind, masked: c.masked } } : {}) });
    };
    return (
      <Frame>
        <section class="screen" data-testid="card-consent">
          <h2>{t.value.shareCardTitle}</h2>
          <p>{t.value.shareCardText(c.masked)}</p>
          <div class="choices">
            <button type="button" class="big primary" onClick={() => talk(true)} data-testid="share-card">
              {t.value.shareCardYes}
            </button>
            <button type="button" class="big secondary" onClick={() => talk(false)} data-testid="keep-card">
              {t.value.shareCardNo}
            </button>
          </div>
        </section>
      </Frame>
    );
  }
  if (screen.value === 'attract') return <Attract />;
  if (screen.value === 'follow-up')
    return (
      <Frame>
        {FollowUpScreen ? <FollowUpScreen followUp={followUp} t={t.value} lang={lang.value} onBack={home} /> : <p class="notice">…</p>}
      </Frame>
    );
  if (screen.value === 'flow')
    return (
      <Frame>
        <FlowScreen />
      </Frame>
    );
  return <Home onTalk={() => (card.value ? setAskCard(true) : void call.talkToAPerson({ language: lang.value }))} />;
}

/** The page frame: the language and direction, the language switch, the idle guard. */
function Frame({ children, bare = false }: { children: preact.ComponentChildren; bare?: boolean }) {
  const { language, screen, flow, call } = useKiosk();
  useDocumentLanguage(language.value.code, language.value.dir);
  const screenKey = `${screen.value}/${flow.step.value?.id ?? ''}/${call.state.value.step}`;
  return (
    <main class={mainClass()} lang={language.value.code} dir={language.value.dir}>
      {!bare && (
        <div class="toolbar">
          <LanguageSwitch />
          <A11yBar />
        </div>
      )}
      {children}
      {!bare && <IdleGuard />}
      {!bare && <ReadOnArrival screenKey={screenKey} />}
    </main>
  );
}

/** The page's own language and direction follow the resident's (screen readers, hyphenation, RTL scrollbars). */
function useDocumentLanguage(code: string | undefined, dir: 'ltr' | 'rtl' | undefined): void {
  // With the DOM change, not after the paint: nothing may read the new screen in the old direction.
  useLayoutEffect(() => {
    if (code) document.documentElement.lang = code;
    if (dir) document.documentElement.dir = dir;
  }, [code, dir]);
}

/** The page's classes: the resident's display choices. */
function mainClass(extra = ''): string {
  const { display } = useKiosk();
  const d = display.value;
  return ['kiosk', extra, d.largeText && 'large-text', d.highContrast && 'high-contrast', d.lowReach && 'low-reach'].filter(Boolean).join(' ');
}

/** Greets in every language in turn; a tap on a language starts in it. */
function Attract() {
  const { content, connection } = useKiosk();
  const languages = content.value?.languages ?? [];
  const greetings = content.value?.greetings ?? {};
  const [i, setI] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setI((n) => (n + 1) % Math.max(1, languages.length)), 3000);
    return () => clearInterval(timer);
  }, [languages.length]);
  const shown = languages[i] ?? languages[0];
  useDocumentLanguage(shown?.code, shown?.dir);
  const greeting = shown ? greetings[shown.code] : undefined;
  return (
    <main class={mainClass('attract')} data-testid="attract" lang={shown?.code} dir={shown?.dir}>
      <div class="toolbar">
        <A11yBar />
      </div>
      <h1 class="attract-title">{greeting?.title}</h1>
      <p class="attract-hint">{greeting?.hint}</p>
      {connection.value.state === 'online' && (
        <p class="place" data-testid="kiosk-place">
          {connection.value.kiosk.name} · {connection.value.kiosk.location}
        </p>
      )}
      <LanguageButtons />
      <TechnicianCorner />
    </main>
  );
}

/**
 * Five taps within 3 s in the bottom-left corner of the attract screen open
 * technician mode's PIN pad. Hidden (not for residents, and out of the
 * accessibility tree), and a spot where no button is, in either direction.
 */
function TechnicianCorner() {
  const { openTechnician } = useKiosk();
  const taps = useRef<number[]>([]);
  const tap = (e: PointerEvent): void => {
    taps.current = [...taps.current.filter((at) => e.timeStamp - at < 3000), e.timeStamp];
    if (taps.current.length < 5) return;
    taps.current = [];
    void openTechnician();
  };
  return <div class="technician-corner" aria-hidden="true" data-testid="technician-corner" onPointerDown={tap} />;
}

/** One button per language, each in its own name and script. */
function LanguageButtons() {
  const { content, lang, chooseLanguage, t } = useKiosk();
  return (
    <section aria-label={t.value.chooseLanguage} class="languages">
      {(content.value?.languages ?? []).map((l) => (
        <button
          type="button"
          lang={l.code}
          dir={l.dir}
          class={l.code === lang.value ? 'lang active' : 'lang'}
          aria-pressed={l.code === lang.value}
          onClick={() => void chooseLanguage(l.code)}
          data-lang={l.code}
        >
          {l.name}
        </button>
      ))}
    </section>
  );
}

/** On every screen but the attract screen: the language, changeable without losing progress. */
function LanguageSwitch() {
  const { language, t } = useKiosk();
  const [open, setOpen] = useState(false);
  return (
    <div class="language-switch">
      <button type="button" class="secondary" aria-expanded={open} onClick={() => setOpen(!open)} data-testid="language-switch">
        🌐 {t.value.language}: {language.value.name}
      </button>
      {open && (
        <div class="language-panel" onClick={() => setOpen(false)}>
          <LanguageButtons />
        </div>
      )}
    </div>
  );
}

function Home({ onTalk }: { onTalk: () => void }) {
  const { connection, t, call, lang, screen, content, startFlow } = useKiosk();
  const c = connection.value;
  const step = call.state.value;
  return (
    <Frame>
      <header>
        <h1>{t.value.welcome}</h1>
        {c.state === 'online' && (
          <p class="place" data-testid="kiosk-place">
            {c.kiosk.name} · {c.kiosk.location}
          </p>
        )}
        <OpenToday />
      </header>
      {c.state === 'loading' && <p class="notice">{t.value.loading}</p>}
      {c.state === 'offline' && (
        <p class="notice error" role="alert" data-testid="offline">
          {t.value.offline}
        </p>
      )}
      <p class="intro">{t.value.intro}</p>
      <h2>{t.value.servicesTitle}</h2>
      <ul class="tiles" data-testid="services">
        {(content.value?.flows ?? []).map((f) => (
          <li>
            <button type="button" class="tile" onClick={() => startFlow(f.id)} data-testid={`flow-tile-${f.id}`}>
              <FlowIcon icon={f.icon} />
              <span class="tile-title">{t.value.format(f.title)}</span>
              <small>{t.value.format(f.summary)}</small>
            </button>
          </li>
        ))}
      </ul>
      <h2>{t.value.otherHelp}</h2>
      <button type="button" class="big primary talk" disabled={c.state !== 'online' || step.step === 'requesting'} onClick={onTalk}>
        {step.step === 'requesting' ? t.value.connecting : t.value.talkToPerson}
        <small>{t.value.talkToPersonHint}</small>
      </button>
      <button type="button" class="big secondary write" disabled={c.state !== 'online'} onClick={() => call.writeInquiry({ language: lang.value })} data-testid="write-to-us">
        {t.value.writeToUs}
        <small>{t.value.writeToUsHint}</small>
      </button>
      <button type="button" class="big secondary write" disabled={c.state !== 'online'} onClick={() => (screen.value = 'follow-up')} data-testid="follow-up-start">
        {t.value.followUp}
        <small>{t.value.followUpHintStart}</small>
      </button>
      <LanguageButtons />
      <CardNotice />
      <Devices />
    </Frame>
  );
}

/** The building's opening hours today, when the kiosk's profile gives them (the kiosk itself serves around the clock). */
function OpenToday() {
  const { shell, t } = useKiosk();
  const today = hoursToday(shell.value?.openingHours, new Date());
  if (!today) return null;
  return (
    <p class="opening-hours" data-testid="opening-hours">
      {today.spans.length ? t.value.openToday(today.spans.join(', ')) : t.value.closedToday}
    </p>
  );
}

function CardNotice() {
  const { card, cardProblem, t } = useKiosk();
  if (cardProblem.value) return <p class="notice error" role="alert" data-testid="card-problem">{t.value.cardRejected}</p>;
  if (!card.value) return null;
  return (
    <p class="notice" role="status" data-testid="card-read">
      {t.value.cardRead(card.value.masked)}
    </p>
  );
}

function Devices() {
  const { hardware, t } = useKiosk();
  const hw = hardware.value;
  if (!hw) return null;
  const row = (label: string, d: DeviceStatus, id: string, state?: string) => (
    <li data-testid={id} class={d.reachable && (!state || state === 'ready') ? 'ok' : 'bad'}>
      {label}: {state ? state : d.reachable ? t.value.ready : `${t.value.unavailable} (${d.detail})`}
    </li>
  );
  return (
    <footer class="devices">
      <h2>{t.value.devices}</h2>
      <ul>
        {row(t.value.printer, hw.printer, 'device-printer', t.value.printerState[hw.printer.state])}
        {row(t.value.cardReader, hw.cardReader, 'device-card-reader')}
      </ul>
    </footer>
  );
}
