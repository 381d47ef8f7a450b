/**
 * Exposes exactly the named bridge calls and events of contract.ts to the
 * renderer as `window.kiosk` (type KioskShellApi); no ipcRenderer, no generic
 * invoke, no generic event subscription.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_CALLS, IPC_EVENT_CHANNEL, ipcChannel, isBridgeEvent, type BridgeCall, type IpcReply, type KioskBridgeCalls, type KioskShellApi } from '../contract';

const calls = Object.fromEntries(
  (Object.keys(BRIDGE_CALLS) as BridgeCall[]).map((call) => [
    call,
    async (args?: unknown) => {
      const reply = (await ipcRenderer.invoke(ipcChannel(call), args)) as IpcReply;
      // contextBridge keeps only the message of an Error it copies, so the
      // rejection is the plain error body (code, message, fix, details).
      if (!reply.ok) throw { name: 'BridgeError', ...reply.error };
      return reply.value;
    },
  ]),
) as unknown as KioskBridgeCalls;

const api: KioskShellApi = {
  ...calls,
  on(event, listener) {
    if (!isBridgeEvent(event)) throw new TypeError(`unknown bridge event ${String(event)}`);
    const fn = (_e: unknown, msg: { event: string; payload: never }): void => {
      if (msg.event === event) listener(msg.payload);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, fn);
    return () => void ipcRenderer.off(IPC_EVENT_CHANNEL, fn);
  },
};

contextBridge.exposeInMainWorld('kiosk', api);
