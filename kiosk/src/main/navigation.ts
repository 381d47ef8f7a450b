/**
 * Where a WebContents may go: only the app's own origin, in the main frame
 * and in any subframe, also after a server-side redirect; no new windows; no
 * <webview>; and no page can hold the kiosk on itself with a beforeunload
 * prompt (recovery must always be able to load the attract screen).
 */
import { APP_ORIGIN, isSameOrigin } from './origins';
import type { PreventableEvent } from './shortcuts';

/** Electron's navigation events (will-navigate, will-redirect, will-frame-navigate) as far as the guard reads them. */
export interface NavigationEvent {
  readonly url: string;
  preventDefault(): void;
}

/** The part of Electron's WebContents the navigation guard uses. */
export interface NavigableContents {
  on(event: 'will-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-redirect', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-frame-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  on(event: 'will-prevent-unload', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: () => { action: 'deny' }): void;
}

export function guardNavigation(contents: NavigableContents): void {
  const stayOnApp = (event: NavigationEvent): void => {
    if (!isSameOrigin(event.url, APP_ORIGIN)) event.preventDefault();
  };
  contents.on('will-navigate', stayOnApp);
  // The app's API proxy could still answer with a redirect elsewhere.
  contents.on('will-redirect', stayOnApp);
  // Subframes: will-navigate covers the main frame only.
  contents.on('will-frame-navigate', stayOnApp);
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // preventDefault here means "ignore the page's beforeunload and unload anyway".
  contents.on('will-prevent-unload', (event) => event.preventDefault());
}
