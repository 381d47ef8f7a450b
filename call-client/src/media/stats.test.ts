import { describe, expect, it } from 'vitest';
import { describeQuality, readStats } from './stats';

const report = (entries: Record<string, unknown>[]) => ({ forEach: (fn: (s: Record<string, unknown>) => void) => entries.forEach(fn) });

describe('readStats', () => {
  it('sums inbound video and audio, takes the nominated pair RTT, and rates bytes against the previous sample', () => {
    const recv = report([
      { type: 'inbound-rtp', kind: 'video', framesDecoded: 30, packetsReceived: 100, packetsLost: 2 },
      { type: 'inbound-rtp', kind: 'audio', packetsReceived: 50, packetsLost: 1 },
      { type: 'transport', bytesReceived: 250_000 },
      { type: 'candidate-pair', nominated: true, currentRoundTripTime: 0.0123 },
      { type: 'candidate-pair', nominated: false, currentRoundTripTime: 0.5 },
    ]);
    const send = report([{ type: 'transport', bytesSent: 125_000 }]);
    const { stats, sample } = readStats({ recv, send }, { at: 1000, sent: 0, recv: 0 }, 2000, { iceRestarts: 1, mediaResets: 0 });
    expect(stats).toEqual({
      framesDecoded: 30,
      videoPacketsReceived: 100,
      audioPacketsReceived: 50,
      packetsLost: 3,
      roundTripTimeMs: 12,
      recvBitrate: 2_000_000,
      sendBitrate: 1_000_000,
      iceRestarts: 1,
      mediaResets: 0,
    });
    expect(sample).toEqual({ at: 2000, sent: 125_000, recv: 250_000 });
    expect(describeQuality(stats)).toBe('RTT 12 ms · lost 3 · in 2000 kbit/s · out 1000 kbit/s');
  });

  it('reports no bitrate without a previous sample and no RTT without a nominated pair', () => {
    const { stats } = readStats({ recv: null, send: null }, null, 5, { iceRestarts: 0, mediaResets: 2 });
    expect(stats).toMatchObject({ recvBitrate: 0, sendBitrate: 0, roundTripTimeMs: null, mediaResets: 2 });
    expect(describeQuality(stats)).toContain('RTT –');
  });
});
