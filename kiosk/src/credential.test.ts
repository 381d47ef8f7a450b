import { describe, expect, it } from 'vitest';
import { credentialServerUrl } from './credential';

describe('credentialServerUrl', () => {
  it('allows https anywhere and plain http to this machine only', () => {
    for (const url of ['https://booth.example', 'https://10.0.0.5:8443', 'http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080']) {
      expect(credentialServerUrl(url).href, url).toBe(new URL(url).href);
    }
  });

  it('refuses plain http to another machine, including names that only start like loopback', () => {
    for (const url of ['http://booth.example:8080', 'http://10.0.0.5', 'http://127.0.0.1.evil.example', 'http://localhost.evil.example:8080', 'http://127.0.0.1:8080@evil.example/']) {
      expect(() => credentialServerUrl(url), url).toThrow(expect.objectContaining({ code: 'KIOSK_INSECURE_SERVER_URL' }));
    }
  });

  it('refuses other schemes and what is not a URL', () => {
    expect(() => credentialServerUrl('ftp://127.0.0.1/')).toThrow(expect.objectContaining({ code: 'KIOSK_INSECURE_SERVER_URL' }));
    expect(() => credentialServerUrl('127.0.0.1:8080')).toThrow(expect.objectContaining({ code: 'KIOSK_SERVER_URL_INVALID' }));
    expect(() => credentialServerUrl('http://127.0.0.1:8080.evil.example/')).toThrow(expect.objectContaining({ code: 'KIOSK_SERVER_URL_INVALID' }));
  });
});
