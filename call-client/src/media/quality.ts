/**
 * The quality ladder of a call on a bad network (issue #13): each end watches
 * its own measurements and steps down in stages on its own, and back up when
 * the network recovers:
 *
 *   video → low-video → audio → text → callback
 *
 * `low-video` is a lower resolution and frame rate, `audio` sends no video,
 * `text` keeps only the chat (signalling), and `callback` asks to turn the
 * call into a callback ticket that keeps the inquiry and the resident's place
 * (when even text has had no working media path for `callbackAfterMs`).
 *
 * Pure and clock-free: the caller feeds one sample per stats period (from
 * stats.ts) and applies what `sample()` answers. A stage is left downwards
 * after `downAfter` bad samples in a row and upwards after `upAfter` good ones
 * in a row for the stage above; "good" uses stricter limits than "bad"
 * (`upMargin`), so a network on the edge does not flap between two stages.
 * Someone can also choose a stage by hand (the agent moves the call to text):
 * the ladder then stays at or below it.
 */

import { QUALITY_STAGES, type QualityStage, type QualityThresholds, type StageLimits } from '@citizen/protocol';

export { QUALITY_STAGES, type QualityStage, type StageLimits };

/** One stats period as the ladder reads it. */
export interface QualitySample {
  /** Packets lost / (received + lost) over the period, 0..1; null when nothing was expected. */
  loss: number | null;
  /** Round-trip time over the media path, ms; null when unknown. */
  rttMs: number | null;
  /** What the congestion controller thinks it may send, kbps; null when unknown. */
  availableKbps: number | null;
  /** Any media arrived over the period (a dead path shows as false). */
  mediaFlowing: boolean;
  /** Video frames decoded a second while video arrives; null when no video is expected (held, camera off). */
  videoFps: number | null;
}

/** The server's `calls.quality` (protocol QualityThresholds). */
export type QualityLadderOptions = QualityThresholds;

/** As config/default.json's `calls.quality`. */
export const DEFAULT_QUALITY: QualityLadderOptions = {
  video: { maxLoss: 0.05, maxRttMs: 400, minKbps: 300, minFps: 8 },
  lowVideo: { maxLoss: 0.1, maxRttMs: 700, minKbps: 150, minFps: 4 },
  audio: { maxLoss: 0.2, maxRttMs: 1200, minKbps: null, minFps: null },
  downAfter: 3,
  upAfter: 5,
  upMargin: 0.6,
  callbackAfterMs: 60_000,
  periodMs: 2_000,
};

export interface StageChange {
  from: QualityStage;
  to: QualityStage;
  /** In plain words for logs and the agent: what was measured. */
  reason: string;
  /** By the ladder, or chosen by hand. */
  by: 'network' | 'hand';
}

const index = (s: QualityStage): number => QUALITY_STAGES.indexOf(s);

export class QualityLadder {
  readonly #o: QualityLadderOptions;
  #stage: QualityStage = 'video';
  /** The stage chosen by hand, the highest the ladder may climb to; null: none. */
  #ceiling: QualityStage | null = null;
  #bad = 0;
  #good = 0;
  #deadSamples = 0;

  constructor(opts: Partial<QualityLadderOptions> = {}) {
    this.#o = { ...DEFAULT_QUALITY, ...opts };
    const o = this.#o;
    if (!(o.downAfter >= 1) || !(o.upAfter >= 1)) throw new TypeError('QualityLadder: downAfter and upAfter must be >= 1');
    if (!(o.upMargin > 0 && o.upMargin <= 1)) throw new TypeError('QualityLadder: upMargin must be in (0, 1]');
    if (!(o.periodMs > 0) || !(o.callbackAfterMs >= o.periodMs)) throw new TypeError('QualityLadder: periodMs must be > 0 and callbackAfterMs at least one period');
  }

  get stage(): QualityStage {
    return this.#stage;
  }

  /** Feeds one stats period; answers the change to apply, if any. */
  sample(s: QualitySample): StageChange | null {
    if (this.#stage === 'callback') return null;
    if (this.#stage === 'text') return this.#inText(s);
    const limits = this.#limits(this.#stage);
    const problem = limits ? this.#exceeds(s, limits, 1) : null;
    if (problem) {
      this.#good = 0;
      if (++this.#bad >= this.#o.downAfter) return this.#move(index(this.#stage) + 1, problem, 'network');
      return null;
    }
    this.#bad = 0;
    return this.#maybeUp(s);
  }

  /** The stage chosen by hand (the agent moves the call to text); null hands it back to the network. */
  choose(stage: QualityStage | null): StageChange | null {
    this.#ceiling = stage;
    this.#bad = this.#good = this.#deadSamples = 0;
    if (stage === null || index(stage) === index(this.#stage)) return null;
    return this.#move(index(stage), `chosen: ${stage}`, 'hand');
  }

  #inText(s: QualitySample): StageChange | null {
    // Text needs only signalling; media that comes back lets the ladder climb again.
    this.#deadSamples = s.mediaFlowing ? 0 : this.#deadSamples + 1;
    if (this.#deadSamples * this.#o.periodMs >= this.#o.callbackAfterMs && this.#ceiling !== 'text') {
      return this.#move(index('callback'), `no working media path for ${Math.round((this.#deadSamples * this.#o.periodMs) / 1000)} s`, 'network');
    }
    return s.mediaFlowing ? this.#maybeUp(s) : ((this.#good = 0), null);
  }

  #maybeUp(s: QualitySample): StageChange | null {
    const up = index(this.#stage) - 1;
    if (up < 0 || (this.#ceiling && up < index(this.#ceiling))) return null;
    const above = QUALITY_STAGES[up]!;
    const limits = this.#limits(above)!;
    if (!s.mediaFlowing || this.#exceeds(s, limits, this.#o.upMargin)) {
      this.#good = 0;
      return null;
    }
    if (++this.#good >= this.#o.upAfter) return this.#move(up, `recovered: within ${above}'s limits for ${this.#good} periods`, 'network');
    return null;
  }

  #limits(stage: QualityStage): StageLimits | null {
    return stage === 'video' ? this.#o.video : stage === 'low-video' ? this.#o.lowVideo : stage === 'audio' ? this.#o.audio : null;
  }

  /** What breaks the limits (scaled for climbing), in words; null when within them. */
  #exceeds(s: QualitySample, l: StageLimits, margin: number): string | null {
    if (!s.mediaFlowing) return 'no media arriving';
    if (s.loss !== null && s.loss > l.maxLoss * margin) return `packet loss ${(s.loss * 100).toFixed(1)} %`;
    if (s.rttMs !== null && s.rttMs > l.maxRttMs * margin) return `round trip ${Math.round(s.rttMs)} ms`;
    if (l.minFps !== null && s.videoFps !== null && s.videoFps < l.minFps / margin) return `video decoding at ${s.videoFps.toFixed(1)} frames a second`;
    if (l.minKbps !== null && s.availableKbps !== null && s.availableKbps < l.minKbps / margin) return `available bitrate ${Math.round(s.availableKbps)} kbps`;
    return null;
  }

  #move(to: number, reason: string, by: StageChange['by']): StageChange {
    const from = this.#stage;
    this.#stage = QUALITY_STAGES[Math.min(to, QUALITY_STAGES.length - 1)]!;
    this.#bad = this.#good = 0;
    if (this.#stage !== 'text') this.#deadSamples = 0;
    return { from, to: this.#stage, reason, by };
  }
}

/**
 * Loss over a period from two cumulative readings (stats.ts CallStats); null
 * when nothing was expected. Counters that went back (new transports after an
 * ICE restart or a media reset) start again from zero: the new readings are the period's.
 */
export function periodLoss(prev: { packetsLost: number; received: number }, cur: { packetsLost: number; received: number }): number | null {
  const reset = cur.received < prev.received || cur.packetsLost < prev.packetsLost;
  const lost = reset ? cur.packetsLost : cur.packetsLost - prev.packetsLost;
  const got = reset ? cur.received : cur.received - prev.received;
  return lost + got <= 0 ? null : lost / (lost + got);
}
