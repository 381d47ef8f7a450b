import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { createTestApp, readCredentialFile, type TestApp } from '../../../booth-server/src/testing';
import { fixedIdentity } from '../identity';
import { buildKioskHost } from './KioskHost';

let server: TestApp;
let host: FastifyInstance;
let hostUrl: string;
let port: string;
/** The host's own origin, as the kiosk page's requests carry it. */
let self: string;

interface RawReply {
  status: number;
  code: string | undefined;
}

/**
 * One request over node:http, which (unlike fetch) sends the path bytes as
 * given and lets the caller set Host. An event stream that opens is not read:
 * its status is all the test needs.
 */
function raw(method: string, path: string, headers: Record<string, string> = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      if (res.headers['content-type']?.startsWith('text/event-stream')) {
        res.destroy();
        resolve({ status: res.statusCode ?? 0, code: undefined });
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        let code: string | undefined;
        try {
          code = (JSON.parse(body) as { code?: string }).code;
        } catch {
          code = undefined;
        }
        resolve({ status: res.statusCode ?? 0, code });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

type Upgrade = { opened: true; ws: WebSocket } | { opened: false; status: number | undefined };

/** A WebSocket upgrade through the host; resolves once it is answered either way. */
function upgrade(path: string, headers: Record<string, string>): Promise<Upgrade> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    ws.once('open', () => resolve({ opened: true, ws }));
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ opened: false, status: res.statusCode });
    });
    ws.once('error', (err) => reject(err));
  });
}

beforeAll(async () => {
  server = await createTestApp((c) => {
    c.sfu.rtcMinPort = 44000;
    c.sfu.rtcMaxPort = 44099;
  });
  const serverUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const credential = readCredentialFile(server.credentialFile);
  if (!credential) throw new Error('no demo kiosk credential');
  host = await buildKioskHost({ kiosk: { ...server.config.kiosk, serverUrl }, identity: fixedIdentity(credential) });
  hostUrl = await host.listen({ host: '127.0.0.1', port: 0 });
  port = new URL(hostUrl).port;
  self = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await host.close();
  await server.app.close();
});

describe('KioskHost (browser shell stand-in for Electron main)', () => {
  it('proxies kiosk API calls with the kiosk credential added', async () => {
    const res = await fetch(`${hostUrl}/api/kiosk/self`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { kiosk: { id: string } }).kiosk.id).toBe('k-demo-central-1');
  });

  it('does not expose staff routes through the kiosk', async () => {
    for (const path of ['/api/kiosks', '/api/auth/login', '/metrics', '/console/']) {
      const res = await fetch(`${hostUrl}${path}`, { method: path === '/api/auth/login' ? 'POST' : 'GET' });
      expect(res.status, path).toBe(404);
    }
  });

  it('answers bridge calls with schema-shaped results', async () => {
    const info = await fetch(`${hostUrl}/bridge/info`, { method: 'POST' });
    expect(await info.json()).toEqual({ shell: 'browser', kioskId: 'k-demo-central-1', version: '0.1.0', session: { idleWarnSeconds: 90, idleWipeSeconds: 20 }, iceTransportPolicy: 'all' });
    const hw = (await (await fetch(`${hostUrl}/bridge/hardwareStatus`, { method: 'POST' })).json()) as {
      printer: { reachable: boolean; detail: string };
    };
    // No virtual hardware in this test: the printer is reported as not connected.
    expect(hw.printer).toMatchObject({ reachable: false, detail: 'not connected' });
  });

  it('refuses bridge calls from another origin', async () => {
    const res = await fetch(`${hostUrl}/bridge/info`, { method: 'POST', headers: { origin: 'http://evil.example' } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('BRIDGE_FORBIDDEN_ORIGIN');
  });
});

/*
 * Every route of the host either carries the kiosk credential upstream or
 * reaches the hardware, so every one refuses another site, a DNS-rebound Host,
 * and paths spelled so that a raw-URL check would miss them (the router
 * decodes percent-escapes before it matches).
 */
describe('KioskHost origin guard', () => {
  const routes: [method: string, path: string][] = [
    ['GET', '/'],
    ['GET', '/kiosk/'],
    ['GET', '/%6Biosk/'],
    ['GET', '/api/kiosk/self'],
    ['POST', '/api/kiosk/self'],
    ['GET', '/%61pi/kiosk/self'],
    ['GET', '/api/%6Biosk/self'],
    ['GET', '/ws/kiosk'],
    ['POST', '/bridge/info'],
    ['POST', '/%62ridge/info'],
    ['POST', '/bridge%2Finfo'],
    ['POST', '/bridge/%69nfo'],
    ['POST', '/%62ridge/endSession'],
    ['GET', '/bridge/events'],
    ['GET', '/%62ridge/events'],
    ['GET', '/bridge%2Fevents'],
    ['GET', '/bridge/%65vents'],
    ['GET', '/no/such/route'],
  ];
  const attackers: [name: string, headers: () => Record<string, string>][] = [
    ['foreign Origin', () => ({ origin: 'http://evil.example' })],
    ['foreign Origin on another loopback port', () => ({ origin: 'http://127.0.0.1:1', 'sec-fetch-site': 'same-site' })],
    ['opaque Origin', () => ({ origin: 'null' })],
    ['DNS-rebound Host with matching Origin', () => ({ host: `evil.example:${port}`, origin: `http://evil.example:${port}` })],
    ['DNS-rebound Host without Origin', () => ({ host: `evil.example:${port}` })],
    ['cross-site fetch without Origin (no-cors GET)', () => ({ 'sec-fetch-site': 'cross-site' })],
  ];

  for (const [name, headers] of attackers) {
    it(`refuses a ${name} on every route, however the path is spelled`, async () => {
      const refused: string[] = [];
      for (const [method, path] of routes) {
        const r = await raw(method, path, headers());
        if (r.status !== 403 || r.code !== 'BRIDGE_FORBIDDEN_ORIGIN') refused.push(`${method} ${path} -> ${r.status} ${r.code ?? ''}`);
      }
      expect(refused).toEqual([]);
    });
  }

  it('refuses a foreign-origin GET and POST of /api/kiosk/self with BRIDGE_FORBIDDEN_ORIGIN', async () => {
    for (const method of ['GET', 'POST']) {
      const res = await fetch(`${hostUrl}/api/kiosk/self`, { method, headers: { origin: 'http://evil.example' } });
      expect(res.status, method).toBe(403);
      expect(((await res.json()) as { code: string }).code, method).toBe('BRIDGE_FORBIDDEN_ORIGIN');
    }
  });

  it('lets the kiosk page through: top-level navigation (Sec-Fetch-Site: none) and its own same-origin calls', async () => {
    expect(await raw('GET', '/api/kiosk/self', { 'sec-fetch-site': 'none' })).toMatchObject({ status: 200 });
    expect(await raw('GET', '/api/kiosk/self', { 'sec-fetch-site': 'same-origin' })).toMatchObject({ status: 200 });
    expect(await raw('POST', '/bridge/info', { origin: self, 'sec-fetch-site': 'same-origin' })).toMatchObject({ status: 200 });
    expect(await raw('POST', '/bridge/info', { host: `localhost:${port}`, origin: `http://localhost:${port}`, 'sec-fetch-site': 'same-origin' })).toMatchObject({ status: 200 });
    expect(await raw('GET', '/bridge/events', { 'sec-fetch-site': 'same-origin' })).toMatchObject({ status: 200 });
    // The test server serves no UI, so upstream answers 404; what matters is that the host let it through.
    expect((await raw('GET', '/kiosk/', { 'sec-fetch-site': 'none' })).code).not.toBe('BRIDGE_FORBIDDEN_ORIGIN');
  });

  it('refuses a WebSocket upgrade to /ws/kiosk from a foreign origin or a rebound Host, however the path is spelled', async () => {
    const cases: [path: string, headers: Record<string, string>][] = [
      ['/ws/kiosk', { origin: 'http://evil.example' }],
      ['/%77s/kiosk', { origin: 'http://evil.example' }],
      ['/ws/%6Biosk', { origin: 'http://evil.example' }],
      ['/ws/kiosk', { host: `evil.example:${port}`, origin: `http://evil.example:${port}` }],
      ['/ws/kiosk', { host: `evil.example:${port}` }],
      ['/ws/kiosk', { origin: self, 'sec-fetch-site': 'cross-site' }],
    ];
    for (const [path, headers] of cases) {
      const r = await upgrade(path, headers);
      if (r.opened) r.ws.terminate();
      expect(r.opened ? 'opened (101)' : `refused ${r.status}`, `${path} ${JSON.stringify(headers)}`).toBe('refused 403');
    }
  });

  it('opens /ws/kiosk for the kiosk page itself, with the credential added upstream', async () => {
    const r = await upgrade('/ws/kiosk', { origin: self });
    expect(r.opened).toBe(true);
    if (!r.opened) return;
    // booth-server answers a request only on an authenticated kiosk socket.
    const reply = new Promise<unknown>((resolve) => r.ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()))));
    r.ws.send(JSON.stringify({ type: 'request', id: 1, method: 'noSuchMethod', data: {} }));
    expect(await reply).toMatchObject({ type: 'response', id: 1, ok: false, error: { code: 'UNKNOWN_METHOD' } });
    r.ws.close();
  });
});
