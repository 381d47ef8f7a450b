import { useEffect, useRef } from 'preact/hooks';
import { createLogger } from './log';

const log = createLogger('video');
/** play() rejects when the element is detached or its source replaced before playback starts: expected, but logged. */
const played = (p: Promise<void>, what: string): void => void p.catch((err: unknown) => log.debug('play() did not start', { what, error: err }));

/** A <video> bound to a track or stream; muted for self-view so the resident never hears themself. */
export function VideoView(props: {
  track?: MediaStreamTrack | undefined;
  stream?: MediaStream | undefined;
  muted?: boolean;
  mirror?: boolean;
  class?: string;
  testId?: string;
  label: string;
  /** Called once, when the first frame of this source is presented. */
  onFirstFrame?: () => void;
}) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = props.stream ?? (props.track ? new MediaStream([props.track]) : null);
    played(el.play(), 'video');
    if (props.onFirstFrame) el.requestVideoFrameCallback(() => props.onFirstFrame?.());
  }, [props.track, props.stream]);
  return (
    <video
      ref={ref}
      class={props.class}
      data-testid={props.testId}
      aria-label={props.label}
      autoplay
      playsInline
      muted={props.muted ?? false}
      style={props.mirror ? { transform: 'scaleX(-1)' } : undefined}
    />
  );
}

/** Plays a remote audio track (no element shown). */
export function AudioSink({ track }: { track: MediaStreamTrack }) {
  const ref = useRef<HTMLAudioElement>(null);
  useEffect(() => {
    if (!ref.current) return;
    ref.current.srcObject = new MediaStream([track]);
    played(ref.current.play(), 'audio');
  }, [track]);
  return <audio ref={ref} autoplay />;
}
