/**
 * Helpers for booth-server tests: an app on an in-memory store with a real
 * one-worker SFU pool and the demo seed.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createKiosk } from './kiosks/routes';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type BoothConfig } from '@citizen/config';
import { buildApp, type AppDeps } from './app';
import { SqliteStore } from './store/SqliteStore';
import { WorkerPool } from './sfu/WorkerPool';
import { seedDemo } from './demo/seed';
import WebSocket from 'ws';
import {
  KIOSK_REQUESTS,
  KIOSK_WS_PATH,
  STAFF_REQUESTS,
  STAFF_WS_PATH,
  kioskTokenSigningInput,
  type EnrolKioskRequest,
  type KioskRequests,
  type StaffRequests,
} from '@citizen/protocol';
import { SignalClient, type SocketLike } from '@citizen/call-client';

export interface TestApp {
  app: FastifyInstance;
  store: SqliteStore;
  sfu: WorkerPool;
  config: BoothConfig;
  /**
   * The demo kiosk's test credential: { kioskId, credential } where the
   * credential is a token got with the kiosk's enrolled key (valid
   * KIOSK_TOKEN_MS from the app's clock at start), for kioskClient and
   * kioskAuthHeader.
   */
  credentialFile: string;
  /** The demo kiosk's key (tests that need a token of another app, which keeps its own tokens). */
  demoKiosk: TestKiosk;
}

export async function createTestApp(overrides: (c: BoothConfig) => void = () => {}, opts: Pick<AppDeps, 'now' | 'onRoute' | 'fleetClock'> = {}): Promise<TestApp> {
  const config = loadConfig({ files: [], env: {} });
  config.sfu.numWorkers = 1;
  config.auth.metricsToken = 'test-metrics-token';
  config.demo.seed = true;
  config.calls.checkResults = true;
  // Tests sign in and call far more often than people do; tests of these limits set them low again.
  config.auth.loginAttemptsPerMinute = 1000;
  config.auth.loginAttemptsPerMinuteGlobal = 10_000;
  config.calls.maxCallRequestsPerKioskPerMinute = 1000;
  // Tests of wrap-up set it; the others make call after call with one agent.
  config.routing.wrapUpSeconds = 0;
  overrides(config);
  const store = new SqliteStore(':memory:');
  const sfu = await WorkerPool.create({ ...config.sfu, logLevel: 'warn' });
  const dir = mkdtempSync(join(tmpdir(), 'booth-test-'));
  const credentialFile = join(dir, 'kiosk.json');
  const codeFile = join(dir, 'enrolment-code');
  await seedDemo(store, codeFile, { ...(opts.now ? { now: opts.now() } : {}) });
  const app = await buildApp({ config, store, sfu, ...opts });
  app.addHook('onClose', async () => rmSync(dir, { recursive: true, force: true }));
  await app.ready();
  const demo = await enrolWithCode(app, readFileSync(codeFile, 'utf8').trim());
  writeCredentialFile(credentialFile, demo);
  return { app, store, sfu, config, credentialFile, demoKiosk: demo };
}

/** Signs in and returns the Cookie header value with the session cookie alone (`sid=<token>`): enough for reads and sockets. */
export async function signIn(app: FastifyInstance, username: string, password: string): Promise<string> {
  const { cookie } = await signInHeaders(app, username, password);
  const sid = cookie.split('; ').find((c) => c.startsWith('sid='));
  if (!sid) throw new Error('no session cookie');
  return sid;
}

/**
 * Signs in and returns the headers a browser sends on a write: the cookies
 * and the CSRF token (every cookie-authenticated POST, PATCH, PUT and DELETE
 * needs the `x-csrf-token` header).
 */
export async function signInHeaders(app: FastifyInstance, username: string, password: string): Promise<{ cookie: string; 'x-csrf-token': string }> {
  const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const body = res.json() as { status: string; csrfToken?: string };
  if (body.status !== 'signed-in' || !body.csrfToken) throw new Error(`sign-in not complete: ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'sid');
  if (!cookie) throw new Error('no session cookie');
  const cookies = res.cookies.filter((c) => c.name === 'sid' || c.name === 'csrf').map((c) => `${c.name}=${c.value}`);
  return { cookie: cookies.join('; '), 'x-csrf-token': body.csrfToken };
}


/** A kiosk's key-based identity in tests, with a current token as its credential. */
export interface TestKiosk {
  kioskId: string;
  privateKey: KeyObject;
  credential: string;
}

/** What the kiosk shell does on its provisioning screen: a new key pair, the code redeemed, a first token. */
export async function enrolWithCode(app: FastifyInstance, code: string): Promise<TestKiosk> {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const res = await app.inject({
    method: 'POST',
    url: '/api/kiosk/enrol',
    payload: { code, publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64') },
  });
  if (res.statusCode !== 200) throw new Error(`enrolment failed: ${res.statusCode} ${res.body}`);
  const { kioskId } = res.json() as { kioskId: string };
  return { kioskId, privateKey, credential: await kioskToken(app, kioskId, privateKey) };
}

/** Signs a fresh challenge with the kiosk's key and returns the token it is exchanged for. */
export async function kioskToken(app: FastifyInstance, kioskId: string, privateKey: KeyObject): Promise<string> {
  const c = await app.inject({ method: 'POST', url: '/api/kiosk/challenge', payload: { kioskId } });
  if (c.statusCode !== 200) throw new Error(`challenge refused: ${c.statusCode} ${c.body}`);
  const { challenge } = c.json() as { challenge: string };
  const signature = sign(null, Buffer.from(kioskTokenSigningInput(kioskId, challenge)), privateKey).toString('base64');
  const t = await app.inject({ method: 'POST', url: '/api/kiosk/token', payload: { kioskId, challenge, signature } });
  if (t.statusCode !== 200) throw new Error(`token refused: ${t.statusCode} ${t.body}`);
  return (t.json() as { token: string }).token;
}

/** Creates a kiosk record (`req`) in the test app and enrols it with a key; its credential file is written beside the demo kiosk's. */
export async function enrolTestKiosk(t: TestApp, req: EnrolKioskRequest): Promise<TestKiosk & { file: string }> {
  const { enrolment } = await createKiosk(t.store, req, { by: 'system', now: new Date(), codeLifetimeMs: 60_000 });
  const kiosk = await enrolWithCode(t.app, enrolment.code);
  const file = `${t.credentialFile}.${req.id}`;
  writeCredentialFile(file, kiosk);
  return { ...kiosk, file };
}

function writeCredentialFile(file: string, k: TestKiosk): void {
  writeFileSync(file, JSON.stringify({ kioskId: k.kioskId, credential: k.credential }), { mode: 0o600 });
}

/** A test credential file: the kiosk id and its current token. */
export function readCredentialFile(file: string): { kioskId: string; credential: string } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { kioskId?: unknown; credential?: unknown };
    return typeof parsed.kioskId === 'string' && typeof parsed.credential === 'string' ? { kioskId: parsed.kioskId, credential: parsed.credential } : undefined;
  } catch {
    return undefined;
  }
}

/** A signalling client over a real socket, as a kiosk (demo kiosk credential) or a signed-in staff member. */
export function kioskClient(baseUrl: string, credentialFile: string, opts: { minBackoffMs?: number; resumeToken?: string } = {}): SignalClient<KioskRequests> {
  const c = readCredentialFile(credentialFile);
  if (!c) throw new Error('no kiosk credential');
  const url = baseUrl.replace(/^http/, 'ws') + KIOSK_WS_PATH;
  return new SignalClient({
    methods: KIOSK_REQUESTS,
    checkResults: true,
    connect: () => new WebSocket(url, { headers: { authorization: `Kiosk ${c.kioskId}:${c.credential}` } }) as unknown as SocketLike,
    minBackoffMs: opts.minBackoffMs ?? 20,
    maxBackoffMs: 200,
    ...(opts.resumeToken ? { resumeToken: opts.resumeToken } : {}),
  });
}

/** The demo kiosk's Authorization header. */
export function kioskAuthHeader(credentialFile: string): string {
  const c = readCredentialFile(credentialFile);
  if (!c) throw new Error('no kiosk credential');
  return `Kiosk ${c.kioskId}:${c.credential}`;
}

/**
 * A bare WebSocket that speaks the envelope by hand: for tests of what a
 * well-behaved SignalClient never does (vanish without closing, never answer
 * pings, send junk).
 */
export async function rawSocket(baseUrl: string, path: string, headers: Record<string, string>, opts: { autoPong?: boolean } = {}) {
  const ws = new WebSocket(baseUrl.replace(/^http/, 'ws') + path, { headers, autoPong: opts.autoPong ?? true });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let nextId = 1;
  const answers = new Map<number, (m: { ok: boolean; data?: unknown; error?: { code: string } }) => void>();
  const notifications: { method: string; data: unknown }[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw)) as { type: string; id?: number; method?: string; data?: unknown; ok?: boolean; error?: { code: string } };
    if (m.type === 'response' && typeof m.id === 'number') answers.get(m.id)?.(m as { ok: boolean });
    else if (m.type === 'notification') notifications.push({ method: m.method!, data: m.data });
  });
  return {
    ws,
    closed,
    notifications,
    request(method: string, data: unknown): Promise<{ ok: boolean; data?: unknown; error?: { code: string } }> {
      const id = nextId++;
      return new Promise((resolve) => {
        answers.set(id, resolve);
        ws.send(JSON.stringify({ type: 'request', id, method, data }));
      });
    },
  };
}

/** Enrols a new kiosk (`id`) in the test app's store and opens its signalling client. */
export async function newKioskClient(t: TestApp, baseUrl: string, id: string): Promise<SignalClient<KioskRequests>> {
  const { file } = await enrolTestKiosk(t, { id, name: `Kiosk ${id}`, location: 'Lab', languages: ['da'] });
  return kioskClient(baseUrl, file);
}

export function staffClient(baseUrl: string, cookie: string): SignalClient<StaffRequests> {
  const url = baseUrl.replace(/^http/, 'ws') + STAFF_WS_PATH;
  return new SignalClient({
    methods: STAFF_REQUESTS,
    checkResults: true,
    connect: () => new WebSocket(url, { headers: { cookie } }) as unknown as SocketLike,
    minBackoffMs: 20,
    maxBackoffMs: 200,
  });
}

/** Resolves with the next notification of that kind. */
export function next<T>(client: { on(e: string, fn: (d: T) => void): () => void }, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = client.on(event, (d) => {
      clearTimeout(timer);
      off();
      resolve(d);
    });
  });
}
