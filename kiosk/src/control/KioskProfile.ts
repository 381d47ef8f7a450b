/**
 * The configuration profile this kiosk runs, and the one booth-server wants
 * it to run (README "Configuration profiles"). booth-server pushes a
 * version over the control channel; it is applied BETWEEN residents: while a
 * resident's session runs (from the renderer's `sessionStart` to its
 * `endSession`) the version waits, and the newest one waiting is applied when
 * the session ends. Then the version is acknowledged: `applied`, or `failed`
 * with the reason, the kiosk keeping what it ran before.
 *
 * Applying means:
 *  - the renderer's languages, flows and idle time-outs: what `content()` and
 *    `info()` answer from now on (`effective()`), and a `settingsChanged`
 *    bridge event so the page asks again;
 *  - the printer and card reader: re-opened with the profile's ports and
 *    settings (a profile without hardware means the local configuration's);
 *    a port that does not open fails the version and the previous devices
 *    are opened again;
 *  - opening hours and the call's video cap: handed to the page with info().
 * A version naming a flow or language this kiosk's own content lacks fails
 * too: the server checks against its copy of config/, the kiosk against its own.
 */
import type { ControlApplyProfile, ControlProfileAck, KioskOpeningHours, ProfileBody } from '@citizen/protocol';
import type { KioskConfig } from '../hardware/KioskHardware';

export interface ProfileDevices {
  readonly deviceSettings: Pick<KioskConfig, 'printer' | 'cardReader'>;
  reconfigure(next: Pick<KioskConfig, 'printer' | 'cardReader'>): Promise<void>;
}

/** What the renderer runs with. Without a profile: the local configuration, every flow and language. */
export interface EffectiveSettings {
  profile: { name: string; version: number } | null;
  /** null: every flow (languages) of the content. */
  flows: readonly string[] | null;
  languages: readonly string[] | null;
  session: { idleWarnSeconds: number; idleWipeSeconds: number; readAloudOnArrival?: boolean };
  openingHours: KioskOpeningHours | null;
  maxVideoBitrate: number | null;
  /** The profile's ICE transport policy for calls; null: the local configuration's. */
  iceTransportPolicy: 'all' | 'relay' | null;
}

export interface KioskProfileOptions {
  /** The local configuration: what applies without a profile, and the devices a profile without hardware gets. */
  local: Pick<KioskConfig, 'printer' | 'cardReader' | 'session'>;
  /** The flows and languages this kiosk's own content has. */
  content: { flows: readonly string[]; languages: readonly string[] };
  devices: ProfileDevices;
  /** Sends the acknowledgement; false when the channel is down (the server pushes again on reconnect, and is answered then). */
  ack: (ack: ControlProfileAck) => boolean;
  /** The effective settings changed (tell the renderer). */
  onChange: (settings: EffectiveSettings) => void;
  log: { info(msg: string): void; warn(msg: string): void };
}

const DEFAULT_SESSION = { idleWarnSeconds: 90, idleWipeSeconds: 20 };

export class KioskProfile {
  readonly #o: KioskProfileOptions;
  #settings: EffectiveSettings;
  #sessionActive = false;
  #pending: ControlApplyProfile | null = null;
  /**
   * Applies run one at a time: a push arriving while devices re-open, or a
   * session ending then, must not start a second re-open of the same ports.
   */
  #queue: Promise<void> = Promise.resolve();

  constructor(opts: KioskProfileOptions) {
    this.#o = opts;
    this.#settings = { profile: null, flows: null, languages: null, session: opts.local.session ?? DEFAULT_SESSION, openingHours: null, maxVideoBitrate: null, iceTransportPolicy: null };
  }

  effective(): EffectiveSettings {
    return this.#settings;
  }

  get sessionActive(): boolean {
    return this.#sessionActive;
  }

  /** The renderer started a resident's session: versions wait until it ends. */
  sessionStarted(): void {
    this.#sessionActive = true;
  }

  /** The session ended (endSession): a waiting version is applied now. Resolves once it is. */
  sessionEnded(): Promise<void> {
    this.#sessionActive = false;
    const next = this.#pending;
    this.#pending = null;
    return next ? this.#enqueue(next) : this.#queue;
  }

  /** A version from booth-server. Applied now between residents, else when the session ends. */
  offer(msg: ControlApplyProfile): Promise<void> {
    const cur = this.#settings.profile;
    if (cur && cur.name === msg.profile && cur.version === msg.version) {
      // Already running it (a reconnect): say so again, the server may have missed the first answer.
      this.#o.ack({ type: 'profileAck', profile: msg.profile, version: msg.version, result: 'applied' });
      return this.#queue;
    }
    if (this.#sessionActive) {
      this.#pending = msg;
      this.#o.log.info(`profile waits for the session to end [profile:${msg.profile}, version:${msg.version}]`);
      return this.#queue;
    }
    return this.#enqueue(msg);
  }

  #enqueue(msg: ControlApplyProfile): Promise<void> {
    this.#queue = this.#queue.then(() => this.#apply(msg));
    return this.#queue;
  }

  async #apply(msg: ControlApplyProfile): Promise<void> {
    // A session may have started while the previous apply ran.
    if (this.#sessionActive) {
      this.#pending = msg;
      return;
    }
    const ack = (result: 'applied' | 'failed', reason?: string): void => {
      const sent = this.#o.ack({ type: 'profileAck', profile: msg.profile, version: msg.version, result, ...(reason ? { reason: reason.slice(0, 300) } : {}) });
      if (!sent) this.#o.log.warn(`profile acknowledgement not sent, channel down [profile:${msg.profile}, version:${msg.version}]`);
    };
    const problem = this.#contentProblem(msg.settings);
    if (problem) {
      this.#o.log.warn(`profile not applied [profile:${msg.profile}, version:${msg.version}, reason:${problem}]`);
      return ack('failed', problem);
    }
    const hw = msg.settings.hardware;
    try {
      await this.#o.devices.reconfigure({ printer: hw?.printer ?? this.#o.local.printer, cardReader: hw?.cardReader ?? this.#o.local.cardReader });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.#o.log.warn(`profile not applied [profile:${msg.profile}, version:${msg.version}, reason:${reason}]`);
      return ack('failed', reason);
    }
    const s = msg.settings;
    this.#settings = {
      profile: { name: msg.profile, version: msg.version },
      flows: s.flows,
      languages: s.languages,
      session: s.session,
      openingHours: s.openingHours,
      maxVideoBitrate: s.call.maxVideoBitrate,
      iceTransportPolicy: s.call.iceTransportPolicy ?? null,
    };
    this.#o.log.info(`profile applied [profile:${msg.profile}, version:${msg.version}]`);
    this.#o.onChange(this.#settings);
    ack('applied');
  }

  #contentProblem(s: ProfileBody): string | null {
    const missingFlow = s.flows.find((f) => !this.#o.content.flows.includes(f));
    if (missingFlow) return `flow ${missingFlow} is not in this kiosk's content (config/flows)`;
    const missingLang = s.languages.find((l) => !this.#o.content.languages.includes(l));
    if (missingLang) return `language ${missingLang} is not in this kiosk's content (config/messages)`;
    if (s.languages.length === 0) return 'no language to offer';
    return null;
  }
}
