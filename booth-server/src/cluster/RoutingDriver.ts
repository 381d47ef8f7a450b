/**
 * Who runs the shared routing passes of a site (#12): the holder of the
 * site-wide duty `routing`, one node at a time. Every node feeds the shared
 * state (SharedRouting: enqueue a resident, mark an agent free, accept,
 * decline) and then calls `kick()`: on the holder that runs a pass here; on
 * any other node it publishes a "look again" on the node bus
 * (`routing:kick`), which the holder hears and answers with a pass. What
 * must not be lost is in Redis already; the kick only says "look again".
 *
 * Why one router at a time: SharedRouting lets any node route safely (each
 * pairing is reserved by a Lua script, so nodes deciding at once never offer
 * twice), but nodes that all route read the same snapshot, decide the same
 * pairings and race to reserve them. bench/cluster-routing.bench.ts measured
 * it on one Redis: 45–58 % of the reservations lost to another node, so the
 * whole decide work is repeated for nothing, and throughput *fell* with more
 * nodes (2 nodes 0.78×, 3 nodes 0.68× of one) while p99 rose (1.3×, 1.95×).
 * Deciding is the expensive part and gains nothing from being done twice on
 * one snapshot; the other nodes still share the rest of the load (their
 * sockets, offers, accepts, media). The same bench measures both modes.
 *
 * Takeover: when the holder closes it gives the duty up and another node
 * takes it within ttl/3; when it dies its lease lapses after ttl and another
 * takes it then. The new holder runs a pass at once on taking the duty, from
 * the same Redis state (waiting calls and free agents are there; offers the
 * dead node reserved lapse by themselves after their ttl), so kicks that went
 * unheard in between lose nothing. Besides kicks, the holder runs a pass
 * every `sweepMs`: offers that lapse and waiting that widens a call's match
 * change nothing anyone kicks for, and a kick on the bus is at most once.
 * The Lua reservation stays the safety net for the moment two nodes both
 * believe they hold the duty (a holder whose lease ran out mid-pass).
 *
 * One pass at a time per node: kicks that come while a pass runs are
 * coalesced into one more pass after it.
 *
 * Without Redis (one node) the duty is always this node's and the bus is in
 * process: kick() always routes here.
 */
import { Type } from '@sinclair/typebox';
import { Duty, type DutyError, type DutyOptions } from './Duty';
import type { NodeBus, Unsubscribe } from './NodeBus';
import type { ReservedOffer, SharedRouting } from './SharedRouting';

/** The duty's name: its lease is `<prefix>duty:routing`. */
export const ROUTING_DUTY = 'routing';
/** The bus channel non-holders kick the holder on. */
export const ROUTING_KICK_CHANNEL = 'routing:kick';
const KickMessage = Type.Object({ from: Type.String({ maxLength: 200 }) });

export interface RoutingDriverOptions {
  /** This node's id (the duty lease's value when it holds it). */
  nodeId: string;
  /** The shared routing state (this node's own connection). */
  routing: Pick<SharedRouting, 'route'>;
  /** The site's node bus, for kicks to the holder. */
  bus: NodeBus;
  /** The `routing` duty's lease: `redis` or `redisUrl` (neither: one node), `keyPrefix`, `ttlMs`. */
  duty: Pick<DutyOptions, 'redis' | 'redisUrl' | 'keyPrefix' | 'ttlMs'>;
  /** Offers a pass reserved, to send to the agents' nodes (awaited before the next pass). */
  onOffers: (offers: ReservedOffer[]) => void | Promise<void>;
  /** A pass on the holder every this many ms, kicked or not (default 1000; 0: only kicks and takeover). */
  sweepMs?: number;
  /** The routing clock (default Date.now). */
  now?: () => number;
  /** A pass, a kick or the lease failed (the driver carries on). */
  onError?: (err: unknown) => void;
  /** This node took or lost the routing duty. */
  onHolder?: (held: boolean) => void;
}

export class RoutingDriver {
  readonly nodeId: string;
  readonly #o: RoutingDriverOptions;
  readonly #duty: Duty;
  #unsubscribe: Unsubscribe | null = null;
  #sweep: NodeJS.Timeout | null = null;
  /** A pass loop is under way; #again: run (another) pass. */
  #busy = false;
  #again = false;
  #loop: Promise<void> = Promise.resolve();
  #closing: Promise<void> | null = null;
  #passes = 0;
  #offers = 0;

  /** Starts contending for the routing duty and listening for kicks. */
  static async start(opts: RoutingDriverOptions): Promise<RoutingDriver> {
    const driver = new RoutingDriver(opts);
    try {
      driver.#unsubscribe = await opts.bus.subscribe(ROUTING_KICK_CHANNEL, KickMessage, () => driver.#schedule());
    } catch (err) {
      await driver.close();
      throw err;
    }
    return driver;
  }

  private constructor(o: RoutingDriverOptions) {
    if (o.sweepMs !== undefined && !(Number.isFinite(o.sweepMs) && o.sweepMs >= 0)) throw new TypeError('RoutingDriver: sweepMs must be >= 0');
    this.#o = o;
    this.nodeId = o.nodeId;
    this.#duty = Duty.start({
      ...o.duty,
      name: ROUTING_DUTY,
      nodeId: o.nodeId,
      // Takeover: route what waits now. (Deferred: a duty without Redis is taken inside Duty.start.)
      onAcquired: () =>
        queueMicrotask(() => {
          o.onHolder?.(true);
          this.#schedule();
        }),
      onLost: () => o.onHolder?.(false),
      onError: (err: DutyError) => o.onError?.(err),
    });
    const sweepMs = o.sweepMs ?? 1000;
    if (sweepMs > 0) {
      this.#sweep = setInterval(() => this.#schedule(), sweepMs);
      this.#sweep.unref();
    }
  }

  /** Whether this node holds the routing duty now. */
  isRouter(): boolean {
    return this.#duty.isHeld();
  }

  /** Passes this node ran, and offers they reserved. */
  get passes(): number {
    return this.#passes;
  }
  get offers(): number {
    return this.#offers;
  }

  /** Something changed in the shared state: route (holder) or ask the holder to (anyone else). */
  kick(): void {
    if (this.#closing) return;
    if (this.#duty.isHeld()) {
      this.#schedule();
      return;
    }
    this.#o.bus.publish(ROUTING_KICK_CHANNEL, { from: this.nodeId }).catch((err: unknown) => this.#o.onError?.(err));
  }

  /** Resolves when no pass runs or is due here. */
  async whenIdle(): Promise<void> {
    while (this.#busy) await this.#loop;
  }

  /** Runs a pass soon if this node holds the duty; one more at most while one runs. */
  #schedule(): void {
    if (this.#closing) return;
    this.#again = true;
    if (this.#busy) return;
    this.#busy = true;
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    try {
      while (this.#again && !this.#closing) {
        this.#again = false;
        if (this.#duty.isHeld()) await this.#pass();
      }
    } finally {
      this.#busy = false;
    }
  }

  async #pass(): Promise<void> {
    this.#passes++;
    try {
      const offers = await this.#o.routing.route((this.#o.now ?? Date.now)());
      this.#offers += offers.length;
      if (offers.length > 0) await this.#o.onOffers(offers);
    } catch (err) {
      this.#o.onError?.(err);
    }
  }

  /** Stops routing and listening, lets a pass under way finish, gives the duty up. Idempotent. */
  close(): Promise<void> {
    return (this.#closing ??= (async () => {
      if (this.#sweep) clearInterval(this.#sweep);
      try {
        await this.#unsubscribe?.();
      } catch (err) {
        this.#o.onError?.(err);
      }
      await this.whenIdle();
      await this.#duty.close();
    })());
  }
}
