/**
 * Messages between the booth-server nodes of a site: a notification for a
 * socket another node holds, a change every node must hear of. One node (the
 * default, `cluster.redisUrl` empty) uses the in-process bus; several share a
 * Redis and use its pub/sub. Same interface, same tests (cluster.test.ts).
 *
 * Delivery is at most once and in order per publisher and channel, as Redis
 * pub/sub gives it: a node that is not connected when a message goes misses
 * it. What must not be lost goes to the store or to a Redis structure, and
 * the bus only says "look again".
 *
 * Every message is one JSON value checked against the channel's schema
 * where it enters (the subscriber); one that fails is dropped and reported to
 * `onInvalid`, never handed on.
 */
import { EventEmitter } from 'node:events';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { Redis } from 'ioredis';
import { connectRedis } from './redis';

export type Unsubscribe = () => Promise<void>;

export interface NodeBus {
  publish(channel: string, message: unknown): Promise<void>;
  /** Resolves once subscribed: a message published after that reaches `handler`. */
  subscribe<S extends TSchema>(channel: string, schema: S, handler: (message: Static<S>) => void): Promise<Unsubscribe>;
  close(): Promise<void>;
}

export interface NodeBusOptions {
  /** A message that is not JSON or fails its channel's schema (dropped). */
  onInvalid?: (channel: string, problem: string) => void;
}

/** Parses and checks one message for a channel's handler; reports and drops a bad one. */
function checked<S extends TSchema>(channel: string, schema: S, handler: (m: Static<S>) => void, onInvalid: NodeBusOptions['onInvalid']): (raw: string) => void {
  const check = TypeCompiler.Compile(schema);
  return (raw) => {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      onInvalid?.(channel, `not JSON (${raw.length} characters)`);
      return;
    }
    if (!check.Check(value)) {
      const first = check.Errors(value).First();
      onInvalid?.(channel, `${first?.path || '(message)'}: ${first?.message ?? 'does not match'}`);
      return;
    }
    handler(value);
  };
}

/** One node: messages go to this process's subscribers (as JSON, so both buses treat them alike). */
export class MemoryNodeBus implements NodeBus {
  readonly #events = new EventEmitter();
  readonly #o: NodeBusOptions;

  constructor(opts: NodeBusOptions = {}) {
    this.#o = opts;
    this.#events.setMaxListeners(0);
  }

  async publish(channel: string, message: unknown): Promise<void> {
    this.#events.emit(channel, JSON.stringify(message));
  }

  async subscribe<S extends TSchema>(channel: string, schema: S, handler: (message: Static<S>) => void): Promise<Unsubscribe> {
    const listener = checked(channel, schema, handler, this.#o.onInvalid);
    this.#events.on(channel, listener);
    return async () => void this.#events.off(channel, listener);
  }

  async close(): Promise<void> {
    this.#events.removeAllListeners();
  }
}

/** Several nodes: Redis pub/sub, one connection to publish and one to listen, channels under the site's prefix. */
export class RedisNodeBus implements NodeBus {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #prefix: string;
  readonly #o: NodeBusOptions;
  readonly #listeners = new Map<string, Set<(raw: string) => void>>();
  #closed = false;

  constructor(opts: NodeBusOptions & { url: string; prefix?: string }) {
    this.#o = opts;
    this.#prefix = opts.prefix ?? 'citizen:';
    // ioredis resubscribes on its own after a reconnect.
    this.#pub = connectRedis(opts.url);
    this.#sub = connectRedis(opts.url);
    this.#sub.on('message', (full: string, raw: string) => {
      for (const l of this.#listeners.get(full.slice(this.#prefix.length)) ?? []) l(raw);
    });
  }

  async publish(channel: string, message: unknown): Promise<void> {
    await this.#pub.publish(this.#prefix + channel, JSON.stringify(message));
  }

  async subscribe<S extends TSchema>(channel: string, schema: S, handler: (message: Static<S>) => void): Promise<Unsubscribe> {
    if (this.#closed) throw new Error('RedisNodeBus: closed');
    const listener = checked(channel, schema, handler, this.#o.onInvalid);
    let set = this.#listeners.get(channel);
    if (!set) {
      this.#listeners.set(channel, (set = new Set()));
      await this.#sub.subscribe(this.#prefix + channel);
    }
    set.add(listener);
    return async () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(channel) === set) {
        this.#listeners.delete(channel);
        if (!this.#closed) await this.#sub.unsubscribe(this.#prefix + channel);
      }
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#pub.disconnect();
    this.#sub.disconnect();
  }
}
