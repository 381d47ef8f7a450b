/**
 * Kiosk app state as plain signals, so flows can be tested without rendering.
 */
import { computed, effect, signal } from '@preact/signals';
import { RECEIPT_LANGUAGES, type Kiosk, type KioskContent, type KioskLanguage, type MessageCatalogue, type ReceiptLanguage } from '@citizen/protocol';
import type { BridgeEventPayload, HardwareStatus, KioskShellApi, ShellInfo } from '../contract';
import { REFERENCE_LANGUAGE, formatter, uiStrings } from './i18n';
import { createFlowRunner } from './flows/runner';
import { createCallState, type CallDeps } from './call/callState';
import { createFollowUp } from './followUp/followUp';
import { createProvisioning } from './provisioning/provisioning';
import { createLogger, drop } from '@citizen/call-client/log';

const log = createLogger('kiosk-state');

export type Connection = { state: 'loading' } | { state: 'online'; kiosk: Kiosk } | { state: 'offline'; reason: string };

/** Which screen shows when no call is going on. */
export type Screen = 'attract' | 'home' | 'flow' | 'follow-up';

export function createKioskState(bridge: KioskShellApi, callDeps: CallDeps, fetchImpl: typeof fetch = fetch) {
  /** The languages and flows the shell loaded, and every language's catalogue; null until they are in. */
  const content = signal<(Omit<KioskContent, 'catalogues'> & { messages: Record<string, MessageCatalogue> }) | null>(null);
  const contentProblem = signal<string | null>(null);
  /** The language a session starts in (the first one offered). */
  const defaultLang = computed(() => content.value?.languages[0]?.code ?? REFERENCE_LANGUAGE);
  const lang = signal<string>(REFERENCE_LANGUAGE);
  const language = computed<KioskLanguage>(() => content.value?.languages.find((l) => l.code === lang.value) ?? { code: lang.value, name: lang.value, dir: 'ltr' });
  /** Receipts print in the resident's language where the printer has a template for it, else in English. */
  const receiptLang = computed<ReceiptLanguage>(() => ((RECEIPT_LANGUAGES as readonly string[]).includes(lang.value) ? (lang.value as ReceiptLanguage) : 'en'));
  const connection = signal<Connection>({ state: 'loading' });
  const shell = signal<ShellInfo | null>(null);
  const hardware = signal<HardwareStatus | null>(null);
  const t = computed(() => {
    const messages = content.value?.messages ?? {};
    return uiStrings(lang.value, messages[lang.value] ?? {}, messages[REFERENCE_LANGUAGE] ?? {});
  });
  /** Formats in the kiosk's local (first) language: printed documents fall back to it. */
  const localFormat = computed(() => ({ lang: defaultLang.value, format: formatter(defaultLang.value, content.value?.messages[defaultLang.value] ?? {}, content.value?.messages[REFERENCE_LANGUAGE] ?? {}) }));
  /** Formats in the reference language: what the agent reads of the resident's answers. */
  const referenceFormat = computed(() => formatter(REFERENCE_LANGUAGE, content.value?.messages[REFERENCE_LANGUAGE] ?? {}));
  const call = createCallState({
    printDocument: (doc) => bridge.printDocument(doc),
    mediaGate: { open: () => bridge.callStart(), close: () => bridge.callEnd() },
    // The configuration profile's cap on the kiosk camera (a weak uplink), as the shell last said.
    maxVideoBitrate: () => shell.value?.maxVideoBitrate ?? null,
    // relay: this kiosk's calls go through TURN only (its profile's or configuration's choice).
    iceTransportPolicy: () => shell.value?.iceTransportPolicy ?? 'all',
    ...callDeps,
  });
  /** The card the resident presented in this session, masked (the clear number never leaves the shell). */
  const card = signal<BridgeEventPayload<'card'> | null>(null);
  const cardProblem = signal<string | null>(null);
  /** The screen when no call flow is running: the start, or following up a case by its reference. */
  const screen = signal<Screen>('attract');
  /** The resident's display choices, for this session only. */
  const display = signal({ largeText: false, highContrast: false, lowReach: false });
  const followUp = createFollowUp(fetchImpl);
  const flow = createFlowRunner();
  /** Until the kiosk has its device identity, the provisioning screen shows instead of everything else. */
  const provisioning = createProvisioning(bridge, () => void refresh());
  /** Technician mode (its PIN pad first) shows instead of everything else. */
  const technician = signal(false);

  /** One language's catalogue, asked of the shell once. */
  async function loadCatalogue(code: string): Promise<void> {
    const c = content.value;
    if (!c || c.messages[code]) return;
    const catalogue = await bridge.messages({ lang: code });
    content.value = { ...content.value!, messages: { ...content.value!.messages, [code]: catalogue } };
  }

  /**
   * The languages, flows and greetings with the first language's and the
   * reference catalogues, in one call: enough for the attract screen. The
   * other languages follow in the background (and on demand, if a resident
   * is quicker).
   */
  async function loadContent(): Promise<void> {
    try {
      const { catalogues, ...c } = await bridge.content();
      content.value = { ...c, messages: catalogues };
      lang.value = defaultLang.value;
      contentProblem.value = null;
      for (const l of c.languages) drop(loadCatalogue(l.code), log, 'loading a catalogue failed (asked again when chosen)', { lang: l.code });
    } catch (err) {
      log.error('loading the kiosk content failed', { error: err });
      contentProblem.value = String(err);
    }
  }

  /** The resident picked a language: from the attract screen on to the services; elsewhere, the same screen in the new language. */
  async function chooseLanguage(code: string): Promise<void> {
    if (!content.value?.languages.some((l) => l.code === code)) return;
    try {
      await loadCatalogue(code);
    } catch (err) {
      log.warn('loading a catalogue failed', { lang: code, error: err });
      return;
    }
    lang.value = code;
    if (screen.value === 'attract') screen.value = 'home';
  }

  /** Starts a guided flow from the home screen. */
  function startFlow(id: string): void {
    const def = content.value?.flows.find((f) => f.id === id);
    if (!def) return;
    flow.start(def);
    screen.value = 'flow';
  }

  /** Back to the services, leaving any flow. */
  function home(): void {
    flow.stop();
    followUp.clear();
    screen.value = 'home';
  }

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
    // A card at the reader on the attract screen starts a session.
    if (screen.value === 'attract') screen.value = 'home';
  });
  bridge.on('cardRejected', ({ code }) => (cardProblem.value = code));

  // The shell holds a new configuration profile back while a resident is here: leaving the attract screen starts a session.
  let sessionStarted = false;
  effect(() => {
    if (screen.value === 'attract' || sessionStarted) return;
    sessionStarted = true;
    drop(bridge.sessionStart(), log, 'sessionStart failed');
  });
  // A profile applied between residents: its languages, flows and time-outs.
  bridge.on('settingsChanged', () => {
    void loadContent();
    drop(bridge.info().then((info) => (shell.value = info)), log, 'reading the shell info failed');
  });

  /**
   * A technician forced a remote action while a resident is here: they are
   * told, full screen in their language, and their session is wiped after the
   * notice's seconds (the shell waits for that, then runs the action).
   */
  const maintenance = signal<{ seconds: number } | null>(null);
  bridge.on('maintenanceNotice', ({ seconds }) => {
    maintenance.value = { seconds };
    setTimeout(() => {
      endResidentSession()
        .catch((err: unknown) => log.error('ending the session for maintenance failed', { error: err }))
        .finally(() => (maintenance.value = null));
    }, seconds * 1000);
  });
  // The browser shell's remote reload (Electron's shell reloads its window itself).
  bridge.on('reload', () => globalThis.location?.reload());

  /**
   * The resident is done: forget what they presented and tell the shell to
   * drop its card data and cancel their waiting print jobs.
   */
  async function endResidentSession(): Promise<void> {
    card.value = null;
    cardProblem.value = null;
    screen.value = 'attract';
    followUp.clear();
    flow.stop();
    display.value = { largeText: false, highContrast: false, lowReach: false };
    globalThis.speechSynthesis?.cancel();
    // Before anything is awaited: the next resident may tap a language on the attract screen at once.
    lang.value = defaultLang.value;
    sessionStarted = false;
    await call.endSession();
    // Nothing of the resident stays in the page's storage (the call's resume token was in it).
    try {
      globalThis.sessionStorage?.clear();
      globalThis.localStorage?.clear();
    } catch (err) {
      log.warn('clearing storage failed', { error: err });
    }
    await bridge.endSession().catch((err: unknown) => log.error('endSession failed', { error: err }));
  }

  /** Technician mode opens only once the resident session is wiped, and wipes again when it closes. */
  async function openTechnician(): Promise<void> {
    await endResidentSession();
    technician.value = true;
  }
  async function closeTechnician(): Promise<void> {
    technician.value = false;
    await bridge.technicianEnd().catch((err: unknown) => log.warn('technicianEnd failed', { error: err }));
    await endResidentSession();
  }

  async function refresh(): Promise<void> {
    void provisioning.check();
    const [self, info, hw] = await Promise.allSettled([
      fetchImpl('/api/kiosk/self').then(async (r) => {
        // Refused: the shell renews its token; if the kiosk was revoked, the provisioning screen follows.
        if (r.status === 401) setTimeout(() => void provisioning.check(), 1500);
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

  return {
    content, contentProblem, lang, language, referenceFormat, localFormat, receiptLang, connection, shell, hardware, t, call, card, cardProblem, screen, display, followUp, flow, bridge, provisioning, technician, maintenance,
    loadContent, chooseLanguage, startFlow, home, endResidentSession, refresh, openTechnician, closeTechnician,
  };
}
export type KioskState = ReturnType<typeof createKioskState>;
