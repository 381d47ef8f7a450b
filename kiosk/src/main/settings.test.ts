import { describe, expect, it } from 'vitest';
import { shellSettings } from './settings';

describe('shellSettings', () => {
  it('devtools are allowed only with KIOSK_DEV=1, whatever else the environment says', () => {
    for (const env of [{}, { KIOSK_DEV: '0' }, { KIOSK_DEV: 'true' }, { KIOSK_DEV: ' 1' }, { NODE_ENV: 'development' }]) {
      expect(shellSettings('https://booth.example', env).devMode, JSON.stringify(env)).toBe(false);
    }
    expect(shellSettings('https://booth.example', { KIOSK_DEV: '1' }).devMode).toBe(true);
  });

  it('refuses to start when the credential would go over plain HTTP to another machine', () => {
    for (const url of ['http://booth.example:8080', 'http://10.0.0.5:8080', 'http://127.0.0.1.evil.example:8080']) {
      expect(() => shellSettings(url, {}), url).toThrow(expect.objectContaining({ code: 'KIOSK_INSECURE_SERVER_URL', message: expect.stringContaining('https://') }));
    }
  });

  it("booth-server's origin for HTTP and for the WebSocket, and the credential for those only", () => {
    expect(shellSettings('https://booth.example/base/', {})).toEqual({
      serverOrigin: 'https://booth.example',
      serverSocketOrigin: 'wss://booth.example',
      devMode: false,
      credentialUrls: ['https://booth.example/*', 'wss://booth.example/*'],
    });
    expect(shellSettings('http://127.0.0.1:8080', {})).toMatchObject({ serverOrigin: 'http://127.0.0.1:8080', serverSocketOrigin: 'ws://127.0.0.1:8080' });
    expect(shellSettings('http://[::1]:8080', {}).serverOrigin).toBe('http://[::1]:8080');
  });
});
