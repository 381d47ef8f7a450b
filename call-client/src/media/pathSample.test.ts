import { describe, expect, it } from 'vitest';
import { PathSampler, readPath, type PathReading } from './pathSample';

/** A stats report as the browser gives it: an iterable of stats objects. */
const report = (...stats: Record<string, unknown>[]) => ({ forEach: (fn: (s: Record<string, unknown>) => void) => stats.forEach(fn) });

const reading = (at: number, o: Partial<Omit<PathReading, 'at'>> = {}): PathReading => ({
  at,
  audio: { received: 0, lost: 0 },
  video: { received: 0, lost: 0, frames: 0 },
  remoteLoss: null,
  checks: { sent: 0, answered: 0 },
  rttMs: 30,
  availableOutKbps: 1200,
  ...o,
});

describe('readPath', () => {
  it('reads inbound RTP per kind, the SFU’s loss report and only the selected candidate pairs', () => {
    const recv = report(
      { type: 'transport', selectedCandidatePairId: 'p1' },
      { type: 'candidate-pair', id: 'p1', requestsSent: 10, responsesReceived: 9, currentRoundTripTime: 0.05 },
      { type: 'candidate-pair', id: 'p0', requestsSent: 99, responsesReceived: 0 },
      { type: 'inbound-rtp', kind: 'audio', packetsReceived: 500, packetsLost: 20 },
      { type: 'inbound-rtp', kind: 'video', packetsReceived: 3000, packetsLost: 3, framesDecoded: 700 },
    );
    const send = report(
      { type: 'transport', selectedCandidatePairId: 'p9' },
      { type: 'candidate-pair', id: 'p9', requestsSent: 4, responsesReceived: 4, currentRoundTripTime: 0.12, availableOutgoingBitrate: 850_000 },
      { type: 'remote-inbound-rtp', kind: 'video', fractionLost: 0.02 },
    );
    expect(readPath({ recv, send }, 1000)).toEqual({
      at: 1000,
      audio: { received: 500, lost: 20 },
      video: { received: 3000, lost: 3, frames: 700 },
      remoteLoss: 0.02,
      checks: { sent: 14, answered: 13 },
      rttMs: 120,
      availableOutKbps: 850,
    });
  });
});

describe('PathSampler', () => {
  it('judges loss by the worst kind: audio shows the path even when NACK repairs video', () => {
    const p = new PathSampler(6000);
    expect(p.next(reading(0), true)).toBeNull();
    const s = p.next(reading(2000, { audio: { received: 92, lost: 8 }, video: { received: 600, lost: 2, frames: 40 } }), true);
    expect(s).toEqual({ loss: 0.08, rttMs: 30, availableKbps: 1200, mediaFlowing: true, videoFps: 20 });
  });

  it('ignores a kind with too few packets, and the available bitrate while no video is sent', () => {
    const p = new PathSampler(6000);
    p.next(reading(0), false);
    const s = p.next(reading(2000, { audio: { received: 100, lost: 0 }, video: { received: 3, lost: 3, frames: 0 } }), false);
    expect(s).toEqual({ loss: 0, rttMs: 30, availableKbps: null, mediaFlowing: true, videoFps: null });
  });

  it('falls back to connectivity checks over the window when no RTP flows (text), and calls a path dead when none is answered', () => {
    const p = new PathSampler(6000);
    p.next(reading(0, { checks: { sent: 10, answered: 10 } }), false);
    // Two periods: 4 checks, 3 answered.
    p.next(reading(2000, { checks: { sent: 12, answered: 12 } }), false);
    expect(p.next(reading(4000, { checks: { sent: 14, answered: 13 } }), false)).toEqual({ loss: 0.25, rttMs: 30, availableKbps: null, mediaFlowing: true, videoFps: null });
    // Nothing answered for longer than the window: dead.
    p.next(reading(6000, { checks: { sent: 16, answered: 13 } }), false);
    p.next(reading(8000, { checks: { sent: 18, answered: 13 } }), false);
    expect(p.next(reading(10_000, { checks: { sent: 20, answered: 13 } }), false)).toMatchObject({ loss: 1, mediaFlowing: false });
  });

  it('does not count the gap of an outage as loss on the path that came back', () => {
    const p = new PathSampler(6000);
    p.next(reading(0, { audio: { received: 1000, lost: 0 } }), true);
    // Nothing arrives for a period (judged as no media on its own)…
    expect(p.next(reading(2000, { audio: { received: 1000, lost: 0 } }), true)).toMatchObject({ mediaFlowing: false });
    // …then the first packets back report the whole gap as lost.
    expect(p.next(reading(4000, { audio: { received: 1080, lost: 100 } }), true)).toMatchObject({ loss: null, mediaFlowing: true });
    // The period after is judged again.
    expect(p.next(reading(6000, { audio: { received: 1170, lost: 110 } }), true)).toMatchObject({ loss: 0.1 });
  });

  it('reads a frozen picture: video packets arrive but few frames are decoded', () => {
    const p = new PathSampler(6000);
    p.next(reading(0, { video: { received: 1000, lost: 0, frames: 500 } }), true);
    expect(p.next(reading(2000, { video: { received: 1200, lost: 0, frames: 502 } }), true)).toMatchObject({ videoFps: 1, loss: 0 });
  });

  it('starts counting again when counters go back (new transports)', () => {
    const p = new PathSampler(6000);
    p.next(reading(0, { audio: { received: 5000, lost: 50 } }), true);
    expect(p.next(reading(2000, { audio: { received: 90, lost: 10 } }), true)).toMatchObject({ loss: 0.1, mediaFlowing: true });
  });
});
