/**
 * Device identity: a kiosk binds its public key by redeeming a one-time
 * enrolment code, then proves it holds the private key to get short-lived
 * tokens. All three routes are public (the kiosk has no credential yet, or
 * its token expired): what they check is the code or the signature.
 *
 * The code is looked up by its hash, a slow one (auth/secrets.ts
 * hashShortCode); 40 random bits, single use and a short life make guessing
 * one hopeless even without the throttles (per address, and over all
 * addresses since each try costs a slow hash).
 */
import type { FastifyInstance } from 'fastify';
import { createPublicKey, hash, verify, type KeyObject } from 'node:crypto';
import {
  KioskChallengeRequest,
  KioskChallengeResponse,
  KioskEnrolRequest,
  KioskEnrolResponse,
  KioskTokenRequest,
  KioskTokenResponse,
  kioskId,
  kioskTokenSigningInput,
  parseEnrolmentCode,
} from '@citizen/protocol';
import { BoothError } from '../errors';
import { revokeKioskSockets } from '../auth/access';
import { perAddressRateLimit } from '../auth/routes';
import { MinuteBudget } from '../auth/MinuteBudget';
import type { Store } from '../store/Store';
import { enrolmentCodeHash } from './routes';

/** Reads an Ed25519 public key (SPKI DER, base64); throws KIOSK_PUBLIC_KEY_INVALID otherwise. */
export function parsePublicKey(b64: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new BoothError('KIOSK_PUBLIC_KEY_INVALID', 'publicKey is not an SPKI DER public key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new BoothError('KIOSK_PUBLIC_KEY_INVALID', `publicKey is ${key.asymmetricKeyType ?? 'unknown'}, not ed25519`);
  return key;
}

/** The fingerprint tokens are bound to: SHA-256 of the key's DER bytes. */
export const keyFingerprint = (key: KeyObject): string => hash('sha256', key.export({ format: 'der', type: 'spki' }), 'base64url');

const REDEEM_REFUSAL = {
  unknown: ['ENROLMENT_CODE_UNKNOWN', 'no kiosk has this enrolment code'],
  used: ['ENROLMENT_CODE_USED', 'this enrolment code was used already'],
  expired: ['ENROLMENT_CODE_EXPIRED', 'this enrolment code has expired'],
} as const;

/**
 * Per client address and minute. Redeeming codes is a technician typing at a
 * kiosk: at most 30 tries a minute per address, which makes guessing a 40-bit code
 * hopeless. Challenges and tokens are every kiosk renewing now and then, but
 * all of a site's kiosks share its address and ask at once after a server
 * restart, so their limit is wider.
 */
/**
 * Per client address, and for enrolment also over all addresses: each code
 * tried costs a slow hash (hashShortCode), so addresses by the thousand must
 * not buy unbounded hashing work either.
 */
export const KIOSK_IDENTITY_LIMITS = { enrolPerMinute: 30, enrolPerMinuteGlobal: 120, tokenPerMinute: 240 } as const;

const identityRateLimit = (perMinute: number) => perAddressRateLimit(perMinute, 'KIOSK_IDENTITY_THROTTLED', 'kiosk identity requests');

export async function kioskIdentityRoutes(app: FastifyInstance, opts: { store: Store; now: () => Date }): Promise<void> {
  const { store, now } = opts;
  const tokens = app.kioskTokens;
  // Over all addresses, on the server's clock: each code tried costs a slow hash.
  const enrolBudget = new MinuteBudget(KIOSK_IDENTITY_LIMITS.enrolPerMinuteGlobal, () => now().getTime());

  app.post<{ Body: KioskEnrolRequest }>(
    '/api/kiosk/enrol',
    {
      config: { auth: 'public', rateLimit: identityRateLimit(KIOSK_IDENTITY_LIMITS.enrolPerMinute) },
      schema: {
        tags: ['kiosks'],
        summary: 'A kiosk redeems its one-time enrolment code and binds its public key (replacing a previous one)',
        body: KioskEnrolRequest,
        response: { 200: KioskEnrolResponse },
      },
    },
    async (request) => {
      const parsed = parseEnrolmentCode(request.body.code);
      if (!parsed.ok) {
        throw parsed.reason === 'malformed'
          ? new BoothError('ENROLMENT_CODE_MALFORMED', 'an enrolment code has nine letters and digits')
          : new BoothError('ENROLMENT_CODE_MISTYPED', 'the enrolment code looks mistyped');
      }
      const key = parsePublicKey(request.body.publicKey);
      const keyHash = keyFingerprint(key);
      const wait = enrolBudget.take();
      if (wait !== null) throw new BoothError('KIOSK_IDENTITY_THROTTLED', `too many enrolment attempts right now; retry in ${Math.ceil(wait / 1000)} s`);
      const result = await store.redeemEnrolmentCode(await enrolmentCodeHash(parsed.code), key.export({ format: 'der', type: 'spki' }).toString('base64'), keyHash, now());
      if (!result.ok) {
        const [code, message] = REDEEM_REFUSAL[result.reason];
        request.log.warn(`kiosk enrolment refused [reason:${result.reason}]`);
        throw new BoothError(code, message);
      }
      // A previous key (hardware swap) stops working now, not at its tokens' expiry.
      await tokens.dropKiosk(result.kiosk.id);
      revokeKioskSockets(app, result.kiosk.id);
      request.log.info({ kioskId: result.kiosk.id, keyFingerprint: keyHash }, 'kiosk enrolled');
      return { kioskId: result.kiosk.id };
    },
  );

  app.post<{ Body: KioskChallengeRequest }>(
    '/api/kiosk/challenge',
    {
      config: { auth: 'public', rateLimit: identityRateLimit(KIOSK_IDENTITY_LIMITS.tokenPerMinute) },
      schema: { tags: ['kiosks'], summary: 'A challenge for the kiosk to sign (POST /api/kiosk/token)', body: KioskChallengeRequest, response: { 200: KioskChallengeResponse } },
    },
    async (request) => {
      const id = kioskId(request.body.kioskId);
      const kiosk = await store.findKiosk(id);
      // Only kiosks with a key get challenges, so unknown ids cannot fill memory.
      if (!kiosk?.publicKey || kiosk.revokedAt) throw new BoothError('KIOSK_NOT_ENROLLED', `kiosk ${id} has no enrolled key`);
      const { challenge, expiresAt } = await tokens.issueChallenge(id, now());
      return { challenge, expiresAt: expiresAt.toISOString() };
    },
  );

  app.post<{ Body: KioskTokenRequest }>(
    '/api/kiosk/token',
    {
      config: { auth: 'public', rateLimit: identityRateLimit(KIOSK_IDENTITY_LIMITS.tokenPerMinute) },
      schema: {
        tags: ['kiosks'],
        summary: 'A short-lived kiosk token for a challenge signed with the kiosk’s enrolled key; send it as Authorization: Kiosk <id>:<token>',
        body: KioskTokenRequest,
        response: { 200: KioskTokenResponse },
      },
    },
    async (request) => {
      const { challenge, signature } = request.body;
      const id = kioskId(request.body.kioskId);
      const at = now();
      // Taken before the signature is checked: a challenge gets one try.
      if (!(await tokens.takeChallenge(id, challenge, at))) throw new BoothError('KIOSK_CHALLENGE_INVALID', 'unknown, used or expired challenge');
      const kiosk = await store.findKiosk(id);
      if (!kiosk?.publicKey || kiosk.revokedAt) throw new BoothError('KIOSK_NOT_ENROLLED', `kiosk ${id} has no enrolled key`);
      const key = parsePublicKey(kiosk.publicKey);
      if (!verify(null, Buffer.from(kioskTokenSigningInput(id, challenge)), key, Buffer.from(signature, 'base64'))) {
        request.log.warn(`kiosk token refused [kiosk:${id}, reason:signature]`);
        throw new BoothError('KIOSK_SIGNATURE_INVALID', 'the signature does not verify with the kiosk’s key');
      }
      const { token, expiresAt } = await tokens.issueToken(id, kiosk.credentialHash, at);
      return { token, expiresAt: expiresAt.toISOString() };
    },
  );
}
