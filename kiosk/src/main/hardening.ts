/**
 * Lock-down of the Electron kiosk shell: no application menu, no devtools, no
 * reload, no navigation or window away from booth-server, no <webview>, and no
 * kiosk credential in clear on the network.
 *
 * Kept apart from kiosk.main.ts so that it runs under vitest, where the
 * Electron binary cannot be installed: it takes the few Electron objects it
 * needs as parameters, typed structurally below (Electron's `app`, `Menu` and
 * `WebContents` fit these interfaces; tests pass stand-ins).
 *
 * Devtools and the reload/devtools shortcuts are allowed only with the explicit
 * development switch KIOSK_DEV=1. Not `!app.isPackaged`: the shell always runs
 * unpackaged (kiosk/dist/main), so that test would leave devtools open on
 * every kiosk.
 */
import { credentialServerUrl } from '../credential';

/** Electron's navigation events (will-navigate, will-redirect, will-frame-navigate) as far as the guard reads them. */
export interface NavigationEvent {
  readonly url: string;
  preventDefault(): void;
}

export interface PreventableEvent {
  preventDefault(): void;
}

/** Electron's `Input` of before-input-event, the fields the shortcut check reads. */
export interface KeyInput {
  type: string;
  key: string;
  code: string;
  control: boolean;
  shift: boolean;
  alt: boolean;
  meta: boolean;
}

/** The part of Electron's WebContents the guards use. */
export interface GuardableContents {
  on(event: 'will-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-redirect', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-frame-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  on(event: 'before-input-event', listener: (event: PreventableEvent, input: KeyInput) => void): unknown;
  on(event: 'devtools-opened', listener: () => void): unknown;
  setWindowOpenHandler(handler: () => { action: 'deny' }): void;
  closeDevTools(): void;
}

/** The part of Electron's `app` the guards use. */
export interface HardenableApp {
  on(event: 'web-contents-created', listener: (event: unknown, contents: GuardableContents) => void): unknown;
}

/** Electron's `Menu` (its static side). */
export interface MenuApi {
  setApplicationMenu(menu: null): void;
}

export interface ShellSettings {
  /** booth-server's origin: the only origin the kiosk window may show, and the only one that gets the credential. */
  origin: string;
  /** KIOSK_DEV=1: devtools and the reload/devtools shortcuts are allowed. */
  devMode: boolean;
  /** webRequest URL filters of the requests (HTTP and WebSocket) that get the kiosk credential header. */
  credentialUrls: string[];
}

/**
 * The shell's settings from config and environment. Throws (code
 * KIOSK_INSECURE_SERVER_URL) when the credential would go over plain HTTP to
 * another machine, so the shell refuses to start rather than send it.
 */
export function shellSettings(serverUrl: string, env: Readonly<Record<string, string | undefined>>): ShellSettings {
  const url = credentialServerUrl(serverUrl);
  const origin = url.origin;
  const wsOrigin = `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}`;
  return { origin, devMode: env.KIOSK_DEV === '1', credentialUrls: [`${origin}/*`, `${wsOrigin}/*`] };
}

/**
 * Whether `url` is on `origin`. Parsed, never prefix-matched: a prefix test
 * passes `http://127.0.0.1:8080.evil.example/` and
 * `http://127.0.0.1:8080@evil.example/`. Anything unparsable is not.
 */
export function isSameOrigin(url: unknown, origin: string): boolean {
  if (typeof url !== 'string') return false;
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

/**
 * Keys that open devtools or reload the page in Chromium/Electron. The
 * application menu that binds most of them is removed; this catches the rest
 * and any that a future Electron binds without a menu. Letters are matched by
 * key and by physical key, so a keyboard layout cannot route around it.
 */
export function isBlockedShortcut(input: KeyInput): boolean {
  const key = input.key.toLowerCase();
  const is = (letter: string): boolean => key === letter || input.code === `Key${letter.toUpperCase()}`;
  if (key === 'f12' || input.code === 'F12' || key === 'f5' || input.code === 'F5') return true;
  if ((input.control || input.meta) && is('r')) return true;
  const inspector = is('i') || is('j') || is('c');
  if (input.control && input.shift && inspector) return true;
  if (input.meta && input.alt && inspector) return true;
  return false;
}

/** The navigation, window, webview, devtools and shortcut guards of one WebContents. */
export function guardWebContents(contents: GuardableContents, settings: Pick<ShellSettings, 'origin' | 'devMode'>): void {
  const stayOnOrigin = (event: NavigationEvent): void => {
    if (!isSameOrigin(event.url, settings.origin)) event.preventDefault();
  };
  contents.on('will-navigate', stayOnOrigin);
  // A same-origin page can still redirect elsewhere server-side.
  contents.on('will-redirect', stayOnOrigin);
  // Subframes: will-navigate covers the main frame only.
  contents.on('will-frame-navigate', stayOnOrigin);
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  if (settings.devMode) return;
  contents.on('before-input-event', (event, input) => {
    if (isBlockedShortcut(input)) event.preventDefault();
  });
  // devTools: false in webPreferences already keeps them shut; this covers any contents created without those preferences.
  contents.on('devtools-opened', () => contents.closeDevTools());
}

/**
 * Removes the application menu (its accelerators open devtools and reload) and
 * guards every WebContents the app creates. Call before any window exists
 * (Electron recommends setting the menu before `ready`), so that no contents,
 * the main window's included, is created unguarded.
 */
export function hardenApp(deps: { app: HardenableApp; menu: MenuApi }, settings: Pick<ShellSettings, 'origin' | 'devMode'>): void {
  deps.menu.setApplicationMenu(null);
  deps.app.on('web-contents-created', (_event, contents) => guardWebContents(contents, settings));
}

/** webPreferences of the kiosk window, per Electron's security checklist. */
export function kioskWebPreferences(preload: string, settings: Pick<ShellSettings, 'devMode'>) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
    devTools: settings.devMode,
  };
}
