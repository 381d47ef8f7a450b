/**
 * Tells the shell which media devices this page has (camera, microphone,
 * speaker), for its fleet-health heartbeat: only a page can enumerate them.
 * Sent at start and whenever a device comes or goes. It never opens a device:
 * the camera and microphone open only during a call (README "Video calls"),
 * so a device that is there counts as working. The one exception is the
 * self-test (selftest.dom.ts), which the shell asks for only between
 * residents; a device that fails it is reported `failing` by the shell.
 */
import type { KioskShellApi, MediaDevicesReport } from '../contract';

export function describeDevices(devices: readonly Pick<MediaDeviceInfo, 'kind'>[]): MediaDevicesReport {
  const has = (kind: MediaDeviceKind): 'working' | 'absent' => (devices.some((d) => d.kind === kind) ? 'working' : 'absent');
  return { camera: has('videoinput'), microphone: has('audioinput'), speaker: has('audiooutput') };
}

export function reportMediaDevices(bridge: Pick<KioskShellApi, 'reportMediaDevices'>, onError: (err: unknown) => void): void {
  const md = navigator.mediaDevices;
  if (!md) return;
  const send = (): void => void md.enumerateDevices().then((devices) => bridge.reportMediaDevices(describeDevices(devices))).catch(onError);
  md.addEventListener('devicechange', send);
  send();
}

/** The shell's self-test asks the page to try camera, microphone and speaker; the test itself is loaded when first asked. */
export function answerMediaSelfTests(bridge: Pick<KioskShellApi, 'on' | 'selfTestMediaResult'>, onError: (err: unknown) => void): void {
  bridge.on('selfTestMedia', (ask) =>
    void import('./selftest.dom')
      .then((m) => m.runMediaSelfTest(ask))
      .then((results) => bridge.selfTestMediaResult({ requestId: ask.requestId, results }))
      .catch(onError),
  );
}
