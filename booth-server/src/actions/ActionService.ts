/**
 * Remote actions on kiosks (protocol/src/actions.ts): recorded when a
 * technician asks, sent over the kiosk control channel, and updated from what
 * the kiosk reports. Every change is audited (in the store, in the same
 * transaction) and handed to `onChange` (the fleet socket tells consoles).
 *
 * Delivery: an action is sent at once when the kiosk's control channel is
 * open, and again on every connect until it is final, so a kiosk that was
 * away, or missed the message, gets it. The kiosk answers an id it knows
 * with its state and never runs one id twice.
 *
 * Expiry: an action that has not started (requested, sent, deferred)
 * ACTION_EXPIRY_MINUTES after it was asked for is expired, checked every
 * minute and on every connect. The kiosk is given the same limit
 * (`expiresInMs`) and drops a deferred action past it on its own.
 *
 * Restart: the kiosk reports `running` and goes away; its next connect is the
 * restart done, recorded here as succeeded.
 */
import { ACTION_EXPIRY_MINUTES, type ControlActionState, type ControlRunAction, type KioskAction, type KioskActionName, type KioskId, type UserId } from '@citizen/protocol';
import { BoothError } from '../errors';
import type { KioskControlRegistry } from '../control/KioskControl';
import type { KioskActionRecord, KioskRecord, Store } from '../store/Store';

export interface ActionServiceDeps {
  store: Store;
  control: KioskControlRegistry;
  now: () => Date;
  log: { info(msg: string): void; warn(msg: string): void };
  onChange: (action: KioskAction) => void;
}

const EXPIRY_MS = ACTION_EXPIRY_MINUTES * 60_000;

export function toKioskAction(a: KioskActionRecord): KioskAction {
  return {
    id: a.id,
    kioskId: a.kioskId,
    action: a.action,
    force: a.force,
    requestedBy: { id: a.requestedBy, username: a.requestedByName ?? `#${a.requestedBy}` },
    requestedAt: a.requestedAt.toISOString(),
    state: a.state,
    updatedAt: a.updatedAt.toISOString(),
    finishedAt: a.finishedAt?.toISOString() ?? null,
    reason: a.reason,
    report: a.report,
  };
}

export class ActionService {
  readonly #d: ActionServiceDeps;

  constructor(deps: ActionServiceDeps) {
    this.#d = deps;
  }

  /** A technician asks for an action: stored (audited), sent if the kiosk is connected. */
  async request(id: KioskId, action: KioskActionName, force: boolean, by: UserId): Promise<KioskAction> {
    const kiosk = await this.#kiosk(id);
    if (kiosk.revokedAt) throw new BoothError('KIOSK_REVOKED', `kiosk ${id} was revoked on ${kiosk.revokedAt.toISOString()}`);
    const rec = await this.#d.store.addKioskAction({ kioskId: id, action, force, requestedBy: by, requestedAt: this.#d.now() });
    this.#d.log.info(`remote action requested [kiosk:${id}, action:${rec.id}:${action}, force:${force}, by:${by}]`);
    const sent = await this.#send(rec);
    const out = toKioskAction(sent ?? rec);
    this.#d.onChange(out);
    return out;
  }

  async list(id: KioskId, limit: number): Promise<KioskAction[]> {
    await this.#kiosk(id);
    return (await this.#d.store.listKioskActions(id, limit)).map(toKioskAction);
  }

  /** The kiosk's control channel opened: a restart that was running is done; what has not finished is sent (again). */
  async connected(kiosk: KioskRecord): Promise<void> {
    await this.expireDue();
    for (const a of await this.#d.store.listOpenKioskActions(kiosk.id)) {
      if (a.action === 'restart' && a.state === 'running') {
        const done = await this.#d.store.updateKioskAction(a.id, { state: 'succeeded', at: this.#d.now(), reason: 'the kiosk connected again after restarting', actor: 'system', audit: true });
        if (done) this.#d.onChange(toKioskAction(done));
        continue;
      }
      const sent = await this.#send(a);
      if (sent) this.#d.onChange(toKioskAction(sent));
    }
  }

  /** What the kiosk reports. A report for an action that is not the kiosk's, or is final already, changes nothing. */
  async report(kiosk: KioskRecord, m: ControlActionState): Promise<void> {
    const a = await this.#d.store.findKioskAction(m.actionId);
    if (!a || a.kioskId !== kiosk.id) {
      this.#d.log.warn(`action state for an unknown action [kiosk:${kiosk.id}, action:${m.actionId}]`);
      return;
    }
    // The same state again (the kiosk answers a re-sent action with what it has): nothing new to record.
    if (a.state === m.state && !m.report) return;
    const changed = await this.#d.store.updateKioskAction(a.id, { state: m.state, at: this.#d.now(), reason: m.reason ?? null, report: m.report ?? null, actor: 'kiosk', audit: true });
    if (!changed) {
      this.#d.log.warn(`action state after it was final [kiosk:${kiosk.id}, action:${a.id}:${a.action}, was:${a.state}, reported:${m.state}]`);
      return;
    }
    const level = m.state === 'failed' ? 'warn' : 'info';
    this.#d.log[level](`remote action ${m.state} [kiosk:${kiosk.id}, action:${a.id}:${a.action}${m.reason ? `, reason:${m.reason}` : ''}]`);
    this.#d.onChange(toKioskAction(changed));
  }

  /** Expires what has not started in time. Resolves with how many. */
  async expireDue(): Promise<number> {
    const now = this.#d.now();
    const expired = await this.#d.store.expireKioskActions(new Date(now.getTime() - EXPIRY_MS), now);
    for (const a of expired) {
      this.#d.log.info(`remote action expired [kiosk:${a.kioskId}, action:${a.id}:${a.action}]`);
      this.#d.onChange(toKioskAction(a));
    }
    return expired.length;
  }

  /** Sends the action if the kiosk is connected; a `requested` one becomes `sent`. Resolves with the changed record, if it changed. */
  async #send(a: KioskActionRecord): Promise<KioskActionRecord | undefined> {
    const msg: ControlRunAction = {
      type: 'runAction',
      actionId: a.id,
      action: a.action,
      force: a.force,
      expiresInMs: Math.max(0, a.requestedAt.getTime() + EXPIRY_MS - this.#d.now().getTime()),
    };
    if (!this.#d.control.isConnected(a.kioskId)) return undefined;
    // Recorded before it goes out: the kiosk's answer (running, deferred) may come back before a later write.
    const sent = a.state === 'requested' ? await this.#d.store.updateKioskAction(a.id, { state: 'sent', at: this.#d.now(), actor: 'system', audit: false }) : undefined;
    if (!this.#d.control.send(a.kioskId, msg)) this.#d.log.warn(`remote action not sent, the channel went [kiosk:${a.kioskId}, action:${a.id}:${a.action}]`);
    return sent;
  }

  async #kiosk(id: KioskId): Promise<KioskRecord> {
    const kiosk = await this.#d.store.findKiosk(id);
    if (!kiosk) throw new BoothError('KIOSK_NOT_FOUND', `no kiosk ${id}`);
    return kiosk;
  }
}
