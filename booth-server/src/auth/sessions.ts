/**
 * Staff sign-in sessions end in two ways, whichever comes first:
 *  - idle: `idleTimeoutMinutes` after the session was last used. Use is
 *    recorded at most once a minute (TOUCH_RESOLUTION_MS), so a request does
 *    not cost a synchronous disk write each time; a session can therefore end
 *    up to a minute before its idle time is fully spent.
 *  - absolute: `absoluteTimeoutMinutes` after sign-in, used or not.
 *
 * An open signalling socket counts as use (`sessionKeepAlive`): an agent who
 * waits for calls or talks to a resident makes no HTTP requests for long
 * stretches and must not be cut off mid-call; the absolute end still applies.
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { UserId } from '@citizen/protocol';
import { hashSecret, newSecret } from './secrets';
import type { SessionRecord, Store } from '../store/Store';

export const TOUCH_RESOLUTION_MS = 60_000;

export interface SessionPolicyOptions {
  idleTimeoutMinutes: number;
  absoluteTimeoutMinutes: number;
}

export class SessionPolicy {
  readonly idleMs: number;
  readonly absoluteMs: number;

  constructor(opts: SessionPolicyOptions) {
    if (!(opts.idleTimeoutMinutes >= 1) || !(opts.absoluteTimeoutMinutes >= 1)) throw new TypeError('SessionPolicy: timeouts must be at least one minute');
    if (opts.idleTimeoutMinutes > opts.absoluteTimeoutMinutes) throw new TypeError('SessionPolicy: idleTimeoutMinutes must not exceed absoluteTimeoutMinutes');
    this.idleMs = opts.idleTimeoutMinutes * 60_000;
    this.absoluteMs = opts.absoluteTimeoutMinutes * 60_000;
  }

  /** A new session: the token for the cookie, and the record (holding only the token's hash) for the store. */
  start(userId: UserId, now: Date): { token: string; record: SessionRecord } {
    const token = newSecret();
    const expiresAt = new Date(now.getTime() + this.absoluteMs);
    return { token, record: { tokenHash: hashSecret(token), userId, createdAt: now, expiresAt, lastSeenAt: now, idleExpiresAt: this.idleEnd(expiresAt, now) } };
  }

  /** The idle end of a session used at `now`: never past its absolute end. */
  idleEnd(expiresAt: Date, now: Date): Date {
    return new Date(Math.min(now.getTime() + this.idleMs, expiresAt.getTime()));
  }

  /** The session as it stands after a use at `now`, or null when the use need not be recorded yet. */
  touched(s: SessionRecord, now: Date): SessionRecord | null {
    if (now.getTime() - s.lastSeenAt.getTime() < TOUCH_RESOLUTION_MS) return null;
    return { ...s, lastSeenAt: now, idleExpiresAt: this.idleEnd(s.expiresAt, now) };
  }
}

export interface SessionKeepAliveOptions {
  store: Store;
  policy: SessionPolicy;
  now: () => Date;
}

/**
 * Records use of every session that has a signalling socket open, once per
 * TOUCH_RESOLUTION_MS. Registered after the calls plugin; reads its sessions only.
 */
async function sessionKeepAlive(app: FastifyInstance, opts: SessionKeepAliveOptions): Promise<void> {
  const { store, policy, now } = opts;
  const tick = async (): Promise<void> => {
    const at = now();
    const hashes = new Set<string>();
    for (const s of app.calls.sessions.staff()) if (s.peer) hashes.add(s.authTokenHash);
    // touchSession clamps the idle end to the session's absolute end.
    for (const hash of hashes) await store.touchSession(hash, at, new Date(at.getTime() + policy.idleMs));
  };
  const timer = setInterval(() => {
    tick().catch((err: unknown) => app.log.warn({ err }, 'recording use of sessions with open sockets failed'));
  }, TOUCH_RESOLUTION_MS);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
  app.decorate('keepSocketSessionsAlive', tick);
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Records use of the sessions behind open signalling sockets now (tests; it also runs every minute). */
    keepSocketSessionsAlive(): Promise<void>;
  }
}

export default fp(sessionKeepAlive, { name: 'citizen-session-keepalive', dependencies: ['citizen-calls'] });
