/**
 * Branded identifiers. Each has exactly one constructor that validates, so a
 * value of type KioskId has always passed the pattern check.
 */
declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type KioskId = Brand<string, 'KioskId'>;
export type UserId = Brand<string, 'UserId'>;

/** Kiosk ids are short, human-readable slugs a technician types: `k-cph-central-1`. */
export const KIOSK_ID_PATTERN = '^k-[a-z0-9][a-z0-9-]{1,46}[a-z0-9]$';
const kioskIdRe = new RegExp(KIOSK_ID_PATTERN);

export function kioskId(value: string): KioskId {
  if (!kioskIdRe.test(value)) {
    throw new TypeError(`invalid kiosk id ${JSON.stringify(value)}: expected ${KIOSK_ID_PATTERN}`);
  }
  return value as KioskId;
}

export const USERNAME_PATTERN = '^[a-z][a-z0-9._-]{1,62}$';
const userIdRe = /^u-[0-9a-f]{16}$/;

export function userId(value: string): UserId {
  if (!userIdRe.test(value)) throw new TypeError(`invalid user id ${JSON.stringify(value)}`);
  return value as UserId;
}
