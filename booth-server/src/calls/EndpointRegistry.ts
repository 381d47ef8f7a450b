/**
 * The media endpoints of all sessions, one per session at most: opened on
 * request (the caller decides whether the session may have media now),
 * closed with the session, the queue or the call, and moved to a live router
 * when their worker dies.
 */
import type { RtpCapabilities } from '@citizen/protocol';
import type { Static } from '@sinclair/typebox';
import type { SharedRouters } from '../sfu/SharedRouters';
import { MediaEndpoint, type EndpointOptions } from './MediaEndpoint';
import { SignalFailure } from './errors';

export interface EndpointRegistryOptions {
  routers: SharedRouters;
  media: EndpointOptions;
  /** The endpoint moved: tell its owner to make its transports again. */
  onMoved: (ownerId: string, routerRtpCapabilities: Static<typeof RtpCapabilities>) => void;
  /** The endpoint could not be moved: its owner's calls end. */
  onLost: (ownerId: string) => void;
  log: (level: 'info' | 'warn' | 'error', msg: string, ctx: Record<string, unknown>) => void;
}

export class EndpointRegistry {
  readonly #byOwner = new Map<string, MediaEndpoint>();

  constructor(private readonly opts: EndpointRegistryOptions) {
    opts.routers.on('lost', (index) => void this.#onRouterLost(index));
  }

  /** Every shared router has the same codecs, so the same capabilities. */
  routerCapabilities(): Static<typeof RtpCapabilities> {
    const slot = this.opts.routers.slots()[0];
    if (!slot) throw new SignalFailure('MEDIA_FAILED', 'no SFU router is up');
    return slot.router.rtpCapabilities;
  }

  /** The owner's open endpoint, or null. */
  of(ownerId: string): MediaEndpoint | null {
    const e = this.#byOwner.get(ownerId);
    return e && !e.closed ? e : null;
  }

  /** The owner's open endpoint; WRONG_STATE when it has none. */
  require(ownerId: string): MediaEndpoint {
    const e = this.of(ownerId);
    if (!e) throw new SignalFailure('WRONG_STATE', 'open media first (openMedia)');
    return e;
  }

  /**
   * The owner's endpoint, made on the least-loaded router when it has none.
   * `stillAllowed` is asked again after the wait for a router: the session
   * may have ended or left the queue meanwhile.
   */
  async open(ownerId: string, stillAllowed: () => boolean): Promise<{ endpoint: MediaEndpoint; created: boolean }> {
    const existing = this.of(ownerId);
    if (existing) return { endpoint: existing, created: false };
    const slot = await this.opts.routers.pick();
    if (!stillAllowed()) throw new SignalFailure('WRONG_STATE', 'the session changed while media was opening');
    const raced = this.of(ownerId);
    if (raced) return { endpoint: raced, created: false };
    const endpoint = new MediaEndpoint(ownerId, slot, this.opts.media);
    this.#byOwner.set(ownerId, endpoint);
    return { endpoint, created: true };
  }

  close(ownerId: string): void {
    this.#byOwner.get(ownerId)?.close();
    this.#byOwner.delete(ownerId);
  }

  /**
   * A worker died and its router with it: every endpoint that lived there
   * moves to a live router and its owner is told to make its transports again
   * (and, in a call, produce again).
   */
  async #onRouterLost(index: number): Promise<void> {
    const affected = [...this.#byOwner.values()].filter((e) => !e.closed && e.workerIndex === index);
    this.opts.log('warn', 'moving media endpoints off a dead SFU worker', { worker: index, endpoints: affected.length });
    for (const endpoint of affected) {
      try {
        const slot = await this.opts.routers.pick();
        if (endpoint.closed) continue;
        endpoint.rehome(slot);
        this.opts.onMoved(endpoint.ownerId, slot.router.rtpCapabilities);
        this.opts.log('info', 'media endpoint moved to a new router', { owner: endpoint.ownerId, worker: slot.workerIndex });
      } catch (err) {
        this.opts.log('error', 'media endpoint could not be moved; ending its calls', { owner: endpoint.ownerId, error: (err as Error).message });
        this.close(endpoint.ownerId);
        this.opts.onLost(endpoint.ownerId);
      }
    }
  }

  /** Closes every endpoint. Idempotent. */
  closeAll(): void {
    for (const e of this.#byOwner.values()) e.close();
    this.#byOwner.clear();
  }
}
