/**
 * Kiosk app state as plain signals, so flows can be tested without rendering.
 */
import { computed, signal } from '@preact/signals';
import type { Kiosk } from '@citizen/protocol';
import type { BridgeEventPayload, HardwareStatus, KioskShellApi, ShellInfo } from '../contract';
import { STRINGS, type Lang } from './i18n';
import { createCallState, type CallDeps } from './call/callState';
import { createFollowUp } from './followUp/followUp';
import { createLogger } from '@citizen/call-client';

const log = createLogger('kiosk-state');

export type Connection = { state: 'loading' } | { state: 'online'; kiosk: Kiosk } | { state: 'offline'; reason: string };

export function createKioskState(bridge: KioskShellApi, callDeps: CallDeps, fetchImpl: typeof fetch = fetch) {
  const lang = signal<Lang>('da');
  const connection = signal<Connection>({ state: 'loading' });
  const shell = signal<ShellInfo | null>(null);
  const hardware = signal<HardwareStatus | null>(null);
  const t = computed(() => STRINGS[lang.value]);
  const call = createCallState({ printDocument: (doc) => bridge.printDocument(doc), ...callDeps });
  /** The card the resident presented in this session, masked (the clear number never leaves the shell). */
  const card = signal<BridgeEventPayload<'card'> | null>(null);
  const cardProblem = signal<string | null>(null);
  /** The screen when no call flow is running: the start, or following up a case by its reference. */
  const screen = signal<'start' | 'follow-up'>('start');
  const followUp = createFollowUp(fetchImpl);

  // A status event that arrives before the first full status is in asks for the full status again.
  const reloadHardware = (): void => void bridge.hardwareStatus().then((hw) => (hardware.value = hw), () => undefined);
  bridge.on('printerStatus', (printer) => {
    if (hardware.value) hardware.value = { ...hardware.value, printer };
    else reloadHardware();
  });
  bridge.on('cardReaderStatus', (cardReader) => {
    if (hardware.value) hardware.value = { ...hardware.value, cardReader };
    else reloadHardware();
  });
  bridge.on('card', (c) => {
    card.value = c;
    cardProblem.value = null;
  });
  bridge.on('cardRejected', ({ code }) => (cardProblem.value = code));

  /**
   * The resident is done: forget what they presented and tell the shell to
   * drop its card data and cancel their waiting print jobs.
   */
  async function endResidentSession(): Promise<void> {
    card.value = null;
    cardProblem.value = null;
    screen.value = 'start';
    followUp.clear();
    await call.endSession();
    lang.value = 'da';
    await bridge.endSession().catch((err: unknown) => log.error('endSession failed', { error: err }));
  }

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

  return { lang, connection, shell, hardware, t, call, card, cardProblem, screen, followUp, bridge, endResidentSession, refresh };
}
export type KioskState = ReturnType<typeof createKioskState>;
