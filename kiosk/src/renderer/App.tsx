import { createContext } from 'preact';
import { useContext, useState } from 'preact/hooks';
import type { DeviceStatus } from '../contract';
import { LANGUAGES, type Lang } from './i18n';
import type { KioskState } from './state';
import { EndedScreen, InCallScreen, WaitingScreen } from './call/CallScreens';
import { CallbackForm, ClosedScreen, WrittenForm } from './call/LeaveWord';
import { FollowUpScreen } from './followUp/FollowUpScreen';

export const StateContext = createContext<KioskState | null>(null);
const useKiosk = (): KioskState => {
  const s = useContext(StateContext);
  if (!s) throw new Error('StateContext missing');
  return s;
};

export function App() {
  const { connection, t, call, lang, bridge, endResidentSession, screen, followUp, card } = useKiosk();
  /** A card was read this session: ask before its (masked) number goes to the agent. */
  const [askCard, setAskCard] = useState(false);
  const c = connection.value;
  const step = call.state.value;
  if (step.step === 'queued') return <Frame><WaitingScreen step={step} call={call} t={t.value} /></Frame>;
  if (step.step === 'closed') return <Frame><ClosedScreen step={step} call={call} t={t.value} lang={lang.value} /></Frame>;
  if (step.step === 'callback-form') return <Frame><CallbackForm step={step} call={call} t={t.value} /></Frame>;
  if (step.step === 'written-form') return <Frame><WrittenForm call={call} t={t.value} /></Frame>;
  if (step.step === 'in-call') return <Frame><InCallScreen step={step} call={call} t={t.value} /></Frame>;
  if (step.step === 'ended')
    return (
      <Frame>
        <EndedScreen step={step} t={t.value} lang={lang.value} bridge={bridge} onDone={() => void endResidentSession()} onRate={(n) => call.rate(n)} />
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
  if (screen.value === 'follow-up' && (step.step === 'idle' || step.step === 'requesting'))
    return (
      <Frame>
        <FollowUpScreen followUp={followUp} t={t.value} lang={lang.value} onBack={() => {
            followUp.clear();
            screen.value = 'start';
          }} />
      </Frame>
    );
  return (
    <main class="kiosk" lang={useKiosk().lang.value}>
      <header>
        <h1>{t.value.welcome}</h1>
        {c.state === 'online' && (
          <p class="place" data-testid="kiosk-place">
            {c.kiosk.name} · {c.kiosk.location}
          </p>
        )}
      </header>
      {c.state === 'loading' && <p class="notice">{t.value.loading}</p>}
      {c.state === 'offline' && (
        <p class="notice error" role="alert" data-testid="offline">
          {t.value.offline}
        </p>
      )}
      <p class="intro">{t.value.intro}</p>
      <button
        type="button"
        class="big primary talk"
        disabled={c.state !== 'online' || step.step === 'requesting'}
        onClick={() => (card.value ? setAskCard(true) : void call.talkToAPerson({ language: lang.value }))}
      >
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
      <LanguagePicker />
      <CardNotice />
      <Devices />
    </main>
  );
}

function Frame({ children }: { children: preact.ComponentChildren }) {
  const { lang } = useKiosk();
  return (
    <main class="kiosk" lang={lang.value}>
      {children}
    </main>
  );
}

function LanguagePicker() {
  const { lang, t } = useKiosk();
  return (
    <section aria-label={t.value.chooseLanguage} class="languages">
      {(Object.keys(LANGUAGES) as Lang[]).map((l) => (
        <button type="button" class={l === lang.value ? 'lang active' : 'lang'} aria-pressed={l === lang.value} onClick={() => (lang.value = l)}>
          {LANGUAGES[l]}
        </button>
      ))}
    </section>
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
