/**
 * What the bridge calls do, shared by the Electron main process and the
 * browser-shell host so both shells behave the same.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { BoothConfig } from '@citizen/config';
import { resolveFromRoot } from '@citizen/config';
import type { DeviceStatus, KioskBridge } from './contract';

export const KIOSK_VERSION = '0.1.0';

export function createBridgeImpl(config: BoothConfig['kiosk'], shell: 'electron' | 'browser'): KioskBridge {
  return {
    info: async () => ({ shell, kioskId: config.id, version: KIOSK_VERSION }),
    hardwareStatus: async () => ({
      printer: await deviceStatus(config.printer.path),
      cardReader: await deviceStatus(config.cardReader.path),
    }),
  };
}

async function deviceStatus(configured: string): Promise<DeviceStatus> {
  const path = resolveFromRoot(configured);
  try {
    const s = await stat(path);
    if (!s.isCharacterDevice()) return { configuredPath: configured, reachable: false, detail: 'not a character device' };
    await access(path, constants.R_OK | constants.W_OK);
    return { configuredPath: configured, reachable: true, detail: 'ok' };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { configuredPath: configured, reachable: false, detail: code === 'ENOENT' ? 'not connected' : (code ?? 'error') };
  }
}
