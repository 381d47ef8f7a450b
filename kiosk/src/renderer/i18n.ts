/**
 * The kiosk's words, from the message catalogues in config/messages (ICU
 * MessageFormat, one file per language, checked at the shell's start-up:
 * config/src/kioskContent.ts). `uiStrings` gives the screens typed accessors
 * (`t.queuePosition(3)`); `format` formats any key, such as a flow's.
 * Plurals, numbers and dates follow the language's own rules
 * (intl-messageformat over the browser's Intl).
 */
import { IntlMessageFormat } from 'intl-messageformat';
import type { MessageCatalogue } from '@citizen/protocol';
export { REFERENCE_LANGUAGE } from '@citizen/protocol';
import type { PrinterState } from '../contract';

/** The UI's plain texts (`ui.<name>` in the catalogues). */
const PLAIN = [
  'welcome', 'intro', 'chooseLanguage', 'devices', 'printer', 'cardReader', 'ready', 'unavailable', 'offline', 'loading', 'talkToPerson',
  'talkToPersonHint', 'connecting', 'leaveQueue', 'cameraOnIndicator', 'cameraOffIndicator', 'mute', 'unmute', 'cameraOff', 'cameraOn', 'endCall',
  'reconnecting', 'agentMuted', 'waitingForVideo', 'thanks', 'rateCall', 'ratingThanks', 'callEndedLost', 'callFailed', 'backToStart',
  'yourReference', 'referenceHint', 'printReceipt', 'printing', 'printed', 'printFailed', 'printQueued', 'scanQr', 'callMeBack', 'callMeBackHint',
  'writeToUs', 'writeToUsHint', 'closedTitle', 'closedChoices', 'phoneTitle', 'phoneLabel', 'phoneInvalid', 'deleteDigit', 'consentPhone',
  'consentWritten', 'sendCallback', 'cancel', 'messageTitle', 'messageLabel', 'optionalPhone', 'send', 'sending', 'leaveFailed', 'space',
  'callbackBooked', 'writtenSent', 'transferredNote', 'fromAgent', 'pushRead', 'pushConfirm', 'pushNotCorrect', 'printedDoc', 'printQueuedDoc',
  'printFailedDoc', 'followUp', 'followUpHintStart', 'followUpTitle', 'followUpHint', 'lookUp', 'referenceMistyped', 'referenceUnknown',
  'lookupFailed', 'caseStatusLabel', 'nextStepLabel', 'receivedLabel', 'promisedLabel', 'resolvedLabel', 'achievedLabel', 'shareCardTitle',
  'shareCardYes', 'shareCardNo', 'cardRejected', 'attractTitle', 'attractHint', 'servicesTitle', 'otherHelp', 'back', 'startAgain', 'next', 'change',
  'confirm', 'useThisCard', 'presentCard', 'continueWithoutCard', 'finish', 'optional', 'language', 'stillThereTitle', 'stillThereContinue',
  'stillThereEnd', 'contentProblem', 'maintenanceTitle', 'closedToday',
] as const;

type Fmt = (key: string, values?: Record<string, string | number>) => string;

/** The UI's texts with arguments: how each call's arguments become the message's. */
const WITH_ARGS = {
  queuePosition: (f: Fmt) => (n: number) => f('ui.queuePosition', { n }),
  estimatedWait: (f: Fmt) => (seconds: number) => f('ui.estimatedWait', { minutes: Math.max(1, Math.round(seconds / 60)) }),
  inCallWith: (f: Fmt) => (name: string) => f('ui.inCallWith', { name }),
  rating: (f: Fmt) => (n: number) => f('ui.rating', { n }),
  opensAt: (f: Fmt) => (when: string) => f('ui.opensAt', { when }),
  callbackWhen: (f: Fmt) => (when: string | null) => f('ui.callbackWhen', { when: when ?? 'none' }),
  answerBy: (f: Fmt) => (date: string) => f('ui.answerBy', { date }),
  printingDoc: (f: Fmt) => (title: string) => f('ui.printingDoc', { title }),
  achievedShort: (f: Fmt) => (days: number) => f('ui.achievedShort', { days }),
  achievedText: (f: Fmt) => (median: number, p90: number) => f('ui.achievedText', { median, p90 }),
  shareCardText: (f: Fmt) => (masked: string) => f('ui.shareCardText', { masked }),
  cardRead: (f: Fmt) => (masked: string) => f('ui.cardRead', { masked }),
  stillThereText: (f: Fmt) => (seconds: number) => f('ui.stillThereText', { seconds }),
  maintenanceText: (f: Fmt) => (seconds: number) => f('ui.maintenanceText', { seconds }),
  openToday: (f: Fmt) => (hours: string) => f('ui.openToday', { hours }),
} as const;

const PRINTER_STATES: readonly PrinterState[] = ['ready', 'unknown', 'paper-out', 'cover-open', 'offline', 'not-responding', 'disconnected'];

export type UiStrings = Record<(typeof PLAIN)[number], string> & { [K in keyof typeof WITH_ARGS]: ReturnType<(typeof WITH_ARGS)[K]> } & {
  printerState: Record<PrinterState, string>;
  /** Any key (a flow's title, a step's text), with its arguments. */
  format: Fmt;
  /** The BCP 47 locale for dates and numbers. */
  locale: string;
};

/** Locales for dates and numbers, where the language code alone is not one the browser formats well. */
const LOCALES: Record<string, string> = { da: 'da-DK', en: 'en-GB', nb: 'nb-NO', nn: 'nn-NO', sv: 'sv-SE', pl: 'pl-PL', uk: 'uk-UA', ar: 'ar', ur: 'ur-PK', so: 'so-SO', de: 'de-DE', tr: 'tr-TR' };
export const localeOf = (lang: string): string => LOCALES[lang] ?? lang;

/**
 * A formatter over one language's catalogue, falling back to the reference
 * catalogue for a key the language lacks (the shell refuses such catalogues;
 * this only keeps a screen readable if one slips through) and to the key itself.
 */
export function formatter(lang: string, catalogue: MessageCatalogue, fallback: MessageCatalogue = {}): Fmt {
  const locale = localeOf(lang);
  const compiled = new Map<string, IntlMessageFormat>();
  return (key, values) => {
    let m = compiled.get(key);
    if (!m) {
      const text = catalogue[key] ?? fallback[key];
      if (text === undefined) return key;
      m = new IntlMessageFormat(text, locale);
      compiled.set(key, m);
    }
    try {
      return String(m.format(values));
    } catch {
      // An argument the caller did not give (a flow text naming an answer not given on this branch): the text without formatting.
      return catalogue[key] ?? fallback[key] ?? key;
    }
  };
}

export function uiStrings(lang: string, catalogue: MessageCatalogue, fallback: MessageCatalogue = {}): UiStrings {
  const f = formatter(lang, catalogue, fallback);
  const out: Record<string, unknown> = { format: f, locale: localeOf(lang) };
  for (const k of PLAIN) out[k] = f(`ui.${k}`);
  for (const [k, make] of Object.entries(WITH_ARGS)) out[k] = make(f);
  out.printerState = Object.fromEntries(PRINTER_STATES.map((s) => [s, f(`ui.printerState.${s}`)]));
  return out as UiStrings;
}
