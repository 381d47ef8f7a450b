/**
 * What a resident can leave instead of waiting at the kiosk: a phone number
 * to be called back (keeping their place in the queue), or a written
 * inquiry. A kiosk has no keyboard: digits come from an on-screen keypad and
 * text from an on-screen keyboard (a physical one works too). Both forms ask
 * for consent before anything personal is kept.
 */
import { useState } from 'preact/hooks';
import { localeOf, type UiStrings } from '../i18n';
import { Keyboard } from '../keyboard/Keyboard';
import { textLayout } from '../keyboard/layouts';
import type { CallState, CallStep, LeaveWordResult } from './callState';

type T = UiStrings;

/** As the server checks it (protocol PhoneNumber): digits and spaces, an optional leading +, 6-20 characters. */
const PHONE = /^\+?[0-9][0-9 ]{5,19}$/;
export const validPhone = (s: string): boolean => PHONE.test(s.trim());

const when = (iso: string | null, lang: string): string | null =>
  iso ? new Date(iso).toLocaleString(localeOf(lang), { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' }) : null;

export function ClosedScreen({ step, call, t, lang }: { step: Extract<CallStep, { step: 'closed' }>; call: CallState; t: T; lang: string }) {
  const opens = when(step.opensAt, lang);
  return (
    <section class="screen closed" data-testid="queue-closed">
      <h2>{t.closedTitle}</h2>
      {opens && <p data-testid="opens-at">{t.opensAt(opens)}</p>}
      <p>{t.closedChoices}</p>
      <div class="choices">
        <button type="button" class="big primary" onClick={() => call.offerCallback()} data-testid="choose-callback">
          {t.sendCallback}
        </button>
        <button type="button" class="big primary" onClick={() => call.writeInquiry()} data-testid="choose-written">
          {t.writeToUs}
        </button>
      </div>
      <button type="button" class="big secondary" onClick={() => call.cancelForm()}>
        {t.cancel}
      </button>
    </section>
  );
}

export function CallbackForm({ step, call, t }: { step: Extract<CallStep, { step: 'callback-form' }>; call: CallState; t: T }) {
  const [phone, setPhone] = useState('');
  const [consent, setConsent] = useState(false);
  const [sending, setSending] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const ok = validPhone(phone);
  const send = async (): Promise<void> => {
    setSending(true);
    setFailed(null);
    const r: LeaveWordResult = await call.requestCallback(phone.trim());
    if (!r.ok) {
      setSending(false);
      setFailed(r.code);
    }
  };
  return (
    <section class="screen form callback-form" data-testid="callback-form">
      <h2>{t.phoneTitle}</h2>
      {step.waiting && <p>{t.callMeBackHint}</p>}
      {step.stepped && <p data-testid="callback-stepped-hint">{t.format('ui.callbackSteppedHint')}</p>}
      <label class="field">
        {t.phoneLabel}
        <input
          type="tel"
          inputMode="tel"
          autoComplete="off"
          maxLength={20}
          value={phone}
          onInput={(e) => setPhone(e.currentTarget.value.replace(/[^0-9+ ]/g, ''))}
          data-testid="phone"
        />
      </label>
      <Keypad value={phone} onChange={setPhone} t={t} />
      {phone.length > 0 && !ok && <p class="hint">{t.phoneInvalid}</p>}
      <label class="consent">
        <input type="checkbox" checked={consent} onChange={(e) => setConsent(e.currentTarget.checked)} data-testid="consent" />
        {t.consentPhone}
      </label>
      <FormEnd call={call} t={t} failed={failed} sending={sending} ready={ok && consent} onSend={() => void send()} label={t.sendCallback} testId="send-callback" />
    </section>
  );
}

export function WrittenForm({ call, t, lang }: { call: CallState; t: T; lang: string }) {
  const [message, setMessage] = useState('');
  const [phone, setPhone] = useState('');
  const [consent, setConsent] = useState(false);
  const [sending, setSending] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const phoneOk = phone.trim() === '' || validPhone(phone);
  const ok = message.trim().length > 0 && phoneOk && consent;
  const send = async (): Promise<void> => {
    setSending(true);
    setFailed(null);
    const r = await call.submitWritten(message.trim(), phone.trim() || null);
    if (!r.ok) {
      setSending(false);
      setFailed(r.code);
    }
  };
  return (
    <section class="screen form written-form" data-testid="written-form">
      <h2>{t.messageTitle}</h2>
      <label class="field">
        {t.messageLabel}
        <textarea rows={4} maxLength={2000} value={message} onInput={(e) => setMessage(e.currentTarget.value)} data-testid="message" />
      </label>
      <Keyboard layout={textLayout(lang)} value={message} onChange={setMessage} maxLength={2000} labels={{ label: t.messageLabel, deleteKey: t.deleteDigit, space: t.space }} />
      <label class="field">
        {t.optionalPhone}
        <input type="tel" inputMode="tel" maxLength={20} value={phone} onInput={(e) => setPhone(e.currentTarget.value.replace(/[^0-9+ ]/g, ''))} data-testid="written-phone" />
      </label>
      {!phoneOk && <p class="hint">{t.phoneInvalid}</p>}
      <label class="consent">
        <input type="checkbox" checked={consent} onChange={(e) => setConsent(e.currentTarget.checked)} data-testid="written-consent" />
        {t.consentWritten}
      </label>
      <FormEnd call={call} t={t} failed={failed} sending={sending} ready={ok} onSend={() => void send()} label={t.send} testId="send-written" />
    </section>
  );
}

/** The error, if sending failed, and Back / Send. */
function FormEnd(p: { call: CallState; t: T; failed: string | null; sending: boolean; ready: boolean; onSend: () => void; label: string; testId: string }) {
  return (
    <>
      {p.failed && (
        <p role="alert" class="notice error" data-testid="leave-failed" data-code={p.failed}>
          {p.t.leaveFailed}
        </p>
      )}
      <div class="choices">
        <button type="button" class="big secondary" onClick={() => p.call.cancelForm()} disabled={p.sending} data-testid="form-cancel">
          {p.t.cancel}
        </button>
        <button type="button" class="big primary" disabled={!p.ready || p.sending} onClick={p.onSend} data-testid={p.testId}>
          {p.sending ? p.t.sending : p.label}
        </button>
      </div>
    </>
  );
}

function Keypad({ value, onChange, t }: { value: string; onChange: (v: string) => void; t: T }) {
  const press = (k: string): void => {
    if (k === 'del') onChange(value.slice(0, -1));
    else if (k === '+') onChange(value === '' ? '+' : value);
    else if (value.length < 20) onChange(value + k);
  };
  return (
    <div class="keypad" role="group" aria-label={t.phoneLabel}>
      {['1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '0', 'del'].map((k) => (
        <button type="button" class="key" aria-label={k === 'del' ? t.deleteDigit : k} onClick={() => press(k)} data-key={k}>
          {k === 'del' ? '⌫' : k}
        </button>
      ))}
    </div>
  );
}
