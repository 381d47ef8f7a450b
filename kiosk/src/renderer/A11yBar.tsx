/**
 * On every screen: larger text, high contrast, a lower layout for a resident
 * in a wheelchair or of short stature, and "read aloud", which speaks the
 * screen's text in the resident's language (speechSynthesis). The choices
 * hold for the session and are reset when it is wiped.
 */
import { useEffect } from 'preact/hooks';
import { useKiosk } from './context';

/** Speaks what the screen says: headings, texts and the buttons' names, in reading order. */
export function readAloud(lang: string): void {
  const synth = globalThis.speechSynthesis;
  const main = document.querySelector('main .screen, main');
  if (!synth || !main) return;
  synth.cancel();
  const text = (main as HTMLElement).innerText.replace(/\s+\n/g, '\n').trim();
  const u = new SpeechSynthesisUtterance(text);
  u.lang = lang;
  const voice = synth.getVoices().find((v) => v.lang.toLowerCase().startsWith(lang));
  if (voice) u.voice = voice;
  synth.speak(u);
}

export function A11yBar() {
  const { display, t, lang } = useKiosk();
  const d = display.value;
  const toggle = (k: keyof typeof d): void => void (display.value = { ...d, [k]: !d[k] });
  const f = t.value.format;
  return (
    <nav class="a11y-bar" aria-label={f('ui.a11y.tools')}>
      <button type="button" class="secondary" aria-pressed={d.largeText} onClick={() => toggle('largeText')} data-testid="a11y-text">
        <span aria-hidden="true">A+ </span>
        {f('ui.a11y.textSize')}
      </button>
      <button type="button" class="secondary" aria-pressed={d.highContrast} onClick={() => toggle('highContrast')} data-testid="a11y-contrast">
        <span aria-hidden="true">◐ </span>
        {f('ui.a11y.contrast')}
      </button>
      <button type="button" class="secondary" aria-pressed={d.lowReach} onClick={() => toggle('lowReach')} data-testid="a11y-reach">
        <span aria-hidden="true">⤓ </span>
        {f('ui.a11y.reach')}
      </button>
      <button type="button" class="secondary" onClick={() => readAloud(lang.value)} data-testid="a11y-read">
        <span aria-hidden="true">🔊 </span>
        {f('ui.a11y.readAloud')}
      </button>
    </nav>
  );
}

/** Where the kiosk is configured to, reads each screen aloud as it appears (`key` names the screen). */
export function ReadOnArrival({ screenKey }: { screenKey: string }) {
  const { shell, lang } = useKiosk();
  const on = shell.value?.session.readAloudOnArrival === true;
  useEffect(() => {
    if (!on) return;
    // After the screen has rendered.
    const timer = setTimeout(() => readAloud(lang.value), 300);
    return () => clearTimeout(timer);
  }, [screenKey, on, lang.value]);
  return null;
}
