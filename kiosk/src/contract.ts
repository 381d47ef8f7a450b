/**
 * The kiosk bridge: the only functions the renderer may call in the shell
 * (Electron main through the preload, or the browser-shell host over HTTP).
 * One schema per call's result; main, preload, host and renderer all import
 * this module, and the renderer's `window.kiosk` type is derived from it.
 */
import { Type, type Static } from '@sinclair/typebox';

export const ShellInfo = Type.Object({
  shell: Type.Union([Type.Literal('electron'), Type.Literal('browser')]),
  kioskId: Type.String(),
  version: Type.String(),
});
export type ShellInfo = Static<typeof ShellInfo>;

export const DeviceStatus = Type.Object({
  configuredPath: Type.String(),
  /** The serial device node exists and can be opened for reading and writing. */
  reachable: Type.Boolean(),
  detail: Type.String(),
});
export type DeviceStatus = Static<typeof DeviceStatus>;

export const HardwareStatus = Type.Object({ printer: DeviceStatus, cardReader: DeviceStatus });
export type HardwareStatus = Static<typeof HardwareStatus>;

/** Calls take no arguments yet; each entry is the result schema. */
export const BRIDGE_CALLS = {
  info: ShellInfo,
  hardwareStatus: HardwareStatus,
} as const;

export type BridgeCall = keyof typeof BRIDGE_CALLS;
export type KioskBridge = { [K in BridgeCall]: () => Promise<Static<(typeof BRIDGE_CALLS)[K]>> };

/** IPC channel (Electron) and HTTP path (browser shell) for a call. */
export const ipcChannel = (call: BridgeCall): string => `kiosk:${call}`;
export const httpPath = (call: BridgeCall): string => `/bridge/${call}`;

export function isBridgeCall(name: string): name is BridgeCall {
  return Object.hasOwn(BRIDGE_CALLS, name);
}
