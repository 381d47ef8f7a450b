/**
 * The inquiry's reference after a call: on screen in large type, printed on
 * request, and, when the printer cannot print, as a QR code of the status page
 * to scan with a phone.
 */
import { useEffect, useState } from 'preact/hooks';
import type { KioskShellApi, NextStep, ReceiptLanguage } from '../../contract';
import type { UiStrings } from '../i18n';

type T = UiStrings;
type PrintState = { s: 'idle' } | { s: 'printing' } | { s: 'printed' } | { s: 'failed'; statusUrl: string | null; queued: boolean; code: string };

/** The case's promised answer date and what is achieved now (the status lookup), to show and print next to the reference. */
export interface CasePromise {
  by: string;
  achievedMedianDays: number | null;
}

export function useCasePromise(reference: string | null, language: string): CasePromise | null {
  const [promise, setPromise] = useState<CasePromise | null>(null);
  useEffect(() => {
    if (!reference) return;
    let live = true;
    void fetch(`/api/kiosk/status/${encodeURIComponent(reference)}?lang=${encodeURIComponent(language)}`)
      .then(async (r) => (r.ok ? ((await r.json()) as { promisedBy: string | null; achieved: { medianDays: number } | null }) : null))
      .then((s) => {
        if (live && s?.promisedBy) setPromise({ by: s.promisedBy.slice(0, 10), achievedMedianDays: s.achieved?.medianDays ?? null });
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [reference, language]);
  return promise;
}

export function ReferenceReceipt({
  reference,
  language,
  bridge,
  t,
  nextSteps = ['track-online'],
  promise = null,
}: {
  reference: string;
  language: ReceiptLanguage;
  bridge: KioskShellApi;
  t: T;
  nextSteps?: NextStep[];
  promise?: CasePromise | null;
}) {
  const [state, setState] = useState<PrintState>({ s: 'idle' });
  const print = async (): Promise<void> => {
    setState({ s: 'printing' });
    try {
      await bridge.printReceipt({ reference, language, nextSteps, ...(promise ? { promise } : {}) });
      setState({ s: 'printed' });
    } catch (err) {
      const e = err as { code?: string; details?: { statusUrl?: string; queued?: boolean } };
      setState({ s: 'failed', statusUrl: e.details?.statusUrl ?? null, queued: e.details?.queued === true, code: e.code ?? 'BRIDGE_INTERNAL' });
    }
  };
  return (
    <div class="receipt">
      <p class="ref-label">{t.yourReference}</p>
      <p class="ref" data-testid="reference">
        {reference}
      </p>
      <p>{t.referenceHint}</p>
      {promise && (
        <p class="promise" data-testid="promise">
          {t.promisedLabel} {new Date(`${promise.by}T12:00:00Z`).toLocaleDateString(t.locale, { day: 'numeric', month: 'long', year: 'numeric' })}
          {promise.achievedMedianDays !== null && <> · {t.achievedShort(promise.achievedMedianDays)}</>}
        </p>
      )}
      {state.s === 'idle' && (
        <button type="button" class="big primary" onClick={() => void print()}>
          {t.printReceipt}
        </button>
      )}
      {state.s === 'printing' && <p role="status">{t.printing}</p>}
      {state.s === 'printed' && (
        <p role="status" data-testid="printed">
          {t.printed}
        </p>
      )}
      {state.s === 'failed' && (
        <div role="alert" data-testid="print-failed" data-code={state.code}>
          <p>{state.queued ? t.printQueued : t.printFailed}</p>
          {state.statusUrl && <StatusQr url={state.statusUrl} label={t.scanQr} />}
        </div>
      )}
    </div>
  );
}

function StatusQr({ url, label }: { url: string; label: string }) {
  const [svg, setSvg] = useState<string | null>(null);
  useEffect(() => {
    // Loaded only when a receipt cannot be printed: it is not part of the start-up bundle.
    void import('qrcode').then(({ default: QRCode }) => QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })).then(setSvg);
  }, [url]);
  return (
    <figure class="qr" data-testid="status-qr" data-url={url}>
      {svg && <div class="qr-code" dangerouslySetInnerHTML={{ __html: svg }} />}
      <figcaption>{label}</figcaption>
    </figure>
  );
}
