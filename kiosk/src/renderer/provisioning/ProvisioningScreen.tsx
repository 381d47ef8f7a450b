/**
 * The screen a kiosk shows until it has its device identity: for the
 * technician, not the resident, so it is in English and plain. The code is
 * typed on a keypad of the code's own alphabet (or a physical keyboard).
 */
import { useState } from 'preact/hooks';
import { REFERENCE_ALPHABET } from '@citizen/protocol';
import { Keyboard } from '../keyboard/Keyboard';
import type { Layout } from '../keyboard/layouts';
import type { Provisioning } from './provisioning';

const KEYPAD: Layout = { rows: [...REFERENCE_ALPHABET.match(/.{1,8}/g)!].map((r) => [...r]), shift: false, space: false, dir: 'ltr' };

/** What each refusal means to the technician at the kiosk, by its stable code. */
const PROBLEMS: Record<string, string> = {
  ENROLMENT_CODE_MALFORMED: 'An enrolment code has nine letters and digits, like K7Q-92X-KMC.',
  ENROLMENT_CODE_MISTYPED: 'That code looks mistyped: check each character against the console.',
  ENROLMENT_CODE_UNKNOWN: 'No kiosk has that code. Check it, or create a new code in the console.',
  ENROLMENT_CODE_EXPIRED: 'That code has expired. Create a new code in the console (Kiosks, new enrolment code).',
  ENROLMENT_CODE_USED: 'That code was used already; each code works once. Create a new code in the console.',
  ENROLMENT_SERVER_UNREACHABLE: 'The kiosk cannot reach the server. Check the network and try again.',
};

const REFUSED: Record<string, string> = {
  KIOSK_NOT_ENROLLED: 'This kiosk was revoked. Enter a new enrolment code to bring it back.',
  KIOSK_SIGNATURE_INVALID: 'This kiosk was enrolled again with another device. Enter a new enrolment code to use this one.',
};

export function ProvisioningScreen({ provisioning }: { provisioning: Provisioning }) {
  const status = provisioning.status.value;
  return (
    <section class="screen provisioning" data-testid="provisioning">
      <h1>Kiosk setup</h1>
      {status?.state === 'refused' ? (
        <p class="notice error" role="alert" data-testid="provisioning-refused">
          {REFUSED[status.code] ?? `The server no longer accepts this kiosk (${status.code}). Enter a new enrolment code.`}
        </p>
      ) : (
        <p>This kiosk is not enrolled yet. Enter the enrolment code shown in the console (Kiosks) to connect it to the server.</p>
      )}
      <EnrolmentForm provisioning={provisioning} />
    </section>
  );
}

/** The code field, its keypad and the enrol button: the provisioning screen's, and technician mode's for enrolling again. */
export function EnrolmentForm({ provisioning, submitLabel = 'Enrol this kiosk' }: { provisioning: Provisioning; submitLabel?: string }) {
  const [code, setCode] = useState('');
  const problem = provisioning.problem.value;
  const submit = (e?: Event): void => {
    e?.preventDefault();
    void provisioning.submit(code);
  };
  return (
    <form onSubmit={submit}>
      <label for="enrolment-code">Enrolment code</label>
      <input
        id="enrolment-code"
        data-testid="enrolment-code"
        value={code}
        maxLength={11}
        autocomplete="off"
        autocapitalize="characters"
        spellcheck={false}
        onInput={(e) => setCode((e.target as HTMLInputElement).value.toUpperCase())}
      />
      <Keyboard layout={KEYPAD} value={code} onChange={(v) => setCode(v.toUpperCase())} labels={{ label: 'Enrolment code', deleteKey: 'Delete', space: 'Space' }} maxLength={11} />
      {problem && (
        <p class="notice error" role="alert" data-testid="enrolment-problem" data-code={problem.code}>
          {PROBLEMS[problem.code] ?? `Enrolment failed (${problem.code}): ${problem.message}`}
        </p>
      )}
      <button type="submit" class="big primary" disabled={provisioning.busy.value} data-testid="enrol">
        {provisioning.busy.value ? 'Enrolling…' : submitLabel}
      </button>
    </form>
  );
}
