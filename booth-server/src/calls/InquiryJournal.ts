/**
 * Writes a call's life into its inquiry record, so that what the resident was
 * told is what the store holds:
 *  - `open` (the resident is told their reference) and `started` (both sides
 *    are told the call started) must succeed before anyone is told; a failure
 *    is thrown and the caller rolls its transition back;
 *  - `ended` cannot be refused (the call is over whatever the store says), so
 *    a failed write is kept and retried with back-off until it lands, and is
 *    visible as `pending` in metrics;
 *  - `reconcile` runs at start-up: rows a previous process left queued or in
 *    a call (crash, power loss, kill -9) are closed as interrupted.
 */
import { randomBytes } from 'node:crypto';
import { newReference, type CallRequestInfo } from '@citizen/protocol';
import { StoreConflictError, type InquiryRecord, type InquiryUpdate, type Store } from '../store/Store';

export interface InquiryJournalOptions {
  store: Store;
  /** The promised response date of a new inquiry (from the municipality's published service standard). */
  promise: (topic: string | null, createdAt: Date) => Date;
  log: (level: 'info' | 'warn' | 'error', msg: string, ctx: Record<string, unknown>) => void;
  /** First retry delay of a failed end write; doubles up to a minute. */
  retryMs?: number;
}

const MAX_RETRY_MS = 60_000;

/** What the inquiry keeps of a request's answers: the flow's answers, and the shared card (masked) as one of them. */
export function answersOf(request: CallRequestInfo): Record<string, string> {
  return { ...(request.answers ?? {}), ...(request.card ? { card: `${request.card.kind} ${request.card.masked}` } : {}) };
}

export class InquiryJournal {
  readonly #pending = new Map<string, { update: InquiryUpdate; attempts: number }>();
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(private readonly opts: InquiryJournalOptions) {}

  /** Creates the inquiry with a fresh reference (drawn again on the rare clash) and its promised response date. */
  async open(inquiry: Omit<InquiryRecord, 'reference' | 'promisedBy'>): Promise<{ reference: string; promisedBy: Date }> {
    const promisedBy = this.opts.promise(inquiry.topic, inquiry.createdAt);
    for (let attempt = 0; ; attempt++) {
      const reference = newReference(randomBytes);
      try {
        await this.opts.store.createInquiry({ ...inquiry, reference, promisedBy });
        return { reference, promisedBy };
      } catch (err) {
        // 32^7 references: a clash is rare, but the unique index decides.
        if (!(err instanceof StoreConflictError) || attempt >= 4) throw err;
      }
    }
  }

  /** Records the agent and when they answered; rejects if the store does not take it. */
  async started(id: string, agentId: string, answeredAt: Date): Promise<void> {
    await this.opts.store.updateInquiry(id, { status: 'in-call', agentId, answeredAt });
  }

  /** Records the end; never rejects. A failed write is retried until it lands. */
  ended(id: string, update: InquiryUpdate): void {
    this.#pending.set(id, { update, attempts: 0 });
    void this.#flushOne(id);
  }

  get pending(): number {
    return this.#pending.size;
  }

  async reconcile(now: Date): Promise<number> {
    const n = await this.opts.store.closeOpenInquiries(now, 'interrupted');
    if (n > 0) this.opts.log('warn', 'closed inquiries left open by a previous run', { count: n });
    return n;
  }

  async #flushOne(id: string): Promise<void> {
    const entry = this.#pending.get(id);
    if (!entry) return;
    try {
      await this.opts.store.updateInquiry(id, entry.update);
      if (this.#pending.get(id) === entry) this.#pending.delete(id);
    } catch (err) {
      entry.attempts++;
      this.opts.log('error', 'inquiry update failed; will retry', { inquiry: id, attempts: entry.attempts, error: (err as Error).message });
      this.#schedule();
    }
  }

  #schedule(): void {
    if (this.#timer || this.#closed || this.#pending.size === 0) return;
    const attempts = Math.max(...[...this.#pending.values()].map((e) => e.attempts));
    const delay = Math.min(MAX_RETRY_MS, (this.opts.retryMs ?? 1000) * 2 ** Math.max(0, attempts - 1));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void Promise.all([...this.#pending.keys()].map((id) => this.#flushOne(id)));
    }, delay);
    this.#timer.unref();
  }

  /** One last attempt at what is pending, then stop retrying. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await Promise.all([...this.#pending.keys()].map((id) => this.#flushOne(id)));
    if (this.#pending.size > 0) this.opts.log('error', 'inquiry updates lost at shutdown; start-up reconciliation will close them', { count: this.#pending.size });
  }
}
