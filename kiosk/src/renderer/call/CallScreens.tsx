import { useEffect, useState } from 'preact/hooks';
import { AudioSink, VideoView } from '@citizen/call-client';
import type { STRINGS } from '../i18n';
import type { CallState, CallStep } from './callState';
import type { KioskShellApi, ReceiptLanguage } from '../../contract';
import { ReferenceReceipt } from './Receipt';

type T = (typeof STRINGS)['da'];

export function WaitingScreen({ step, call, t }: { step: Extract<CallStep, { step: 'queued' }>; call: CallState; t: T }) {
  return (
    <section class="screen waiting" aria-live="polite">
      <div class="spinner" aria-hidden="true" />
      <h2 data-testid="queue-position">{t.queuePosition(step.position)}</h2>
      <p data-testid="queue-wait">{t.estimatedWait(step.estimatedWaitSeconds)}</p>
      <button type="button" class="big secondary" onClick={() => void call.leaveQueue()}>
        {t.leaveQueue}
      </button>
    </section>
  );
}

export function InCallScreen({ step, call, t }: { step: Extract<CallStep, { step: 'in-call' }>; call: CallState; t: T }) {
  const v = step.call;
  const remotes = v.remotes.value;
  const agentVideo = remotes.find((r) => r.kind === 'video' && r.source === 'camera' && v.participants.value.some((p) => p.participantId === r.participantId && p.role === 'agent'));
  const otherVideos = remotes.filter((r) => r.kind === 'video' && r !== agentVideo);
  const agentAudio = remotes.find((r) => r.kind === 'audio' && v.participants.value.some((p) => p.participantId === r.participantId && p.role === 'agent'));
  const local = v.local.value;
  const reconnecting = v.health.value === 'reconnecting' || call.connection.value === 'reconnecting';
  return (
    <section class="screen in-call">
      <div class="stage">
        {agentVideo ? (
          <VideoView class="remote" track={agentVideo.track} testId="remote-video" label={step.agentName} />
        ) : (
          <div class="remote placeholder">{t.waitingForVideo}</div>
        )}
        {otherVideos.map((r) => (
          <VideoView key={r.producerId} class="third" track={r.track} testId="third-video" label={r.participantId} />
        ))}
        {local.stream && local.cameraOn && <VideoView class="self" stream={local.stream} muted mirror testId="self-video" label="self" />}
        <p class={local.cameraOn ? 'camera-indicator on' : 'camera-indicator'} data-testid="camera-indicator" role="status">
          {local.cameraOn ? t.cameraOnIndicator : t.cameraOffIndicator}
        </p>
        {agentAudio?.paused && <p class="muted-note" data-testid="agent-muted">{t.agentMuted}</p>}
        {reconnecting && (
          <div class="overlay" role="status" data-testid="reconnecting">
            {t.reconnecting}
          </div>
        )}
      </div>
      {remotes.filter((r) => r.kind === 'audio').map((r) => <AudioSink key={r.producerId} track={r.track} />)}
      <h2 class="with">{t.inCallWith(step.agentName)}</h2>
      <div class="controls">
        <button type="button" class="big" aria-pressed={local.micMuted} onClick={() => void v.media.setMicMuted(!local.micMuted)}>
          {local.micMuted ? t.unmute : t.mute}
        </button>
        <button type="button" class="big" aria-pressed={!local.cameraOn} onClick={() => void v.media.setCameraOn(!local.cameraOn)}>
          {local.cameraOn ? t.cameraOff : t.cameraOn}
        </button>
        <button type="button" class="big danger" onClick={() => void call.hangUp()}>
          {t.endCall}
        </button>
      </div>
    </section>
  );
}

/** Shown after a call; returns to the start screen by itself so the next resident finds a clean kiosk. */
export function EndedScreen({
  step,
  t,
  lang,
  bridge,
  onDone,
}: {
  step: Extract<CallStep, { step: 'ended' }>;
  t: T;
  lang: ReceiptLanguage;
  bridge: KioskShellApi;
  onDone: () => void;
}) {
  const [left, setLeft] = useState(60);
  useEffect(() => {
    const timer = setInterval(() => setLeft((n) => n - 1), 1000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    if (left <= 0) onDone();
  }, [left]);
  const message = step.reason === 'connection-lost' ? t.callEndedLost : step.reason === 'failed' ? t.callFailed : t.thanks;
  return (
    <section class="screen ended" data-testid="call-ended">
      <h2>{message}</h2>
      {step.reference && <ReferenceReceipt reference={step.reference} language={lang} bridge={bridge} t={t} />}
      <button type="button" class="big" onClick={onDone}>
        {t.backToStart} ({left})
      </button>
    </section>
  );
}
