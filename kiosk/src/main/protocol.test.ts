import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { contentSecurityPolicy, securityHeaders } from './csp';
import { APP_SCHEME_PRIVILEGES, createAppHandler, registerAppScheme, rendererRoot } from './protocol';
import { FakeApp, silentLog } from './testing/fakeElectron';

const SETTINGS = { serverOrigin: 'https://booth.example', serverSocketOrigin: 'wss://booth.example' };
const HEADERS = securityHeaders(SETTINGS);

let base: string;
let root: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'kiosk-protocol-'));
  root = join(base, 'renderer');
  mkdirSync(join(root, 'img'), { recursive: true });
  mkdirSync(join(root, 'help'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>kiosk</title>');
  writeFileSync(join(root, 'main.js'), 'console.log(1)');
  writeFileSync(join(root, 'main.css'), 'body{}');
  writeFileSync(join(root, 'main.js.map'), '{}');
  writeFileSync(join(root, 'img', 'logo.svg'), '<svg/>');
  writeFileSync(join(root, 'help', 'index.html'), 'help');
  writeFileSync(join(root, '.env'), 'SECRET=1');
  writeFileSync(join(root, '.secret.json'), '{"SECRET":1}');
  mkdirSync(join(root, '.git'));
  writeFileSync(join(root, '.git', 'config.txt'), 'SECRET');
  writeFileSync(join(root, 'tool.exe'), 'MZ');
  // A backslash is a separator on Windows and a name character here: refused everywhere alike.
  writeFileSync(join(root, 'img\\logo.svg'), '<svg/>');
  writeFileSync(join(base, 'secret.txt'), 'SECRET');
  symlinkSync(join(base, 'secret.txt'), join(root, 'link.txt'));
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

function handler(extra: Partial<Parameters<typeof createAppHandler>[0]> = {}) {
  return createAppHandler({ root, headers: HEADERS, pages: { 'out-of-order.html': { body: '<h1>out</h1>', type: 'text/html; charset=utf-8' } }, log: silentLog, ...extra });
}

const get = (h: (r: Request) => Promise<Response>, url: string, init?: RequestInit) => h(new Request(url, init));

function expectSecured(res: Response, url: string): void {
  for (const [name, value] of Object.entries(HEADERS)) expect(res.headers.get(name), `${name} on ${url}`).toBe(value);
}

describe('registerAppScheme', () => {
  it('registers kiosk: before ready as standard and secure, with fetch, and nothing that weakens the page', () => {
    const protocol = { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() };
    registerAppScheme(protocol, new FakeApp());
    expect(protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([{ scheme: 'kiosk', privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } }]);
    for (const weak of ['bypassCSP', 'allowServiceWorkers', 'corsEnabled', 'allowExtensions', 'stream']) expect(APP_SCHEME_PRIVILEGES, weak).not.toHaveProperty(weak);
  });

  it('refuses once the app is ready (Electron would ignore the privileges)', () => {
    const app = new FakeApp();
    app.ready = true;
    const protocol = { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() };
    expect(() => registerAppScheme(protocol, app)).toThrow(TypeError);
    expect(protocol.registerSchemesAsPrivileged).not.toHaveBeenCalled();
  });
});

describe('the app handler: files', () => {
  it('serves the renderer with its MIME type and the security headers', async () => {
    const h = handler();
    const cases: [string, string, string][] = [
      ['kiosk://app/', 'text/html; charset=utf-8', '<!doctype html><title>kiosk</title>'],
      ['kiosk://app/index.html?lang=da', 'text/html; charset=utf-8', '<!doctype html><title>kiosk</title>'],
      ['kiosk://app/main.js', 'text/javascript; charset=utf-8', 'console.log(1)'],
      ['kiosk://app/main.css', 'text/css; charset=utf-8', 'body{}'],
      ['kiosk://app/main.js.map', 'application/json', '{}'],
      ['kiosk://app/img/logo.svg', 'image/svg+xml', '<svg/>'],
      ['kiosk://app/help/', 'text/html; charset=utf-8', 'help'],
    ];
    for (const [url, type, body] of cases) {
      const res = await get(h, url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type'), url).toBe(type);
      expect(await res.text(), url).toBe(body);
      expectSecured(res, url);
    }
  });

  it('refuses every way out of the directory, dot-files and unknown file types, with the headers still on', async () => {
    const h = handler();
    const urls = [
      'kiosk://app/..%2fsecret.txt',
      'kiosk://app/..%2f..%2fsecret.txt',
      'kiosk://app/img/..%2f..%2fsecret.txt',
      'kiosk://app/%2e%2e/secret.txt',
      'kiosk://app/%2e%2e%2fsecret.txt',
      'kiosk://app/../secret.txt',
      'kiosk://app/..%5csecret.txt',
      'kiosk://app/..\\secret.txt',
      'kiosk://app/img%5clogo.svg',
      'kiosk://app//etc/passwd',
      'kiosk://app/%2Fetc%2Fpasswd',
      'kiosk://app/main.js%00.png',
      'kiosk://app/%E0%A4%A',
      'kiosk://app/link.txt',
      'kiosk://app/.env',
      'kiosk://app/.secret.json',
      'kiosk://app/.git/config.txt',
      'kiosk://app/img/.%2e/.env',
      'kiosk://app/tool.exe',
      'kiosk://app/img',
      'kiosk://app/missing.js',
      'kiosk://evil/index.html',
      'kiosk://app.evil/index.html',
    ];
    for (const url of urls) {
      const res = await get(h, url);
      expect(res.status, url).toBe(404);
      const body = await res.text();
      expect(body, url).not.toContain('SECRET');
      expect(body, url).not.toContain('root:');
      expectSecured(res, url);
    }
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const h = handler();
    const head = await get(h, 'kiosk://app/main.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await get(h, 'kiosk://app/index.html', { method });
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
      expectSecured(res, method);
    }
  });

  it('refuses to start without a renderer build', () => {
    expect(() => rendererRoot(join(base, 'nowhere'))).toThrow(expect.objectContaining({ code: 'KIOSK_RENDERER_NOT_BUILT' }));
  });
});

describe('the app handler: generated pages and the API', () => {
  it('serves the shell pages by exact name only', async () => {
    const h = handler();
    const page = await get(h, 'kiosk://app/_shell/out-of-order.html');
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('<h1>out</h1>');
    expectSecured(page, 'page');
    for (const url of ['kiosk://app/_shell/', 'kiosk://app/_shell/nope.html', 'kiosk://app/_shell/constructor', 'kiosk://app/_shell/__proto__']) {
      expect((await get(h, url)).status, url).toBe(404);
    }
  });

  it('hands /api/kiosk/ to the API proxy and puts the security headers on its answer', async () => {
    const api = vi.fn(async () => new Response('{"ok":true}', { status: 200, headers: { 'content-type': 'application/json', 'content-security-policy': "default-src *" } }));
    const h = handler({ api });
    const res = await get(h, 'kiosk://app/api/kiosk/self');
    expect(api).toHaveBeenCalledTimes(1);
    expect(await res.text()).toBe('{"ok":true}');
    expectSecured(res, 'api');
    expect((await get(handler(), 'kiosk://app/api/kiosk/self')).status).toBe(404);
  });

  it('answers a failure inside the handler with a plain 500, headers on, nothing thrown', async () => {
    const warnings: string[] = [];
    const h = handler({
      api: async () => {
        throw new Error('boom at /srv/secret');
      },
      log: { ...silentLog, warn: (m) => warnings.push(m) },
    });
    const res = await get(h, 'kiosk://app/api/kiosk/self');
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('secret');
    expectSecured(res, '500');
    expect(warnings[0]).toContain('boom');
  });
});

describe('Content-Security-Policy', () => {
  const parse = (csp: string): Map<string, string[]> =>
    new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name = '', ...values]) => [name, values]));

  it('is strict: own script and style only, nothing embedded, connections to the app and booth-server only', () => {
    const csp = parse(contentSecurityPolicy(SETTINGS));
    expect(Object.fromEntries(csp)).toEqual({
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'script-src-attr': ["'none'"],
      'style-src': ["'self'"],
      'img-src': ["'self'", 'data:', 'blob:'],
      'media-src': ["'self'", 'blob:'],
      'font-src': ["'self'"],
      'connect-src': ["'self'", 'https://booth.example', 'wss://booth.example'],
      'object-src': ["'none'"],
      'base-uri': ["'none'"],
      'form-action': ["'none'"],
      'frame-src': ["'none'"],
      'frame-ancestors': ["'none'"],
    });
    const all = [...csp.values()].flat();
    for (const loose of ["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'wasm-unsafe-eval'", '*', 'https:', 'http:', 'wss:', 'ws:', 'kiosk:']) expect(all, loose).not.toContain(loose);
  });

  it('follows the configured booth-server, loopback included', () => {
    const csp = parse(contentSecurityPolicy({ serverOrigin: 'http://127.0.0.1:8080', serverSocketOrigin: 'ws://127.0.0.1:8080' }));
    expect(csp.get('connect-src')).toEqual(["'self'", 'http://127.0.0.1:8080', 'ws://127.0.0.1:8080']);
  });

  it('comes with nosniff, no referrer and a permissions policy that allows only camera and microphone', () => {
    expect(HEADERS['x-content-type-options']).toBe('nosniff');
    expect(HEADERS['referrer-policy']).toBe('no-referrer');
    const policy = HEADERS['permissions-policy'] ?? '';
    expect(policy).toContain('camera=(self)');
    expect(policy).toContain('microphone=(self)');
    for (const feature of ['geolocation', 'display-capture', 'usb', 'serial', 'hid', 'bluetooth']) expect(policy, feature).toContain(`${feature}=()`);
  });
});
