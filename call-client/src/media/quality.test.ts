import { describe, expect, it } from 'vitest';
import { QualityLadder, periodLoss, type QualitySample, type StageChange } from './quality';

const good: QualitySample = { loss: 0, rttMs: 40, availableKbps: 2000, mediaFlowing: true, videoFps: 25 };
const lossy = (loss: number): QualitySample => ({ ...good, loss });
const dead: QualitySample = { loss: null, rttMs: null, availableKbps: null, mediaFlowing: false, videoFps: null };

/** Feeds samples; answers the changes in order. */
function feed(ladder: QualityLadder, samples: QualitySample[]): StageChange[] {
  return samples.flatMap((s) => ladder.sample(s) ?? []);
}
const times = (n: number, s: QualitySample): QualitySample[] => Array.from({ length: n }, () => s);

describe('QualityLadder', () => {
  it('steps down a stage at a time after three bad periods, saying what it measured', () => {
    const l = new QualityLadder();
    expect(feed(l, times(2, lossy(0.08)))).toEqual([]);
    expect(feed(l, [lossy(0.08)])).toEqual([{ from: 'video', to: 'low-video', reason: 'packet loss 8.0 %', by: 'network' }]);
    // 8 % is within low video's 10 %: it stays there.
    expect(feed(l, times(10, lossy(0.08)))).toEqual([]);
    expect(feed(l, times(3, { ...good, rttMs: 900 })).map((c) => [c.to, c.reason])).toEqual([['audio', 'round trip 900 ms']]);
    expect(feed(l, times(3, lossy(0.3))).map((c) => c.to)).toEqual(['text']);
  });

  it('steps down on a bitrate too low for video, and on media that stops arriving', () => {
    const l = new QualityLadder();
    expect(feed(l, times(3, { ...good, availableKbps: 250 })).map((c) => [c.to, c.reason])).toEqual([['low-video', 'available bitrate 250 kbps']]);
    expect(feed(l, times(9, dead)).map((c) => c.to)).toEqual(['audio', 'text']);
  });

  it('steps down on a frozen picture (video arrives, few frames decoded), and judges no frame rate while video is held', () => {
    const l = new QualityLadder();
    expect(feed(l, times(3, { ...good, videoFps: 2 })).map((c) => [c.to, c.reason])).toEqual([['low-video', 'video decoding at 2.0 frames a second']]);
    // 6 a second keeps low video (its minimum is 4)…
    expect(feed(l, times(5, { ...good, videoFps: 6 }))).toEqual([]);
    // …and does not lift it to video (8 a second with the margin: 13.3).
    expect(l.stage).toBe('low-video');
    expect(feed(l, times(3, { ...good, videoFps: 1 })).map((c) => c.to)).toEqual(['audio']);
    // At sound only no video comes (held): climbing is judged on the rest.
    expect(feed(l, times(5, { ...good, videoFps: null })).map((c) => c.to)).toEqual(['low-video']);
  });

  it('does not flap on a network at the edge: one bad period in between starts the count again', () => {
    const l = new QualityLadder();
    const edge = [lossy(0.06), lossy(0.06), good, lossy(0.06), lossy(0.06), good];
    expect(feed(l, [...edge, ...edge, ...edge])).toEqual([]);
    expect(l.stage).toBe('video');
  });

  it('climbs back a stage at a time after five periods comfortably within the stage above', () => {
    const l = new QualityLadder();
    feed(l, times(9, lossy(0.3))); // down to text
    expect(l.stage).toBe('text');
    // Within audio's limits but not comfortably (margin 0.6): no climb.
    expect(feed(l, times(10, lossy(0.15)))).toEqual([]);
    const changes = feed(l, times(15, good));
    expect(changes.map((c) => `${c.from}→${c.to}`)).toEqual(['text→audio', 'audio→low-video', 'low-video→video']);
    expect(changes[0]!.reason).toMatch(/^recovered/);
  });

  it('turns to a callback after a minute in text without any media path, and then stays', () => {
    const l = new QualityLadder({ periodMs: 2_000, callbackAfterMs: 60_000 });
    feed(l, times(9, dead)); // video → low-video → audio → text
    expect(l.stage).toBe('text');
    const changes = feed(l, times(30, dead));
    expect(changes).toEqual([{ from: 'text', to: 'callback', reason: 'no working media path for 60 s', by: 'network' }]);
    expect(feed(l, times(20, good))).toEqual([]);
    expect(l.stage).toBe('callback');
  });

  it('keeps a stage chosen by hand as the highest it climbs to, without a callback in chosen text; handing back lets it climb', () => {
    const l = new QualityLadder();
    expect(l.choose('text')).toEqual({ from: 'video', to: 'text', reason: 'chosen: text', by: 'hand' });
    expect(feed(l, times(40, dead))).toEqual([]);
    expect(feed(l, times(10, good))).toEqual([]);
    expect(l.stage).toBe('text');
    expect(l.choose(null)).toBeNull();
    expect(feed(l, times(5, good)).map((c) => c.to)).toEqual(['audio']);
    // Chosen audio on a good network: it stays audio; a worse network still takes it lower.
    expect(l.choose('audio')).toBeNull();
    expect(feed(l, times(10, good))).toEqual([]);
    expect(feed(l, times(3, lossy(0.4))).map((c) => c.to)).toEqual(['text']);
  });

  it('refuses settings that cannot work', () => {
    expect(() => new QualityLadder({ downAfter: 0 })).toThrow(/downAfter/);
    expect(() => new QualityLadder({ upMargin: 1.5 })).toThrow(/upMargin/);
    expect(() => new QualityLadder({ periodMs: 2000, callbackAfterMs: 1000 })).toThrow(/callbackAfterMs/);
  });
});

describe('periodLoss', () => {
  it('is the share lost over the period from cumulative counters, or null when nothing was expected', () => {
    expect(periodLoss({ packetsLost: 10, received: 1000 }, { packetsLost: 20, received: 1090 })).toBeCloseTo(0.1);
    expect(periodLoss({ packetsLost: 5, received: 100 }, { packetsLost: 5, received: 100 })).toBeNull();
    // A counter that went back (a new transport) counts as nothing, not negative.
    expect(periodLoss({ packetsLost: 50, received: 5000 }, { packetsLost: 0, received: 10 })).toBe(0);
  });
});
