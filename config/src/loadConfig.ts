/**
 * Loads configuration: config/default.json, then each file named in
 * BOOTH_CONFIG (comma-separated) or config/local.json when present, then the
 * environment overrides in ENV_OVERRIDES. The merged result is validated once;
 * every error names the file that set (or failed to set) the field, the field's
 * path and what was expected, so a technician can fix a site file without
 * reading code.
 */
import { readFileSync, existsSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { BoothConfig } from './schema';

/**
 * The checkout (or install) root. CITIZEN_ROOT overrides it for bundles that
 * do not sit in the source tree (the Electron main bundle sets it).
 */
export const REPO_ROOT = process.env.CITIZEN_ROOT ? resolve(process.env.CITIZEN_ROOT) : resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CONFIG_DIR = resolve(REPO_ROOT, 'config');

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Source = string;

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p.source}: ${p.path || '(root)'}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigProblem {
  source: Source;
  path: string;
  message: string;
}

/** Environment variable → config path, with how to parse it. Documented in README. */
export const ENV_OVERRIDES: Record<string, { path: string; type: 'string' | 'integer' | 'boolean' }> = {
  BOOTH_HOST: { path: '/server/host', type: 'string' },
  BOOTH_PORT: { path: '/server/port', type: 'integer' },
  BOOTH_PUBLIC_URL: { path: '/server/publicUrl', type: 'string' },
  BOOTH_LOG_LEVEL: { path: '/log/level', type: 'string' },
  BOOTH_LOG_PRETTY: { path: '/log/pretty', type: 'boolean' },
  BOOTH_DATA_DIR: { path: '/dataDir', type: 'string' },
  BOOTH_STORE_KIND: { path: '/store/kind', type: 'string' },
  BOOTH_STORE_POSTGRES_URL: { path: '/store/postgresUrl', type: 'string' },
  BOOTH_REDIS_URL: { path: '/cluster/redisUrl', type: 'string' },
  BOOTH_METRICS_TOKEN: { path: '/auth/metricsToken', type: 'string' },
  BOOTH_SECURE_COOKIES: { path: '/auth/secureCookies', type: 'boolean' },
  BOOTH_SFU_WORKERS: { path: '/sfu/numWorkers', type: 'integer' },
  BOOTH_RTC_MIN_PORT: { path: '/sfu/rtcMinPort', type: 'integer' },
  BOOTH_RTC_MAX_PORT: { path: '/sfu/rtcMaxPort', type: 'integer' },
  BOOTH_ANNOUNCED_IP: { path: '/sfu/listenIps/0/announcedIp', type: 'string' },
  BOOTH_TURN_SECRET: { path: '/turn/secret', type: 'string' },
  BOOTH_DEMO_SEED: { path: '/demo/seed', type: 'boolean' },
  BOOTH_FLEET_WEBHOOK_URL: { path: '/fleet/webhook/url', type: 'string' },
  BOOTH_FLEET_WEBHOOK_SECRET: { path: '/fleet/webhook/secret', type: 'string' },
  KIOSK_SERVER_URL: { path: '/kiosk/serverUrl', type: 'string' },
  KIOSK_HOST_PORT: { path: '/kiosk/hostPort', type: 'integer' },
  KIOSK_PRINTER_PATH: { path: '/kiosk/printer/path', type: 'string' },
  KIOSK_CARD_READER_PATH: { path: '/kiosk/cardReader/path', type: 'string' },
  KIOSK_CARD_READER_PROTOCOL: { path: '/kiosk/cardReader/protocol', type: 'string' },
  KIOSK_VIRTUAL_HARDWARE_PORT: { path: '/kiosk/virtualHardwarePort', type: 'integer' },
  KIOSK_TECHNICIAN_PIN_HASH: { path: '/kiosk/technicianPinHash', type: 'string' },
};

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep-merges `over` into `base`, recording in `origin` which source set each leaf. */
function merge(base: Json, over: Json, source: Source, origin: Map<string, Source>, path = ''): Json {
  if (isObject(base) && isObject(over)) {
    const out: Record<string, Json> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = merge(base[k] ?? null, v, source, origin, `${path}/${k}`);
    return out;
  }
  markAll(over, source, origin, path);
  return over;
}

function markAll(v: Json, source: Source, origin: Map<string, Source>, path: string): void {
  origin.set(path, source);
  if (isObject(v)) for (const [k, c] of Object.entries(v)) markAll(c, source, origin, `${path}/${k}`);
  else if (Array.isArray(v)) v.forEach((c, i) => markAll(c, source, origin, `${path}/${i}`));
}

function setPath(target: Json, path: string, value: Json): Json {
  const keys = path.split('/').slice(1);
  const root: Json = isObject(target) ? { ...target } : {};
  let node: Record<string, Json> | Json[] = root as Record<string, Json>;
  keys.forEach((key, i) => {
    const last = i === keys.length - 1;
    const container = node as Record<string, Json>;
    if (last) container[key] = value;
    else {
      const child = container[key];
      const copy: Json = Array.isArray(child) ? [...child] : isObject(child) ? { ...child } : /^\d+$/.test(keys[i + 1] ?? '') ? [] : {};
      container[key] = copy;
      node = copy as Record<string, Json>;
    }
  });
  return root;
}

function readJsonFile(file: string): Json {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ source: file, path: '', message: `cannot read file: ${(err as Error).message}` }]);
  }
  try {
    return JSON.parse(text) as Json;
  } catch (err) {
    throw new ConfigError([{ source: file, path: '', message: `not valid JSON: ${(err as Error).message}` }]);
  }
}

export interface LoadOptions {
  /** Extra files applied after default.json, in order. Defaults to BOOTH_CONFIG or config/local.json. */
  files?: readonly string[];
  env?: Record<string, string | undefined>;
  defaultsFile?: string;
}

export function loadConfig(options: LoadOptions = {}): BoothConfig {
  const env = options.env ?? process.env;
  const defaultsFile = options.defaultsFile ?? resolve(CONFIG_DIR, 'default.json');
  const localFile = resolve(CONFIG_DIR, 'local.json');
  const files =
    options.files ??
    (env.BOOTH_CONFIG ? env.BOOTH_CONFIG.split(',').map((f) => resolve(f.trim())) : existsSync(localFile) ? [localFile] : []);

  const origin = new Map<string, Source>();
  let merged: Json = merge({}, readJsonFile(defaultsFile), defaultsFile, origin);
  for (const file of files) {
    const json = readJsonFile(file);
    if (!isObject(json)) throw new ConfigError([{ source: file, path: '', message: 'expected a JSON object at the top level' }]);
    merged = merge(merged, json, file, origin);
  }

  const envProblems: ConfigProblem[] = [];
  for (const [name, { path, type }] of Object.entries(ENV_OVERRIDES)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    let value: Json = raw;
    if (type === 'integer') {
      if (!/^-?\d+$/.test(raw)) {
        envProblems.push({ source: `env ${name}`, path, message: `expected an integer, got ${JSON.stringify(raw)}` });
        continue;
      }
      value = Number(raw);
    } else if (type === 'boolean') {
      if (!['true', 'false', '1', '0'].includes(raw)) {
        envProblems.push({ source: `env ${name}`, path, message: `expected true or false, got ${JSON.stringify(raw)}` });
        continue;
      }
      value = raw === 'true' || raw === '1';
    }
    merged = setPath(merged, path, value);
    origin.set(path, `env ${name}`);
  }
  if (envProblems.length) throw new ConfigError(envProblems);

  const problems: ConfigProblem[] = [];
  for (const e of Value.Errors(BoothConfig, merged)) {
    // Unions report one error per member and then one for the union; keep the most useful.
    problems.push({ source: sourceOf(e.path, origin), path: e.path, message: describe(e.message, e.schema, e.value) });
  }
  const unique = dedupe(problems);
  if (unique.length) throw new ConfigError(unique);

  const config = merged as unknown as BoothConfig;
  if (config.sfu.rtcMinPort > config.sfu.rtcMaxPort) {
    throw new ConfigError([
      { source: sourceOf('/sfu/rtcMinPort', origin), path: '/sfu/rtcMinPort', message: `must not exceed rtcMaxPort (${config.sfu.rtcMaxPort})` },
    ]);
  }
  if (config.auth.idleTimeoutMinutes > config.auth.absoluteTimeoutMinutes) {
    throw new ConfigError([
      {
        source: sourceOf('/auth/idleTimeoutMinutes', origin),
        path: '/auth/idleTimeoutMinutes',
        message: `must not exceed absoluteTimeoutMinutes (${config.auth.absoluteTimeoutMinutes})`,
      },
    ]);
  }
  const storeProblem = checkPostgresUrl(config.store);
  if (storeProblem) throw new ConfigError([{ source: sourceOf('/store/postgresUrl', origin), path: '/store/postgresUrl', message: storeProblem }]);
  const redisProblem = checkRedisUrl(config.cluster.redisUrl);
  if (redisProblem) throw new ConfigError([{ source: sourceOf('/cluster/redisUrl', origin), path: '/cluster/redisUrl', message: redisProblem }]);
  const turnProblem = checkTurn(config.turn);
  if (turnProblem) throw new ConfigError([{ source: sourceOf(turnProblem.path, origin), path: turnProblem.path, message: turnProblem.message }]);
  try {
    new Intl.DateTimeFormat('en', { timeZone: config.kiosk.receipt.timeZone });
  } catch {
    throw new ConfigError([
      { source: sourceOf('/kiosk/receipt/timeZone', origin), path: '/kiosk/receipt/timeZone', message: `not an IANA time zone: ${JSON.stringify(config.kiosk.receipt.timeZone)}` },
    ]);
  }
  return config;
}

/**
 * The PostgreSQL URL is required with kind postgres and must be one. The
 * message never repeats the URL: it usually carries a password, and
 * configuration errors end up in logs.
 */
function checkPostgresUrl(store: BoothConfig['store']): string | undefined {
  if (store.kind !== 'postgres') return undefined;
  if (store.postgresUrl === undefined || store.postgresUrl === '') return 'required when store.kind is "postgres"';
  let url: URL;
  try {
    url = new URL(store.postgresUrl);
  } catch {
    return 'not a URL (expected postgres://user:password@host:port/database)';
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') return `expected a postgres:// or postgresql:// URL, got a ${url.protocol}// one`;
  if (!url.hostname) return 'the URL names no host (expected postgres://user:password@host:port/database)';
  return undefined;
}

/** Empty (one node) or a redis:// or rediss:// URL with a host; never repeated, as it may carry a password. */
function checkRedisUrl(value: string): string | undefined {
  if (value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'not a URL (expected redis://host:port or rediss://host:port, or empty for one node)';
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return `expected a redis:// or rediss:// URL, got a ${url.protocol}// one`;
  if (!url.hostname) return 'the URL names no host (expected redis://host:port)';
  return undefined;
}

/** TURN needs its URIs and a real secret when on; the local coturn only with TURN on. The secret is never echoed. */
function checkTurn(turn: BoothConfig['turn']): { path: string; message: string } | undefined {
  if (turn.enabled) {
    if (turn.urls.length === 0) return { path: '/turn/urls', message: 'at least one turn: or turns: URI is required when turn.enabled is true' };
    if (turn.secret.length < 16) return { path: '/turn/secret', message: "required when turn.enabled is true: at least 16 characters, the same as coturn's static-auth-secret" };
  }
  if (turn.startLocal) {
    if (!turn.enabled) return { path: '/turn/startLocal', message: 'a local coturn is only started with turn.enabled true' };
    const l = turn.local;
    if (l.relayMinPort > l.relayMaxPort) return { path: '/turn/local/relayMinPort', message: `must not exceed relayMaxPort (${l.relayMaxPort})` };
    if (l.tlsPort && (!l.certFile || !l.keyFile)) return { path: l.certFile ? '/turn/local/keyFile' : '/turn/local/certFile', message: 'required when turn.local.tlsPort is set' };
  }
  return undefined;
}

function sourceOf(path: string, origin: Map<string, Source>): Source {
  for (let p = path; ; p = p.slice(0, p.lastIndexOf('/'))) {
    const s = origin.get(p);
    if (s) return s;
    if (!p) return 'configuration (field missing in every file)';
  }
}

function describe(message: string, schema: unknown, value: unknown): string {
  const s = schema as { anyOf?: { const?: unknown }[]; description?: string };
  if (s.anyOf?.every((m) => m.const !== undefined)) {
    return `expected one of ${s.anyOf.map((m) => JSON.stringify(m.const)).join(', ')}, got ${JSON.stringify(value)}`;
  }
  const got = value === undefined ? 'nothing' : JSON.stringify(value);
  return `${message}, got ${got}`;
}

function dedupe(problems: ConfigProblem[]): ConfigProblem[] {
  const byPath = new Map<string, ConfigProblem>();
  for (const p of problems) {
    const prev = byPath.get(p.path);
    // Prefer the "expected one of" summary of a union over its members' errors.
    if (!prev || p.message.startsWith('expected one of')) byPath.set(p.path, p);
  }
  return [...byPath.values()];
}

/** Resolves a path from the config relative to the repository root. */
export function resolveFromRoot(p: string): string {
  return resolve(REPO_ROOT, p);
}
