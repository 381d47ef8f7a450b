/**
 * Short-lived kiosk credentials: the challenges a kiosk signs and the tokens
 * it gets for a good signature. Behind an interface because they must be
 * shared by every booth-server node of a site (Redis later); the in-memory
 * one serves a single node.
 *
 * Contract:
 *  - a challenge is for one kiosk, works once (taken whether the signature
 *    then verifies or not) and expires after `challengeMs`; a kiosk has at
 *    most MAX_CHALLENGES_PER_KIOSK open, the oldest goes first;
 *  - a token is bound to the kiosk and to the key fingerprint it was issued
 *    for, expires after `tokenMs`, and is kept only as its hash;
 *  - `dropKiosk` forgets a kiosk's challenges and tokens at once (revocation,
 *    re-enrolment).
 */
import { randomBytes } from 'node:crypto';
import type { KioskId } from '@citizen/protocol';
import { hashSecret } from '../auth/secrets';

export interface TokenGrant {
  kioskId: KioskId;
  /** The key fingerprint (KioskRecord.credentialHash) the token was issued for. */
  keyHash: string;
  expiresAt: Date;
}

export interface KioskTokens {
  issueChallenge(kioskId: KioskId, now: Date): Promise<{ challenge: string; expiresAt: Date }>;
  /** True once for a challenge issued to `kioskId` that has not expired at `now`. */
  takeChallenge(kioskId: KioskId, challenge: string, now: Date): Promise<boolean>;
  issueToken(kioskId: KioskId, keyHash: string, now: Date): Promise<{ token: string; expiresAt: Date }>;
  /**
   * The grant of a token that has not expired at `now`, or undefined.
   * Synchronous where the implementation can answer without I/O (the auth
   * hook answers without a promise then).
   */
  findToken(token: string, now: Date): TokenGrant | undefined | Promise<TokenGrant | undefined>;
  dropKiosk(kioskId: KioskId): Promise<void>;
  close(): void;
}

const MAX_CHALLENGES_PER_KIOSK = 4;
const SWEEP_MS = 60_000;

export class MemoryKioskTokens implements KioskTokens {
  readonly #challenges = new Map<KioskId, Map<string, number>>();
  readonly #tokens = new Map<string, TokenGrant>();
  readonly #sweeper: NodeJS.Timeout;
  readonly #challengeMs: number;
  readonly #tokenMs: number;

  constructor(opts: { challengeMs: number; tokenMs: number; now: () => Date }) {
    if (!(opts.challengeMs > 0) || !(opts.tokenMs > 0)) throw new TypeError('MemoryKioskTokens: challengeMs and tokenMs must be > 0');
    this.#challengeMs = opts.challengeMs;
    this.#tokenMs = opts.tokenMs;
    // Expired tokens of kiosks that went away would otherwise stay for good.
    this.#sweeper = setInterval(() => this.#sweep(opts.now().getTime()), SWEEP_MS);
    this.#sweeper.unref();
  }

  async issueChallenge(kioskId: KioskId, now: Date): Promise<{ challenge: string; expiresAt: Date }> {
    const challenge = randomBytes(32).toString('base64url');
    const expiresAt = now.getTime() + this.#challengeMs;
    let open = this.#challenges.get(kioskId);
    if (!open) this.#challenges.set(kioskId, (open = new Map()));
    open.set(challenge, expiresAt);
    // Bounded: asking again and again cannot grow the map (Map keeps insertion order).
    while (open.size > MAX_CHALLENGES_PER_KIOSK) open.delete(open.keys().next().value!);
    return { challenge, expiresAt: new Date(expiresAt) };
  }

  async takeChallenge(kioskId: KioskId, challenge: string, now: Date): Promise<boolean> {
    const open = this.#challenges.get(kioskId);
    const expiresAt = open?.get(challenge);
    if (!open || expiresAt === undefined) return false;
    open.delete(challenge);
    if (open.size === 0) this.#challenges.delete(kioskId);
    return expiresAt > now.getTime();
  }

  async issueToken(kioskId: KioskId, keyHash: string, now: Date): Promise<{ token: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.#tokenMs);
    this.#tokens.set(hashSecret(token), { kioskId, keyHash, expiresAt });
    return { token, expiresAt };
  }

  findToken(token: string, now: Date): TokenGrant | undefined {
    const grant = this.#tokens.get(hashSecret(token));
    return grant && grant.expiresAt.getTime() > now.getTime() ? grant : undefined;
  }

  async dropKiosk(kioskId: KioskId): Promise<void> {
    this.#challenges.delete(kioskId);
    for (const [hash, grant] of this.#tokens) if (grant.kioskId === kioskId) this.#tokens.delete(hash);
  }

  #sweep(now: number): void {
    for (const [hash, grant] of this.#tokens) if (grant.expiresAt.getTime() <= now) this.#tokens.delete(hash);
    for (const [kiosk, open] of this.#challenges) {
      for (const [c, exp] of open) if (exp <= now) open.delete(c);
      if (open.size === 0) this.#challenges.delete(kiosk);
    }
  }

  close(): void {
    clearInterval(this.#sweeper);
  }
}

/** How long a challenge may be signed in: a round trip, with room for a slow link. */
export const KIOSK_CHALLENGE_MS = 60_000;
/** How long a kiosk token lasts; the shell gets a new one before then. */
export const KIOSK_TOKEN_MS = 15 * 60_000;
