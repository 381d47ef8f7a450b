import { describe, expect, it } from 'vitest';
import { APP_ORIGIN, isSameOrigin, urlOrigin } from './origins';
import { APP_URLS, FOREIGN_URLS } from './testing/urls';

describe('urlOrigin and isSameOrigin', () => {
  it('the app origin is kiosk://app', () => {
    expect(APP_ORIGIN).toBe('kiosk://app');
    for (const url of APP_URLS) expect(urlOrigin(url), url).toBe(APP_ORIGIN);
  });

  it('parses, never prefix-matches: look-alikes, credentials, ports, other schemes and garbage are not the app', () => {
    for (const url of FOREIGN_URLS) expect(isSameOrigin(url, APP_ORIGIN), url).toBe(false);
    for (const value of [undefined, null, 42, {}]) expect(isSameOrigin(value, APP_ORIGIN)).toBe(false);
    for (const url of ['kiosk:app/', 'kiosk:///app/', 'about:blank', 'file:///etc/passwd', 'not a url']) expect(urlOrigin(url), url).toBeNull();
  });

  it('gives http(s) origins as the URL standard does, credentials and all', () => {
    expect(urlOrigin('https://booth.example/a?b')).toBe('https://booth.example');
    expect(urlOrigin('http://127.0.0.1:8080@evil.example/')).toBe('http://evil.example');
    expect(isSameOrigin('http://127.0.0.1:80800/', 'http://127.0.0.1:8080')).toBe(false);
  });
});
