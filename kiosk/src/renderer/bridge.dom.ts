/**
 * The renderer's handle on the shell. Under Electron the preload has put
 * `window.kiosk` there; in the browser shell the same calls go to the local
 * kiosk host over HTTP (same origin).
 */
import { BRIDGE_CALLS, httpPath, type BridgeCall, type KioskBridge } from '../contract';

declare global {
  interface Window {
    kiosk?: KioskBridge;
  }
}

function httpBridge(): KioskBridge {
  const call = async (name: BridgeCall): Promise<unknown> => {
    const res = await fetch(httpPath(name), { method: 'POST' });
    if (!res.ok) throw new Error(`bridge call ${name} failed: HTTP ${res.status}`);
    return res.json();
  };
  return Object.fromEntries((Object.keys(BRIDGE_CALLS) as BridgeCall[]).map((n) => [n, () => call(n)])) as KioskBridge;
}

export const bridge: KioskBridge = window.kiosk ?? httpBridge();
