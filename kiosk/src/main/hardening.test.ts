/**
 * The Electron shell's lock-down, with stand-ins for Electron's app, Menu and
 * WebContents (the Electron binary cannot be installed here).
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { guardWebContents, hardenApp, isBlockedShortcut, isSameOrigin, kioskWebPreferences, shellSettings, type KeyInput, type ShellSettings } from './hardening';

const ORIGIN = 'http://127.0.0.1:8080';

/** A WebContents stand-in: events are emitted by the test, the window-open handler is kept to be called. */
class FakeContents extends EventEmitter {
  openHandler: (() => { action: string }) | undefined;
  devToolsClosed = 0;
  setWindowOpenHandler(handler: () => { action: 'deny' }): void {
    this.openHandler = handler;
  }
  closeDevTools(): void {
    this.devToolsClosed++;
  }
}

function preventable(fields: Record<string, unknown> = {}): { prevented: boolean; preventDefault(): void } & Record<string, unknown> {
  return {
    ...fields,
    prevented: false,
    preventDefault() {
      this.prevented = true;
    },
  };
}

function key(k: string, mods: Partial<KeyInput> = {}): KeyInput {
  return { type: 'keyDown', key: k, code: /^[a-z]$/i.test(k) ? `Key${k.toUpperCase()}` : k, control: false, shift: false, alt: false, meta: false, ...mods };
}

function guarded(devMode = false): FakeContents {
  const contents = new FakeContents();
  guardWebContents(contents, { origin: ORIGIN, devMode });
  return contents;
}

const FOREIGN_URLS = [
  'http://evil.example/',
  'http://127.0.0.1:8080.evil.example/',
  'http://127.0.0.1:8080@evil.example/',
  'http://127.0.0.1:8080:pass@evil.example/kiosk/',
  'http://127.0.0.1:80800/',
  'http://127.0.0.1:8081/kiosk/',
  'https://127.0.0.1:8080/kiosk/',
  'http://localhost:8080/kiosk/',
  'ws://127.0.0.1:8080/ws/kiosk',
  'file:///etc/passwd',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'about:blank',
  'not a url',
  '',
];

describe('hardenApp', () => {
  it('removes the application menu and guards every WebContents the app creates, from the first one on', () => {
    const app = new EventEmitter();
    const menu = { setApplicationMenu: vi.fn() };
    hardenApp({ app, menu }, { origin: ORIGIN, devMode: false });
    expect(menu.setApplicationMenu).toHaveBeenCalledWith(null);

    for (const contents of [new FakeContents(), new FakeContents()]) {
      app.emit('web-contents-created', {}, contents);
      const nav = preventable({ url: 'http://evil.example/' });
      contents.emit('will-navigate', nav, nav.url);
      expect(nav.prevented).toBe(true);
      expect(contents.openHandler?.()).toEqual({ action: 'deny' });
      const attach = preventable();
      contents.emit('will-attach-webview', attach, {}, {});
      expect(attach.prevented).toBe(true);
    }
  });
});

describe('guardWebContents', () => {
  for (const event of ['will-navigate', 'will-redirect', 'will-frame-navigate']) {
    it(`${event}: stays on booth-server's origin; tricky and unparsable URLs are refused`, () => {
      const contents = guarded();
      for (const url of FOREIGN_URLS) {
        const ev = preventable({ url });
        contents.emit(event, ev, url);
        expect(ev.prevented, url).toBe(true);
      }
      for (const url of [`${ORIGIN}/kiosk/`, `${ORIGIN}/kiosk/?lang=en#top`, `${ORIGIN}/status/BS-2026-000042`]) {
        const ev = preventable({ url });
        contents.emit(event, ev, url);
        expect(ev.prevented, url).toBe(false);
      }
    });
  }

  it('refuses a navigation event without a URL', () => {
    const contents = guarded();
    const ev = preventable();
    contents.emit('will-navigate', ev);
    expect(ev.prevented).toBe(true);
  });

  it('denies every new window and every <webview>', () => {
    const contents = guarded();
    expect(contents.openHandler?.()).toEqual({ action: 'deny' });
    const attach = preventable();
    contents.emit('will-attach-webview', attach, { nodeIntegration: true }, { src: ORIGIN });
    expect(attach.prevented).toBe(true);
  });

  it('blocks the devtools and reload shortcuts and closes devtools that open anyway', () => {
    const contents = guarded();
    const shortcuts = [
      key('I', { control: true, shift: true }),
      key('J', { control: true, shift: true }),
      key('C', { control: true, shift: true }),
      key('F12'),
      key('i', { meta: true, alt: true }),
      key('r', { control: true }),
      key('R', { control: true, shift: true }),
      key('r', { meta: true }),
      key('F5'),
      key('F5', { control: true }),
      // A layout whose key value differs: the physical key still counts.
      { ...key('I', { control: true, shift: true }), key: 'Ï' },
    ];
    for (const input of shortcuts) {
      const ev = preventable();
      contents.emit('before-input-event', ev, input);
      expect(ev.prevented, JSON.stringify(input)).toBe(true);
    }
    for (const input of [key('a'), key('c', { control: true }), key('v', { control: true }), key('Enter'), key('I', { shift: true }), key('Backspace')]) {
      const ev = preventable();
      contents.emit('before-input-event', ev, input);
      expect(ev.prevented, JSON.stringify(input)).toBe(false);
    }
    contents.emit('devtools-opened');
    expect(contents.devToolsClosed).toBe(1);
  });

  it('with KIOSK_DEV=1, leaves devtools and shortcuts alone but still locks navigation', () => {
    const contents = guarded(true);
    const ev = preventable();
    contents.emit('before-input-event', ev, key('I', { control: true, shift: true }));
    expect(ev.prevented).toBe(false);
    contents.emit('devtools-opened');
    expect(contents.devToolsClosed).toBe(0);
    const nav = preventable({ url: 'http://evil.example/' });
    contents.emit('will-navigate', nav, nav.url);
    expect(nav.prevented).toBe(true);
  });
});

describe('shellSettings', () => {
  it('devtools are off unless KIOSK_DEV=1, whatever else the environment says', () => {
    for (const env of [{}, { KIOSK_DEV: '0' }, { KIOSK_DEV: 'true' }, { NODE_ENV: 'development' }]) {
      const s = shellSettings(ORIGIN, env);
      expect(s.devMode, JSON.stringify(env)).toBe(false);
      expect(kioskWebPreferences('/p.cjs', s).devTools).toBe(false);
    }
    const dev = shellSettings(ORIGIN, { KIOSK_DEV: '1' });
    expect(dev.devMode).toBe(true);
    expect(kioskWebPreferences('/p.cjs', dev).devTools).toBe(true);
  });

  it('keeps the renderer sandboxed and isolated', () => {
    expect(kioskWebPreferences('/p.cjs', { devMode: false })).toMatchObject({
      preload: '/p.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('refuses to start when the credential would go over plain HTTP to another machine', () => {
    for (const url of ['http://booth.example:8080', 'http://10.0.0.5:8080', 'http://127.0.0.1.evil.example:8080']) {
      expect(() => shellSettings(url, {}), url).toThrow(expect.objectContaining({ code: 'KIOSK_INSECURE_SERVER_URL', message: expect.stringContaining('https://') }));
    }
  });

  it('sends the credential over loopback HTTP or over TLS, to the server origin only (HTTP and WebSocket)', () => {
    const local: ShellSettings = shellSettings('http://127.0.0.1:8080', {});
    expect(local).toMatchObject({ origin: ORIGIN, credentialUrls: ['http://127.0.0.1:8080/*', 'ws://127.0.0.1:8080/*'] });
    expect(shellSettings('http://[::1]:8080', {}).origin).toBe('http://[::1]:8080');
    expect(shellSettings('https://booth.example/base/', {})).toMatchObject({ origin: 'https://booth.example', credentialUrls: ['https://booth.example/*', 'wss://booth.example/*'] });
  });
});

describe('isSameOrigin and isBlockedShortcut', () => {
  it('isSameOrigin parses, never prefix-matches', () => {
    for (const url of FOREIGN_URLS) expect(isSameOrigin(url, ORIGIN), url).toBe(false);
    expect(isSameOrigin(undefined, ORIGIN)).toBe(false);
    expect(isSameOrigin(`${ORIGIN}/kiosk/`, ORIGIN)).toBe(true);
  });

  it('plain typing is never blocked', () => {
    for (const k of 'abcijr0123') expect(isBlockedShortcut(key(k)), k).toBe(false);
  });
});
