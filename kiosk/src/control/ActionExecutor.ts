/**
 * Runs the remote actions booth-server sends over the control channel
 * (protocol/src/actions.ts, `runAction`), and reports each one's state
 * (`actionState`): deferred, running, then succeeded or failed.
 *
 * Residents first. Every action disturbs someone using the kiosk (restart
 * and reload take their screen away, the self-test opens camera and
 * microphone and plays a tone, a test page comes out of their printer), so
 * while a resident's session runs (the renderer's `sessionStart` to its
 * `endSession`) an action waits (`deferred`) and runs when the session ends.
 * A forced one does not wait: the page is told (`maintenanceNotice`, shown
 * full screen in the resident's language), it ends the session itself after
 * the notice's seconds, and the shell ends it if the page has not a moment
 * later; then the action runs.
 *
 * One id is run once: an id booth-server sends again (it does on every
 * connect until the action is final) is answered with the state it has here.
 * Actions run one at a time (a second self-test while one runs would be
 * refused as busy, two restarts would race). A deferred action that has not
 * started within its `expiresInMs` is dropped (booth-server has marked it
 * expired).
 */
import type { ControlActionState, ControlRunAction, KioskActionName, SelfTestReport, SelfTestRequest } from '@citizen/protocol';
import { FORCED_ACTION_NOTICE_SECONDS } from '@citizen/protocol';

export interface ActionExecutorOptions {
  /** Sends a state to booth-server; false when the channel is down (it sends the action again on reconnect and is answered then). */
  send: (state: ControlActionState) => boolean;
  selfTest: { run(request?: SelfTestRequest): Promise<SelfTestReport> };
  /** Tells the page a forced action is coming (bridge event maintenanceNotice). */
  notify: (notice: { action: KioskActionName; seconds: number }) => void;
  /** Ends the resident's session from the shell (the same as the page's endSession). */
  endSession: () => Promise<unknown>;
  /** Reloads the kiosk screen; rejects with why it could not. */
  reload: () => Promise<void>;
  /** Restarts the kiosk app; absent where the shell cannot restart itself. Resolves once the restart is under way. */
  restart?: () => Promise<void>;
  noticeSeconds?: number;
  /** How long after the notice the shell waits for the page to end the session before ending it itself. */
  graceMs?: number;
  now?: () => number;
  log: { info(msg: string): void; warn(msg: string): void };
}

/** Most action ids remembered (to answer a re-sent one); older ones are forgotten first. */
const REMEMBERED = 200;

interface Known {
  msg: ControlRunAction;
  deadline: number;
  last: ControlActionState | null;
}

export class ActionExecutor {
  readonly #o: ActionExecutorOptions;
  readonly #known = new Map<number, Known>();
  #deferred: Known[] = [];
  #sessionActive = false;
  #sessionWaiters: (() => void)[] = [];
  /** One action at a time (see the note above). */
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(opts: ActionExecutorOptions) {
    this.#o = opts;
  }

  get sessionActive(): boolean {
    return this.#sessionActive;
  }

  sessionStarted(): void {
    this.#sessionActive = true;
  }

  /** The resident's session ended: actions that waited run now, in the order they came. Resolves once they have. */
  sessionEnded(): Promise<void> {
    this.#sessionActive = false;
    for (const w of this.#sessionWaiters.splice(0)) w();
    const waiting = this.#deferred;
    this.#deferred = [];
    for (const k of waiting) {
      if (this.#now() > k.deadline) {
        this.#o.log.info(`remote action dropped, expired while it waited [action:${k.msg.actionId}:${k.msg.action}]`);
        continue;
      }
      this.#enqueue(k);
    }
    return this.#queue;
  }

  /** An action from booth-server. Resolves once it has run or been deferred (tests wait on it). */
  offer(msg: ControlRunAction): Promise<void> {
    const seen = this.#known.get(msg.actionId);
    if (seen) {
      // Sent again (a reconnect): booth-server may have missed our last word on it.
      if (seen.last) this.#o.send(seen.last);
      return this.#queue;
    }
    const k: Known = { msg, deadline: this.#now() + msg.expiresInMs, last: null };
    this.#known.set(msg.actionId, k);
    if (this.#known.size > REMEMBERED) this.#known.delete(this.#known.keys().next().value!);
    if (this.#sessionActive && !msg.force) {
      this.#defer(k);
      return this.#queue;
    }
    return this.#enqueue(k);
  }

  close(): void {
    this.#closed = true;
    for (const w of this.#sessionWaiters.splice(0)) w();
  }

  #defer(k: Known): void {
    this.#deferred.push(k);
    this.#report(k, { state: 'deferred', reason: 'a resident is using the kiosk: it runs when their session ends' });
    this.#o.log.info(`remote action waits for the session to end [action:${k.msg.actionId}:${k.msg.action}]`);
  }

  #enqueue(k: Known): Promise<void> {
    this.#queue = this.#queue.then(() => this.#run(k));
    return this.#queue;
  }

  async #run(k: Known): Promise<void> {
    if (this.#closed) return;
    const { actionId, action, force } = k.msg;
    // A session may have started while an action before this one ran.
    if (this.#sessionActive) {
      if (!force) return this.#defer(k);
      await this.#endSessionForced(action);
    }
    this.#report(k, { state: 'running' });
    this.#o.log.info(`remote action running [action:${actionId}:${action}${force ? ', forced' : ''}]`);
    try {
      switch (action) {
        case 'self-test':
          return this.#done(k, await this.#o.selfTest.run({}));
        case 'test-page':
          return this.#done(k, await this.#o.selfTest.run({ checks: ['printer', 'uplink'], printTestPage: true }));
        case 'reload':
          await this.#o.reload();
          return this.#report(k, { state: 'succeeded', reason: 'the kiosk screen was reloaded' });
        case 'restart':
          if (!this.#o.restart) return this.#report(k, { state: 'failed', reason: 'this kiosk shell cannot restart itself' });
          // Succeeded is booth-server's to record: when this kiosk connects again.
          await this.#o.restart();
          return;
      }
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.#o.log.warn(`remote action failed [action:${actionId}:${action}, reason:${reason}]`);
      this.#report(k, { state: 'failed', reason });
    }
  }

  #done(k: Known, report: SelfTestReport): void {
    const failed = report.checks.filter((c) => c.result === 'failed').map((c) => `${c.name}: ${c.detail}`);
    this.#report(k, report.ok ? { state: 'succeeded', report } : { state: 'failed', reason: failed.join('; '), report });
  }

  /** Tells the resident, gives the page the notice's seconds to end the session, then ends it here if it has not. */
  async #endSessionForced(action: KioskActionName): Promise<void> {
    const seconds = this.#o.noticeSeconds ?? FORCED_ACTION_NOTICE_SECONDS;
    this.#o.log.info(`remote action forced while a resident uses the kiosk: telling them [action:${action}, seconds:${seconds}]`);
    this.#o.notify({ action, seconds });
    const ended = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), seconds * 1000 + (this.#o.graceMs ?? 3000));
      timer.unref?.();
      this.#sessionWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (await ended) return;
    if (this.#closed) return;
    this.#o.log.warn(`the page did not end the session after the notice: the shell ends it [action:${action}]`);
    await this.#o.endSession();
    // endSession reaches sessionEnded through the bridge; a shell without that wiring still must not wait again.
    this.#sessionActive = false;
  }

  #report(k: Known, s: Omit<ControlActionState, 'type' | 'actionId'>): void {
    const msg: ControlActionState = { type: 'actionState', actionId: k.msg.actionId, ...s, ...(s.reason ? { reason: s.reason.slice(0, 300) } : {}) };
    k.last = msg;
    if (!this.#o.send(msg)) this.#o.log.warn(`remote action state not sent, channel down [action:${k.msg.actionId}, state:${s.state}]`);
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }
}
