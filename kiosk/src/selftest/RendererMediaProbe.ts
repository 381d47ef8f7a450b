/**
 * The shell's half of the media checks. Only a page can open camera,
 * microphone and speaker, so the shell asks the renderer (bridge event
 * `selfTestMedia`, with a random request id) and waits for its answer (bridge
 * call `selfTestMediaResult`, checked against the contract's schema where it
 * enters). An answer for no waiting request is refused; a renderer that does
 * not answer in time fails the asked checks with that as the reason.
 *
 * Under Electron the camera and microphone are refused outside calls
 * (main/callGate.ts); `gate` opens them for the test and closes them after,
 * whatever the outcome, unless they were open already (a call is on: a
 * forced remote self-test must not take the call's camera away).
 */
import { randomUUID } from 'node:crypto';
import type { MediaSelfTestAnswer, MediaSelfTestAsk, MediaSelfTestCheckName, SelfTestCheck } from '@citizen/protocol';
import { BridgeError } from '../contract';

export interface RendererMediaProbeOptions {
  /** Sends the ask to the renderer (the shell's bridge event `selfTestMedia`). */
  emit: (ask: MediaSelfTestAsk) => void;
  gate?: { readonly isOn: boolean; open(): void; close(): void };
  /** What the renderer is given for all its checks (default 12 s). */
  timeoutMs?: number;
  /** How much longer the shell waits for the answer to arrive (default 2 s). */
  graceMs?: number;
}

type MediaCheck = SelfTestCheck & { name: MediaSelfTestCheckName };

export class RendererMediaProbe {
  readonly #o: RendererMediaProbeOptions;
  readonly #waiting = new Map<string, (answer: MediaSelfTestAnswer) => void>();

  constructor(opts: RendererMediaProbeOptions) {
    this.#o = opts;
  }

  /** Asks the renderer to run `checks`; resolves with one result per check, in the order asked. */
  async run(checks: readonly MediaSelfTestCheckName[]): Promise<MediaCheck[]> {
    const timeoutMs = this.#o.timeoutMs ?? 12_000;
    const waitMs = timeoutMs + (this.#o.graceMs ?? 2000);
    const requestId = randomUUID();
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<MediaSelfTestAnswer | null>((resolve) => {
      this.#waiting.set(requestId, resolve);
      timer = setTimeout(() => resolve(null), waitMs);
    });
    const gate = this.#o.gate && !this.#o.gate.isOn ? this.#o.gate : null;
    gate?.open();
    try {
      this.#o.emit({ requestId, checks: [...checks], timeoutMs });
      const answer = await answered;
      const waited = Math.round(performance.now() - started);
      return checks.map((name): MediaCheck => {
        const got = answer?.results.find((r) => r.name === name);
        if (got) return { ...got, name };
        return {
          name,
          result: 'failed',
          detail: answer ? 'the kiosk screen gave no result for this check' : `the kiosk screen did not answer within ${(waitMs / 1000).toFixed(1)} s (is the kiosk UI running?)`,
          durationMs: waited,
        };
      });
    } finally {
      clearTimeout(timer);
      this.#waiting.delete(requestId);
      gate?.close();
    }
  }

  /** The renderer's answer (already checked against MediaSelfTestAnswer). */
  answer(answer: MediaSelfTestAnswer): void {
    const resolve = this.#waiting.get(answer.requestId);
    if (!resolve) throw new BridgeError({ code: 'SELF_TEST_UNKNOWN_REQUEST', message: 'no self-test is waiting for this answer (it timed out, or was never asked)' });
    this.#waiting.delete(answer.requestId);
    resolve(answer);
  }
}
