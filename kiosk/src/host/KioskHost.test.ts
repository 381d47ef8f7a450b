import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createTestApp, type TestApp } from '../../../booth-server/src/testing';
import { readKioskCredential } from '../credential';
import { buildKioskHost } from './KioskHost';

let server: TestApp;
let host: FastifyInstance;
let hostUrl: string;

beforeAll(async () => {
  server = await createTestApp((c) => {
    c.sfu.rtcMinPort = 44000;
    c.sfu.rtcMaxPort = 44099;
  });
  const serverUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
  const credential = await readKioskCredential(server.credentialFile);
  host = await buildKioskHost({ kiosk: { ...server.config.kiosk, serverUrl }, credential });
  hostUrl = await host.listen({ host: '127.0.0.1', port: 0 });
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
    expect(await info.json()).toEqual({ shell: 'browser', kioskId: 'k-demo-central-1', version: '0.1.0' });
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
