/**
 * The signed-in user's own security settings: the TOTP second factor
 * (enrol with a QR code, confirm with a code; turn off with a code) and
 * signing out everywhere.
 */
import { signal } from '@preact/signals';
import QRCode from 'qrcode';
import { ApiError, type Api } from '../api';
import type { SessionState } from '../state';

export type Enrolment = { step: 'idle' } | { step: 'scan'; otpauthUri: string; secret: string; qrDataUrl: string; expiresAt: Date };

/** A data: URL of the otpauth URI as a PNG QR code (the page's CSP allows data: images). */
export const qrDataUrl = (uri: string): Promise<string> => QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 220 });

function explain(err: unknown): string {
  const code = err instanceof ApiError ? err.code : null;
  switch (code) {
    case 'TOTP_CODE_WRONG':
    case 'BAD_REQUEST':
      return 'Wrong code. Enter the current 6-digit code from your app.';
    case 'TOTP_NO_ENROLMENT':
      return 'The enrolment expired. Start again.';
    case 'TOTP_ALREADY_ENABLED':
      return 'Two-step sign-in is on already.';
    case 'TOTP_NOT_ENABLED':
      return 'Two-step sign-in is off already.';
    case 'LOGIN_THROTTLED':
      return 'Too many wrong codes. Wait a minute and try again.';
    default:
      return 'The server could not be reached.';
  }
}

export function createAccountState(api: Api, session: SessionState, makeQr: (uri: string) => Promise<string> = qrDataUrl) {
  const enrolment = signal<Enrolment>({ step: 'idle' });
  const error = signal<string | null>(null);
  const notice = signal<string | null>(null);
  const busy = signal(false);

  async function run(fn: () => Promise<void>): Promise<void> {
    busy.value = true;
    error.value = null;
    notice.value = null;
    try {
      await fn();
    } catch (err) {
      error.value = explain(err);
    } finally {
      busy.value = false;
    }
  }

  const startEnrolment = () =>
    run(async () => {
      const e = await api.totpEnrol();
      enrolment.value = { step: 'scan', otpauthUri: e.otpauthUri, secret: e.secret, qrDataUrl: await makeQr(e.otpauthUri), expiresAt: new Date(e.expiresAt) };
    });

  const confirm = (code: string) =>
    run(async () => {
      session.update(await api.totpConfirm(code.replace(/\s+/g, '')));
      enrolment.value = { step: 'idle' };
      notice.value = 'Two-step sign-in is on. From now on, sign-in asks for a code from your app.';
    });

  const cancelEnrolment = (): void => {
    enrolment.value = { step: 'idle' };
    error.value = null;
  };

  const disable = (code: string) =>
    run(async () => {
      session.update(await api.totpDisable(code.replace(/\s+/g, '')));
      notice.value = 'Two-step sign-in is off.';
    });

  const signOutEverywhere = () => run(() => session.signOutEverywhere());

  return { enrolment, error, notice, busy, startEnrolment, confirm, cancelEnrolment, disable, signOutEverywhere };
}
export type AccountState = ReturnType<typeof createAccountState>;
