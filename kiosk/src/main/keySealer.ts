/**
 * The kiosk's private key at rest under Electron: sealed with safeStorage
 * (DPAPI on Windows, the Keychain on macOS, the Secret Service or KWallet on
 * Linux), so a copy of the identity file is useless on another machine or
 * account. Only the identity module's seal/open pair is Electron's here.
 */
import type { SafeStorage } from 'electron';
import type { KeySealer } from '../identity';

export function safeStorageSealer(safeStorage: Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'>): KeySealer {
  // Called after app 'ready': before it, safeStorage reports no encryption on every platform.
  if (!safeStorage.isEncryptionAvailable()) {
    throw Object.assign(
      new Error('safeStorage cannot encrypt on this machine, so the kiosk key cannot be kept safely. Fix: on Linux run a Secret Service (gnome-keyring) or KWallet for the kiosk user; see kiosk/LOCKDOWN.md.'),
      { code: 'KIOSK_KEY_STORAGE_UNAVAILABLE' },
    );
  }
  return {
    kind: 'safeStorage',
    // safeStorage seals strings; the DER key goes in as base64.
    seal: (plain) => safeStorage.encryptString(plain.toString('base64')),
    open: (sealed) => Buffer.from(safeStorage.decryptString(sealed), 'base64'),
  };
}
