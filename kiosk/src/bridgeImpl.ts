/**
 * What the bridge calls do, shared by the Electron main process and the
 * browser-shell host so both shells behave the same: argument validation at
 * the entry, the calls themselves, and the mapping of failures to coded
 * BridgeErrors.
 */
import { Value } from '@sinclair/typebox/value';
import { HARDWARE_ERRORS, HardwareError } from '@citizen/hardware';
import { REFERENCE_LANGUAGE, loadKioskContent, type LoadedKioskContent } from '@citizen/config/kioskContent';
import { BRIDGE_CALLS, BridgeError, isBridgeCall, type BridgeArgs, type BridgeCall, type BridgeResult, type IpcReply } from './contract';
import { PrintFailure, type KioskConfig, type KioskHardware } from './hardware/KioskHardware';
import { EnrolmentFailure, type KioskIdentitySource } from './identity';
import type { KioskProfile } from './control/KioskProfile';
import type { ActionExecutor } from './control/ActionExecutor';
import { UNKNOWN_MEDIA, type MediaReportBox } from './health/HeartbeatSender';
import type { TechnicianServices } from './technician/services';

export const KIOSK_VERSION = '0.1.0';

export type BridgeImpl = { [K in BridgeCall]: (args: BridgeArgs<K>) => Promise<BridgeResult<K>> };

/**
 * The bridge calls. The kiosk's content (languages, catalogues, flows) is
 * loaded and checked here, when the shell starts: a malformed flow or
 * catalogue stops the shell with an error naming the flow, step and field.
 */
export function createBridgeImpl(deps: {
  config: KioskConfig;
  shell: 'electron' | 'browser';
  hardware: KioskHardware;
  /** The kiosk's device identity (enrolment, tokens). */
  identity: KioskIdentitySource;
  content?: LoadedKioskContent;
  /** The signalling socket's URL when the page is not served from booth-server's origin (Electron). */
  signallingUrl?: string;
  /** Where the page's media device report goes, for the heartbeat; without it the report is acknowledged and dropped. */
  media?: MediaReportBox;
  /** The configuration profile the kiosk runs (control/KioskProfile.ts): offered languages, flows and time-outs; absent: the local configuration. */
  profile?: KioskProfile;
  /** Remote actions (control/ActionExecutor.ts): they wait for a resident's session to end. */
  actions?: ActionExecutor;
  /** Technician mode's lock and the self-test (technician/services.ts). */
  technician: TechnicianServices;
}): BridgeImpl {
  const { config, shell, hardware } = deps;
  const { technician, selfTest, mediaProbe } = deps.technician;
  const loaded = deps.content ?? loadKioskContent();
  /** The content as the profile offers it: its languages and flows, in its order. */
  const offered = (): LoadedKioskContent => {
    const s = deps.profile?.effective();
    const pick = <T,>(all: T[], ids: readonly string[] | null | undefined, id: (x: T) => string): T[] =>
      ids ? ids.flatMap((i) => all.filter((x) => id(x) === i)) : all;
    return { ...loaded, languages: pick(loaded.languages, s?.languages, (l) => l.code), flows: pick(loaded.flows, s?.flows, (f) => f.id) };
  };
  return {
    content: async () => ((content) => ({
      languages: content.languages,
      flows: content.flows,
      greetings: Object.fromEntries(
        content.languages.map((l) => [l.code, { title: content.messages[l.code]?.['ui.attractTitle'] ?? '', hint: content.messages[l.code]?.['ui.attractHint'] ?? '' }]),
      ),
      catalogues: Object.fromEntries(
        [...new Set([content.languages[0]!.code, REFERENCE_LANGUAGE])].flatMap((code) => (content.messages[code] ? [[code, content.messages[code]]] : [])),
      ),
    }))(offered()),
    messages: async ({ lang }) => {
      const catalogue = loaded.messages[lang];
      if (!catalogue) throw new BridgeError({ code: 'BRIDGE_INVALID_ARGUMENTS', message: `no messages for language ${lang}`, fix: 'Ask for one of the languages content() lists.' });
      return catalogue;
    },
    info: async () => ({
      shell,
      kioskId: ((s) => (s.state === 'unprovisioned' ? config.id : s.kioskId))(deps.identity.status()),
      version: KIOSK_VERSION,
      ...(deps.signallingUrl ? { signallingUrl: deps.signallingUrl } : {}),
      session: deps.profile?.effective().session ?? config.session ?? { idleWarnSeconds: 90, idleWipeSeconds: 20 },
      ...(deps.profile
        ? ((s) => ({ profile: s.profile, openingHours: s.openingHours, maxVideoBitrate: s.maxVideoBitrate }))(deps.profile.effective())
        : {}),
      iceTransportPolicy: deps.profile?.effective().iceTransportPolicy ?? config.iceTransportPolicy ?? 'all',
    }),
    // The permission gate is the Electron main process's (kiosk/src/main/callGate.ts moves it when these succeed).
    // The browser shell's Chromium has no per-call gate: these only acknowledge.
    callStart: async () => null,
    callEnd: async () => null,
    reportMediaDevices: async (report) => {
      deps.media?.set(report);
      return null;
    },
    hardwareStatus: async () => hardware.status(),
    printReceipt: (args) => hardware.printReceipt(args),
    printDocument: (args) => hardware.printDocument(args),
    endSession: async () => {
      const result = hardware.endSession();
      // A profile version that waited for this session is applied now; the page hears of it by settingsChanged.
      void deps.profile?.sessionEnded();
      // Not awaited: a forced action ends the session from inside its own run.
      void deps.actions?.sessionEnded();
      return result;
    },
    sessionStart: async () => {
      deps.profile?.sessionStarted();
      deps.actions?.sessionStarted();
      return null;
    },
    identity: async () => deps.identity.status(),
    enrol: async ({ code }) => {
      // Replacing a working identity is for a technician, not for whatever script runs in the page.
      if (deps.identity.status().state === 'enrolled') technician.require('enrol');
      return deps.identity.enrol(code);
    },
    technicianUnlock: ({ pin }) => technician.unlock(pin),
    technicianStatus: async () => {
      technician.require('technicianStatus');
      const identity = deps.identity.status();
      return {
        kioskId: identity.state === 'unprovisioned' ? config.id : identity.kioskId,
        version: KIOSK_VERSION,
        shell,
        serverUrl: config.serverUrl,
        identity,
        hardware: hardware.status(),
        media: deps.media?.get() ?? UNKNOWN_MEDIA,
        lastSelfTest: selfTest.last,
      };
    },
    technicianEnd: async () => {
      technician.close('closed');
      return null;
    },
    selfTest: async (request) => {
      technician.require('selfTest');
      return selfTest.run(request);
    },
    selfTestMediaResult: async (answer) => {
      mediaProbe.answer(answer);
      return null;
    },
  };
}

/** Maps anything a call threw to a BridgeError with a stable code; unexpected errors become BRIDGE_INTERNAL. */
export function toBridgeError(err: unknown): BridgeError {
  if (err instanceof BridgeError) return err;
  if (err instanceof PrintFailure) return new BridgeError({ code: err.error.code, message: err.error.message, fix: err.error.fix, details: err.details });
  if (err instanceof EnrolmentFailure) return new BridgeError({ code: err.code, message: err.message, fix: err.fix });
  if (err instanceof HardwareError) return new BridgeError({ code: err.code, message: err.message, fix: HARDWARE_ERRORS[err.code].fix });
  return new BridgeError({ code: 'BRIDGE_INTERNAL', message: 'the kiosk shell failed to carry out the call', fix: 'See the kiosk shell log.' });
}

/**
 * Checks a call's name and arguments against the contract, runs it, and
 * returns the result or a coded error as data (what both the IPC handler and
 * the HTTP route send back).
 */
export async function invokeBridgeCall(impl: BridgeImpl, call: string, rawArgs: unknown): Promise<IpcReply> {
  if (!isBridgeCall(call)) return { ok: false, error: { code: 'BRIDGE_UNKNOWN_CALL', message: `no bridge call named ${JSON.stringify(call)}` } };
  const schema = BRIDGE_CALLS[call].args;
  const args = schema.type === 'null' ? (rawArgs ?? null) : rawArgs;
  const first = Value.Errors(schema, args).First();
  if (first) {
    return {
      ok: false,
      error: {
        code: 'BRIDGE_INVALID_ARGUMENTS',
        message: `${call}: ${first.path || '(arguments)'}: ${first.message}`,
        fix: 'A programming error in the renderer: the arguments must match BRIDGE_CALLS in kiosk/src/contract.ts.',
      },
    };
  }
  try {
    const value = await (impl[call] as (a: unknown) => Promise<unknown>)(args);
    return { ok: true, value };
  } catch (err) {
    return { ok: false, error: toBridgeError(err).toBody() };
  }
}
