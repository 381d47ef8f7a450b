/**
 * What one end measures of its media path each period, for the quality ladder
 * (./quality.ts), from the WebRTC stats of its two transports. Pure: the
 * caller keeps the readings.
 *
 * - Loss: the worst of what arrives here per kind (inbound-rtp; audio is never
 *   retransmitted, so it shows the path's loss even when video's is repaired
 *   by NACK) and what the SFU reports of what we send (remote-inbound-rtp
 *   fractionLost). When little RTP flows (the call is at sound only, text, or
 *   everything is paused), the ICE connectivity checks on the selected
 *   candidate pairs stand in: requests sent against responses received over
 *   a window of several periods (checks are sent every few seconds).
 * - Media flowing: RTP arrived in the period, or a check was answered within
 *   the window: a path on which nothing at all comes back is dead.
 * - Round trip: the selected pairs' current round-trip time (the worst).
 * - Available bitrate: the send pair's availableOutgoingBitrate, only while
 *   video is sent (with sound alone the estimate says nothing about video).
 * - Decoded frame rate: frames decoded a second while video arrives steadily
 *   (packets that arrive but do not make pictures: a frozen screen).
 */
import type { QualitySample } from './quality';

type StatsLike = { forEach(fn: (s: Record<string, unknown>) => void): void };

/** Cumulative counters of one moment. */
export interface PathReading {
  at: number;
  audio: { received: number; lost: number };
  video: { received: number; lost: number; frames: number };
  /** The SFU's view of what we send (0..1, per RTCP report); null when it has not reported. */
  remoteLoss: number | null;
  checks: { sent: number; answered: number };
  rttMs: number | null;
  availableOutKbps: number | null;
}

export function readPath(reports: { recv: StatsLike | null; send: StatsLike | null }, at: number): PathReading {
  const r: PathReading = { at, audio: { received: 0, lost: 0 }, video: { received: 0, lost: 0, frames: 0 }, remoteLoss: null, checks: { sent: 0, answered: 0 }, rttMs: null, availableOutKbps: null };
  const pairs = (stats: StatsLike | null, send: boolean): void => {
    if (!stats) return;
    // The transport names its selected pair; older stats mark it nominated.
    let selected: string | null = null;
    stats.forEach((s) => {
      if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') selected = s.selectedCandidatePairId;
    });
    stats.forEach((s) => {
      if (s.type === 'inbound-rtp' && (s.kind === 'audio' || s.kind === 'video')) {
        const k = r[s.kind];
        k.received += num(s.packetsReceived);
        k.lost += Math.max(0, num(s.packetsLost));
        if (s.kind === 'video') r.video.frames += num(s.framesDecoded);
      }
      if (s.type === 'remote-inbound-rtp' && typeof s.fractionLost === 'number') r.remoteLoss = Math.max(r.remoteLoss ?? 0, s.fractionLost);
      if (s.type !== 'candidate-pair' || (selected ? s.id !== selected : !s.nominated)) return;
      r.checks.sent += num(s.requestsSent);
      r.checks.answered += num(s.responsesReceived);
      if (typeof s.currentRoundTripTime === 'number') r.rttMs = Math.max(r.rttMs ?? 0, Math.round(s.currentRoundTripTime * 1000));
      if (send && typeof s.availableOutgoingBitrate === 'number') r.availableOutKbps = Math.round(s.availableOutgoingBitrate / 1000);
    });
  };
  pairs(reports.recv, false);
  pairs(reports.send, true);
  return r;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Below this many RTP packets of a kind in a period, its loss is not judged (too few to say). */
export const MIN_PACKETS = 10;

export class PathSampler {
  #history: PathReading[] = [];
  /** Per kind: whether RTP arrived in the previous period. */
  #flowed = { audio: true, video: true };

  /** `windowMs`: how far back connectivity checks are counted (a few periods: they come every 2.5-5 s). */
  constructor(private readonly windowMs: number) {}

  /** The period since the previous reading, as the ladder reads it; null for the first reading. */
  next(cur: PathReading, sendingVideo: boolean): QualitySample | null {
    const prev = this.#history.at(-1);
    this.#history.push(cur);
    while (this.#history.length > 2 && this.#history[1]!.at <= cur.at - this.windowMs) this.#history.shift();
    if (!prev) return null;
    const audio = delta(prev.audio, cur.audio);
    const video = delta(prev.video, cur.video);
    // After a period in which a kind did not arrive at all, the first packets
    // back count the whole gap as lost at once: that outage was judged
    // already (no media), and is not loss on the path that came back.
    const judged = (k: { received: number; lost: number }, flowed: boolean): boolean => flowed && k.received + k.lost >= MIN_PACKETS;
    const losses = [judged(audio, this.#flowed.audio) ? audio : null, judged(video, this.#flowed.video) ? video : null]
      .filter((k): k is { received: number; lost: number } => k !== null)
      .map((k) => k.lost / (k.received + k.lost));
    const flowedVideo = this.#flowed.video;
    this.#flowed = { audio: audio.received > 0, video: video.received > 0 };
    if (cur.remoteLoss !== null && audio.received + video.received > 0) losses.push(cur.remoteLoss);
    const first = this.#history[0]!;
    const checks = cur.checks.sent < first.checks.sent || cur.checks.answered < first.checks.answered ? cur.checks : { sent: cur.checks.sent - first.checks.sent, answered: cur.checks.answered - first.checks.answered };
    const rtpFlowing = audio.received + video.received > 0;
    let loss: number | null = losses.length ? Math.max(...losses) : null;
    if (loss === null && checks.sent >= 2) loss = Math.min(1, Math.max(0, 1 - checks.answered / checks.sent));
    // Frames decoded while video arrives steadily (not in the period it comes back: the decoder waits for a key frame).
    const frames = cur.video.frames >= prev.video.frames ? cur.video.frames - prev.video.frames : cur.video.frames;
    const videoFps = judged(video, flowedVideo) && cur.at > prev.at ? frames / ((cur.at - prev.at) / 1000) : null;
    return {
      loss,
      rttMs: cur.rttMs,
      availableKbps: sendingVideo ? cur.availableOutKbps : null,
      mediaFlowing: rtpFlowing || checks.answered > 0,
      videoFps,
    };
  }

  reset(): void {
    this.#history = [];
    this.#flowed = { audio: true, video: true };
  }
}

/** Counters that went back (new transports after a rebuild) start again from zero. */
function delta(a: { received: number; lost: number }, b: { received: number; lost: number }): { received: number; lost: number } {
  if (b.received < a.received || b.lost < a.lost) return { received: b.received, lost: b.lost };
  return { received: b.received - a.received, lost: b.lost - a.lost };
}
