/**
 * Technician PINs at rest: scrypt (node:crypto), so a copied config file
 * does not give the PIN away to a quick search: a 4-digit PIN has only
 * 10,000 candidates, and each costs ~100 ms of CPU and 32 MiB of memory here.
 * The lockout in TechnicianGate is what protects a PIN at the kiosk itself.
 *
 * Format (config `kiosk.technicianPinHash`): `scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>`.
 * Make one with `npm run -s technician-pin -w kiosk` (kiosk/src/technician/pinHash.cli.ts).
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** 4 to 12 digits: typed on the kiosk's PIN pad. */
export const PIN_PATTERN = /^[0-9]{4,12}$/;

export interface PinHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** Cost of new hashes: 2^15 (OWASP's scrypt minimum is 2^17 for passwords; a PIN behind a lockout needs less, and the kiosk answers within ~100 ms). */
export const PIN_SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

function scrypt(pin: string, salt: Buffer, h: Pick<PinHash, 'N' | 'r' | 'p'>): Promise<Buffer> {
  const opts: ScryptOptions = { N: h.N, r: h.r, p: h.p, maxmem: 256 * h.N * h.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCb(pin, salt, KEY_BYTES, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/**
 * Reads a stored hash; throws TypeError naming what is wrong. The cost
 * parameters are bounded, so a config file cannot make each check take
 * minutes or gigabytes.
 */
export function parsePinHash(stored: string): PinHash {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') throw new TypeError('technician PIN hash: expected scrypt$N$r$p$salt$hash (make one with `npm run -s technician-pin -w kiosk`)');
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (!Number.isInteger(N) || N < 2 ** 14 || N > 2 ** 20 || (N & (N - 1)) !== 0) throw new TypeError('technician PIN hash: N must be a power of two from 2^14 to 2^20');
  if (!Number.isInteger(r) || r < 1 || r > 16) throw new TypeError('technician PIN hash: r must be 1 to 16');
  if (!Number.isInteger(p) || p < 1 || p > 4) throw new TypeError('technician PIN hash: p must be 1 to 4');
  const salt = Buffer.from(parts[4]!, 'base64');
  const hash = Buffer.from(parts[5]!, 'base64');
  if (salt.length < 16) throw new TypeError('technician PIN hash: the salt must be at least 16 bytes');
  if (hash.length !== KEY_BYTES) throw new TypeError(`technician PIN hash: the hash must be ${KEY_BYTES} bytes`);
  return { N, r, p, salt, hash };
}

export async function hashPin(pin: string, cost: Pick<PinHash, 'N' | 'r' | 'p'> = PIN_SCRYPT): Promise<string> {
  if (!PIN_PATTERN.test(pin)) throw new TypeError('a technician PIN has 4 to 12 digits');
  const salt = randomBytes(16);
  const hash = await scrypt(pin, salt, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Whether `pin` matches; compared in constant time. A malformed PIN is simply wrong (it is still hashed, so it takes as long). */
export async function verifyPin(pin: string, stored: PinHash): Promise<boolean> {
  const key = await scrypt(pin, stored.salt, stored);
  return PIN_PATTERN.test(pin) && timingSafeEqual(key, stored.hash);
}
