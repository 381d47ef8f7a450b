/**
 * Callbacks and written inquiries: the ways a resident gets an answer
 * without waiting at the kiosk — when the queue is closed, when the wait is
 * long, or when they would rather be called.
 *
 * A callback waits in the routing queue beside calls (a call turned into a
 * callback keeps its place: same arrival time, same inquiry and reference),
 * is offered to agents like a call, and is theirs once taken until they
 * report whether they reached the resident; not reached, it goes back to its
 * place after `retryMinutes`, up to `maxAttempts`. Callbacks are stored
 * before the kiosk is told, reloaded into the queue at start-up, and their
 * phone number is deleted when they close.
 */
import type { CallRequestInfo, CallbackInfo } from '@citizen/protocol';
import type { KioskRecord, Store } from '../store/Store';
import type { CallRouting } from '../routing/CallRouting';
import { Callback } from './Callback';
import { SignalFailure } from './errors';
import { answersOf, type InquiryJournal } from './InquiryJournal';
import { newId, type StaffSession } from './sessions';

export interface CallbackDeskOptions {
  store: Store;
  journal: InquiryJournal;
  routing: CallRouting;
  retryMinutes: number;
  maxAttempts: number;
  /** Something changed for the queue (offers, positions). */
  changed: () => void;
  /**
   * One node of a site: the callbacks are the site's (in the store), each
   * node offers them to its own agents, and who takes one is decided by the
   * store (claimCallback). A node's start does not put back callbacks another
   * node's agent has in hand, and `refresh` picks up what other nodes changed.
   */
  shared?: boolean;
  log: (level: 'info' | 'warn' | 'error', msg: string, ctx: Record<string, unknown>) => void;
}

export class CallbackDesk {
  readonly #items = new Map<string, Callback>();

  constructor(private readonly opts: CallbackDeskOptions) {}

  get(id: string): Callback | undefined {
    return this.#items.get(id);
  }

  all(): Callback[] {
    return [...this.#items.values()];
  }

  /** Puts the callbacks a previous run left open back in the queue (one an agent had goes back to its place). */
  async load(kiosks: (id: string) => Promise<KioskRecord | undefined>): Promise<number> {
    let n = 0;
    for (const r of await this.opts.store.listOpenCallbacks()) {
      // On a site, a callback in hand may be another node's agent's.
      if (r.state === 'taken' && this.opts.shared) continue;
      const origin = await kiosks(r.kioskId);
      const inquiry = await this.opts.store.findInquiry(r.inquiryId);
      if (!origin || !inquiry || r.phone === null) continue;
      if (r.state === 'taken') await this.opts.store.updateCallback(r.id, { state: 'waiting', agentId: null });
      this.#add(new Callback({ id: r.id, inquiryId: r.inquiryId, reference: inquiry.reference, origin, phone: r.phone, request: r.request, queuedAt: r.queuedAt.getTime(), attempts: r.attempts, notBefore: r.notBefore?.getTime() ?? null }));
      n++;
    }
    if (n > 0) this.opts.log('info', 'callbacks back in the queue after a restart', { count: n });
    return n;
  }

  /**
   * On a site: callbacks other nodes made join the queue here, and those
   * another node's agent took or closed leave it. Resolves how many changed.
   */
  async refresh(kiosks: (id: string) => Promise<KioskRecord | undefined>): Promise<number> {
    const open = await this.opts.store.listOpenCallbacks();
    const waiting = new Set(open.filter((r) => r.state === 'waiting').map((r) => r.id));
    let n = 0;
    for (const cb of [...this.#items.values()]) {
      if (cb.state.step !== 'queued' || waiting.has(cb.id)) continue;
      this.#items.delete(cb.id);
      this.opts.routing.remove(cb.id);
      n++;
    }
    for (const r of open) {
      if (r.state !== 'waiting' || this.#items.has(r.id) || r.phone === null) continue;
      const origin = await kiosks(r.kioskId);
      const inquiry = await this.opts.store.findInquiry(r.inquiryId);
      if (!origin || !inquiry || this.#items.has(r.id)) continue;
      this.#add(new Callback({ id: r.id, inquiryId: r.inquiryId, reference: inquiry.reference, origin, phone: r.phone, request: r.request, queuedAt: r.queuedAt.getTime(), attempts: r.attempts, notBefore: r.notBefore?.getTime() ?? null }));
      n++;
    }
    if (n > 0) this.opts.changed();
    return n;
  }

  /**
   * A callback for an existing inquiry (a waiting call turned into one: same
   * reference, same place) or a new one. Stored before it joins the queue.
   */
  async create(args: { origin: KioskRecord; phone: string; request: CallRequestInfo; inquiry?: { id: string; reference: string; queuedAt: number } }): Promise<Callback> {
    let inquiry = args.inquiry;
    if (!inquiry) {
      const createdAt = new Date();
      const id = newId('c');
      const { reference } = await this.opts.journal.open({
        id,
        kioskId: args.origin.id,
        language: args.request.language,
        topic: args.request.topic ?? null,
        answers: answersOf(args.request),
        status: 'queued',
        createdAt,
        queueId: this.opts.routing.queueFor(args.request),
      });
      inquiry = { id, reference, queuedAt: createdAt.getTime() };
    }
    const callback = new Callback({
      id: newId('cb'),
      inquiryId: inquiry.id,
      reference: inquiry.reference,
      origin: args.origin,
      phone: args.phone,
      request: args.request,
      queuedAt: inquiry.queuedAt,
      attempts: 0,
      notBefore: null,
    });
    await this.opts.store.createCallback({
      id: callback.id,
      inquiryId: callback.inquiryId,
      kioskId: args.origin.id,
      phone: callback.phone,
      request: callback.request,
      queuedAt: new Date(callback.queuedAt),
      state: 'waiting',
      agentId: null,
      attempts: 0,
      notBefore: null,
    });
    this.#add(callback);
    this.opts.log('info', 'callback queued', { callback: callback.id, inquiry: callback.inquiryId });
    this.opts.changed();
    return callback;
  }

  #add(callback: Callback): void {
    this.#items.set(callback.id, callback);
    this.opts.routing.enqueue({ callId: callback.id, request: callback.request, queuedAt: callback.queuedAt });
  }

  /** The agent takes the callback offered to them; the inquiry records when it was answered. */
  async take(agent: StaffSession, callbackId: string): Promise<Callback> {
    const cb = this.#items.get(callbackId);
    if (!cb || cb.state.step !== 'offered' || cb.state.agent !== agent) throw new SignalFailure('WRONG_STATE', 'this callback is not offered to you');
    cb.take(agent);
    let claimed: boolean;
    try {
      claimed = await this.opts.store.claimCallback(cb.id, agent.user.id);
    } catch (err) {
      cb.requeue();
      this.opts.changed();
      throw new SignalFailure('INTERNAL', `the callback could not be taken: ${(err as Error).message}`);
    }
    if (!claimed) {
      // Another agent (of another node of the site) took it, or it was closed: it is not this node's to offer.
      this.#items.delete(cb.id);
      this.opts.routing.remove(cb.id);
      this.opts.changed();
      throw new SignalFailure('WRONG_STATE', 'another agent has taken this callback');
    }
    try {
      await this.opts.journal.started(cb.inquiryId, agent.user.id, new Date());
    } catch (err) {
      // Not recorded: back to its place, as a call whose start could not be recorded.
      cb.requeue();
      this.opts.changed();
      throw new SignalFailure('INTERNAL', `the callback could not be taken: ${(err as Error).message}`);
    }
    this.opts.routing.remove(cb.id);
    this.opts.changed();
    return cb;
  }

  /** Reached: done. Not reached: back to its place after the retry time, or given up after the last attempt. */
  async complete(agent: StaffSession, callbackId: string, reached: boolean, now = Date.now()): Promise<'done' | 'retry' | 'failed'> {
    const cb = this.#items.get(callbackId);
    if (!cb || cb.state.step !== 'taken' || cb.state.agent !== agent) throw new SignalFailure('WRONG_STATE', 'this callback is not in your hands');
    const attempts = cb.attempts + 1;
    const outcome = reached ? 'done' : attempts >= this.opts.maxAttempts ? 'failed' : 'retry';
    if (outcome === 'retry') {
      const notBefore = now + this.opts.retryMinutes * 60_000;
      await this.opts.store.updateCallback(cb.id, { state: 'waiting', agentId: null, attempts, notBefore: new Date(notBefore) });
      cb.requeue();
      cb.attempts = attempts;
      cb.notBefore = notBefore;
      this.opts.routing.enqueue({ callId: cb.id, request: cb.request, queuedAt: cb.queuedAt });
      // Offer it again once the retry time has come.
      setTimeout(() => this.opts.changed(), notBefore - now + 10).unref();
    } else {
      await this.opts.store.updateCallback(cb.id, { state: outcome, attempts });
      cb.close(reached ? 'reached' : 'failed');
      this.#items.delete(cb.id);
      this.opts.journal.ended(cb.inquiryId, reached ? { status: 'ended', endReason: 'callback', endedAt: new Date(now) } : { status: 'abandoned', endReason: 'callback-not-reached', endedAt: new Date(now) });
    }
    this.opts.log('info', 'callback attempt', { callback: cb.id, reached, attempts, outcome });
    this.opts.changed();
    return outcome;
  }

  /** The agent's session ended: a callback they had goes back to its place for someone else. */
  agentGone(agent: StaffSession): void {
    for (const cb of this.#items.values()) {
      if (cb.state.step !== 'taken' || cb.state.agent !== agent) continue;
      cb.requeue();
      this.opts.routing.enqueue({ callId: cb.id, request: cb.request, queuedAt: cb.queuedAt });
      this.opts.store.updateCallback(cb.id, { state: 'waiting', agentId: null }).catch((err: unknown) => this.opts.log('error', 'callback update failed', { callback: cb.id, error: String(err) }));
    }
  }

  info(cb: Callback, forAgent: StaffSession | null): CallbackInfo {
    const s = cb.state;
    return {
      callbackId: cb.id,
      reference: cb.reference,
      inquiryId: cb.inquiryId,
      kiosk: { id: cb.origin.id, name: cb.origin.name, location: cb.origin.location },
      request: cb.request,
      queuedAt: new Date(cb.queuedAt).toISOString(),
      state: s.step === 'taken' ? 'taken' : s.step === 'offered' ? 'offered' : 'waiting',
      attempts: cb.attempts,
      // The number goes only to the agent who has the callback in hand.
      ...(s.step === 'taken' && s.agent === forAgent ? { phone: cb.phone } : {}),
      ...(s.step === 'taken' ? { agentName: s.agent.user.displayName } : {}),
    };
  }
}
