/**
 * Turns WebRTC stats reports of a call's transports into the few numbers the
 * call screens and tests read. Pure: the bitrate comes from the previous
 * sample, which the caller keeps.
 */
export interface CallStats {
  framesDecoded: number;
  audioPacketsReceived: number;
  videoPacketsReceived: number;
  packetsLost: number;
  roundTripTimeMs: number | null;
  recvBitrate: number;
  sendBitrate: number;
  iceRestarts: number;
  mediaResets: number;
}

export interface ByteSample {
  at: number;
  sent: number;
  recv: number;
}

type StatsLike = { forEach(fn: (s: Record<string, unknown>) => void): void };

export function readStats(
  reports: { recv: StatsLike | null; send: StatsLike | null },
  previous: ByteSample | null,
  now: number,
  counters: { iceRestarts: number; mediaResets: number },
): { stats: CallStats; sample: ByteSample } {
  const out: CallStats = {
    framesDecoded: 0,
    audioPacketsReceived: 0,
    videoPacketsReceived: 0,
    packetsLost: 0,
    roundTripTimeMs: null,
    recvBitrate: 0,
    sendBitrate: 0,
    ...counters,
  };
  let recv = 0;
  let sent = 0;
  reports.recv?.forEach((s) => {
    if (s.type === 'inbound-rtp') {
      if (s.kind === 'video') {
        out.framesDecoded += Number(s.framesDecoded ?? 0);
        out.videoPacketsReceived += Number(s.packetsReceived ?? 0);
      } else out.audioPacketsReceived += Number(s.packetsReceived ?? 0);
      out.packetsLost += Number(s.packetsLost ?? 0);
    }
    if (s.type === 'transport') recv += Number(s.bytesReceived ?? 0);
    rtt(s, out);
  });
  reports.send?.forEach((s) => {
    if (s.type === 'transport') sent += Number(s.bytesSent ?? 0);
    rtt(s, out);
  });
  if (previous && now > previous.at) {
    const dt = (now - previous.at) / 1000;
    out.recvBitrate = Math.max(0, Math.round(((recv - previous.recv) * 8) / dt));
    out.sendBitrate = Math.max(0, Math.round(((sent - previous.sent) * 8) / dt));
  }
  return { stats: out, sample: { at: now, sent, recv } };
}

function rtt(s: Record<string, unknown>, out: CallStats): void {
  if (s.type === 'candidate-pair' && s.nominated && typeof s.currentRoundTripTime === 'number') out.roundTripTimeMs = Math.round(s.currentRoundTripTime * 1000);
}

/** What the quality panel shows. */
export function describeQuality(s: CallStats): string {
  const rtt = s.roundTripTimeMs === null ? '–' : `${s.roundTripTimeMs} ms`;
  return `RTT ${rtt} · lost ${s.packetsLost} · in ${Math.round(s.recvBitrate / 1000)} kbit/s · out ${Math.round(s.sendBitrate / 1000)} kbit/s`;
}
