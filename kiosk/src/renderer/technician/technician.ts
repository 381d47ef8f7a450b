/**
 * Technician mode's state (the screen is TechnicianMode.tsx): the PIN pad,
 * then the shell's view of the kiosk and the self-test. The PIN goes to the
 * shell, which checks it and counts wrong ones (kiosk/src/technician); this
 * only shows the answer. Nothing here reads or keeps resident data: the card
 * reader test shows the kind of card read, never its number.
 */
import { signal } from '@preact/signals';
import type { SelfTestReport } from '@citizen/protocol';
import type { CardKind, KioskShellApi, TechnicianStatus } from '../../contract';

export type PinProblem = { code: string; text: string; retryAt?: number };

type Bridge = Pick<KioskShellApi, 'technicianUnlock' | 'technicianStatus' | 'selfTest' | 'on'>;

const errorOf = (err: unknown): { code: string; message: string; details?: { attemptsLeft?: number; retryAfterSeconds?: number } } => {
  const e = err as { code?: unknown; message?: unknown; details?: { attemptsLeft?: number; retryAfterSeconds?: number } };
  return { code: typeof e.code === 'string' ? e.code : 'BRIDGE_INTERNAL', message: typeof e.message === 'string' ? e.message : String(err), ...(e.details ? { details: e.details } : {}) };
};

export function createTechnicianMode(bridge: Bridge, opts: { onShellClosed: () => void; now?: () => number }) {
  const now = opts.now ?? Date.now;
  const stage = signal<'pin' | 'open'>('pin');
  const busy = signal(false);
  const pinProblem = signal<PinProblem | null>(null);
  const status = signal<TechnicianStatus | null>(null);
  const report = signal<SelfTestReport | null>(null);
  const testing = signal<'self-test' | 'test-page' | null>(null);
  const testProblem = signal<string | null>(null);
  const lastCard = signal<{ kind: CardKind; at: number } | null>(null);

  async function unlock(pin: string): Promise<void> {
    if (busy.value) return;
    busy.value = true;
    pinProblem.value = null;
    try {
      await bridge.technicianUnlock({ pin });
      stage.value = 'open';
      await loadStatus();
    } catch (err) {
      const e = errorOf(err);
      const retry = e.details?.retryAfterSeconds;
      pinProblem.value =
        e.code === 'TECHNICIAN_PIN_WRONG'
          ? { code: e.code, text: `Wrong PIN. ${e.details?.attemptsLeft ?? 0} more wrong ${e.details?.attemptsLeft === 1 ? 'PIN locks' : 'PINs lock'} technician mode for a while.` }
          : e.code === 'TECHNICIAN_LOCKED_OUT'
            ? { code: e.code, text: 'Too many wrong PINs. Technician mode is locked for a while.', ...(retry !== undefined ? { retryAt: now() + retry * 1000 } : {}) }
            : e.code === 'TECHNICIAN_NOT_CONFIGURED'
              ? { code: e.code, text: 'Technician mode is not set up on this kiosk (kiosk.technicianPinHash in its site config).' }
              : { code: e.code, text: `The PIN could not be checked (${e.code}).` };
    } finally {
      busy.value = false;
    }
  }

  /** The shell's view; a shell that has closed technician mode (idle) closes the screen too. */
  async function loadStatus(): Promise<void> {
    try {
      status.value = await bridge.technicianStatus();
      if (status.value.lastSelfTest && !report.value) report.value = status.value.lastSelfTest;
    } catch (err) {
      if (errorOf(err).code === 'TECHNICIAN_MODE_REQUIRED') opts.onShellClosed();
    }
  }

  async function selfTest(printTestPage: boolean): Promise<void> {
    if (testing.value) return;
    testing.value = printTestPage ? 'test-page' : 'self-test';
    testProblem.value = null;
    try {
      report.value = await bridge.selfTest(printTestPage ? { checks: ['printer', 'uplink'], printTestPage: true } : {});
      await loadStatus();
    } catch (err) {
      const e = errorOf(err);
      if (e.code === 'TECHNICIAN_MODE_REQUIRED') opts.onShellClosed();
      testProblem.value = `The self-test could not run (${e.code}): ${e.message}`;
    } finally {
      testing.value = null;
    }
  }

  // A card at the reader while technician mode is open is the technician testing it: only its kind is kept.
  const offCard = bridge.on('card', (c) => (lastCard.value = { kind: c.kind, at: now() }));

  return { stage, busy, pinProblem, status, report, testing, testProblem, lastCard, unlock, loadStatus, selfTest, dispose: offCard };
}
export type TechnicianMode = ReturnType<typeof createTechnicianMode>;
