import { describe, expect, it, vi } from 'vitest';
import { CallGate } from './callGate';
import { hardenApp } from './harden';
import { guardNavigation } from './navigation';
import { FakeApp, FakeContents, FakeSession, key, preventable } from './testing/fakeElectron';
import { APP_URLS, FOREIGN_URLS } from './testing/urls';

function guarded(): FakeContents {
  const contents = new FakeContents();
  guardNavigation(contents);
  return contents;
}

describe('guardNavigation', () => {
  for (const event of ['will-navigate', 'will-redirect', 'will-frame-navigate']) {
    it(`${event}: stays on kiosk://app; look-alike and unparsable URLs are refused`, () => {
      const contents = guarded();
      for (const url of FOREIGN_URLS) {
        const ev = preventable({ url });
        contents.emit(event, ev, url);
        expect(ev.prevented, url).toBe(true);
      }
      for (const url of APP_URLS) {
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

  it('denies every new window, every <webview>, and every beforeunload hold', () => {
    const contents = guarded();
    expect(contents.openHandler?.()).toEqual({ action: 'deny' });
    const attach = preventable();
    contents.emit('will-attach-webview', attach, { nodeIntegration: true }, { src: 'kiosk://app/' });
    expect(attach.prevented).toBe(true);
    const unload = preventable();
    contents.emit('will-prevent-unload', unload);
    expect(unload.prevented).toBe(true);
  });
});

describe('hardenApp', () => {
  function hardened(devMode = false): { app: FakeApp; menu: { setApplicationMenu: ReturnType<typeof vi.fn> }; gate: CallGate } {
    const app = new FakeApp();
    const menu = { setApplicationMenu: vi.fn() };
    const gate = new CallGate();
    hardenApp({ app, menu }, { devMode }, gate);
    return { app, menu, gate };
  }

  it('turns the renderer sandbox on and removes the application menu', () => {
    const { app, menu } = hardened();
    expect(app.sandboxEnabled).toBe(true);
    expect(menu.setApplicationMenu).toHaveBeenCalledWith(null);
  });

  it('guards every WebContents the app creates: navigation, windows, webviews, shortcuts, devtools, Bluetooth', () => {
    const { app } = hardened();
    for (const contents of [new FakeContents(), new FakeContents()]) {
      app.emit('web-contents-created', {}, contents);
      const nav = preventable({ url: 'https://evil.example/' });
      contents.emit('will-navigate', nav, nav.url);
      expect(nav.prevented).toBe(true);
      expect(contents.openHandler?.()).toEqual({ action: 'deny' });
      const attach = preventable();
      contents.emit('will-attach-webview', attach, {}, {});
      expect(attach.prevented).toBe(true);
      const input = preventable();
      contents.emit('before-input-event', input, key('I', { control: true, shift: true }));
      expect(input.prevented).toBe(true);
      contents.emit('devtools-opened');
      expect(contents.devToolsClosed).toBe(1);
      const bt = preventable();
      const chosen = vi.fn();
      contents.emit('select-bluetooth-device', bt, [{ deviceId: 'x', deviceName: 'phone' }], chosen);
      expect(bt.prevented).toBe(true);
      expect(chosen).toHaveBeenCalledWith('');
    }
  });

  it('with KIOSK_DEV=1 leaves shortcuts and devtools alone but still locks navigation', () => {
    const { app } = hardened(true);
    const contents = new FakeContents();
    app.emit('web-contents-created', {}, contents);
    const input = preventable();
    contents.emit('before-input-event', input, key('I', { control: true, shift: true }));
    expect(input.prevented).toBe(false);
    contents.emit('devtools-opened');
    expect(contents.devToolsClosed).toBe(0);
    const nav = preventable({ url: 'https://evil.example/' });
    contents.emit('will-navigate', nav, nav.url);
    expect(nav.prevented).toBe(true);
  });

  it('locks the permissions of every session created later', async () => {
    const { app, gate } = hardened();
    const session = new FakeSession();
    app.emit('session-created', session);
    gate.open();
    expect(await session.request('geolocation', { requestingUrl: 'kiosk://app/', isMainFrame: true })).toBe(false);
    expect(await session.request('media', { requestingUrl: 'kiosk://app/', isMainFrame: true, mediaTypes: ['video'] })).toBe(true);
    expect(session.deviceHandler?.({ deviceType: 'usb', origin: 'kiosk://app' })).toBe(false);
  });
});
