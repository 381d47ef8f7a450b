/**
 * The call routing of one node of a site (#12), behind the same CallRouting
 * interface the single node uses. Two things at once:
 *
 *  - the truth: every call this node homes is enqueued in (and removed from)
 *    the site's shared routing in Redis, with what the agent's node needs to
 *    offer it (`home`, `offer`); the router of the site pairs calls and agents
 *    there (RoutingDriver), not here;
 *  - a mirror: the node's own CallRouting (SkillRouting) holds every call
 *    waiting at the site, this node's and the others', so the places in line
 *    and the waits it tells residents are the site's. Other nodes' changes
 *    arrive on the bus (`calls:queue`); every `resyncMs` the mirror is
 *    compared with Redis, which mends a missed message.
 *
 * Callbacks are the site's too: every node holds the waiting ones (it reads
 * them from the store, CallbackDesk.refresh) and enqueues them here, so the
 * router pairs them with agents like calls, not before their retry time; the
 * agent's node offers it from its own desk, and the store decides who takes it.
 */
import { Type } from '@sinclair/typebox';
import { CallOffer, CallRequestInfo } from '@citizen/protocol';
import type { Assignment, CallRouting, FreeAgent, WaitingCall } from '../routing/CallRouting';
import type { NodeBus, Unsubscribe } from './NodeBus';
import type { SharedRouting } from './SharedRouting';

export const QUEUE_CHANNEL = 'calls:queue';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const NodeId = Type.String({ minLength: 1, maxLength: 200 });
/** A call as the site shares it: the routing fields, its home node and the offer an agent is shown. */
export const SiteCall = Type.Object(
  {
    callId: Id,
    request: CallRequestInfo,
    queuedAt: Type.Number({ minimum: 0 }),
    home: NodeId,
    offer: CallOffer,
    /** A callback not to be offered before this time (ms; its retry time). */
    notBefore: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type SiteCall = WaitingCall & { home: string; offer: CallOffer; notBefore?: number };
const QueueMessage = Type.Union([
  Type.Object({ op: Type.Literal('enqueue'), from: NodeId, call: SiteCall }, { additionalProperties: false }),
  Type.Object({ op: Type.Literal('remove'), from: NodeId, callId: Id }, { additionalProperties: false }),
]);

export interface SiteRoutingOptions {
  nodeId: string;
  /** This node's mirror of the site's waiting list (e.g. SkillRouting). */
  local: CallRouting;
  shared: Pick<SharedRouting, 'enqueue' | 'remove' | 'waiting'>;
  bus: NodeBus;
  /** The offer (and a callback's retry time) of a call or callback this node holds; null: none. */
  describe: (callId: string) => Pick<SiteCall, 'offer' | 'notBefore'> | null;
  /** The site's waiting list changed (another node's call came or went): places moved. */
  changed: () => void;
  /** Another node's call no longer waits (taken, left, ended). */
  gone: (callId: string) => void;
  /** A shared change was written: routing should look again. */
  kick: () => void;
  resyncMs: number;
  onError: (err: unknown) => void;
}

export class SiteRouting implements CallRouting {
  readonly #o: SiteRoutingOptions;
  /** Calls of other nodes in the mirror. */
  readonly #remote = new Set<string>();
  /** Calls of this node that are shared, as they were enqueued. */
  readonly #mine = new Map<string, WaitingCall>();
  #unsubscribe: Unsubscribe | null = null;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;

  static async start(opts: SiteRoutingOptions): Promise<SiteRouting> {
    const r = new SiteRouting(opts);
    r.#unsubscribe = await opts.bus.subscribe(QUEUE_CHANNEL, QueueMessage, (m) => {
      if (m.from === opts.nodeId || r.#closed) return;
      if (m.op === 'enqueue') r.#addRemote(m.call);
      else r.#dropRemote(m.callId);
    });
    await r.resync().catch(opts.onError);
    r.#timer = setInterval(() => void r.resync().catch(opts.onError), opts.resyncMs);
    r.#timer.unref();
    return r;
  }

  private constructor(opts: SiteRoutingOptions) {
    this.#o = opts;
  }

  enqueue(call: WaitingCall): void {
    this.#o.local.enqueue(call);
    if (!this.#share(call)) return;
    // A callback every node holds (they all read the store): the mirror already has it as its own.
    this.#remote.delete(call.callId);
    this.#mine.set(call.callId, { callId: call.callId, request: call.request, queuedAt: call.queuedAt });
  }

  remove(callId: string): void {
    this.#o.local.remove(callId);
    if (!this.#mine.delete(callId)) return;
    this.#o.shared.remove(callId).then(() => this.#o.kick(), this.#o.onError);
    this.#o.bus.publish(QUEUE_CHANNEL, { op: 'remove', from: this.#o.nodeId, callId }).catch(this.#o.onError);
  }

  /** Writes one of this node's waiting calls (or callbacks) to the shared routing, and tells the other nodes' mirrors; false if it is not shared. */
  #share(call: WaitingCall): boolean {
    const d = this.#o.describe(call.callId);
    if (!d) return false;
    const shared: SiteCall = { callId: call.callId, request: call.request, queuedAt: call.queuedAt, home: this.#o.nodeId, offer: d.offer, ...(d.notBefore ? { notBefore: d.notBefore } : {}) };
    this.#o.shared.enqueue(shared).then(() => this.#o.kick(), this.#o.onError);
    this.#o.bus.publish(QUEUE_CHANNEL, { op: 'enqueue', from: this.#o.nodeId, call: shared }).catch(this.#o.onError);
    return true;
  }

  position(callId: string, now: number): number | undefined {
    return this.#o.local.position(callId, now);
  }
  positions(): Map<string, number> {
    return this.#o.local.positions();
  }
  queueFor(request: CallRequestInfo): string {
    return this.#o.local.queueFor(request);
  }
  /** Local assignment (callbacks): other nodes' calls are never assigned here. */
  assign(agents: readonly FreeAgent[], now: number, skip: (callId: string) => boolean): Assignment[] {
    return this.#o.local.assign(agents, now, (id) => this.#remote.has(id) || skip(id));
  }
  get size(): number {
    return this.#o.local.size;
  }

  /** Writes every waiting call of this node to the shared routing again (Redis lost it, or another node dropped it). */
  reassert(): void {
    for (const call of this.#mine.values()) this.#share(call);
  }

  /** Whether a call waiting at the site is another node's. */
  isRemote(callId: string): boolean {
    return this.#remote.has(callId);
  }

  /** Takes a call this node homed as its own again (it was another node's: that node died and this one adopted it). */
  adopt(callId: string): void {
    if (this.#remote.delete(callId)) this.#o.local.remove(callId);
  }

  #addRemote(call: WaitingCall): void {
    if (this.#mine.has(call.callId) || this.#remote.has(call.callId)) return;
    this.#remote.add(call.callId);
    this.#o.local.enqueue(call);
    this.#o.changed();
  }

  #dropRemote(callId: string): void {
    if (!this.#remote.delete(callId)) return;
    this.#o.local.remove(callId);
    this.#o.gone(callId);
    this.#o.changed();
  }

  /** Makes the mirror's other-node calls those Redis holds now. */
  async resync(): Promise<void> {
    if (this.#closed) return;
    const waiting = await this.#o.shared.waiting();
    const there = new Set(waiting.map((c) => c.callId));
    let moved = false;
    for (const c of waiting) {
      if (this.#mine.has(c.callId) || this.#remote.has(c.callId)) continue;
      this.#remote.add(c.callId);
      this.#o.local.enqueue({ callId: c.callId, request: c.request, queuedAt: c.queuedAt });
      moved = true;
    }
    for (const id of [...this.#remote]) {
      if (there.has(id)) continue;
      this.#remote.delete(id);
      this.#o.local.remove(id);
      this.#o.gone(id);
      moved = true;
    }
    if (moved) this.#o.changed();
  }

  /** Stops listening and resyncing. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#unsubscribe?.().catch(() => undefined);
  }
}
