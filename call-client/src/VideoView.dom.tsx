import { useEffect, useRef } from 'preact/hooks';

/** A <video> bound to a track or stream; muted for self-view so the resident never hears themself. */
export function VideoView(props: { track?: MediaStreamTrack | undefined; stream?: MediaStream | undefined; muted?: boolean; mirror?: boolean; class?: string; testId?: string; label: string }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = props.stream ?? (props.track ? new MediaStream([props.track]) : null);
    void el.play().catch(() => undefined);
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
    void ref.current.play().catch(() => undefined);
  }, [track]);
  return <audio ref={ref} autoplay />;
}
