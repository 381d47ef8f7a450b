/**
 * Calls across the nodes of a site (#12). A call lives on its *home* node,
 * the node its kiosk's socket reached: its Call, its room and its media. An
 * agent whose socket reached another node is routed the call through the
 * site's shared routing (Redis, one router at a time: RoutingDriver), is
 * offered it by their own node, and on accepting takes part through a stand-in
 * session on the home node:
 *
 *   agent's node B                                     home node A
 *   offer from the router ───────────────────────────▶ (nothing: A's call waits)
 *   acceptCall → shared accept → rpc start ─────────▶ stand-in session, call starts
 *   mediaReset(A's router) to the console ◀────────── snapshot (A's router)
 *   the agent's call and media requests ── rpc ─────▶ run as the stand-in
 *   notifications for the stand-in ◀─── notify ───── the room, chat, tools …
 *
 * The agent's transports are made on the home node's router (the console
 * makes them again on `mediaReset`, as after a worker's death), so the call's
 * media is on one router and reaches each client directly: a node that only
 * relays an agent's signalling can die without touching the call's media.
 *
 * Messages between nodes go on the node bus, each node listening on its own
 * channel (`calls:node:<id>`); every message is checked against its schema
 * where it enters (NodeBus), and a forwarded request's data is checked again
 * against the method's schema on the home node. Requests time out after
 * `rpcTimeoutMs` with NODE_UNAVAILABLE (the bus is at most once: a message to
 * a dead node is not answered).
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { CallOffer, EndReason, NOTIFICATIONS, RtpCapabilities, type Notifications } from '@citizen/protocol';
import { NodeLeases, type NodeLeasesOptions } from './NodeLeases';
import type { CallDirectory } from './CallDirectory';
import type { NodeBus, Unsubscribe } from './NodeBus';
import type { ReservedOffer, SharedAgent, SharedRouting } from './SharedRouting';
import type { RoutingDriver } from './RoutingDriver';
import { SignalFailure } from '../calls/errors';
import { randomBytes } from 'node:crypto';
import { SIGNAL_ERRORS, registerFormats } from '@citizen/protocol';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const NodeId = Type.String({ minLength: 1, maxLength: 200 });
const Method = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z]+$' });
const obj = <P extends Record<string, TSchema>>(p: P) => Type.Object(p, { additionalProperties: false });

/** The router paired a call with an agent of this node. */
const OfferMessage = obj({ type: Type.Literal('offer'), callId: Id, userId: Id, home: NodeId, offer: CallOffer });
/** What one node asks of another, on behalf of one session. */
const RpcMessage = obj({
  type: Type.Literal('rpc'),
  id: Id,
  from: NodeId,
  sessionId: Id,
  op: Type.Union([
    /** The agent accepted a call homed here: start it with a stand-in for them. */
    obj({ kind: Type.Literal('start'), callId: Id, userId: Id }),
    /** A request of the agent's, for the call homed here. */
    obj({ kind: Type.Literal('request'), method: Method, data: Type.Unknown() }),
    /** The call as the agent's stand-in sees it (the agent's socket came back). */
    obj({ kind: Type.Literal('snapshot') }),
    /** The agent's session ended on their node: so does the stand-in. */
    obj({ kind: Type.Literal('ended'), reason: EndReason }),
    /** The agent's node died and their session was taken over by the sender: the stand-in here reports there now. */
    obj({ kind: Type.Literal('rejoin') }),
    /** The call's node died and this node took the call over: the agent's media goes to this node's router now. */
    obj({ kind: Type.Literal('moved'), callId: Id, routerRtpCapabilities: RtpCapabilities }),
  ]),
});
const ReplyMessage = Type.Union([
  obj({ type: Type.Literal('reply'), id: Id, ok: Type.Literal(true), result: Type.Unknown() }),
  obj({ type: Type.Literal('reply'), id: Id, ok: Type.Literal(false), code: Type.String({ maxLength: 64 }), message: Type.String({ maxLength: 2000 }) }),
]);
/** A notification for a session of this node, from the home of its call. */
const NotifyMessage = obj({ type: Type.Literal('notify'), sessionId: Id, method: Method, data: Type.Unknown() });
export const NodeMessage = Type.Union([OfferMessage, RpcMessage, ReplyMessage, NotifyMessage]);
export type NodeMessage = Static<typeof NodeMessage>;
export type RpcOp = Static<typeof RpcMessage>['op'];
export type RoutedOffer = Static<typeof OfferMessage>;

const SIGNAL_CODES = SIGNAL_ERRORS as Record<string, string>;

export const nodeChannel = (nodeId: string): string => `calls:node:${nodeId}`;

const notificationChecks = new Map<string, TypeCheck<TSchema>>();
/** A notification's data checked against its schema (relayed notifications enter here). */
export function checkNotification(method: string, data: unknown): method is keyof Notifications {
  const schema = (NOTIFICATIONS as Record<string, TSchema>)[method];
  if (!schema) return false;
  let check = notificationChecks.get(method);
  if (!check) {
    registerFormats();
    notificationChecks.set(method, (check = TypeCompiler.Compile(schema)));
  }
  return check.Check(data);
}

/** What the cluster hands to this node's call service. */
export interface CallClusterHandlers {
  /** The router paired a waiting call with an agent whose socket is here. */
  routedOffer(offer: RoutedOffer): void;
  /** Another node asks, on behalf of its session `sessionId`. Throws SignalFailure to answer an error. */
  rpc(from: string, sessionId: string, op: RpcOp): Promise<unknown>;
  /** A notification for a session here, from the node its call lives on. */
  relayed(sessionId: string, method: keyof Notifications, data: unknown): void;
  /** The nodes alive now (after each lease check). */
  alive(nodes: ReadonlySet<string>): void;
  /** This node claimed a dead node: what it held and nobody adopts is this node's to close. */
  lost(nodeId: string): void;
  /** This node's lease was gone and is back (Redis was away or lost its data): what it shares is written again. */
  restored(): void;
}

export interface CallClusterOptions {
  nodeId: string;
  bus: NodeBus;
  shared: SharedRouting;
  /** Made by the cluster: it sends the offers each pass reserved to the agents' nodes. */
  makeDriver: (onOffers: (offers: ReservedOffer[]) => Promise<void>) => Promise<RoutingDriver>;
  rpcTimeoutMs: number;
  /**
   * This node's lease among the site's nodes (renewed, and the leases checked
   * for dead nodes, every `renewMs`); the cluster hears when it was gone.
   */
  leases: Omit<NodeLeasesOptions, 'onRestored'>;
  /** The directory of sessions and calls. */
  directory: CallDirectory;
  log: (level: 'info' | 'warn' | 'error', msg: string, ctx?: Record<string, unknown>) => void;
}

export class CallCluster {
  readonly nodeId: string;
  readonly shared: SharedRouting;
  readonly directory: CallDirectory;
  readonly #leases: NodeLeases;
  #alive = new Set<string>();
  #workingPublished: string | null = null;
  /** Other nodes' working agents, read with each lease check. */
  #siteWorking: { userId: string; languages: string[] }[] = [];
  #check: NodeJS.Timeout | null = null;
  #driver: RoutingDriver | null = null;
  readonly #o: CallClusterOptions;
  #handlers: CallClusterHandlers | null = null;
  #unsubscribe: Unsubscribe | null = null;
  readonly #pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }>();
  /** What this node last told the shared routing about each of its agents (JSON), so only changes are written. */
  readonly #published = new Map<string, string>();
  #closed = false;

  static async start(opts: CallClusterOptions): Promise<CallCluster> {
    const c = new CallCluster(opts);
    c.#unsubscribe = await opts.bus.subscribe(nodeChannel(opts.nodeId), NodeMessage, (m) => c.#receive(m));
    c.#driver = await opts.makeDriver((offers) => c.#deliverOffers(offers));
    await c.#leases.join({ nodeId: opts.nodeId, url: '', startedAt: Date.now() });
    c.#alive = new Set((await c.#leases.alive()).map((n) => n.nodeId));
    c.#check = setInterval(() => void c.#checkLeases(), opts.leases.renewMs);
    c.#check.unref();
    return c;
  }

  /** This node's lease was found gone and put back (NodeLeases `onRestored`): everything it shares is written again. */
  restored(): void {
    if (this.#closed) return;
    this.#o.log('warn', "this node's lease was gone (Redis was away or lost its data): writing what it shares to the site again");
    this.#published.clear();
    this.#workingPublished = null;
    this.#handlers?.restored();
    this.kick();
  }

  /** Whether a node's lease is current (as of the last check). */
  isAlive(nodeId: string): boolean {
    return nodeId === this.nodeId || this.#alive.has(nodeId);
  }

  /** The leases as they are now (a fresh read). */
  async aliveNow(): Promise<ReadonlySet<string>> {
    this.#alive = new Set((await this.#leases.alive()).map((n) => n.nodeId));
    return this.#alive;
  }

  /**
   * Resolves true once `nodeId`'s lease has lapsed, false if it is still
   * renewed after a whole lease's time (the node is alive). A client that
   * comes here from a node that was just killed arrives before its lease lapses.
   */
  async waitGone(nodeId: string): Promise<boolean> {
    const end = Date.now() + this.#o.leases.ttlMs + this.#o.leases.renewMs;
    for (;;) {
      if (!(await this.aliveNow()).has(nodeId)) return true;
      if (Date.now() > end || this.#closed) return false;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async #checkLeases(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.aliveNow();
      this.#handlers?.alive(this.#alive);
      this.#siteWorking = await this.shared.working(this.nodeId);
      for (const lost of await this.#leases.claimLost()) {
        this.#o.log('warn', 'a node of the site is gone; this node takes over what it held', { lost });
        this.#handlers?.lost(lost);
      }
    } catch (err) {
      this.#o.log('warn', 'could not check the site\'s node leases', { error: (err as Error).message });
    }
  }

  private constructor(opts: CallClusterOptions) {
    this.#o = opts;
    this.nodeId = opts.nodeId;
    this.shared = opts.shared;
    this.directory = opts.directory;
    this.#leases = new NodeLeases({ ...opts.leases, onRestored: () => this.restored() });
  }

  bind(handlers: CallClusterHandlers): void {
    this.#handlers = handlers;
  }

  /** Something changed that routing should look at again. */
  kick(): void {
    this.#driver?.kick();
  }

  get driver(): RoutingDriver | null {
    return this.#driver;
  }

  /**
   * This node's agents as they are now: the free ones are published to the
   * shared routing (only what changed), the rest withdrawn; then routing is kicked.
   */
  agentsNow(free: Omit<SharedAgent, 'nodeId'>[]): void {
    if (this.#closed) return;
    const writes: Promise<unknown>[] = [];
    const freeIds = new Set<string>();
    for (const a of free) {
      freeIds.add(a.userId);
      const json = JSON.stringify({ ...a, nodeId: this.nodeId });
      if (this.#published.get(a.userId) === json) continue;
      this.#published.set(a.userId, json);
      writes.push(this.shared.agentFree({ ...a, nodeId: this.nodeId }));
    }
    for (const userId of [...this.#published.keys()]) {
      if (freeIds.has(userId)) continue;
      this.#published.delete(userId);
      writes.push(this.shared.agentBusy(userId));
    }
    if (writes.length === 0) {
      this.kick();
      return;
    }
    Promise.all(writes).then(
      () => this.kick(),
      (err: unknown) => {
        // Redis did not take it: publish everything again next time.
        this.#published.clear();
        this.#o.log('warn', 'could not publish the agents free here to the site', { error: (err as Error).message });
      },
    );
  }

  /** This node's working agents (taking calls or in one), published for the site's estimated waits when they change. */
  workingNow(agents: { userId: string; languages: string[] }[]): void {
    if (this.#closed) return;
    const json = JSON.stringify([...agents].sort((x, y) => x.userId.localeCompare(y.userId)));
    if (json === this.#workingPublished) return;
    this.#workingPublished = json;
    this.shared.setWorking(this.nodeId, JSON.parse(json) as typeof agents).catch(() => {
      this.#workingPublished = null;
    });
  }

  /** How many agents of the site work now and speak `language` (as of the last lease check; this node's own as they are). */
  workingFor(language: string, own: { userId: string; languages: string[] }[]): number {
    const users = new Set<string>();
    for (const a of [...this.#siteWorking, ...own]) if (a.languages.includes(language)) users.add(a.userId);
    return users.size;
  }

  /** Asks `node` on behalf of `sessionId`; resolves with its answer, rejects with its SignalFailure or NODE_UNAVAILABLE. */
  ask(node: string, sessionId: string, op: RpcOp): Promise<unknown> {
    if (this.#closed) return Promise.reject(new SignalFailure('NODE_UNAVAILABLE', 'this node is shutting down'));
    const id = randomBytes(9).toString('base64url');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new SignalFailure('NODE_UNAVAILABLE', `the node holding this call did not answer within ${this.#o.rpcTimeoutMs} ms`));
      }, this.#o.rpcTimeoutMs);
      timer.unref();
      this.#pending.set(id, { resolve, reject, timer });
      this.#send(node, { type: 'rpc', id, from: this.nodeId, sessionId, op }).catch((err: unknown) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(new SignalFailure('LIVE_STATE_UNAVAILABLE', `could not reach the site's bus: ${(err as Error).message}`));
      });
    });
  }

  /** A notification for a session whose socket is on `node`. */
  notify(node: string, sessionId: string, method: string, data: unknown): void {
    this.#send(node, { type: 'notify', sessionId, method, data }).catch((err: unknown) =>
      this.#o.log('warn', 'a notification for another node was not sent', { node, method, error: (err as Error).message }),
    );
  }

  #send(node: string, m: NodeMessage): Promise<void> {
    return this.#o.bus.publish(nodeChannel(node), m);
  }

  async #deliverOffers(offers: ReservedOffer[]): Promise<void> {
    await Promise.all(
      offers.map(async (o) => {
        const stored = o.call as typeof o.call & { home?: string; offer?: CallOffer };
        if (!stored.home || !stored.offer) {
          // Not a call this version enqueued: hand it back rather than offer something unknown.
          await this.shared.release(o.callId, o.userId);
          return;
        }
        await this.#send(o.nodeId, { type: 'offer', callId: o.callId, userId: o.userId, home: stored.home, offer: stored.offer });
      }),
    );
  }

  #receive(m: NodeMessage): void {
    const h = this.#handlers;
    if (!h || this.#closed) return;
    switch (m.type) {
      case 'offer':
        h.routedOffer(m);
        return;
      case 'reply': {
        const p = this.#pending.get(m.id);
        if (!p) return;
        this.#pending.delete(m.id);
        clearTimeout(p.timer);
        if (m.ok) p.resolve(m.result);
        else p.reject(new SignalFailure(m.code in SIGNAL_CODES ? (m.code as never) : 'INTERNAL', m.message));
        return;
      }
      case 'notify':
        if (!checkNotification(m.method, m.data)) {
          this.#o.log('warn', 'a relayed notification failed its schema and was dropped', { method: m.method });
          return;
        }
        h.relayed(m.sessionId, m.method, m.data);
        return;
      case 'rpc':
        h.rpc(m.from, m.sessionId, m.op).then(
          (result) => this.#send(m.from, { type: 'reply', id: m.id, ok: true, result: result ?? null }),
          (err: unknown) => {
            const f = err instanceof SignalFailure ? err : new SignalFailure('INTERNAL', (err as Error).message);
            if (!(err instanceof SignalFailure)) this.#o.log('error', 'a request from another node failed', { op: m.op.kind, error: (err as Error).message });
            return this.#send(m.from, { type: 'reply', id: m.id, ok: false, code: f.code, message: f.message.slice(0, 2000) });
          },
        ).catch((err: unknown) => this.#o.log('warn', 'an answer to another node was not sent', { error: (err as Error).message }));
        return;
    }
  }

  /** Stops routing and listening; requests in flight fail. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#check) clearInterval(this.#check);
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new SignalFailure('NODE_UNAVAILABLE', 'this node is shutting down'));
      this.#pending.delete(id);
    }
    await this.#driver?.close();
    await this.#unsubscribe?.().catch(() => undefined);
    // The agents free here are free nowhere once this node is gone.
    await Promise.all([...this.#published.keys()].map((u) => this.shared.agentBusy(u).catch(() => undefined)));
    this.#published.clear();
    await this.shared.setWorking(this.nodeId, []).catch(() => undefined);
    // The lease is not given up but left to lapse: this node's calls and sessions are handed over (CallService.close),
    // and the node that claims the lapsed lease closes what nobody took over.
    this.#leases.close();
    this.directory.close();
  }
}
