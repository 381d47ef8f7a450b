/**
 * Kiosk configuration profiles (protocol/src/profiles.ts): versions checked
 * before they are stored, kiosks assigned a profile, and each kiosk's desired
 * version pushed to it over the control channel; its acknowledgement
 * recorded.
 *
 * A kiosk's desired version is its profile's current (highest) version.
 * It changes with a new version, a rollback (a new version with an older
 * body, so the history stays linear) and a reassignment; each change is sent
 * at once to the kiosks it concerns that are connected, and to every kiosk
 * when its control channel opens, so an offline kiosk catches up.
 *
 * Languages: a kiosk offers the profile's languages that its own record
 * lists, in the profile's order (offeredLanguages). A version or an
 * assignment that would leave a kiosk with none is refused.
 */
import { offeredLanguages, checkProfileBody, type ControlApplyProfile, type ControlProfileAck, type KioskId, type KioskProfileState, type ProfileBody, type ProfileCatalogue, type UserId } from '@citizen/protocol';
import { BoothError } from '../errors';
import type { KioskControlRegistry } from '../control/KioskControl';
import type { KioskProfileRecord, KioskRecord, ProfileVersionRecord, Store } from '../store/Store';

export interface ProfileServiceDeps {
  store: Store;
  catalogue: ProfileCatalogue;
  control: KioskControlRegistry;
  now: () => Date;
  log: { info(msg: string): void; warn(msg: string): void };
  /** A kiosk's profile state changed (the fleet socket tells technicians). */
  onState: (state: KioskProfileState) => void;
}

type Actor = UserId | 'system';

export class ProfileService {
  readonly #d: ProfileServiceDeps;

  constructor(deps: ProfileServiceDeps) {
    this.#d = deps;
  }

  /** Seed files: version 1 of each profile the store does not have yet. */
  async seed(seeds: readonly { name: string; body: ProfileBody }[]): Promise<number> {
    let n = 0;
    for (const s of seeds) {
      if (await this.#d.store.findProfileVersion(s.name)) continue;
      await this.#d.store.addProfileVersion({ profile: s.name, body: s.body, createdAt: this.#d.now(), createdBy: 'system', rolledBackFrom: null, note: 'seed: config/profiles' });
      n++;
    }
    return n;
  }

  /** Checks a body; throws PROFILE_INVALID naming every field that is wrong. */
  check(body: unknown): ProfileBody {
    const problems = checkProfileBody(body, this.#d.catalogue);
    if (problems.length > 0) throw new BoothError('PROFILE_INVALID', problems.join('; '));
    return body as ProfileBody;
  }

  async createVersion(profile: string, rawBody: unknown, note: string, by: Actor): Promise<ProfileVersionRecord> {
    const body = this.check(rawBody);
    await this.#checkAssignedLanguages(profile, body);
    return this.#store(profile, body, null, note, by);
  }

  async rollback(profile: string, toVersion: number, note: string, by: Actor): Promise<ProfileVersionRecord> {
    const current = await this.#d.store.findProfileVersion(profile);
    if (!current) throw new BoothError('PROFILE_NOT_FOUND', `no profile ${profile}`);
    if (toVersion === current.version) throw new BoothError('PROFILE_ROLLBACK_CURRENT', `version ${toVersion} is ${profile}'s current version`);
    const old = await this.#d.store.findProfileVersion(profile, toVersion);
    if (!old) throw new BoothError('PROFILE_VERSION_NOT_FOUND', `${profile} has no version ${toVersion}`);
    // Checked again: the site's flows and languages, or the kiosks assigned, may have changed since.
    const body = this.check(old.body);
    await this.#checkAssignedLanguages(profile, body);
    return this.#store(profile, body, toVersion, note || `rollback to version ${toVersion}`, by);
  }

  async #store(profile: string, body: ProfileBody, rolledBackFrom: number | null, note: string, by: Actor): Promise<ProfileVersionRecord> {
    const at = this.#d.now();
    const v = await this.#d.store.addProfileVersion({ profile, body, createdAt: at, createdBy: by, rolledBackFrom, note });
    this.#d.log.info(`profile version stored [profile:${profile}, version:${v.version}${rolledBackFrom ? `, rollback-of:${rolledBackFrom}` : ''}]`);
    const assigned = (await this.#d.store.listKioskProfiles()).filter((k) => k.profile === profile);
    for (const k of assigned) {
      await this.#d.store.addKioskAudit({ kioskId: k.kioskId, at, actor: by, action: 'profile-version', data: { profile, version: v.version, rolledBackFrom } });
    }
    await Promise.all(assigned.map((k) => this.push(k.kioskId)));
    return v;
  }

  async #checkAssignedLanguages(profile: string, body: ProfileBody): Promise<void> {
    const assigned = new Set((await this.#d.store.listKioskProfiles()).filter((k) => k.profile === profile).map((k) => k.kioskId));
    if (assigned.size === 0) return;
    for (const k of await this.#d.store.listKiosks()) {
      if (assigned.has(k.id) && offeredLanguages(body.languages, k.languages).length === 0) {
        throw new BoothError('PROFILE_LANGUAGES_DISJOINT', `languages: kiosk ${k.id} would offer none (its record lists ${k.languages.join(', ')})`);
      }
    }
  }

  async assign(id: KioskId, profile: string | null, by: Actor): Promise<KioskProfileState> {
    const kiosk = await this.#d.store.findKiosk(id);
    if (!kiosk) throw new BoothError('KIOSK_NOT_FOUND', `no kiosk ${id}`);
    if (profile !== null) {
      const current = await this.#d.store.findProfileVersion(profile);
      if (!current) throw new BoothError('PROFILE_NOT_FOUND', `no profile ${profile}`);
      if (offeredLanguages(current.body.languages, kiosk.languages).length === 0) {
        throw new BoothError('PROFILE_LANGUAGES_DISJOINT', `languages: kiosk ${id} lists ${kiosk.languages.join(', ')}, profile ${profile} offers ${current.body.languages.join(', ')}`);
      }
    }
    await this.#d.store.setKioskProfile(id, profile, this.#d.now(), by);
    await this.push(id);
    return this.state(id);
  }

  /** What the kiosk should run, worked out for it; null without a profile. */
  async desired(kiosk: KioskRecord, kp?: KioskProfileRecord): Promise<ControlApplyProfile | null> {
    const rec = kp ?? (await this.#d.store.findKioskProfile(kiosk.id));
    if (!rec?.profile) return null;
    const v = await this.#d.store.findProfileVersion(rec.profile);
    if (!v) return null;
    return { type: 'applyProfile', profile: v.profile, version: v.version, settings: { ...v.body, languages: offeredLanguages(v.body.languages, kiosk.languages) } };
  }

  /** Sends the kiosk its desired version if it is connected, and tells technicians. */
  async push(id: KioskId): Promise<void> {
    const kiosk = await this.#d.store.findKiosk(id);
    if (!kiosk) return;
    const msg = await this.desired(kiosk);
    if (msg && !kiosk.revokedAt) this.#d.control.send(id, msg);
    this.#d.onState(await this.state(id));
  }

  /** The kiosk's acknowledgement. One for a version other than its desired one is recorded all the same: it says what the kiosk runs. */
  async acknowledge(kiosk: KioskRecord, ack: ControlProfileAck): Promise<void> {
    await this.#d.store.recordProfileAck(kiosk.id, { profile: ack.profile, version: ack.version, result: ack.result, reason: ack.reason ?? null, at: this.#d.now() });
    if (ack.result === 'failed') this.#d.log.warn(`profile not applied [kiosk:${kiosk.id}, profile:${ack.profile}, version:${ack.version}, reason:${ack.reason ?? 'none given'}]`);
    this.#d.onState(await this.state(kiosk.id));
  }

  async state(id: KioskId): Promise<KioskProfileState> {
    const rec = await this.#d.store.findKioskProfile(id);
    if (!rec) throw new BoothError('KIOSK_NOT_FOUND', `no kiosk ${id}`);
    return this.#toState(rec, rec.profile ? ((await this.#d.store.findProfileVersion(rec.profile))?.version ?? null) : null);
  }

  async states(): Promise<KioskProfileState[]> {
    const current = new Map((await this.#d.store.listCurrentProfileVersions()).map((v) => [v.profile, v.version]));
    return (await this.#d.store.listKioskProfiles()).map((r) => this.#toState(r, r.profile ? (current.get(r.profile) ?? null) : null));
  }

  #toState(r: KioskProfileRecord, desiredVersion: number | null): KioskProfileState {
    return {
      kioskId: r.kioskId,
      profile: r.profile,
      desiredVersion,
      appliedProfile: r.appliedProfile,
      appliedVersion: r.appliedVersion,
      appliedAt: r.appliedAt?.toISOString() ?? null,
      failedVersion: r.failedVersion,
      failure: r.failure,
      connected: this.#d.control.isConnected(r.kioskId),
    };
  }
}
