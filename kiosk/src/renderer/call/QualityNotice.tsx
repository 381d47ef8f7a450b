/**
 * What a bad network did to the call, in plain words on the resident's
 * screen (issue #13): the picture was lowered, sound only, writing only, or
 * the connection is too weak for a call and a callback keeps the case, what
 * was said and the place in line. When it gets better again the screen says
 * so. The words never blame the resident's side: a weak link is "the
 * connection". When the agent chose the step, the screen says that instead.
 *
 * Its own chunk, with its words: loaded only when a call first steps down.
 */
import { useEffect, useState } from 'preact/hooks';
import type { CallQuality } from '@citizen/protocol';
import type { UiStrings } from '../i18n';

const WORDS = {
  'low-video': 'ui.qualityLowVideo',
  audio: 'ui.qualityAudio',
  text: 'ui.qualityText',
  callback: 'ui.qualityCallback',
  video: 'ui.qualityRecovered',
} as const;

/** How long "better again" stays on the screen. */
const RECOVERED_MS = 8000;

export function QualityNotice({ quality, t, onCallback }: { quality: CallQuality; t: UiStrings; onCallback: () => void }) {
  const f = t.format;
  const [shown, setShown] = useState(true);
  useEffect(() => {
    setShown(true);
    if (quality.stage !== 'video') return;
    const timer = setTimeout(() => setShown(false), RECOVERED_MS);
    return () => clearTimeout(timer);
  }, [quality]);
  if (!shown) return null;
  return (
    <div class={quality.stage === 'video' ? 'notice quality recovered' : 'notice quality'} role="status" aria-live="polite" data-testid="quality-notice" data-stage={quality.stage} data-by={quality.by}>
      <p>
        {f(WORDS[quality.stage])}
        {quality.by === 'agent' && quality.stage !== 'video' && <> {f('ui.qualityChosen')}</>}
      </p>
      {quality.stage === 'callback' && (
        <button type="button" class="big primary" onClick={onCallback} data-testid="quality-callback">
          {f('ui.qualityCallMeBack')}
        </button>
      )}
    </div>
  );
}
