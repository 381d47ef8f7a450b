/**
 * TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s steps, what every
 * authenticator app speaks), on otplib 13's functional API. Secrets are
 * 160-bit (RFC 4226's recommendation), base32, and never leave the server
 * except once, at enrolment, for the user's app.
 */
import { generateSecret, generateURI, verify } from 'otplib';

/** Phone clocks drift: a code is accepted one step either side of the server's. */
const TOLERANCE_SECONDS = 30;

export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function otpauthUri(issuer: string, username: string, secret: string): string {
  return generateURI({ issuer, label: username, secret });
}

export type TotpCheck = { ok: true; step: number } | { ok: false };

/**
 * Checks a code at `now`. `afterStep` refuses codes of that time step or an
 * earlier one (each code works once); the caller records the returned step
 * atomically (Store.useTotpStep), since two requests may check the same code.
 */
export async function checkTotp(secret: string, code: string, afterStep: number | null, now: Date): Promise<TotpCheck> {
  // The request schemas admit six digits only, which otplib accepts without throwing.
  const r = await verify({
    secret,
    token: code,
    epoch: Math.floor(now.getTime() / 1000),
    epochTolerance: TOLERANCE_SECONDS,
    ...(afterStep === null ? {} : { afterTimeStep: afterStep }),
  });
  // otplib's functional verify is typed for TOTP and HOTP alike; only a TOTP result has the step.
  return r.valid && 'timeStep' in r ? { ok: true, step: r.timeStep } : { ok: false };
}
