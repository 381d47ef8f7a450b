/**
 * Exposes exactly the named bridge calls of contract.ts to the renderer; no
 * ipcRenderer, no generic invoke.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_CALLS, ipcChannel, type BridgeCall, type KioskBridge } from '../contract';

const api = Object.fromEntries(
  (Object.keys(BRIDGE_CALLS) as BridgeCall[]).map((call) => [call, () => ipcRenderer.invoke(ipcChannel(call))]),
) as KioskBridge;

contextBridge.exposeInMainWorld('kiosk', api);
