/**
 * The kiosk window: full screen in kiosk mode, no frame, and renderer
 * settings per Electron's security checklist. The preload (kiosk.preload.ts)
 * is the renderer's only way to the shell.
 */
import type { PreventableEvent } from './shortcuts';

export function kioskWebPreferences(preload: string, settings: { devMode: boolean }) {
  return {
    preload,
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
    // alert()/confirm() would put a browser dialog on the kiosk; the renderer uses none.
    disableDialogs: true,
    spellcheck: false,
    devTools: settings.devMode,
    // A kiosk speaks before anyone touches it: read-aloud on arrival, the idle
    // chime, a technician's remote speaker and microphone test (WebAudio).
    autoplayPolicy: 'no-user-gesture-required',
  } as const;
}

export function kioskWindowOptions(preload: string, settings: { devMode: boolean }) {
  return {
    kiosk: true,
    fullscreen: true,
    frame: false,
    autoHideMenuBar: true,
    closable: false,
    minimizable: false,
    maximizable: false,
    resizable: false,
    movable: false,
    backgroundColor: '#0b3d5c',
    webPreferences: kioskWebPreferences(preload, settings),
  } as const;
}

/** The part of Electron's BrowserWindow the window lock uses. */
export interface LockableWindow {
  on(event: 'close', listener: (event: PreventableEvent) => void): unknown;
  readonly webContents: { setVisualZoomLevelLimits(minimumLevel: number, maximumLevel: number): unknown };
}

/**
 * The window stays open until the app itself quits (service stop, technician):
 * Alt+F4 and the like reach the window manager before before-input-event can
 * stop them, so the close they ask for is refused here. Pinch zoom stays off
 * (Electron's default, made explicit).
 */
export function lockWindow(win: LockableWindow, isQuitting: () => boolean): void {
  win.on('close', (event) => {
    if (!isQuitting()) event.preventDefault();
  });
  void win.webContents.setVisualZoomLevelLimits(1, 1);
}

/** The part of Electron's BrowserWindow that bringing it to the front uses. */
export interface FocusableWindow {
  isDestroyed(): boolean;
  isMinimized(): boolean;
  restore(): void;
  show(): void;
  focus(): void;
}

export function bringToFront(win: FocusableWindow): void {
  if (win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}
