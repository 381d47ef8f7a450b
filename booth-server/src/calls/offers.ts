/**
 * Offers: which waiting call is put in front of which available agent, for
 * how long, and what happens when the agent declines or does not answer.
 * The choice itself is the routing's (`CallRouting.nextFor`); this part owns
 * the offer's life: one offer per agent and per call at a time, a timer that
 * takes an unanswered offer back, and a declined call never offered to the
 * same agent again.
 *
 * Waiting calls stay in the routing while offered and while being connected,
 * so their place in line (and the positions other residents see) does not
 * move when an offer comes back. (One agent is never offered two calls and
 * one call never goes to two agents: offers are made in one synchronous pass
 * here; a shared store across nodes would make this pass a transaction.)
 */
import type { CallOffer, NotificationData, Notifications } from '@citizen/protocol';
import type { Call } from './Call';
import type { Callback } from './Callback';

/** What waits in the queue and is offered to agents: a kiosk's call, or a callback. */
export type Routable = Call | Callback;
import type { CallRouting, FreeAgent } from '../routing/CallRouting';
import type { Session, StaffSession } from './sessions';

export interface OfferDispatcherOptions {
  routing: CallRouting;
  /** Every call and callback not yet ended, and one by id. */
  items: () => Iterable<Routable>;
  get: (id: string) => Routable | undefined;
  agents: () => Iterable<StaffSession>;
  /** Presence says the agent takes calls now (available, not in wrap-up). */
  isFree: (agent: StaffSession) => boolean;
  /** Since when the agent has been free: the longest idle gets the call. */
  idleSince: (agent: StaffSession) => number;
  timeoutMs: number;
  notify: <K extends keyof Notifications>(session: Session, method: K, data: NotificationData<K>) => void;
  log: (level: 'info' | 'warn', msg: string, ctx: Record<string, unknown>) => void;
  /**
   * A site of several nodes (cluster/CallCluster.ts): calls are paired with
   * agents by the site's router, not here (this pass offers callbacks only);
   * the agents still free after it are published to the site; the agent's
   * part in another node's call counts as busy; and each offer's end is
   * reported so the shared routing frees the call and the agent.
   */
  site?: OfferSite;
}

export interface OfferSite {
  /** The agents free here after this node's own offers. */
  free(agents: FreeAgent[]): void;
  /** The agent has an offer of, or takes part in, a call another node holds. */
  busyElsewhere(agent: StaffSession): boolean;
  /** The agent declined the call or let the offer lapse: not offered to them again. */
  declined(callId: string, userId: string): void;
  /** The offer was taken back unanswered (the agent left): call and agent may be paired again. */
  released(callId: string, userId: string): void;
}

export class OfferDispatcher {
  #closed = false;

  constructor(private readonly opts: OfferDispatcherOptions) {
    if (!(opts.timeoutMs > 0)) throw new TypeError('OfferDispatcher: timeoutMs must be > 0');
  }

  /** The call or callback on offer to this agent, if any. */
  offerFor(agent: StaffSession): Routable | undefined {
    for (const c of this.opts.items()) if (c.state.step === 'offered' && c.state.agent === agent) return c;
    return undefined;
  }

  /** The agent has an offer, or a call or callback in hand, or takes part in a call (invited). */
  busy(agent: StaffSession): boolean {
    if (this.opts.site?.busyElsewhere(agent)) return true;
    for (const c of this.opts.items()) if (c.agent === agent || (c.kind === 'call' && c.room?.has(agent.id))) return true;
    return false;
  }

  /**
   * Offers waiting calls to free agents (connected, presence free, no offer
   * and no call), as the routing pairs them: calls in order, each to the
   * longest-idle agent allowed to take it.
   */
  dispatch(): void {
    if (this.#closed) return;
    const byUser = new Map<string, StaffSession>();
    const free: FreeAgent[] = [];
    for (const agent of this.opts.agents()) {
      // A stand-in for another node's agent is never offered anything here: their node does that.
      if (!agent.peer || agent.remoteNode || agent.user.role !== 'agent' || !this.opts.isFree(agent) || this.busy(agent)) continue;
      byUser.set(agent.user.id, agent);
      free.push({ userId: agent.user.id, skills: agent.user.skills, idleSince: this.opts.idleSince(agent), declined: agent.declined });
    }
    const site = this.opts.site;
    if (free.length > 0) {
      const now = Date.now();
      const notOfferable = (id: string): boolean => {
        const item = this.opts.get(id);
        // On a site, calls and callbacks are the site router's to pair (they are offered through routedOffer).
        if (site) return true;
        return !item || item.state.step !== 'queued' || (item.kind === 'callback' && item.notBefore !== null && item.notBefore > now);
      };
      const assignments = this.opts.routing.assign(free, now, notOfferable);
      for (const { callId, userId } of assignments) {
        const call = this.opts.get(callId);
        const agent = byUser.get(userId);
        if (!call || !agent || call.state.step !== 'queued') continue;
        this.offerTo(call, agent);
      }
    }
    site?.free(free.filter((a) => !this.busy(byUser.get(a.userId)!)));
  }

  /** Offers a waiting call to this agent (routing's choice, or a transfer to them); false if either is not free for it. */
  offerTo(call: Routable, agent: StaffSession): boolean {
    if (call.state.step !== 'queued' || !agent.peer || !this.opts.isFree(agent) || this.busy(agent)) return false;
    const timer = setTimeout(() => this.#expire(call, agent), this.opts.timeoutMs);
    timer.unref();
    call.offer(agent, timer);
    call.mark('offered');
    this.opts.notify(agent, 'callOffered', offerOf(call));
    return true;
  }

  #expire(call: Routable, agent: StaffSession): void {
    if (call.state.step !== 'offered' || call.state.agent !== agent) return;
    this.opts.log('info', 'offer timed out', { call: call.id, agent: agent.user.id });
    agent.declined.add(call.id);
    this.opts.site?.declined(call.id, agent.user.id);
    this.withdraw(call, true);
    this.dispatch();
  }

  /** The agent declines: the call goes back to its place and is not offered to them again. */
  decline(agent: StaffSession, call: Routable): void {
    agent.declined.add(call.id);
    this.opts.site?.declined(call.id, agent.user.id);
    this.withdraw(call, false);
    this.dispatch();
  }

  /** Takes an offer back; the call waits at its place again. `tell`: notify the agent (they did not ask). */
  withdraw(call: Routable, tell: boolean): void {
    if (call.state.step !== 'offered') return;
    const agent = call.state.agent;
    call.requeue();
    this.opts.site?.released(call.id, agent.user.id);
    if (tell) this.opts.notify(agent, 'offerWithdrawn', { callId: call.id });
  }

  /** Forgets a finished call in every agent's declined list. */
  forget(callId: string): void {
    for (const a of this.opts.agents()) a.declined.delete(callId);
  }

  close(): void {
    this.#closed = true;
  }
}

export function offerOf(call: Routable): CallOffer {
  const k = call.origin;
  return {
    callId: call.id,
    kind: call.kind,
    kiosk: { id: k.id, name: k.name, location: k.location },
    request: call.request,
    queuedAt: new Date(call.queuedAt).toISOString(),
    ...(call.kind === 'call' && call.transfer ? { transfer: call.transfer } : {}),
  };
}
