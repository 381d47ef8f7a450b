/**
 * A resident who walks away must not leave their answers on the screen. After
 * `idleWarnSeconds` without a touch (the shell's config) the kiosk asks "Are
 * you still there?"; without an answer within `idleWipeSeconds` the session
 * is wiped (answers, card, print jobs) and the attract screen returns. Not
 * while a call is waiting or going on: a resident in the queue may stand and
 * wait, and the call screens end themselves.
 */
import { useEffect, useState } from 'preact/hooks';
import { useKiosk } from './context';

const DEFAULTS = { idleWarnSeconds: 90, idleWipeSeconds: 20 };

export function IdleGuard() {
  const { shell, call, screen, endResidentSession, t, lang } = useKiosk();
  const step = call.state.value.step;
  const watching = screen.value !== 'attract' && (step === 'idle' || step === 'closed' || step === 'callback-form' || step === 'written-form');
  const { idleWarnSeconds, idleWipeSeconds } = shell.value?.session ?? DEFAULTS;
  const [idle, setIdle] = useState(0);
  useEffect(() => {
    if (!watching) return;
    setIdle(0);
    const touched = (): void => setIdle(0);
    const events = ['pointerdown', 'keydown', 'touchstart'] as const;
    for (const e of events) document.addEventListener(e, touched, { capture: true, passive: true });
    const timer = setInterval(() => setIdle((n) => n + 1), 1000);
    return () => {
      clearInterval(timer);
      for (const e of events) document.removeEventListener(e, touched, { capture: true });
    };
  }, [watching]);
  useEffect(() => {
    if (watching && idle >= idleWarnSeconds + idleWipeSeconds) void endResidentSession();
    // Heard as well as seen: a tone, then the question in the resident's language.
    if (watching && idle === idleWarnSeconds) warnAloud(`${t.value.stillThereTitle} ${t.value.stillThereContinue}?`, lang.value);
  }, [idle, watching]);
  if (!watching || idle < idleWarnSeconds) return null;
  return (
    <div class="idle-overlay" role="alertdialog" aria-modal="true" aria-labelledby="still-there-title" data-testid="still-there">
      <div class="overlay-box">
        <h2 id="still-there-title">{t.value.stillThereTitle}</h2>
        <p aria-live="polite">{t.value.stillThereText(Math.max(0, idleWarnSeconds + idleWipeSeconds - idle))}</p>
        <div class="choices">
          <button type="button" class="big primary" onClick={() => setIdle(0)} data-testid="still-there-continue">
            {t.value.stillThereContinue}
          </button>
          <button type="button" class="big secondary" onClick={() => void endResidentSession()} data-testid="still-there-end">
            {t.value.stillThereEnd}
          </button>
        </div>
      </div>
    </div>
  );
}

/** A short two-tone chime and the spoken question; silent where the kiosk has no audio output. */
function warnAloud(text: string, lang: string): void {
  try {
    const ctx = new AudioContext();
    for (const [i, hz] of [880, 660].entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      gain.gain.value = 0.2;
      osc.frequency.value = hz;
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + i * 0.25);
      osc.stop(ctx.currentTime + i * 0.25 + 0.2);
    }
    setTimeout(() => void ctx.close(), 1000);
  } catch {
    // No audio device: the warning is still on the screen.
  }
  const synth = globalThis.speechSynthesis;
  if (!synth) return;
  const u = new SpeechSynthesisUtterance(text);
  u.lang = lang;
  synth.speak(u);
}
