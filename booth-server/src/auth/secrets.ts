import { hash, randomBytes, scrypt as scryptCb, timingSafeEqual, type BinaryLike, type ScryptOptions } from 'node:crypto';

const scrypt = (password: BinaryLike, salt: BinaryLike, keylen: number, options: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));

// OWASP's scrypt recommendation (N=2^17, r=8, p=1) needs 128 MiB per hash; 2^15 keeps a login
// under ~50 ms on the 2-core servers this runs on while staying well above brute-force range.
const PARAMS = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEYLEN = 32;

/** `scrypt$N$r$p$salt$hash`, all base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEYLEN, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: PARAMS.maxmem,
  });
  return timingSafeEqual(key, expected);
}

/**
 * A short one-time code (a kiosk's enrolment code: 40 random bits) as it is
 * kept: scrypt with a fixed salt, so it can still be looked up by its hash.
 * SHA-256 would let someone holding a copy of the table try all 2^40 codes in
 * minutes, inside a code's life; at N=2^14 (16 MiB, some 30 ms a hash) that
 * takes years of hardware, and a per-deployment table of all codes is as far out
 * of reach. The fixed salt only separates this use from others.
 */
export async function hashShortCode(code: string, purpose: string): Promise<string> {
  const key = await scrypt(code, `citizen-kiosk/${purpose}/v1`, KEYLEN, SHORT_CODE_PARAMS);
  return key.toString('base64url');
}
const SHORT_CODE_PARAMS = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

/** A random bearer secret (session token, kiosk credential): 256 bits, base64url. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Secrets are high-entropy, so a plain SHA-256 is enough to store them. */
export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'base64url');
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret));
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}
