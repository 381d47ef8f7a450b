/**
 * Kiosk app state as plain signals, so flows can be tested without rendering.
 */
import { computed, signal } from '@preact/signals';
import type { Kiosk } from '@citizen/protocol';
import type { HardwareStatus, KioskBridge, ShellInfo } from '../contract';
import { STRINGS, type Lang } from './i18n';
import { createCallState, type CallDeps } from './call/callState';

export type Connection = { state: 'loading' } | { state: 'online'; kiosk: Kiosk } | { state: 'offline'; reason: string };

export function createKioskState(bridge: KioskBridge, callDeps: CallDeps, fetchImpl: typeof fetch = fetch) {
  const lang = signal<Lang>('da');
  const connection = signal<Connection>({ state: 'loading' });
  const shell = signal<ShellInfo | null>(null);
  const hardware = signal<HardwareStatus | null>(null);
  const t = computed(() => STRINGS[lang.value]);
  const call = createCallState(callDeps);

  async function refresh(): Promise<void> {
    const [self, info, hw] = await Promise.allSettled([
      fetchImpl('/api/kiosk/self').then(async (r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        return ((await r.json()) as { kiosk: Kiosk }).kiosk;
      }),
      bridge.info(),
      bridge.hardwareStatus(),
    ]);
    connection.value = self.status === 'fulfilled' ? { state: 'online', kiosk: self.value } : { state: 'offline', reason: String(self.reason) };
    if (info.status === 'fulfilled') shell.value = info.value;
    if (hw.status === 'fulfilled') hardware.value = hw.value;
  }

  return { lang, connection, shell, hardware, t, call, refresh };
}
export type KioskState = ReturnType<typeof createKioskState>;
