import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { FakeContents, preventable } from './testing/fakeElectron';
import { bringToFront, kioskWebPreferences, kioskWindowOptions, lockWindow } from './window';

describe('kioskWebPreferences', () => {
  it("is Electron's security checklist, exactly: isolated, sandboxed, no Node, web security, no insecure content, no experiments, preload the only bridge", () => {
    expect(kioskWebPreferences('/app/kiosk.preload.cjs', { devMode: false })).toEqual({
      preload: '/app/kiosk.preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      disableDialogs: true,
      spellcheck: false,
      devTools: false,
      autoplayPolicy: 'no-user-gesture-required',
    });
  });

  it('enables no Blink feature and names no other partition or session', () => {
    const prefs: Record<string, unknown> = kioskWebPreferences('/p.cjs', { devMode: false });
    for (const name of ['enableBlinkFeatures', 'additionalArguments', 'partition', 'session', 'offscreen']) expect(prefs, name).not.toHaveProperty(name);
  });

  it('devtools only with KIOSK_DEV=1', () => {
    expect(kioskWebPreferences('/p.cjs', { devMode: true }).devTools).toBe(true);
  });
});

describe('kioskWindowOptions', () => {
  it('a frameless kiosk-mode full-screen window that cannot be closed, moved or minimised from its UI', () => {
    expect(kioskWindowOptions('/p.cjs', { devMode: false })).toMatchObject({
      kiosk: true,
      fullscreen: true,
      frame: false,
      closable: false,
      minimizable: false,
      maximizable: false,
      resizable: false,
      movable: false,
      webPreferences: kioskWebPreferences('/p.cjs', { devMode: false }),
    });
  });
});

describe('lockWindow', () => {
  function locked(): { win: EventEmitter & { webContents: FakeContents }; quitting: { value: boolean } } {
    const win = Object.assign(new EventEmitter(), { webContents: new FakeContents() });
    const quitting = { value: false };
    lockWindow(win, () => quitting.value);
    return { win, quitting };
  }

  it('refuses to close (Alt+F4 through the window manager) until the app quits', () => {
    const { win, quitting } = locked();
    const close = preventable();
    win.emit('close', close);
    expect(close.prevented).toBe(true);
    quitting.value = true;
    const last = preventable();
    win.emit('close', last);
    expect(last.prevented).toBe(false);
  });

  it('keeps pinch zoom off', () => {
    expect(locked().win.webContents.visualZoomLimits).toEqual([1, 1]);
  });
});

describe('bringToFront', () => {
  it('restores, shows and focuses the window; a destroyed one is left alone', () => {
    const win = { isDestroyed: () => false, isMinimized: () => true, restore: vi.fn(), show: vi.fn(), focus: vi.fn() };
    bringToFront(win);
    expect(win.restore).toHaveBeenCalled();
    expect(win.show).toHaveBeenCalled();
    expect(win.focus).toHaveBeenCalled();
    const gone = { ...win, isDestroyed: () => true, focus: vi.fn() };
    bringToFront(gone);
    expect(gone.focus).not.toHaveBeenCalled();
  });
});
