import { describe, expect, it, vi } from 'vitest';
import { CALL_GATE_CALLS, CallGate } from './callGate';
import { denyBluetoothChooser, lockSessionPermissions } from './permissions';
import { FakeContents, FakeSession, preventable } from './testing/fakeElectron';

const MAIN = { requestingUrl: 'kiosk://app/', isMainFrame: true };
const CAMERA_AND_MIC = { ...MAIN, mediaTypes: ['audio', 'video'] };

/** Every permission Electron 45 names except media: none is ever granted. */
const OTHER_PERMISSIONS = [
  'ar', 'automatic-fullscreen', 'background-fetch', 'background-sync', 'captured-surface-control', 'clipboard-read',
  'clipboard-sanitized-write', 'deprecated-sync-clipboard-read', 'display-capture', 'fileSystem', 'fullscreen', 'geolocation',
  'geolocation-approximate', 'hand-tracking', 'hid', 'idle-detection', 'keyboardLock', 'local-fonts', 'local-network',
  'local-network-access', 'loopback-network', 'mediaKeySystem', 'midi', 'midiSysex', 'nfc', 'notifications', 'openExternal',
  'payment-handler', 'periodic-background-sync', 'persistent-storage', 'pointerLock', 'screen-wake-lock', 'sensors', 'serial',
  'smart-card', 'speaker-selection', 'storage-access', 'system-wake-lock', 'top-level-storage-access', 'usb', 'vr',
  'web-app-installation', 'web-printing', 'window-management', 'unknown',
];

function locked(): { session: FakeSession; gate: CallGate } {
  const session = new FakeSession();
  const gate = new CallGate();
  lockSessionPermissions(session, gate);
  return { session, gate };
}

describe('permission requests', () => {
  it('camera and microphone for the app main frame only while a call is on', async () => {
    const { session, gate } = locked();
    expect(await session.request('media', CAMERA_AND_MIC)).toBe(false);
    gate.open();
    expect(await session.request('media', CAMERA_AND_MIC)).toBe(true);
    expect(await session.request('media', { ...MAIN, mediaTypes: ['video'] })).toBe(true);
    gate.close();
    expect(await session.request('media', CAMERA_AND_MIC)).toBe(false);
  });

  it('refuses media to other origins, subframes and anything but audio/video, even in a call', async () => {
    const { session, gate } = locked();
    gate.open();
    for (const requestingUrl of ['kiosk://evil/', 'kiosk://app.evil/', 'https://booth.example/kiosk/', 'file:///x.html', 'about:blank', undefined]) {
      expect(await session.request('media', { ...CAMERA_AND_MIC, requestingUrl }), String(requestingUrl)).toBe(false);
    }
    expect(await session.request('media', { ...CAMERA_AND_MIC, isMainFrame: false })).toBe(false);
    expect(await session.request('media', { ...MAIN })).toBe(false);
    expect(await session.request('media', { ...MAIN, mediaTypes: [] })).toBe(false);
    expect(await session.request('media', { ...MAIN, mediaTypes: ['video', 'desktop'] })).toBe(false);
  });

  it('denies every other permission, in a call or not', async () => {
    const { session, gate } = locked();
    for (const on of [false, true]) {
      if (on) gate.open();
      for (const permission of OTHER_PERMISSIONS) expect(await session.request(permission, CAMERA_AND_MIC), `${permission} call:${on}`).toBe(false);
    }
  });
});

describe('permission checks', () => {
  const audio = { isMainFrame: true, mediaType: 'audio' };

  it('media for the app origin, main frame, audio or video, during a call', () => {
    const { session, gate } = locked();
    expect(session.check('media', 'kiosk://app', audio)).toBe(false);
    gate.open();
    expect(session.check('media', 'kiosk://app', audio)).toBe(true);
    expect(session.check('media', 'kiosk://app', { isMainFrame: true, mediaType: 'video' })).toBe(true);
    expect(session.check('media', 'kiosk://app', { isMainFrame: true, mediaType: 'unknown' })).toBe(false);
    expect(session.check('media', 'kiosk://app', { isMainFrame: true })).toBe(false);
    expect(session.check('media', 'kiosk://app', { ...audio, isMainFrame: false })).toBe(false);
    expect(session.check('media', 'kiosk://app', { ...audio, embeddingOrigin: 'kiosk://app' })).toBe(false);
    for (const origin of ['kiosk://evil', 'https://booth.example', 'kiosk://app/', 'null', '']) expect(session.check('media', origin, audio), origin).toBe(false);
    for (const permission of OTHER_PERMISSIONS) expect(session.check(permission, 'kiosk://app', audio), permission).toBe(false);
  });
});

describe('devices', () => {
  it('no WebHID, Web Serial or WebUSB device is ever permitted', () => {
    const { session } = locked();
    for (const deviceType of ['hid', 'serial', 'usb']) expect(session.deviceHandler?.({ deviceType, origin: 'kiosk://app', device: {} }), deviceType).toBe(false);
  });

  it('the HID, serial and USB choosers are taken over and answered with no device', () => {
    const { session } = locked();
    const hid = preventable();
    const hidChosen = vi.fn();
    session.emit('select-hid-device', hid, { deviceList: [{ deviceId: 'h1' }], frame: {} }, hidChosen);
    expect(hid.prevented).toBe(true);
    expect(hidChosen).toHaveBeenCalledWith();

    const serial = preventable();
    const portChosen = vi.fn();
    session.emit('select-serial-port', serial, [{ portId: 'COM3' }], {}, portChosen);
    expect(serial.prevented).toBe(true);
    expect(portChosen).toHaveBeenCalledWith('');

    const usb = preventable();
    const usbChosen = vi.fn();
    session.emit('select-usb-device', usb, { deviceList: [{ deviceId: 'u1' }], frame: {} }, usbChosen);
    expect(usb.prevented).toBe(true);
    expect(usbChosen).toHaveBeenCalledWith();
  });

  it('the Bluetooth chooser is taken over and answered with no device', () => {
    const contents = new FakeContents();
    denyBluetoothChooser(contents);
    const ev = preventable();
    const chosen = vi.fn();
    contents.emit('select-bluetooth-device', ev, [{ deviceId: 'b1', deviceName: 'headset' }], chosen);
    expect(ev.prevented).toBe(true);
    expect(chosen).toHaveBeenCalledWith('');
  });
});

describe('CallGate', () => {
  it('starts closed, reports changes once each', () => {
    const changes: boolean[] = [];
    const gate = new CallGate((on) => changes.push(on));
    expect(gate.isOn).toBe(false);
    gate.close();
    gate.open();
    gate.open();
    gate.close();
    expect(changes).toEqual([true, false]);
  });

  it('is opened by callStart and closed by callEnd and endSession', () => {
    expect(CALL_GATE_CALLS).toEqual({ callStart: 'open', callEnd: 'close', endSession: 'close' });
  });
});
