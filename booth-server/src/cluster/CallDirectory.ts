/**
 * What a site keeps in Redis so that a node's residents outlive the node
 * (#12): which node holds each kiosk session (by its resume token) and each
 * call, and enough of each call to take it over. Written by the node that
 * holds them; read by a node a kiosk reconnects to after its node died, which
 * *adopts* the session and its call (a compare-and-set script moves each to
 * exactly one node); read by the node that claims a dead node's lease, which
 * closes what nobody adopted within the grace period.
 *
 * Keys under the site's prefix: `dir:kiosk:<resumeToken>` (JSON KioskEntry),
 * `dir:call:<callId>` (JSON CallRecord), `dir:node:<nodeId>` (set of the call
 * ids the node holds). Entries expire after `ttlMs` unless written again (a
 * session or call nobody holds any more does not stay for ever).
 */
import type { Redis } from 'ioredis';
import type { CallRequestInfo, TransferInfo } from '@citizen/protocol';
import { connectRedis } from './redis';

export interface KioskEntry {
  sessionId: string;
  kioskId: string;
  node: string;
}

export interface StaffEntry {
  sessionId: string;
  userId: string;
  node: string;
  /** Whether the agent chose to take calls. */
  available: boolean;
  /** The call the agent is in, and the node holding it. */
  call: { callId: string; home: string } | null;
}

export interface CallRecord {
  callId: string;
  reference: string;
  queueId: string;
  kioskId: string;
  /** The kiosk session's id (its participant id in the call). */
  sessionId: string;
  request: CallRequestInfo;
  queuedAt: number;
  transfer: TransferInfo | null;
  /** The node holding the call. */
  node: string;
  /** Set while in a call: the agent's user and session, and the node their socket is on. */
  agent: { userId: string; sessionId: string; node: string } | null;
  startedAt: number | null;
}

/** KEYS[1] the key; ARGV[1] the node it must still name; ARGV[2] the new node; ARGV[3] ttl ms. Moves the entry; 1 if moved. */
const MOVE = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local e = cjson.decode(raw)
if e.node ~= ARGV[1] then return 0 end
e.node = ARGV[2]
redis.call('SET', KEYS[1], cjson.encode(e), 'PX', ARGV[3])
return 1`;

/** KEYS[1] a call record; ARGV[1] the node its agent must still be on; ARGV[2] the agent's new node; ARGV[3] ttl ms. */
const MOVE_AGENT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local r = cjson.decode(raw)
if type(r.agent) ~= 'table' or r.agent.node ~= ARGV[1] then return 0 end
r.agent.node = ARGV[2]
redis.call('SET', KEYS[1], cjson.encode(r), 'PX', ARGV[3])
return 1`;

interface DirectoryCommands {
  moveEntry(key: string, from: string, to: string, ttlMs: number): Promise<number>;
  moveAgent(key: string, from: string, to: string, ttlMs: number): Promise<number>;
}

export interface CallDirectoryOptions {
  url: string;
  prefix?: string;
  ttlMs: number;
}

export class CallDirectory {
  readonly #redis: Redis & DirectoryCommands;
  readonly #p: string;
  readonly #ttl: number;

  constructor(opts: CallDirectoryOptions) {
    this.#p = opts.prefix ?? 'citizen:';
    this.#ttl = opts.ttlMs;
    const redis = connectRedis(opts.url);
    redis.defineCommand('moveEntry', { numberOfKeys: 1, lua: MOVE });
    redis.defineCommand('moveAgent', { numberOfKeys: 1, lua: MOVE_AGENT });
    this.#redis = redis as Redis & DirectoryCommands;
  }

  #kiosk = (token: string): string => `${this.#p}dir:kiosk:${token}`;
  #staff = (token: string): string => `${this.#p}dir:staff:${token}`;

  async putStaff(token: string, e: StaffEntry): Promise<void> {
    await this.#redis.set(this.#staff(token), JSON.stringify(e), 'PX', this.#ttl);
  }
  async getStaff(token: string): Promise<StaffEntry | null> {
    const raw = await this.#redis.get(this.#staff(token));
    return raw ? (JSON.parse(raw) as StaffEntry) : null;
  }
  async dropStaff(token: string): Promise<void> {
    await this.#redis.del(this.#staff(token));
  }
  /** Moves a staff session from a dead node to this one; false when another node took it first (or it is gone). */
  async claimStaff(token: string, from: string, to: string): Promise<boolean> {
    return (await this.#redis.moveEntry(this.#staff(token), from, to, this.#ttl)) === 1;
  }
  /** The agent of a recorded call reconnected to another node (theirs died): the call's new node finds them there. */
  async moveCallAgent(callId: string, from: string, to: string): Promise<boolean> {
    return (await this.#redis.moveAgent(this.#call(callId), from, to, this.#ttl)) === 1;
  }
  #call = (id: string): string => `${this.#p}dir:call:${id}`;
  #node = (node: string): string => `${this.#p}dir:node:${node}`;

  async putKiosk(token: string, e: KioskEntry): Promise<void> {
    await this.#redis.set(this.#kiosk(token), JSON.stringify(e), 'PX', this.#ttl);
  }
  async getKiosk(token: string): Promise<KioskEntry | null> {
    const raw = await this.#redis.get(this.#kiosk(token));
    return raw ? (JSON.parse(raw) as KioskEntry) : null;
  }
  async dropKiosk(token: string): Promise<void> {
    await this.#redis.del(this.#kiosk(token));
  }

  async putCall(r: CallRecord): Promise<void> {
    await this.#redis.multi().set(this.#call(r.callId), JSON.stringify(r), 'PX', this.#ttl).sadd(this.#node(r.node), r.callId).pexpire(this.#node(r.node), this.#ttl).exec();
  }
  async getCall(id: string): Promise<CallRecord | null> {
    const raw = await this.#redis.get(this.#call(id));
    return raw ? (JSON.parse(raw) as CallRecord) : null;
  }
  async dropCall(id: string, node: string): Promise<void> {
    await this.#redis.multi().del(this.#call(id)).srem(this.#node(node), id).exec();
  }

  /** Moves a kiosk session from a dead node to this one; false when another node took it first (or it is gone). */
  async claimKiosk(token: string, from: string, to: string): Promise<boolean> {
    return (await this.#redis.moveEntry(this.#kiosk(token), from, to, this.#ttl)) === 1;
  }

  /** Moves a call from a dead node to this one; false when another node took it first (or it is gone). */
  async claimCall(id: string, from: string, to: string): Promise<boolean> {
    if ((await this.#redis.moveEntry(this.#call(id), from, to, this.#ttl)) !== 1) return false;
    await this.#redis.multi().srem(this.#node(from), id).sadd(this.#node(to), id).pexpire(this.#node(to), this.#ttl).exec();
    return true;
  }

  /** The calls a node holds (as recorded). */
  async callsOf(node: string): Promise<CallRecord[]> {
    const ids = await this.#redis.smembers(this.#node(node));
    if (ids.length === 0) return [];
    const raws = await this.#redis.mget(ids.map((id) => this.#call(id)));
    return raws.flatMap((raw) => (raw ? [JSON.parse(raw) as CallRecord] : [])).filter((r) => r.node === node);
  }

  /** Forgets a node's (now empty or closed) call set. */
  async dropNode(node: string): Promise<void> {
    await this.#redis.del(this.#node(node));
  }

  close(): void {
    this.#redis.disconnect();
  }
}
