/**
 * The provisioning screen's state: whether this kiosk still needs its device
 * identity (first start, or revoked, or enrolled again elsewhere), and the
 * enrolment with the code a technician types. The shell does the work (key
 * pair, server, key storage); this only asks and shows the outcome.
 */
import { signal, computed } from '@preact/signals';
import { parseEnrolmentCode } from '@citizen/protocol';
import type { IdentityStatus, KioskShellApi } from '../../contract';

export type EnrolmentProblem = { code: string; message: string };

export function createProvisioning(bridge: Pick<KioskShellApi, 'identity' | 'enrol'>, onEnrolled: () => void) {
  /** null until the shell has answered (and where a shell has no identity call): nothing to show then. */
  const status = signal<IdentityStatus | null>(null);
  const busy = signal(false);
  const problem = signal<EnrolmentProblem | null>(null);
  const needed = computed(() => status.value !== null && status.value.state !== 'enrolled');

  async function check(): Promise<void> {
    try {
      status.value = await bridge.identity();
    } catch {
      // An older shell or one still starting: the next check asks again.
    }
  }

  async function submit(input: string): Promise<void> {
    if (busy.value) return;
    // Caught here already, so a typo needs no trip to the shell and the server.
    const parsed = parseEnrolmentCode(input);
    if (!parsed.ok) {
      problem.value = { code: parsed.reason === 'malformed' ? 'ENROLMENT_CODE_MALFORMED' : 'ENROLMENT_CODE_MISTYPED', message: '' };
      return;
    }
    busy.value = true;
    problem.value = null;
    try {
      await bridge.enrol({ code: parsed.code });
      await check();
      onEnrolled();
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown };
      problem.value = { code: typeof e.code === 'string' ? e.code : 'ENROLMENT_FAILED', message: typeof e.message === 'string' ? e.message : '' };
    } finally {
      busy.value = false;
    }
  }

  return { status, busy, problem, needed, check, submit };
}
export type Provisioning = ReturnType<typeof createProvisioning>;
