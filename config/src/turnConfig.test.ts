import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './loadConfig';

const dir = mkdtempSync(join(tmpdir(), 'turn-config-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function load(site: unknown, env: Record<string, string> = {}) {
  const p = join(dir, `site-${n++}.json`);
  writeFileSync(p, JSON.stringify(site));
  return loadConfig({ files: [p], env });
}
function problemOf(site: unknown, env: Record<string, string> = {}): { path: string; message: string } {
  try {
    load(site, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems[0]!;
  }
  throw new Error('expected a ConfigError');
}

const SECRET = 'a-long-enough-turn-secret';
const urls = ['turn:127.0.0.1:3478?transport=udp', 'turns:turn.example.org:5349?transport=tcp'];

describe('turn configuration', () => {
  it('is off by default, with a short credential lifetime', () => {
    const c = loadConfig({ files: [], env: {} });
    expect(c.turn.enabled).toBe(false);
    expect(c.turn.startLocal).toBe(false);
    expect(c.turn.credentialTtlSeconds).toBe(600);
    expect(c.kiosk.iceTransportPolicy).toBeUndefined();
  });

  it('takes URIs, a secret (also from BOOTH_TURN_SECRET) and a kiosk relay policy', () => {
    const c = load({ turn: { enabled: true, urls }, kiosk: { iceTransportPolicy: 'relay' } }, { BOOTH_TURN_SECRET: SECRET });
    expect(c.turn).toMatchObject({ enabled: true, urls, secret: SECRET });
    expect(c.kiosk.iceTransportPolicy).toBe('relay');
  });

  it('names the field of each mistake and never echoes the secret', () => {
    expect(problemOf({ turn: { enabled: true, urls } })).toMatchObject({ path: '/turn/secret', message: expect.stringMatching(/required when turn.enabled/) });
    const short = problemOf({ turn: { enabled: true, urls, secret: 'short-secret' } });
    expect(short.path).toBe('/turn/secret');
    expect(short.message).not.toContain('short-secret');
    expect(problemOf({ turn: { enabled: true, urls: [], secret: SECRET } })).toMatchObject({ path: '/turn/urls' });
    expect(problemOf({ turn: { enabled: true, urls: ['http://turn.example.org'], secret: SECRET } }).path).toBe('/turn/urls/0');
    expect(problemOf({ turn: { credentialTtlSeconds: 5 } }).path).toBe('/turn/credentialTtlSeconds');
    expect(problemOf({ turn: { startLocal: true } })).toMatchObject({ path: '/turn/startLocal', message: expect.stringMatching(/turn.enabled/) });
    expect(problemOf({ turn: { enabled: true, urls, secret: SECRET, startLocal: true, local: { tlsPort: 5349 } } })).toMatchObject({ path: '/turn/local/certFile' });
    expect(problemOf({ turn: { enabled: true, urls, secret: SECRET, startLocal: true, local: { relayMinPort: 50000, relayMaxPort: 49000 } } }).path).toBe('/turn/local/relayMinPort');
    expect(problemOf({ kiosk: { iceTransportPolicy: 'turn-only' } })).toMatchObject({ path: '/kiosk/iceTransportPolicy', message: expect.stringMatching(/"all", "relay"/) });
  });
});
