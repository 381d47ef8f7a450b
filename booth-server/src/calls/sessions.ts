/**
 * Signalling sessions and their sockets. A session outlives its socket: when
 * the socket goes, the session waits `graceMs` for the client to come back
 * with its resume token; then it ends.
 *
 * Ownership: a session has at most one socket (`peer`), and only that socket
 * may detach it. A resume attaches the new socket first and only then closes
 * the old one, so the old socket's close — which arrives while the server may
 * not yet have noticed the network drop — is a no-op instead of starting a
 * grace timer that would end the resumed session.
 */
import { randomBytes } from 'node:crypto';
import type { EndReason, NotificationData, Notifications } from '@citizen/protocol';
import type { KioskRecord, UserRecord } from '../store/Store';
import { SafeEmitter } from '../util/SafeEmitter';

export interface Peer {
  notify<K extends keyof Notifications>(method: K, data: NotificationData<K>): void;
  close(code?: number, reason?: string): void;
}

interface SessionBase {
  readonly id: string;
  readonly resumeToken: string;
  peer: Peer | null;
  /**
   * Set on a stand-in: the session is another node's (its socket is there),
   * and takes part in a call held here (cluster/CallCluster.ts).
   */
  remoteNode?: string;
}
export interface KioskSession extends SessionBase {
  readonly kind: 'kiosk';
  readonly kiosk: KioskRecord;
}
export interface StaffSession extends SessionBase {
  readonly kind: 'staff';
  readonly user: UserRecord;
  /** Hash of the sign-in session token of the socket (logout and expiry close it). */
  authTokenHash: string;
  /**
   * What the agent chose (available or away) and since when, when they were
   * last free of a call, and the end of a running wrap-up (calls/presence.ts).
   */
  presence: { chosen: 'available' | 'away'; since: number; freeSince: number; wrapUpUntil: number | null };
  /** Calls this agent declined or let time out: not offered to them again. */
  readonly declined: Set<string>;
}
export type Session = KioskSession | StaffSession;

export type ClientIdentity = { kind: 'kiosk'; kiosk: KioskRecord } | { kind: 'staff'; user: UserRecord; authTokenHash: string };

/** WebSocket close codes the server uses. */
export const CLOSE = {
  /** Another socket resumed this session. */
  RESUMED_ELSEWHERE: 4000,
  /** The session ended (grace period over, superseded, server shutdown): start afresh. */
  SESSION_ENDED: 4001,
  /** The credential or sign-in behind the socket is no longer valid. */
  AUTH_REVOKED: 4003,
} as const;

export type SessionEvents = {
  /** A session ended; its calls must end too. */
  ended: [session: Session, reason: EndReason];
};

export class SessionRegistry extends SafeEmitter<SessionEvents> {
  readonly #byToken = new Map<string, Session>();
  readonly #graceTimers = new Map<Session, NodeJS.Timeout>();
  #closed = false;

  constructor(private readonly graceMs: number) {
    super();
    if (!(graceMs >= 0)) throw new TypeError('SessionRegistry: graceMs must be >= 0');
  }

  /**
   * A socket said hello. The socket's own session when it already has one
   * (a repeated hello); the session of a valid resume token of the same
   * client; otherwise a new session. A kiosk has one session at a time: a new
   * one ends the old.
   */
  open(identity: ClientIdentity, peer: Peer, resumeToken?: string): { session: Session; resumed: boolean } {
    if (this.#closed) throw new TypeError('SessionRegistry is closed');
    const own = this.ownedBy(peer);
    if (own) return { session: own, resumed: true };
    const existing = resumeToken ? this.#byToken.get(resumeToken) : undefined;
    if (existing && sameClient(existing, identity)) {
      if (existing.kind === 'staff' && identity.kind === 'staff') existing.authTokenHash = identity.authTokenHash;
      this.#attach(existing, peer);
      return { session: existing, resumed: true };
    }
    if (identity.kind === 'kiosk') {
      for (const s of [...this.#byToken.values()]) if (s.kind === 'kiosk' && s.kiosk.id === identity.kiosk.id) this.end(s, 'connection-lost');
    }
    const base = { id: newId('p'), resumeToken: randomBytes(24).toString('base64url'), peer };
    const session: Session =
      identity.kind === 'kiosk'
        ? { ...base, kind: 'kiosk', kiosk: identity.kiosk }
        : {
            ...base,
            kind: 'staff',
            user: identity.user,
            authTokenHash: identity.authTokenHash,
            presence: { chosen: 'away', since: Date.now(), freeSince: 0, wrapUpUntil: null },
            declined: new Set(),
          };
    this.#byToken.set(session.resumeToken, session);
    return { session, resumed: false };
  }

  /**
   * A stand-in for another node's staff session (same id) in a call held
   * here: its notifications go to that node. It has no resume token anyone
   * knows; it ends when its part in the call ends.
   */
  openStandIn(id: string, user: UserRecord, node: string, peer: Peer): StaffSession {
    if (this.#closed) throw new TypeError('SessionRegistry is closed');
    const existing = this.byId(id);
    if (existing) this.end(existing, 'connection-lost');
    const session: StaffSession = {
      id,
      resumeToken: randomBytes(24).toString('base64url'),
      peer,
      remoteNode: node,
      kind: 'staff',
      user,
      authTokenHash: '',
      presence: { chosen: 'available', since: Date.now(), freeSince: Date.now(), wrapUpUntil: null },
      declined: new Set(),
    };
    this.#byToken.set(session.resumeToken, session);
    return session;
  }

  /** A kiosk session another node held (it died): taken over here with the same id and resume token. */
  adoptKiosk(kiosk: KioskRecord, peer: Peer, id: string, resumeToken: string): KioskSession {
    if (this.#closed) throw new TypeError('SessionRegistry is closed');
    for (const s of [...this.#byToken.values()]) if (s.kind === 'kiosk' && s.kiosk.id === kiosk.id) this.end(s, 'connection-lost');
    const session: KioskSession = { id, resumeToken, peer, kind: 'kiosk', kiosk };
    this.#byToken.set(resumeToken, session);
    return session;
  }

  /** A staff session another node held (it died): taken over here with the same id and resume token. */
  adoptStaff(identity: Extract<ClientIdentity, { kind: 'staff' }>, peer: Peer, id: string, resumeToken: string, available: boolean): StaffSession {
    if (this.#closed) throw new TypeError('SessionRegistry is closed');
    const now = Date.now();
    const session: StaffSession = {
      id,
      resumeToken,
      peer,
      kind: 'staff',
      user: identity.user,
      authTokenHash: identity.authTokenHash,
      presence: { chosen: available ? 'available' : 'away', since: now, freeSince: now, wrapUpUntil: null },
      declined: new Set(),
    };
    this.#byToken.set(resumeToken, session);
    return session;
  }

  /** Forgets a session without ending it (nothing is told; another session object carries on in its place). */
  forget(session: Session): void {
    if (this.#byToken.get(session.resumeToken) !== session) return;
    this.#clearGrace(session);
    this.#byToken.delete(session.resumeToken);
    session.peer = null;
  }

  /** Whether a resume token is one of this node's sessions. */
  knows(resumeToken: string): boolean {
    return this.#byToken.has(resumeToken);
  }

  #attach(session: Session, peer: Peer): void {
    this.#clearGrace(session);
    const old = session.peer;
    session.peer = peer;
    if (old && old !== peer) old.close(CLOSE.RESUMED_ELSEWHERE, 'resumed elsewhere');
  }

  /** The socket went away. Only the session's own socket detaches it; the grace period starts. */
  detach(session: Session, peer: Peer): void {
    if (this.#closed || session.peer !== peer || !this.#byToken.has(session.resumeToken)) return;
    session.peer = null;
    const timer = setTimeout(() => this.end(session, 'connection-lost'), this.graceMs);
    timer.unref();
    this.#graceTimers.set(session, timer);
  }

  /** Ends a session now: its socket is closed with `code`, and `ended` tells the call layer. Idempotent. */
  end(session: Session, reason: EndReason, code: number = CLOSE.SESSION_ENDED): void {
    if (!this.#byToken.delete(session.resumeToken)) return;
    this.#clearGrace(session);
    const peer = session.peer;
    session.peer = null;
    peer?.close(code, code === CLOSE.AUTH_REVOKED ? 'authorization revoked' : 'session ended');
    this.safeEmit('ended', session, reason);
  }

  /** Ends every session `match` selects, closing their sockets as revoked (logout, expiry, kiosk revocation). */
  revoke(match: (s: Session) => boolean): number {
    let n = 0;
    for (const s of [...this.#byToken.values()]) {
      if (!match(s)) continue;
      this.end(s, 'connection-lost', CLOSE.AUTH_REVOKED);
      n++;
    }
    return n;
  }

  ownedBy(peer: Peer): Session | undefined {
    for (const s of this.#byToken.values()) if (s.peer === peer) return s;
    return undefined;
  }

  byId(id: string): Session | undefined {
    for (const s of this.#byToken.values()) if (s.id === id) return s;
    return undefined;
  }

  all(): IterableIterator<Session> {
    return this.#byToken.values();
  }

  *staff(): Generator<StaffSession> {
    for (const s of this.#byToken.values()) if (s.kind === 'staff') yield s;
  }

  get size(): number {
    return this.#byToken.size;
  }

  /** True while the session exists (not ended), connected or in its grace period. */
  isOpen(session: Session): boolean {
    return this.#byToken.get(session.resumeToken) === session;
  }

  #clearGrace(session: Session): void {
    const t = this.#graceTimers.get(session);
    if (t) clearTimeout(t);
    this.#graceTimers.delete(session);
  }

  /** Forgets every session without ending calls (the call layer closes first). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#graceTimers.values()) clearTimeout(t);
    this.#graceTimers.clear();
    this.#byToken.clear();
  }
}

export const newId = (prefix: string): string => `${prefix}${randomBytes(9).toString('base64url')}`;

function sameClient(s: Session, id: ClientIdentity): boolean {
  return s.kind === 'kiosk' ? id.kind === 'kiosk' && id.kiosk.id === s.kiosk.id : id.kind === 'staff' && id.user.id === s.user.id;
}
