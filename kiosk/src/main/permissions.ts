/**
 * Web permissions and device choosers, for every session: camera and
 * microphone for the app's own main frame while a call is on (CallGate), and
 * nothing else ever: no notifications, geolocation, clipboard, full screen,
 * screen capture, MIDI, sensors, and no WebHID, Web Serial, WebUSB or Web
 * Bluetooth device. The kiosk's printer and card reader are reached by the
 * main process (KioskHardware), never by the page.
 */
import type { CallGate } from './callGate';
import { APP_ORIGIN, isSameOrigin } from './origins';
import type { PreventableEvent } from './shortcuts';

/** The fields of Electron's PermissionRequest / MediaAccessPermissionRequest the request handler reads. */
export interface PermissionRequestDetails {
  requestingUrl?: string;
  isMainFrame?: boolean;
  mediaTypes?: readonly string[];
}

/** The fields of Electron's PermissionCheckHandlerHandlerDetails the check handler reads. */
export interface PermissionCheckDetails {
  isMainFrame?: boolean;
  embeddingOrigin?: string;
  mediaType?: string;
}

/** The part of Electron's Session the lock uses. */
export interface PermissionSession {
  setPermissionRequestHandler(handler: (webContents: unknown, permission: string, callback: (granted: boolean) => void, details: PermissionRequestDetails) => void): void;
  setPermissionCheckHandler(handler: (webContents: unknown, permission: string, requestingOrigin: string, details: PermissionCheckDetails) => boolean): void;
  setDevicePermissionHandler(handler: (details: unknown) => boolean): void;
  on(event: 'select-hid-device', listener: (event: PreventableEvent, details: unknown, callback: (deviceId?: string | null) => void) => void): unknown;
  on(event: 'select-serial-port', listener: (event: PreventableEvent, portList: unknown, webContents: unknown, callback: (portId: string) => void) => void): unknown;
  on(event: 'select-usb-device', listener: (event: PreventableEvent, details: unknown, callback: (deviceId?: string) => void) => void): unknown;
}

/** The part of Electron's WebContents the Bluetooth chooser lock uses (Web Bluetooth's chooser is per WebContents). */
export interface BluetoothChooserContents {
  on(event: 'select-bluetooth-device', listener: (event: PreventableEvent, devices: unknown, callback: (deviceId: string) => void) => void): unknown;
}

const CALL_MEDIA = new Set(['audio', 'video']);

/** getUserMedia: camera and/or microphone, nothing else, from the app's main frame, during a call. */
export function mayRequestMedia(permission: string, details: PermissionRequestDetails, gate: CallGate): boolean {
  if (permission !== 'media' || !gate.isOn) return false;
  if (details.isMainFrame !== true || !isSameOrigin(details.requestingUrl, APP_ORIGIN)) return false;
  const types = details.mediaTypes ?? [];
  return types.length > 0 && types.every((t) => CALL_MEDIA.has(t));
}

/** Chromium's synchronous checks (device labels, permission queries): the same rule as requests. */
export function mayUseMedia(permission: string, requestingOrigin: string, details: PermissionCheckDetails, gate: CallGate): boolean {
  if (permission !== 'media' || !gate.isOn) return false;
  if (requestingOrigin !== APP_ORIGIN || details.isMainFrame !== true || details.embeddingOrigin !== undefined) return false;
  return details.mediaType !== undefined && CALL_MEDIA.has(details.mediaType);
}

/** Installs the permission and device handlers on one session. */
export function lockSessionPermissions(session: PermissionSession, gate: CallGate): void {
  session.setPermissionRequestHandler((_webContents, permission, callback, details) => callback(mayRequestMedia(permission, details, gate)));
  session.setPermissionCheckHandler((_webContents, permission, requestingOrigin, details) => mayUseMedia(permission, requestingOrigin, details, gate));
  session.setDevicePermissionHandler(() => false);
  // preventDefault takes the choice from Electron's default handling; the
  // callback then answers with no device, which rejects the page's request.
  session.on('select-hid-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
  session.on('select-serial-port', (event, _ports, _webContents, callback) => {
    event.preventDefault();
    callback('');
  });
  session.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
}

/** Web Bluetooth: without preventDefault Electron would pick the first device found. */
export function denyBluetoothChooser(contents: BluetoothChooserContents): void {
  contents.on('select-bluetooth-device', (event, _devices, callback) => {
    event.preventDefault();
    callback('');
  });
}
