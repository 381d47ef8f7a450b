import { describe, expect, it, vi } from 'vitest';
import { createApiProxy, type ServerFetch } from './apiProxy';
import { silentLog } from './testing/fakeElectron';

const AUTH = 'Kiosk k-17:0123456789abcdef0123';

function proxy(answer: () => Promise<Response> = async () => new Response('{"id":"k-17"}', { status: 200, headers: { 'content-type': 'application/json', 'set-cookie': 'sid=1', 'x-powered-by': 'x' } })) {
  const fetch = vi.fn<ServerFetch>(answer);
  const warnings: string[] = [];
  const run = createApiProxy({ serverOrigin: 'https://booth.example', authorization: () => AUTH, fetch, log: { ...silentLog, warn: (m) => warnings.push(m) } });
  const send = (url: string, init?: RequestInit) => run(new Request(url, init), new URL(url));
  return { fetch, send, warnings };
}

describe('createApiProxy', () => {
  it('forwards a GET to booth-server with the credential, no cookies, no redirects followed', async () => {
    const { fetch, send } = proxy();
    const res = await send('kiosk://app/api/kiosk/status/BS-2026-000042?lang=da', { headers: { cookie: 'a=b', authorization: 'Bearer page', accept: 'application/json', 'accept-language': 'da' } });
    expect(fetch).toHaveBeenCalledWith('https://booth.example/api/kiosk/status/BS-2026-000042?lang=da', {
      method: 'GET',
      redirect: 'error',
      headers: { authorization: AUTH, accept: 'application/json', 'accept-language': 'da' },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"id":"k-17"}');
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('forwards nothing but GET and HEAD', async () => {
    const { fetch, send } = proxy();
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) expect((await send('kiosk://app/api/kiosk/self', { method })).status, method).toBe(405);
    expect(fetch).not.toHaveBeenCalled();
    const head = await send('kiosk://app/api/kiosk/self', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('forwards no path booth-server would decode into another route', async () => {
    const { fetch, send } = proxy();
    for (const url of ['kiosk://app/api/kiosk/..%2fusers', 'kiosk://app/api/kiosk/%2E%2E/users', 'kiosk://app/api/kiosk/a%5cb', 'kiosk://app/api/kiosk/a%00', 'kiosk://app/api/kiosk/a\\..\\users', 'kiosk://app/api/users']) {
      const res = await send(url);
      expect(res.status, url).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'KIOSK_API_PATH' });
    }
    expect(fetch).not.toHaveBeenCalled();
  });

  it('passes booth-server errors and empty answers through, and says so when it does not answer', async () => {
    expect((await proxy(async () => new Response('{"code":"NOT_FOUND"}', { status: 404 })).send('kiosk://app/api/kiosk/status/x')).status).toBe(404);
    expect((await proxy(async () => new Response(null, { status: 204 })).send('kiosk://app/api/kiosk/self')).status).toBe(204);
    const down = proxy(async () => {
      throw new TypeError('fetch failed');
    });
    const res = await down.send('kiosk://app/api/kiosk/self');
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: 'KIOSK_SERVER_UNREACHABLE' });
    expect(down.warnings[0]).toBe('kiosk API unreachable [path:/api/kiosk/self, error:fetch failed]');
  });
});
