/**
 * Glue between a SignalClient and a CallMedia for one participant: starts
 * media when the call has it, resyncs it after a signalling resume, and
 * exposes everything a call screen shows as signals.
 */
import { signal, type Signal } from '@preact/signals';
import type { CallQuality, CallSnapshot } from '@citizen/protocol';
import { CallMedia, type CallSignal, type MediaHealth, type RemoteMedia } from './media/CallMedia.dom';
import type { MediaEndpoint } from './media/MediaEndpoint.dom';
import { createLogger } from './log';
import { Timeline } from './timeline';

const log = createLogger('call');

type InCall = Extract<CallSnapshot, { step: 'in-call' }>;

export interface MediaCallView {
  callId: string;
  participants: Signal<InCall['participants']>;
  remotes: Signal<RemoteMedia[]>;
  health: Signal<MediaHealth>;
  local: Signal<{ stream: MediaStream | null; micMuted: boolean; cameraOn: boolean }>;
  /** The call's quality stage on a bad network, for both sides to show in plain words. */
  quality: Signal<CallQuality>;
  startedAt: number;
  media: CallMedia;
  /** Set-up stages of this call on this side (the app's own marks and `media.*`). */
  timeline: Timeline;
  /** Stops media, releases camera and microphone, unsubscribes. Idempotent. */
  stop(): void;
}

export function startMediaCall(
  signalClient: CallSignal,
  snapshot: InCall,
  opts: { video?: boolean; timeline?: Timeline; endpoint?: MediaEndpoint; receiveFirstMs?: number; maxVideoBitrate?: number | null; iceTransportPolicy?: 'all' | 'relay' } = {},
): MediaCallView {
  const timeline = opts.timeline ?? new Timeline();
  const media = new CallMedia(signalClient, snapshot, timeline, opts.endpoint, {
    receiveFirstMs: opts.receiveFirstMs ?? 0,
    maxVideoBitrate: opts.maxVideoBitrate ?? null,
    ...(opts.iceTransportPolicy ? { iceTransportPolicy: opts.iceTransportPolicy } : {}),
  });
  const offs: (() => void)[] = [];
  const view: MediaCallView = {
    callId: snapshot.callId,
    participants: signal(snapshot.participants),
    remotes: signal<RemoteMedia[]>([]),
    health: signal<MediaHealth>('connecting'),
    local: signal({ stream: null as MediaStream | null, micMuted: false, cameraOn: false }),
    quality: signal(snapshot.stage),
    startedAt: Date.parse(snapshot.startedAt),
    media,
    timeline,
    stop: () => {
      for (const off of offs.splice(0)) off();
      media.stop();
    },
  };
  media.on('remote', (r) => (view.remotes.value = r));
  media.on('health', (h) => (view.health.value = h));
  media.on('local', (l) => (view.local.value = l));
  media.on('quality', (q) => (view.quality.value = q));
  const s = signalClient;
  offs.push(
    s.on('participantJoined', ({ callId, participant }) => {
      if (callId === snapshot.callId) view.participants.value = [...view.participants.value.filter((p) => p.participantId !== participant.participantId), participant];
    }),
    s.on('participantLeft', ({ callId, participantId }) => {
      if (callId === snapshot.callId) view.participants.value = view.participants.value.filter((p) => p.participantId !== participantId);
    }),
  );
  media.start({ video: opts.video ?? true }).catch((err: unknown) => {
    log.error('could not start media', { call: snapshot.callId, error: err });
    view.health.value = 'reconnecting';
  });
  return view;
}
