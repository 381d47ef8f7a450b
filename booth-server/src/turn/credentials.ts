/**
 * Short-lived TURN credentials, the TURN REST API scheme
 * (draft-uberti-behave-turn-rest-00) that coturn checks with `use-auth-secret`:
 *
 *   username   = "<expiry as Unix seconds>:<who>"
 *   credential = base64(HMAC-SHA1(shared secret, username))
 *
 * booth-server and coturn share only the secret; coturn recomputes the
 * credential from the username and refuses an allocation once the expiry in
 * the username has passed. Nothing is stored, nothing is static: each
 * participant gets its own pair with its own expiry, and the secret itself
 * never leaves the server.
 */
import { createHmac } from 'node:crypto';
import type { IceServer } from '@citizen/protocol';

export interface TurnCredential {
  username: string;
  credential: string;
  /** When coturn stops accepting it for new allocations (ms since the epoch). */
  expiresAt: number;
}

/** What may follow the expiry: no colon (coturn splits on the first), nothing a log line would mangle. */
const WHO = /^[A-Za-z0-9._-]{1,64}$/;

export function turnCredential(secret: string, who: string, ttlSeconds: number, nowMs = Date.now()): TurnCredential {
  if (!secret) throw new TypeError('turnCredential: empty secret');
  if (!WHO.test(who)) throw new TypeError(`turnCredential: who must match ${WHO} (got ${JSON.stringify(who)})`);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new TypeError(`turnCredential: ttlSeconds must be a positive integer (got ${ttlSeconds})`);
  const expiry = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiry}:${who}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64'), expiresAt: expiry * 1000 };
}

export interface TurnSettings {
  enabled: boolean;
  urls: readonly string[];
  secret: string;
  credentialTtlSeconds: number;
}

/** Hands out ICE servers for participants: the configured TURN URIs with a fresh credential each time. */
export class TurnIssuer {
  constructor(
    private readonly settings: TurnSettings,
    private readonly now: () => number = Date.now,
  ) {
    if (settings.enabled && (!settings.secret || settings.urls.length === 0)) throw new TypeError('TurnIssuer: TURN enabled without a secret or without urls');
  }

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** [] when TURN is off; else one server entry with every configured URI. `expiresAt` null when there is nothing to refresh. */
  iceServersFor(who: string): { iceServers: IceServer[]; expiresAt: string | null } {
    if (!this.settings.enabled) return { iceServers: [], expiresAt: null };
    const c = turnCredential(this.settings.secret, who, this.settings.credentialTtlSeconds, this.now());
    return { iceServers: [{ urls: [...this.settings.urls], username: c.username, credential: c.credential }], expiresAt: new Date(c.expiresAt).toISOString() };
  }
}
