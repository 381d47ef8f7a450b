/**
 * The routing state several booth-server nodes share in Redis: who is
 * waiting, which agents are free, and the offers in flight. Any node may
 * route: it reads a snapshot, lets the routing rules decide (the same
 * CallRouting the single node uses, e.g. SkillRouting, fed the snapshot), and
 * then *reserves* each pairing with one Lua script that checks the call still
 * waits, the agent is still free and neither has an offer, and marks both.
 * Of nodes deciding at once, each pairing is reserved by one at most: an
 * agent is never offered two calls, a resident never offered to two agents.
 * A pairing that lost the race is simply skipped; the next pass decides again.
 *
 * An offer lapses by itself after `offerTtlMs` (its keys expire), so an offer
 * whose node died frees the call and the agent without anyone acting.
 * Accepting is a script too: it succeeds only for the offer still held, and
 * takes the call off the waiting list and the agent off the free list at once.
 *
 * Keys under the site's prefix: `rt:calls` (hash callId → WaitingCall JSON),
 * `rt:agents` (hash userId → SharedAgent JSON), `rt:offer:call:<callId>`
 * (→ userId) and `rt:offer:agent:<userId>` (→ callId), both with the offer's
 * expiry. The snapshot, offers included, is read in one script, so a pass sees one moment.
 */
import type { Redis } from 'ioredis';
import { connectRedis } from './redis';
import type { AgentSkills } from '@citizen/protocol';
import type { Assignment, CallRouting, WaitingCall } from '../routing/CallRouting';

export interface SharedAgent {
  userId: string;
  skills: AgentSkills;
  idleSince: number;
  /** The node holding the agent's socket: where the offer is sent. */
  nodeId: string;
  /** Calls this agent declined or let lapse: not offered to them again. */
  declined: string[];
}

/** An offer this pass reserved, for the caller to send to the agent's node. */
export interface ReservedOffer extends Assignment {
  nodeId: string;
  /** The waiting call as enqueued (with whatever the enqueuing node stored beside the routing fields). */
  call: WaitingCall;
}

/**
 * KEYS: calls hash, agents hash, offer:call:<c>, offer:agent:<u>; ARGV: callId, userId, ttl ms.
 * 1 when reserved; 0 when the call no longer waits, the agent is not free, or either has an offer.
 */
/**
 * The snapshot a pass decides on, read in one atomic step: KEYS[1] the
 * calls hash, KEYS[2] the agents hash; ARGV[1] and ARGV[2] the prefixes of
 * the per-call and per-agent offer keys. Answers the two hashes and which
 * calls and agents hold an offer, all of one moment (read apart, an offer
 * accepted in between made its call and agent look free, and the pass
 * wasted a reservation on them). The offer keys are named by prefix, not as
 * KEYS: a site's Redis is one instance, not a Redis Cluster.
 */
const SNAPSHOT = `
local calls = redis.call('HGETALL', KEYS[1])
local agents = redis.call('HGETALL', KEYS[2])
local offeredCalls = {}
for i = 1, #calls, 2 do
  if redis.call('EXISTS', ARGV[1] .. calls[i]) == 1 then offeredCalls[#offeredCalls + 1] = calls[i] end
end
local offeredAgents = {}
for i = 1, #agents, 2 do
  if redis.call('EXISTS', ARGV[2] .. agents[i]) == 1 then offeredAgents[#offeredAgents + 1] = agents[i] end
end
return { calls, agents, offeredCalls, offeredAgents }
`;

const RESERVE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[3]) == 1 or redis.call('EXISTS', KEYS[4]) == 1 then return 0 end
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
redis.call('SET', KEYS[4], ARGV[1], 'PX', ARGV[3])
return 1`;

/**
 * KEYS: calls hash, agents hash, offer:call:<c>, offer:agent:<u>; ARGV: callId, userId.
 * 1 when this offer was still held: the call leaves the waiting list and the agent the free list.
 */
const ACCEPT = `
if redis.call('GET', KEYS[3]) ~= ARGV[2] or redis.call('GET', KEYS[4]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[3], KEYS[4])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[2])
return 1`;

/**
 * KEYS: agents hash, offer:call:<c>, offer:agent:<u>; ARGV: callId, userId.
 * Withdraws the offer if it is this one; the agent (if still free) will not be offered the call again.
 */
const DECLINE = `
if redis.call('GET', KEYS[2]) == ARGV[2] and redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[2], KEYS[3]) end
local raw = redis.call('HGET', KEYS[1], ARGV[2])
if raw then
  local a = cjson.decode(raw)
  table.insert(a.declined, ARGV[1])
  redis.call('HSET', KEYS[1], ARGV[2], cjson.encode(a))
end
return 1`;

/**
 * KEYS: offer:call:<c>, offer:agent:<u>; ARGV: callId, userId.
 * Hands an offer back unanswered (the agent's node found them no longer free): nothing is marked declined.
 */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[2] and redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[1], KEYS[2]) return 1 end
return 0`;

/** KEYS[1] the agents hash; ARGV[1] a node id. Removes the agents whose socket was on that node; answers how many. */
const DROP_NODE = `
local all = redis.call('HGETALL', KEYS[1])
local n = 0
for i = 1, #all, 2 do
  if cjson.decode(all[i + 1]).nodeId == ARGV[1] then redis.call('HDEL', KEYS[1], all[i]) n = n + 1 end
end
return n`;

interface RoutingCommands {
  releaseOffer(offerCall: string, offerAgent: string, callId: string, userId: string): Promise<number>;
  dropNodeAgents(agents: string, nodeId: string): Promise<number>;
  routingSnapshot(calls: string, agents: string, offerCallPrefix: string, offerAgentPrefix: string): Promise<[string[], string[], string[], string[]]>;
  reserveOffer(calls: string, agents: string, offerCall: string, offerAgent: string, callId: string, userId: string, ttlMs: number): Promise<number>;
  acceptOffer(calls: string, agents: string, offerCall: string, offerAgent: string, callId: string, userId: string): Promise<number>;
  declineOffer(agents: string, offerCall: string, offerAgent: string, callId: string, userId: string): Promise<number>;
}

export interface SharedRoutingOptions {
  url: string;
  prefix?: string;
  /** How long an offer holds the call and the agent before it lapses by itself. */
  offerTtlMs: number;
  /** The routing rules, fresh for each pass (they are fed the snapshot). */
  makeRouting: () => CallRouting;
}

export class SharedRouting {
  readonly #redis: Redis & RoutingCommands;
  readonly #p: string;
  readonly #o: SharedRoutingOptions;

  constructor(opts: SharedRoutingOptions) {
    if (!(opts.offerTtlMs > 0)) throw new TypeError('SharedRouting: offerTtlMs must be > 0');
    this.#o = opts;
    this.#p = opts.prefix ?? 'citizen:';
    const redis = connectRedis(opts.url);
    redis.defineCommand('routingSnapshot', { numberOfKeys: 2, lua: SNAPSHOT });
    redis.defineCommand('reserveOffer', { numberOfKeys: 4, lua: RESERVE });
    redis.defineCommand('acceptOffer', { numberOfKeys: 4, lua: ACCEPT });
    redis.defineCommand('declineOffer', { numberOfKeys: 3, lua: DECLINE });
    redis.defineCommand('releaseOffer', { numberOfKeys: 2, lua: RELEASE });
    redis.defineCommand('dropNodeAgents', { numberOfKeys: 1, lua: DROP_NODE });
    this.#redis = redis as Redis & RoutingCommands;
  }

  get #calls(): string {
    return `${this.#p}rt:calls`;
  }
  get #agents(): string {
    return `${this.#p}rt:agents`;
  }
  get #working(): string {
    return `${this.#p}rt:working`;
  }
  #offerCall = (callId: string): string => `${this.#p}rt:offer:call:${callId}`;
  #offerAgent = (userId: string): string => `${this.#p}rt:offer:agent:${userId}`;

  async enqueue(call: WaitingCall): Promise<void> {
    await this.#redis.hset(this.#calls, call.callId, JSON.stringify(call));
  }

  /** The call no longer waits (left, ended): its offer, if any, goes with it. */
  async remove(callId: string): Promise<void> {
    const holder = await this.#redis.get(this.#offerCall(callId));
    const m = this.#redis.multi().hdel(this.#calls, callId).del(this.#offerCall(callId));
    if (holder) m.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", 1, this.#offerAgent(holder), callId);
    await m.exec();
  }

  async agentFree(agent: SharedAgent): Promise<void> {
    await this.#redis.hset(this.#agents, agent.userId, JSON.stringify(agent));
  }

  /** The agent is away or in a call. An offer they held lapses with its expiry (or their decline). */
  async agentBusy(userId: string): Promise<void> {
    await this.#redis.hdel(this.#agents, userId);
  }

  /** One routing pass: decide on a snapshot, then reserve what was decided. */
  async route(now: number): Promise<ReservedOffer[]> {
    const [rawCalls, rawAgents, offeredCalls, offeredAgents] = await this.#redis.routingSnapshot(this.#calls, this.#agents, this.#offerCall(''), this.#offerAgent(''));
    const values = (flat: string[]): string[] => flat.filter((_, i) => i % 2 === 1);
    const calls = values(rawCalls).map((raw) => JSON.parse(raw) as WaitingCall);
    const agents = values(rawAgents).map((raw) => JSON.parse(raw) as SharedAgent);
    if (calls.length === 0 || agents.length === 0) return [];
    const offered = { calls: new Set(offeredCalls), agents: new Set(offeredAgents) };
    const routing = this.#o.makeRouting();
    for (const c of calls) routing.enqueue(c);
    const free = agents.filter((a) => !offered.agents.has(a.userId)).map((a) => ({ userId: a.userId, skills: a.skills, idleSince: a.idleSince, declined: new Set(a.declined) }));
    const nodeOf = new Map(agents.map((a) => [a.userId, a.nodeId]));
    const callOf = new Map(calls.map((c) => [c.callId, c]));
    const reserved: ReservedOffer[] = [];
    // A callback whose retry time has not come yet (the enqueuing node stores `notBefore` with it) waits.
    const notYet = new Set(calls.filter((c) => ((c as WaitingCall & { notBefore?: number }).notBefore ?? 0) > now).map((c) => c.callId));
    for (const a of routing.assign(free, now, (callId) => offered.calls.has(callId) || notYet.has(callId))) {
      const ok = await this.#redis.reserveOffer(this.#calls, this.#agents, this.#offerCall(a.callId), this.#offerAgent(a.userId), a.callId, a.userId, this.#o.offerTtlMs);
      if (ok === 1) reserved.push({ ...a, nodeId: nodeOf.get(a.userId)!, call: callOf.get(a.callId)! });
    }
    return reserved;
  }

  /** The agent accepts: true only for the offer still held (not lapsed, not withdrawn). */
  async accept(callId: string, userId: string): Promise<boolean> {
    return (await this.#redis.acceptOffer(this.#calls, this.#agents, this.#offerCall(callId), this.#offerAgent(userId), callId, userId)) === 1;
  }

  /** The agent declines (or lets it lapse): the offer goes, and this call is not offered to them again. */
  async decline(callId: string, userId: string): Promise<void> {
    await this.#redis.declineOffer(this.#agents, this.#offerCall(callId), this.#offerAgent(userId), callId, userId);
  }

  /** Hands an offer back unanswered (the agent was no longer free when it arrived): the call and the agent can be paired again. */
  async release(callId: string, userId: string): Promise<boolean> {
    return (await this.#redis.releaseOffer(this.#offerCall(callId), this.#offerAgent(userId), callId, userId)) === 1;
  }

  /** A node is gone: its agents are no longer free anywhere (their sockets were there). Answers how many. */
  async dropNode(nodeId: string): Promise<number> {
    await this.#redis.hdel(this.#working, nodeId);
    return this.#redis.dropNodeAgents(this.#agents, nodeId);
  }

  /**
   * The agents who work at a node now (taking calls or in one), with their
   * languages: what residents' estimated waits count, site-wide. One field
   * per node, replaced whole.
   */
  async setWorking(nodeId: string, agents: { userId: string; languages: string[] }[]): Promise<void> {
    await this.#redis.hset(this.#working, nodeId, JSON.stringify(agents));
  }

  /** Every node's working agents but `exceptNode`'s, each user once. */
  async working(exceptNode?: string): Promise<{ userId: string; languages: string[] }[]> {
    const byUser = new Map<string, { userId: string; languages: string[] }>();
    for (const [node, raw] of Object.entries(await this.#redis.hgetall(this.#working))) {
      if (node === exceptNode) continue;
      for (const a of JSON.parse(raw) as { userId: string; languages: string[] }[]) byUser.set(a.userId, a);
    }
    return [...byUser.values()];
  }

  /** One waiting call as enqueued, or null. */
  async waitingCall(callId: string): Promise<WaitingCall | null> {
    const raw = await this.#redis.hget(this.#calls, callId);
    return raw ? (JSON.parse(raw) as WaitingCall) : null;
  }

  /** The offer in flight for a call, if any: the agent it is held for. */
  async offerOf(callId: string): Promise<string | null> {
    return this.#redis.get(this.#offerCall(callId));
  }

  /** Calls waiting (for positions and figures). */
  async waiting(): Promise<WaitingCall[]> {
    return Object.values(await this.#redis.hgetall(this.#calls)).map((raw) => JSON.parse(raw) as WaitingCall);
  }

  close(): void {
    this.#redis.disconnect();
  }
}
