/**
 * The kiosk's device identity, kept by the shell (Electron main or the
 * browser-shell host), never by page script.
 *
 * A kiosk starts without one. On its provisioning screen a technician types
 * a one-time enrolment code; the shell makes an Ed25519 key pair, sends the
 * public key with the code (POST /api/kiosk/enrol) and keeps the private key
 * in `file`: sealed with the OS's protection where there is one (Electron's
 * safeStorage, passed in as a KeySealer), else as it is, in a file only this
 * user may read (mode 0600). From then on it signs booth-server's challenges
 * for short-lived tokens and sends `Authorization: Kiosk <id>:<token>`;
 * the token is renewed two minutes before it expires.
 *
 * States: `unprovisioned` (no identity file), `enrolled` (a key; a token
 * once the server has given one), `refused` (the server no longer knows the
 * key: the kiosk was revoked, or re-enrolled with another key). The renderer
 * shows the provisioning screen for the first and the last.
 */
import { generateKeyPairSync, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { credentialServerUrl } from './credential';
import { KIOSK_AUTH_SCHEME, KIOSK_ID_PATTERN, kioskTokenSigningInput, parseEnrolmentCode } from '@citizen/protocol';

/** Seals the private key at rest. Electron: safeStorage.encryptString/decryptString. */
export interface KeySealer {
  readonly kind: 'safeStorage' | 'file-0600';
  seal(plain: Buffer): Buffer;
  open(sealed: Buffer): Buffer;
}

/** No OS protection (the browser shell): the file's mode 0600 is what keeps it. */
export const UNSEALED: KeySealer = { kind: 'file-0600', seal: (b) => b, open: (b) => b };

const IdentityFile = Type.Object(
  {
    version: Type.Literal(1),
    kioskId: Type.String({ pattern: KIOSK_ID_PATTERN }),
    protection: Type.Union([Type.Literal('safeStorage'), Type.Literal('file-0600')]),
    /** PKCS#8 DER, sealed by `protection`, base64. */
    privateKey: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);
type IdentityFile = Static<typeof IdentityFile>;

export type IdentityStatus = { state: 'unprovisioned' } | { state: 'enrolled'; kioskId: string } | { state: 'refused'; kioskId: string; code: string };

/** What the shells need of an identity (a fixed one stands in for it in tests). */
export interface KioskIdentitySource {
  status(): IdentityStatus;
  /** The Authorization header value to send now, or null while there is no valid token. */
  authorization(): string | null;
  enrol(code: string): Promise<{ kioskId: string }>;
  /** booth-server refused the token (revoked, re-enrolled elsewhere, or it restarted): ask for a new one now. */
  recheck?(): void;
}

/** An enrolment refused or failed; `code` is booth-server's (ENROLMENT_CODE_*) or the shell's own. */
export class EnrolmentFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'EnrolmentFailure';
  }
}

export interface IdentityLog {
  info(msg: string): void;
  warn(msg: string): void;
}

type ServerFetch = (url: string, init: { method: 'POST'; headers: Record<string, string>; body: string }) => Promise<{ status: number; json(): Promise<unknown> }>;

const RENEW_BEFORE_MS = 2 * 60_000;
const RETRY_MIN_MS = 2_000;
const RETRY_MAX_MS = 60_000;
/** Server answers that mean the key is no good any more; retrying cannot help. */
const KEY_REFUSED = new Set(['KIOSK_NOT_ENROLLED', 'KIOSK_SIGNATURE_INVALID']);

export class KioskIdentity implements KioskIdentitySource {
  readonly #file: string;
  readonly #server: string;
  readonly #sealer: KeySealer;
  readonly #fetch: ServerFetch;
  readonly #now: () => number;
  readonly #log: IdentityLog;
  #kioskId: string | null = null;
  #key: KeyObject | null = null;
  #refused: string | null = null;
  #token: { value: string; expiresAt: number } | null = null;
  #timer: NodeJS.Timeout | undefined;
  #retryMs = RETRY_MIN_MS;
  #closed = false;
  /** One renewal at a time: a timer and an enrolment must not race each other's tokens. */
  #renewing: Promise<void> | null = null;

  private constructor(opts: { file: string; serverUrl: string; sealer: KeySealer; fetch?: ServerFetch; now?: () => number; log: IdentityLog }) {
    this.#file = opts.file;
    this.#server = opts.serverUrl.replace(/\/+$/, '');
    this.#sealer = opts.sealer;
    this.#fetch = opts.fetch ?? ((url, init) => fetch(url, init));
    this.#now = opts.now ?? Date.now;
    this.#log = opts.log;
  }

  /**
   * Reads the identity file if there is one (a malformed one or one that
   * cannot be unsealed rejects, naming the file) and, when enrolled, gets a
   * first token; a server that cannot be reached yet is retried in the
   * background, it does not stop the shell.
   */
  static async open(opts: { file: string; serverUrl: string; sealer: KeySealer; fetch?: ServerFetch; now?: () => number; log: IdentityLog }): Promise<KioskIdentity> {
    if (!opts.file) throw new TypeError('KioskIdentity: file is required');
    // The token comes back over this URL: https, or plain http to this machine only.
    credentialServerUrl(opts.serverUrl);
    const identity = new KioskIdentity(opts);
    let raw: string | null = null;
    try {
      raw = await readFile(opts.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (raw !== null) {
      const parsed = identity.#parse(raw);
      identity.#kioskId = parsed.kioskId;
      identity.#key = parsed.key;
      await identity.#renew();
    }
    return identity;
  }

  #parse(raw: string): { kioskId: string; key: KeyObject } {
    const fail = (why: string): never => {
      throw Object.assign(new Error(`kiosk identity file ${this.#file}: ${why}. Fix: delete it and enrol the kiosk again with a new code.`), { code: 'KIOSK_IDENTITY_INVALID' });
    };
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return fail('not JSON');
    }
    const first = Value.Errors(IdentityFile, json).First();
    if (first) return fail(`${first.path || '(root)'}: ${first.message}`);
    const file = json as IdentityFile;
    if (file.protection !== this.#sealer.kind) return fail(`sealed with ${file.protection}, but this shell uses ${this.#sealer.kind}`);
    try {
      const key = createPrivateKey({ key: this.#sealer.open(Buffer.from(file.privateKey, 'base64')), format: 'der', type: 'pkcs8' });
      if (key.asymmetricKeyType !== 'ed25519') return fail('the key is not Ed25519');
      return { kioskId: file.kioskId, key };
    } catch {
      return fail('the private key cannot be unsealed or read');
    }
  }

  status(): IdentityStatus {
    if (!this.#kioskId) return { state: 'unprovisioned' };
    if (this.#refused) return { state: 'refused', kioskId: this.#kioskId, code: this.#refused };
    return { state: 'enrolled', kioskId: this.#kioskId };
  }

  get kioskId(): string | null {
    return this.#kioskId;
  }

  authorization(): string | null {
    if (!this.#kioskId || !this.#token || this.#token.expiresAt <= this.#now()) return null;
    return `${KIOSK_AUTH_SCHEME} ${this.#kioskId}:${this.#token.value}`;
  }

  /**
   * Enrols with a code as the technician typed it. A typo is caught here,
   * before the server is asked. The new key replaces the old one only once
   * the server has accepted it.
   */
  async enrol(input: string): Promise<{ kioskId: string }> {
    const parsed = parseEnrolmentCode(input);
    if (!parsed.ok) {
      throw parsed.reason === 'malformed'
        ? new EnrolmentFailure('ENROLMENT_CODE_MALFORMED', 'an enrolment code has nine letters and digits', 'Type the code as the console shows it, e.g. K7Q-92X-KMC.')
        : new EnrolmentFailure('ENROLMENT_CODE_MISTYPED', 'the code looks mistyped', 'Check each character against the console.');
    }
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const answer = await this.#post('/api/kiosk/enrol', { code: parsed.code, publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') });
    if (answer.status !== 200) throw enrolmentRefusal(answer.body);
    const kioskId = (answer.body as { kioskId?: unknown }).kioskId;
    if (typeof kioskId !== 'string') throw new EnrolmentFailure('ENROLMENT_FAILED', 'booth-server gave no kiosk id', 'See the booth-server log.');
    const file: IdentityFile = {
      version: 1,
      kioskId,
      protection: this.#sealer.kind,
      privateKey: this.#sealer.seal(privateKey.export({ format: 'der', type: 'pkcs8' })).toString('base64'),
    };
    // A renewal of the old key still under way must not hand back its token after the swap.
    if (this.#renewing) await this.#renewing;
    // Written whole or not at all: a crash mid-write must not leave half a key.
    await mkdir(dirname(this.#file), { recursive: true });
    const tmp = `${this.#file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, this.#file);
    this.#kioskId = kioskId;
    this.#key = privateKey;
    this.#refused = null;
    this.#token = null;
    this.#log.info(`kiosk enrolled [kiosk:${kioskId}, key:${this.#sealer.kind}]`);
    await this.#renew();
    return { kioskId };
  }

  #lastRecheck = 0;
  /**
   * A request with our token was refused: renew now rather than at the
   * token's end, so a revocation shows at once and a server restart (which
   * forgets tokens) costs one refused request. At most once per 5 s.
   */
  recheck(): void {
    const now = this.#now();
    if (now - this.#lastRecheck < 5_000 || !this.#kioskId) return;
    this.#lastRecheck = now;
    this.#token = null;
    void this.#renew();
  }

  /** Gets a token now (joining one already under way); on failure, schedules the next try. */
  #renew(): Promise<void> {
    this.#renewing ??= this.#renewOnce().finally(() => {
      this.#renewing = null;
    });
    return this.#renewing;
  }

  async #renewOnce(): Promise<void> {
    clearTimeout(this.#timer);
    if (this.#closed || !this.#kioskId || !this.#key) return;
    const kioskId = this.#kioskId;
    try {
      const c = await this.#post('/api/kiosk/challenge', { kioskId });
      if (c.status !== 200) throw serverRefusal(c.body);
      const challenge = String((c.body as { challenge?: unknown }).challenge);
      const signature = sign(null, Buffer.from(kioskTokenSigningInput(kioskId, challenge)), this.#key).toString('base64');
      const t = await this.#post('/api/kiosk/token', { kioskId, challenge, signature });
      if (t.status !== 200) throw serverRefusal(t.body);
      const { token, expiresAt } = t.body as { token: string; expiresAt: string };
      this.#token = { value: token, expiresAt: Date.parse(expiresAt) };
      this.#refused = null;
      this.#retryMs = RETRY_MIN_MS;
      this.#schedule(Math.max(RETRY_MIN_MS, this.#token.expiresAt - this.#now() - RENEW_BEFORE_MS));
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && KEY_REFUSED.has(code)) {
        // Revoked, or enrolled again with another key: only a new code helps.
        this.#refused = code;
        this.#token = null;
      }
      this.#log.warn(`kiosk token renewal failed [kiosk:${kioskId}, code:${typeof code === 'string' ? code : 'NETWORK'}, retry_ms:${this.#retryMs}]`);
      this.#schedule(this.#retryMs);
      this.#retryMs = Math.min(RETRY_MAX_MS, this.#retryMs * 2);
    }
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => void this.#renew(), ms);
    this.#timer.unref();
  }

  async #post(path: string, body: unknown): Promise<{ status: number; body: unknown }> {
    let res;
    try {
      res = await this.#fetch(`${this.#server}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    } catch (err) {
      throw new EnrolmentFailure('ENROLMENT_SERVER_UNREACHABLE', `booth-server cannot be reached (${(err as Error).message})`, 'Check the network cable and kiosk.serverUrl, then try again.');
    }
    let json: unknown = null;
    try {
      json = await res.json();
    } catch {
      // A body that is not JSON: the status says enough.
    }
    return { status: res.status, body: json };
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }
}

function serverRefusal(body: unknown): Error & { code: string } {
  const b = (body ?? {}) as { code?: unknown; message?: unknown };
  return Object.assign(new Error(typeof b.message === 'string' ? b.message : 'refused'), { code: typeof b.code === 'string' ? b.code : 'ENROLMENT_FAILED' });
}

function enrolmentRefusal(body: unknown): EnrolmentFailure {
  const b = (body ?? {}) as { code?: unknown; message?: unknown; fix?: unknown };
  return new EnrolmentFailure(
    typeof b.code === 'string' ? b.code : 'ENROLMENT_FAILED',
    typeof b.message === 'string' ? b.message : 'booth-server refused the enrolment',
    typeof b.fix === 'string' ? b.fix : 'See the booth-server log.',
  );
}

/**
 * Demo only: enrols with the code the demo seed left in `codeFile`, then
 * deletes the file, so `npm start` comes up without anyone typing a code. A
 * code the server refused is deleted too (it will never work); one that could
 * not be sent is kept for the next start.
 */
export async function enrolFromCodeFile(identity: KioskIdentity, codeFile: string, log: IdentityLog): Promise<void> {
  if (identity.status().state === 'enrolled') return;
  let code: string;
  try {
    code = (await readFile(codeFile, 'utf8')).trim();
  } catch {
    return;
  }
  try {
    const { kioskId } = await identity.enrol(code);
    log.info(`kiosk enrolled with the demo enrolment code [kiosk:${kioskId}, file:${codeFile}]`);
  } catch (err) {
    log.warn(`demo enrolment failed [file:${codeFile}, code:${(err as { code?: string }).code ?? 'UNKNOWN'}]: ${(err as Error).message}`);
    if ((err as { code?: string }).code === 'ENROLMENT_SERVER_UNREACHABLE') return;
  }
  await rm(codeFile, { force: true });
}

/** An identity that already holds a token (tests, tools): never renews, cannot enrol. */
export function fixedIdentity(c: { kioskId: string; credential: string }): KioskIdentitySource {
  return {
    status: () => ({ state: 'enrolled', kioskId: c.kioskId }),
    authorization: () => `${KIOSK_AUTH_SCHEME} ${c.kioskId}:${c.credential}`,
    enrol: () => Promise.reject(new EnrolmentFailure('ENROLMENT_FAILED', 'this identity is fixed', 'Use KioskIdentity.')),
  };
}
