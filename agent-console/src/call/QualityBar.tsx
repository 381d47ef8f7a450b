/**
 * The call's quality stage on a bad network, for the agent (issue #13): what
 * the call is down to, whose connection caused it and what was measured, in
 * plain words; and the agent's own choice of a step (move the call to chat,
 * offer the resident a callback) or "let the network decide" again. Both
 * sides see each step: the kiosk says it in the resident's language.
 */
import type { CallQuality, QualityStage } from '@citizen/protocol';
import { createLogger } from '@citizen/call-client/log';
import type { DeskState } from './deskState';

const log = createLogger('quality-bar');

const SAID: Record<QualityStage, string> = {
  video: 'Video',
  'low-video': 'Lower picture quality',
  audio: 'Sound only',
  text: 'Chat only',
  callback: 'Callback offered to the resident',
};

const WHO: Record<NonNullable<CallQuality['weak']>, string> = {
  resident: 'the resident’s connection',
  agent: 'your connection',
  supervisor: 'the supervisor’s connection',
  interpreter: 'the interpreter’s connection',
};

/** What the agent can choose by hand; null gives the call back to the network. */
const CHOICES: { stage: QualityStage | null; label: string }[] = [
  { stage: null, label: 'Let the network decide' },
  { stage: 'low-video', label: 'Lower picture' },
  { stage: 'audio', label: 'Sound only' },
  { stage: 'text', label: 'Chat only' },
  { stage: 'callback', label: 'Offer a callback' },
];

export function describeStage(q: CallQuality): string {
  if (q.stage === 'video') return q.reason ? 'Connection is good again: full video.' : 'Connection is good: full video.';
  if (q.by === 'agent') return `${SAID[q.stage]}: you chose this.`;
  const whose = q.weak ? WHO[q.weak] : 'the connection';
  return `${SAID[q.stage]}: ${whose} is weak (${q.reason}).`;
}

export function QualityBar({ desk, callId, quality, canChoose }: { desk: DeskState; callId: string; quality: CallQuality; canChoose: boolean }) {
  const choose = (stage: QualityStage | null): void => {
    desk.client.request('chooseQuality', { callId, stage }).catch((err: unknown) => log.warn('choosing the call quality failed', { call: callId, stage, error: err }));
  };
  return (
    <div class={quality.stage === 'video' ? 'quality-stage' : 'quality-stage down'} data-testid="quality-stage" data-stage={quality.stage} data-by={quality.by}>
      <p role="status" aria-live="polite">
        {describeStage(quality)}
      </p>
      {canChoose && (
      <div class="choices" role="group" aria-label="Choose the call’s step by hand">
        {CHOICES.map((c) => (
          <button
            type="button"
            class={quality.chosen === c.stage ? 'chosen' : ''}
            aria-pressed={quality.chosen === c.stage}
            onClick={() => choose(c.stage)}
            data-testid={`choose-${c.stage ?? 'network'}`}
          >
            {c.label}
          </button>
        ))}
      </div>
      )}
    </div>
  );
}
