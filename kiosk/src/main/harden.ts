/**
 * The app-wide lock-down, set up before `ready` so that nothing is created
 * unguarded: the renderer sandbox for every WebContents, no application menu
 * (its accelerators open devtools and reload), and on every WebContents the
 * app ever creates (the kiosk window, anything a bug might open) the
 * navigation, input and Bluetooth guards; on every session the permission
 * lock. The default session exists before any `session-created` could be
 * seen, so kiosk.main.ts locks it directly.
 */
import type { CallGate } from './callGate';
import { guardNavigation, type NavigableContents } from './navigation';
import { denyBluetoothChooser, lockSessionPermissions, type BluetoothChooserContents, type PermissionSession } from './permissions';
import { guardInput, type InputGuardableContents } from './shortcuts';

export type GuardableContents = NavigableContents & InputGuardableContents & BluetoothChooserContents;

/** The part of Electron's `app` the lock-down uses. */
export interface HardenableApp {
  enableSandbox(): void;
  on(event: 'web-contents-created', listener: (event: unknown, contents: GuardableContents) => void): unknown;
  on(event: 'session-created', listener: (session: PermissionSession) => void): unknown;
}

/** Electron's `Menu` (its static side). */
export interface MenuApi {
  setApplicationMenu(menu: null): void;
}

export function guardContents(contents: GuardableContents, settings: { devMode: boolean }): void {
  guardNavigation(contents);
  guardInput(contents, settings);
  denyBluetoothChooser(contents);
}

export function hardenApp(deps: { app: HardenableApp; menu: MenuApi }, settings: { devMode: boolean }, gate: CallGate): void {
  deps.app.enableSandbox();
  deps.menu.setApplicationMenu(null);
  deps.app.on('web-contents-created', (_event, contents) => guardContents(contents, settings));
  deps.app.on('session-created', (session) => lockSessionPermissions(session, gate));
}
