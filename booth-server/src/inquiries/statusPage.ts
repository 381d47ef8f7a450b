/**
 * The public status page and the lookup form, as plain HTML for a phone:
 * viewport meta, large type, no script, and no inline style (the stylesheet
 * is its own route), so the page runs under a Content-Security-Policy that
 * allows nothing but same-origin CSS and form posts to itself.
 *
 * Everything interpolated is escaped; the only text that comes from the
 * visitor is the reference they typed, echoed back into the form.
 */
import { RECEIPT_LANGUAGES, type PublicInquiryStatus, type ReceiptLanguage } from '@citizen/protocol';
import { STATUS_WORDING, type StatusWording } from './statusWording';

/** Sent with every page; `style-src 'self'` is why the CSS has its own route. */
export const STATUS_PAGE_CSP = "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export interface PageOptions {
  /** Path prefix the server is reached under (from server.publicUrl), '' at the root. */
  basePath: string;
  /** IANA zone dates are shown in. */
  timeZone: string;
}

export type LookupProblem = keyof StatusWording['errors'];

export function renderStatusPage(status: PublicInquiryStatus, opts: PageOptions): string {
  const w = STATUS_WORDING[status.language];
  const date = (iso: string): string => new Intl.DateTimeFormat(w.locale, { dateStyle: 'long', timeZone: opts.timeZone }).format(new Date(iso));
  const rows: [string, string][] = [];
  if (status.nextStepText !== null) rows.push([w.nextStep, esc(status.nextStepText)]);
  if (status.resolvedAt !== null) rows.push([w.resolvedOn, esc(date(status.resolvedAt))]);
  else if (status.promisedBy !== null) rows.push([w.promisedBy, esc(date(status.promisedBy))]);
  rows.push([w.received, esc(date(status.receivedAt))]);
  if (status.place !== null) rows.push([w.place, esc(status.place)]);

  const a = status.achieved;
  const achieved = a
    ? `<dl>${row(w.medianLabel, esc(duration(a.medianDays, w.locale)))}${row(w.p90Label, esc(w.p90Value(duration(a.p90Days, w.locale))))}</dl>
<p class="note">${esc(w.basis(a.windowDays))}</p>`
    : `<p class="note">${esc(w.achievedUnknown)}</p>`;

  const body = `<h1>${esc(w.title)}</h1>
<p class="reference">${esc(w.reference)}: <bdi dir="ltr">${esc(status.reference)}</bdi></p>
<p class="status-label">${esc(w.status)}</p>
<p class="status status-${status.caseStatus}">${esc(status.caseStatusText)}</p>
<dl>${rows.map(([k, v]) => row(k, v)).join('')}</dl>
<section>
<h2>${esc(w.achievedHeading)}</h2>
${achieved}
</section>`;
  return page(status.language, `${w.title} – ${status.reference}`, body, opts.basePath, (lang) => `${opts.basePath}/status/${encodeURIComponent(status.reference)}?lang=${lang}`);
}

/** The form people type a reference into; with `problem`, why the last one was not found. */
export function renderLookupPage(language: ReceiptLanguage, opts: PageOptions & { input?: string; problem?: LookupProblem }): string {
  const w = STATUS_WORDING[language];
  const problem = opts.problem ? `<p class="problem" role="alert">${esc(w.errors[opts.problem])}</p>\n` : '';
  // Throttled or failed: the form would only fail again right now, so it is not offered.
  const form =
    opts.problem === 'throttled' || opts.problem === 'failed'
      ? ''
      : `<form method="get" action="${esc(opts.basePath)}/status">
<label for="reference">${esc(w.lookupLabel)}</label>
<input id="reference" name="reference" dir="ltr" required maxlength="40" autocomplete="off" autocapitalize="characters" spellcheck="false" placeholder="BS-XXXX-XXXX" aria-describedby="reference-hint" value="${esc(opts.input ?? '')}">
<p id="reference-hint" class="note">${esc(w.lookupHint)}</p>
<input type="hidden" name="lang" value="${language}">
<button type="submit">${esc(w.lookupButton)}</button>
</form>`;
  const body = `<h1>${esc(w.lookupTitle)}</h1>\n${problem}${form}`;
  return page(language, w.lookupTitle, body, opts.basePath, (lang) => `${opts.basePath}/status?lang=${lang}`);
}

function page(language: ReceiptLanguage, title: string, body: string, basePath: string, languageLink: (lang: ReceiptLanguage) => string): string {
  const w = STATUS_WORDING[language];
  const links = RECEIPT_LANGUAGES.map((l) =>
    l === language
      ? `<span aria-current="page" lang="${l}">${esc(STATUS_WORDING[l].languageName)}</span>`
      : `<a href="${esc(languageLink(l))}" hreflang="${l}" lang="${l}">${esc(STATUS_WORDING[l].languageName)}</a>`,
  ).join('\n');
  return `<!doctype html>
<html lang="${language}" dir="${w.dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<link rel="stylesheet" href="${esc(basePath)}/status/style.css">
</head>
<body>
<main>
${body}
<nav class="languages" aria-label="${esc(w.languages)}">
${links}
</nav>
<p class="privacy">${esc(w.privacy)}</p>
</main>
</body>
</html>
`;
}

function row(term: string, html: string): string {
  return `<dt>${esc(term)}</dt><dd>${html}</dd>`;
}

/** "3,5 dage", "3.5 days", "8 днів": the locale's own unit words and plural forms. */
function duration(days: number, locale: string): string {
  if (days < 1) {
    const hours = Math.max(1, Math.round(days * 24));
    return new Intl.NumberFormat(locale, { style: 'unit', unit: 'hour', unitDisplay: 'long', maximumFractionDigits: 0 }).format(hours);
  }
  return new Intl.NumberFormat(locale, { style: 'unit', unit: 'day', unitDisplay: 'long', maximumFractionDigits: 1 }).format(days);
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Phone first: one column, large type and touch targets, logical properties so Arabic mirrors. */
export const STATUS_CSS = `*,*::before,*::after{box-sizing:border-box}
:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#4a4a4a;--line:#c8c8c8;--accent:#0b4f8a;--ok:#17692c;--wait:#8a4b00;--bad:#a4001d;--bad-bg:#fdecee}
@media (prefers-color-scheme:dark){:root{--fg:#f2f2f2;--bg:#141414;--muted:#c4c4c4;--line:#555;--accent:#7ab8f5;--ok:#79d58f;--wait:#f0b35c;--bad:#ff8a9b;--bad-bg:#3a1319}}
html{font-size:112.5%;-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:1rem/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic",Tahoma,sans-serif}
main{max-width:38rem;margin:0 auto;padding:1.25rem 1.25rem 2.5rem}
h1{font-size:1.8rem;line-height:1.2;margin:.5rem 0 1rem}
h2{font-size:1.25rem;margin:2rem 0 .5rem}
.reference{font-size:1.15rem;margin:0 0 1.25rem}
.reference bdi{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-weight:700;letter-spacing:.04em}
.status-label{margin:0;color:var(--muted)}
.status{display:inline-block;margin:.25rem 0 .5rem;padding:.3rem .9rem;border:.15rem solid currentColor;border-radius:.6rem;font-size:1.5rem;font-weight:700}
.status-received,.status-in-progress{color:var(--accent)}
.status-waiting-for-resident{color:var(--wait)}
.status-resolved{color:var(--ok)}
dl{margin:1rem 0 0}
dt{margin-top:1rem;font-weight:700}
dd{margin:.15rem 0 0;font-size:1.1rem}
.note,.privacy{color:var(--muted)}
.privacy{margin-top:2rem;padding-top:1rem;border-top:1px solid var(--line);font-size:.95rem}
.problem{margin:0 0 1.25rem;padding:.75rem 1rem;border-inline-start:.4rem solid var(--bad);background:var(--bad-bg);font-weight:600}
label{display:block;margin-bottom:.4rem;font-weight:700}
input[name=reference]{display:block;width:100%;min-height:3.25rem;padding:.5rem .75rem;border:.15rem solid var(--muted);border-radius:.5rem;background:var(--bg);color:var(--fg);font:700 1.4rem ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;letter-spacing:.05em;text-transform:uppercase}
input[name=reference]:focus{outline:.2rem solid var(--accent);outline-offset:.15rem}
button{min-height:3.25rem;margin-top:.5rem;padding:.5rem 1.75rem;border:0;border-radius:.5rem;background:var(--accent);color:var(--bg);font:inherit;font-size:1.2rem;font-weight:700}
.languages{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;margin-top:2.5rem}
.languages a,.languages span{display:inline-flex;align-items:center;min-height:2.75rem}
.languages a{color:var(--accent)}
.languages span{font-weight:700}
`;
