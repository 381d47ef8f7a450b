import type { UiStrings } from '../i18n';
import { formatReference, REFERENCE_KEYS, type FollowUp } from './followUp';

type T = UiStrings;

export function FollowUpScreen({ followUp, t, lang, onBack }: { followUp: FollowUp; t: T; lang: string; onBack: () => void }) {
  const r = followUp.result.value;
  const typed = followUp.typed.value;
  const locale = t.locale;
  const date = (iso: string | null): string | null => (iso ? new Date(iso).toLocaleDateString(locale, { day: 'numeric', month: 'long', year: 'numeric' }) : null);
  return (
    <section class="screen follow-up" data-testid="follow-up">
      <h2>{t.followUpTitle}</h2>
      {r.state !== 'found' ? (
        <>
          <p>{t.followUpHint}</p>
          <p class="ref typed" data-testid="typed-reference" aria-live="polite">
            {formatReference(typed)}
          </p>
          <div class="refpad" role="group" aria-label={t.yourReference}>
            {[...REFERENCE_KEYS, 'del'].map((k) => (
              <button type="button" class="key" data-key={k} aria-label={k === 'del' ? t.deleteDigit : k} onClick={() => followUp.press(k)}>
                {k === 'del' ? '⌫' : k}
              </button>
            ))}
          </div>
          {r.state === 'failed' && (
            <p role="alert" class="notice error" data-testid="lookup-failed" data-code={r.code}>
              {r.code === 'REFERENCE_MISTYPED' ? t.referenceMistyped : r.code === 'REFERENCE_UNKNOWN' ? t.referenceUnknown : t.lookupFailed}
            </p>
          )}
          <div class="choices">
            <button type="button" class="big secondary" onClick={onBack} data-testid="follow-up-back">
              {t.cancel}
            </button>
            <button type="button" class="big primary" disabled={typed.length !== 8 || r.state === 'looking'} onClick={() => void followUp.lookUp(lang)} data-testid="look-up">
              {t.lookUp}
            </button>
          </div>
        </>
      ) : (
        <>
          <p class="ref">{r.status.reference}</p>
          <dl class="status" data-testid="case-status">
            <dt>{t.caseStatusLabel}</dt>
            <dd data-testid="case-status-text">{r.status.caseStatusText}</dd>
            {r.status.nextStepText && (
              <>
                <dt>{t.nextStepLabel}</dt>
                <dd>{r.status.nextStepText}</dd>
              </>
            )}
            <dt>{t.receivedLabel}</dt>
            <dd>{date(r.status.receivedAt)}</dd>
            {r.status.promisedBy && !r.status.resolvedAt && (
              <>
                <dt>{t.promisedLabel}</dt>
                <dd>{date(r.status.promisedBy)}</dd>
              </>
            )}
            {r.status.resolvedAt && (
              <>
                <dt>{t.resolvedLabel}</dt>
                <dd>{date(r.status.resolvedAt)}</dd>
              </>
            )}
            {r.status.achieved && (
              <>
                <dt>{t.achievedLabel}</dt>
                <dd>{t.achievedText(r.status.achieved.medianDays, r.status.achieved.p90Days)}</dd>
              </>
            )}
          </dl>
          <button type="button" class="big" onClick={onBack}>
            {t.backToStart}
          </button>
        </>
      )}
    </section>
  );
}
