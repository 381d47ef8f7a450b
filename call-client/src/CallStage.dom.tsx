/**
 * The in-call view both apps show: the featured participant's video large
 * (the agent on the kiosk, the resident on the console), anyone else who
 * joined beside it, the self-view small, the camera-on indicator, "muted" and
 * "reconnecting" notes, the remote audio, and the three controls (microphone,
 * camera, end). Each app gives its words (the kiosk in the resident's
 * language), its test ids and its styling through the class names
 * (`call-stage`, `stage`, `remote`, `third`, `self`, `controls`, …); what sits
 * between the stage and the controls is the app's own (`children`).
 */
import type { ComponentChildren } from 'preact';
import type { ParticipantRole } from '@citizen/protocol';
import type { MediaCallView } from './MediaCall';
import { AudioSink, VideoView } from './VideoView.dom';
import { createLogger, drop } from './log';

const log = createLogger('call-stage');

export interface CallStageLabels {
  featuredName: string;
  waitingForVideo: string;
  cameraOnIndicator: string;
  cameraOffIndicator: string;
  featuredMuted: string;
  reconnecting: string;
  mute: string;
  unmute: string;
  cameraOff: string;
  cameraOn: string;
  end: string;
}

export interface CallStageProps {
  view: MediaCallView;
  /** Whose camera fills the stage. */
  featured: ParticipantRole;
  labels: CallStageLabels;
  testIds: { featured: string; other: string; featuredMuted: string };
  /** Signalling is reconnecting (media may still flow); shown like a media reconnect. */
  signalReconnecting?: boolean;
  /** The camera-on indicator is part of the kiosk's privacy promise; the console may leave it out. */
  cameraIndicator?: boolean;
  /** Extra class on the control buttons (the kiosk's are big). */
  buttonClass?: string;
  onEnd: () => void;
  children?: ComponentChildren;
}

export function CallStage({ view, featured, labels, testIds, signalReconnecting = false, cameraIndicator = true, buttonClass = '', onEnd, children }: CallStageProps) {
  const remotes = view.remotes.value;
  const participants = view.participants.value;
  const featuredIds = new Set(participants.filter((p) => p.role === featured).map((p) => p.participantId));
  const featuredVideo = remotes.find((r) => r.kind === 'video' && r.source === 'camera' && featuredIds.has(r.participantId));
  const otherVideos = remotes.filter((r) => r.kind === 'video' && r !== featuredVideo);
  const featuredAudio = remotes.find((r) => r.kind === 'audio' && featuredIds.has(r.participantId));
  const nameOf = (id: string): string => participants.find((p) => p.participantId === id)?.displayName ?? id;
  const local = view.local.value;
  const reconnecting = view.health.value === 'reconnecting' || signalReconnecting;
  const button = (cls: string): string => [buttonClass, cls].filter(Boolean).join(' ');
  return (
    <section class="call-stage">
      <div class="stage">
        {featuredVideo ? (
          <VideoView class="remote" track={featuredVideo.track} testId={testIds.featured} label={labels.featuredName} onFirstFrame={() => view.timeline.mark('firstFrame')} />
        ) : (
          <div class="remote placeholder">{labels.waitingForVideo}</div>
        )}
        {otherVideos.map((r) => (
          <VideoView key={r.producerId} class="third" track={r.track} testId={testIds.other} label={nameOf(r.participantId)} />
        ))}
        {local.stream && local.cameraOn && <VideoView class="self" stream={local.stream} muted mirror testId="self-video" label="self" />}
        {cameraIndicator && (
          <p class={local.cameraOn ? 'camera-indicator on' : 'camera-indicator'} data-testid="camera-indicator" role="status">
            {local.cameraOn ? labels.cameraOnIndicator : labels.cameraOffIndicator}
          </p>
        )}
        {/* At chat only everyone's sound is held by the call's stage: that is not the other side muting. */}
        {featuredAudio?.paused && view.quality.value.stage !== 'text' && view.quality.value.stage !== 'callback' && (
          <p class="muted-note" data-testid={testIds.featuredMuted}>
            {labels.featuredMuted}
          </p>
        )}
        {reconnecting && (
          <div class="overlay" role="status" data-testid="reconnecting">
            {labels.reconnecting}
          </div>
        )}
      </div>
      {remotes
        .filter((r) => r.kind === 'audio')
        .map((r) => (
          <AudioSink key={r.producerId} track={r.track} />
        ))}
      {children}
      <div class="controls">
        <button type="button" class={button('')} aria-pressed={local.micMuted} onClick={() => drop(view.media.setMicMuted(!local.micMuted), log, 'microphone toggle failed', { call: view.callId })}>
          {local.micMuted ? labels.unmute : labels.mute}
        </button>
        <button type="button" class={button('')} aria-pressed={!local.cameraOn} onClick={() => drop(view.media.setCameraOn(!local.cameraOn), log, 'camera toggle failed', { call: view.callId })}>
          {local.cameraOn ? labels.cameraOff : labels.cameraOn}
        </button>
        <button type="button" class={button('danger')} onClick={onEnd}>
          {labels.end}
        </button>
      </div>
    </section>
  );
}
