import { useEffect, useState } from 'preact/hooks';
import { CallStage } from '@citizen/call-client/stage';
import type { UiStrings } from '../i18n';
import type { CallState, CallStep } from './callState';
import type { KioskShellApi, ReceiptLanguage } from '../../contract';
import { ReferenceReceipt, useCasePromise } from './Receipt';
import { useLazy } from '../lazy';
import { textLayout } from '../keyboard/layouts';

type T = UiStrings;

export function WaitingScreen({ step, call, t }: { step: Extract<CallStep, { step: 'queued' }>; call: CallState; t: T }) {
  return (
    <section class="screen waiting" aria-live="polite">
      <div class="spinner" aria-hidden="true" />
      {step.transferred && (
        <p class="notice" data-testid="transferred">
          {t.transferredNote}
        </p>
      )}
      <h2 data-testid="queue-position">{t.queuePosition(step.position)}</h2>
      <p data-testid="queue-wait">{t.estimatedWait(step.estimatedWaitSeconds)}</p>
      <div class="choices">
        <button type="button" class="big secondary" onClick={() => call.offerCallback()} data-testid="call-me-back">
          {t.callMeBack}
        </button>
        <button type="button" class="big secondary" onClick={() => void call.leaveQueue()} data-testid="leave-queue">
          {t.leaveQueue}
        </button>
      </div>
    </section>
  );
}

export function InCallScreen({ step, call, t, lang }: { step: Extract<CallStep, { step: 'in-call' }>; call: CallState; t: T; lang: string }) {
  const ChatPanel = useLazy(() => import('./ChatPanel').then((m) => m.ChatPanel), true);
  const chat = call.chat.value;
  const quality = step.call.quality.value;
  // Loaded when a call first steps down; once it has, "better again" shows too.
  const QualityNotice = useLazy(() => import('./QualityNotice').then((m) => m.QualityNotice), quality.stage !== 'video' || quality.reason !== '');
  return (
    <section class="screen in-call">
      <CallStage
        view={step.call}
        featured="agent"
        labels={{
          featuredName: step.agentName,
          waitingForVideo: t.waitingForVideo,
          cameraOnIndicator: t.cameraOnIndicator,
          cameraOffIndicator: t.cameraOffIndicator,
          featuredMuted: t.agentMuted,
          reconnecting: t.reconnecting,
          mute: t.mute,
          unmute: t.unmute,
          cameraOff: t.cameraOff,
          cameraOn: t.cameraOn,
          end: t.endCall,
        }}
        testIds={{ featured: 'remote-video', other: 'third-video', featuredMuted: 'agent-muted' }}
        signalReconnecting={call.connection.value === 'reconnecting'}
        buttonClass="big"
        onEnd={() => void call.hangUp()}
      >
        <h2 class="with">{t.inCallWith(step.agentName)}</h2>
        {QualityNotice && <QualityNotice quality={quality} t={t} onCallback={() => call.offerCallback()} />}
        <Shown call={call} t={t} />
        {ChatPanel && chat && <ChatPanel chat={chat} t={t} layout={textLayout(lang)} />}
      </CallStage>
    </section>
  );
}

/** What the agent shows on the screen during the call, each until the resident answers it; and a document printing here. */
function Shown({ call, t }: { call: CallState; t: T }) {
  const items = call.shown.value;
  const p = call.printing.value;
  return (
    <>
      {items.map(({ pushId, item }) => (
        <article class="shown" data-testid="shown" data-kind={item.kind} key={pushId} aria-live="polite">
          <p class="from">{t.fromAgent}</p>
          <h3>{item.title}</h3>
          {item.body && <p class="body">{item.body}</p>}
          {item.kind === 'confirm' && item.fields.length > 0 && (
            <dl>
              {item.fields.map((f) => (
                <>
                  <dt>{f.label}</dt>
                  <dd>{f.value}</dd>
                </>
              ))}
            </dl>
          )}
          <div class="choices">
            {item.kind === 'info' ? (
              <button type="button" class="big primary" onClick={() => call.answer(pushId, 'read')}>
                {t.pushRead}
              </button>
            ) : (
              <>
                <button type="button" class="big primary" onClick={() => call.answer(pushId, 'confirmed')} data-testid="confirm-yes">
                  {t.pushConfirm}
                </button>
                <button type="button" class="big secondary" onClick={() => call.answer(pushId, 'not-correct')} data-testid="confirm-no">
                  {t.pushNotCorrect}
                </button>
              </>
            )}
          </div>
        </article>
      ))}
      {p && (
        <p class={p.state === 'failed' ? 'notice error' : 'notice'} role="status" data-testid="agent-print" data-state={p.state}>
          {p.state === 'printing' ? t.printingDoc(p.title) : p.state === 'printed' ? t.printedDoc : p.state === 'queued' ? t.printQueuedDoc : t.printFailedDoc}
        </p>
      )}
    </>
  );
}

/** Shown after a call; returns to the start screen by itself so the next resident finds a clean kiosk. */
export function EndedScreen({
  step,
  t,
  lang,
  bridge,
  onDone,
  onRate,
}: {
  step: Extract<CallStep, { step: 'ended' }>;
  t: T;
  lang: ReceiptLanguage;
  bridge: KioskShellApi;
  onDone: () => void;
  onRate: (rating: number) => Promise<boolean>;
}) {
  const [rated, setRated] = useState<number | null>(null);
  const promise = useCasePromise(step.reference, lang);
  const [left, setLeft] = useState(60);
  useEffect(() => {
    const timer = setInterval(() => setLeft((n) => n - 1), 1000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    if (left <= 0) onDone();
  }, [left]);
  const message =
    step.reason === 'connection-lost'
      ? t.callEndedLost
      : step.reason === 'failed'
        ? t.callFailed
        : step.reason === 'callback'
          ? t.callbackBooked
          : step.reason === 'written'
            ? t.writtenSent
            : t.thanks;
  const locale = t.locale;
  const detail =
    step.reason === 'callback'
      ? t.callbackWhen(step.opensAt ? new Date(step.opensAt).toLocaleString(locale, { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' }) : null)
      : step.reason === 'written' && step.promisedBy
        ? t.answerBy(new Date(step.promisedBy).toLocaleDateString(locale, { day: 'numeric', month: 'long', year: 'numeric' }))
        : null;
  return (
    <section class="screen ended" data-testid="call-ended">
      <h2 data-testid="ended-title">{message}</h2>
      {detail && <p data-testid="ended-detail">{detail}</p>}
      {step.ratedCall &&
        (rated === null ? (
          <fieldset class="rating" data-testid="rating">
            <legend>{t.rateCall}</legend>
            {[1, 2, 3, 4, 5].map((n) => (
              <button type="button" class="big star" aria-label={t.rating(n)} onClick={() => void onRate(n).then((ok) => ok && setRated(n))}>
                {'★'.repeat(n)}
              </button>
            ))}
          </fieldset>
        ) : (
          <p role="status" data-testid="rated">
            {t.ratingThanks}
          </p>
        ))}
      {step.reference && <ReferenceReceipt reference={step.reference} language={lang} bridge={bridge} t={t} nextSteps={step.reason === 'callback' ? ['agent-will-call', 'track-online'] : ['track-online']} promise={promise} />}
      <button type="button" class="big" onClick={onDone}>
        {t.backToStart} ({left})
      </button>
    </section>
  );
}
