/**
 * The renderer's handle on the shell. Under Electron the preload has put
 * `window.kiosk` there; in the browser shell the same calls go to the local
 * kiosk host over HTTP (same origin) and events arrive as Server-Sent Events.
 */
import { createHttpBridge, type KioskShellApi } from '../contract';

declare global {
  interface Window {
    kiosk?: KioskShellApi;
  }
}

export const bridge: KioskShellApi =
  window.kiosk ?? createHttpBridge({ fetch: (input, init) => fetch(input, init), eventSource: (url) => new EventSource(url) });
