/**
 * "Follow up my inquiry" at the kiosk: the resident types the reference from
 * their receipt and sees where the case stands — status, next step, the
 * promised answer date and what is actually achieved — in their language,
 * with no personal data (the same answer as the public status page). A
 * mistyped character is caught by the reference's check character and said
 * so, apart from a reference that does not exist.
 */
import { signal } from '@preact/signals';
import type { PublicInquiryStatus } from '@citizen/protocol';

export type LookupResult =
  | { state: 'idle' }
  | { state: 'looking' }
  | { state: 'found'; status: PublicInquiryStatus }
  /** `code`: REFERENCE_MALFORMED, REFERENCE_MISTYPED, REFERENCE_UNKNOWN, STATUS_LOOKUPS_THROTTLED, or OFFLINE. */
  | { state: 'failed'; code: string };

/** The eight characters after "BS-", as typed: Crockford base 32 (no I, L, O, U). */
export const REFERENCE_KEYS = [...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'];

export function formatReference(typed: string): string {
  const t = typed.slice(0, 8);
  return `BS-${t.slice(0, 4)}${t.length > 4 ? `-${t.slice(4)}` : ''}`;
}

export function createFollowUp(fetchImpl: typeof fetch = fetch) {
  const typed = signal('');
  const result = signal<LookupResult>({ state: 'idle' });

  function press(key: string): void {
    if (key === 'del') typed.value = typed.value.slice(0, -1);
    else if (typed.value.length < 8 && REFERENCE_KEYS.includes(key)) typed.value += key;
    if (result.value.state === 'failed') result.value = { state: 'idle' };
  }

  async function lookUp(lang: string): Promise<void> {
    if (typed.value.length !== 8) return;
    result.value = { state: 'looking' };
    const reference = formatReference(typed.value);
    try {
      const res = await fetchImpl(`/api/kiosk/status/${encodeURIComponent(reference)}?lang=${encodeURIComponent(lang)}`);
      if (res.ok) result.value = { state: 'found', status: (await res.json()) as PublicInquiryStatus };
      else result.value = { state: 'failed', code: ((await res.json().catch(() => ({}))) as { code?: string }).code ?? `HTTP_${res.status}` };
    } catch {
      result.value = { state: 'failed', code: 'OFFLINE' };
    }
  }

  /** Forgets the reference and the answer (the resident's session ends). */
  function clear(): void {
    typed.value = '';
    result.value = { state: 'idle' };
  }

  return { typed, result, press, lookUp, clear };
}
export type FollowUp = ReturnType<typeof createFollowUp>;
