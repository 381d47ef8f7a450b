/**
 * The kiosk control channel, `GET /ws/kiosk/control` (protocol/src/control.ts):
 * one WebSocket per kiosk, opened by the kiosk shell with its credential.
 * Features use it through `app.kioskControl`: `registry.send(kioskId, msg)`
 * to reach a kiosk, `onConnect` to send a kiosk what it missed while away,
 * `handle(type, fn)` for what kiosks send.
 *
 * Every frame from a kiosk is checked against its message's schema; one that
 * fails is answered with `error` (CONTROL_MESSAGE_INVALID, what is wrong) and
 * the channel stays open. Liveness by ping (calls.pingIntervalSeconds); the
 * kiosk's credential is re-checked every auth.socketRecheckSeconds, and
 * revocation or re-enrolment closes the channel at once (auth/access.ts).
 */
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { CONTROL_CLOSE, CONTROL_WS_PATH, KIOSK_CONTROL_MESSAGES, parseControlMessage, type KioskControlMessage } from '@citizen/protocol';
import type { KioskRecord, Store } from '../store/Store';
import { MemoryKioskControl, type ControlChannel, type KioskControlRegistry } from './KioskControl';

type Handler<T extends KioskControlMessage['type']> = (kiosk: KioskRecord, message: Extract<KioskControlMessage, { type: T }>) => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    kioskControl: {
      registry: KioskControlRegistry;
      /** Runs when a kiosk's channel opens (after it is registered, so `send` reaches it). */
      onConnect(fn: (kiosk: KioskRecord) => Promise<void>): void;
      handle<T extends KioskControlMessage['type']>(type: T, fn: Handler<T>): void;
    };
  }
}

export interface ControlPluginOptions {
  store: Store;
  pingIntervalSeconds: number;
  socketRecheckSeconds: number;
}

async function controlPlugin(app: FastifyInstance, opts: ControlPluginOptions): Promise<void> {
  const { store } = opts;
  if (!store) throw new TypeError('control plugin: store is required');
  const registry = new MemoryKioskControl((m) => app.log.warn(m));
  const connectHooks: ((kiosk: KioskRecord) => Promise<void>)[] = [];
  const handlers = new Map<string, Handler<never>>();
  app.decorate('kioskControl', {
    registry,
    onConnect: (fn) => void connectHooks.push(fn),
    handle: (type, fn) => {
      if (handlers.has(type)) throw new TypeError(`control message ${type} has a handler already`);
      handlers.set(type, fn as unknown as Handler<never>);
    },
  });

  app.get(CONTROL_WS_PATH, { websocket: true, config: { auth: 'kiosk' }, schema: { hide: true } }, (ws, request) => {
    if (request.principal?.kind !== 'kiosk') return ws.close(1008, 'not a kiosk');
    const kiosk = request.principal.kiosk;
    const channel: ControlChannel = { kioskId: kiosk.id, credentialHash: kiosk.credentialHash, ws, answeredPing: true };
    registry.attach(channel);
    request.log.info(`control channel open [kiosk:${kiosk.id}]`);
    ws.on('pong', () => (channel.answeredPing = true));
    ws.on('message', (raw, isBinary) => {
      const parsed = isBinary ? { ok: false as const, problem: 'binary frames are not used' } : parseControlMessage(KIOSK_CONTROL_MESSAGES, String(raw));
      if (!parsed.ok) {
        request.log.warn(`control message refused [kiosk:${kiosk.id}, problem:${parsed.problem}]`);
        ws.send(JSON.stringify({ type: 'error', code: 'CONTROL_MESSAGE_INVALID', message: parsed.problem.slice(0, 500) }));
        return;
      }
      const handler = handlers.get(parsed.message.type);
      if (!handler) {
        ws.send(JSON.stringify({ type: 'error', code: 'CONTROL_MESSAGE_UNHANDLED', message: `nothing handles ${parsed.message.type} on this server` }));
        return;
      }
      handler(kiosk, parsed.message as never).catch((err: unknown) => {
        request.log.error({ err }, `control message failed [kiosk:${kiosk.id}, type:${parsed.message.type}]`);
        ws.send(JSON.stringify({ type: 'error', code: 'CONTROL_MESSAGE_FAILED', message: `${parsed.message.type} could not be recorded; send it again` }));
      });
    });
    for (const hook of connectHooks) {
      hook(kiosk).catch((err: unknown) => request.log.error({ err }, `control connect hook failed [kiosk:${kiosk.id}]`));
    }
  });

  const timers: NodeJS.Timeout[] = [];
  if (opts.pingIntervalSeconds > 0) {
    timers.push(
      setInterval(() => {
        for (const c of registry.all()) {
          if (!c.answeredPing) {
            registry.close(c.kioskId, 1001, 'no answer to ping');
            continue;
          }
          c.answeredPing = false;
          c.ws.ping();
        }
      }, opts.pingIntervalSeconds * 1000),
    );
  }
  // Revocation closes a channel at once; this catches a credential changed by another node.
  timers.push(
    setInterval(() => {
      void Promise.all(
        registry.all().map(async (c) => {
          const k = await store.findKiosk(c.kioskId);
          if (!k || k.revokedAt || k.credentialHash !== c.credentialHash) registry.close(c.kioskId);
        }),
      ).catch((err: unknown) => app.log.warn({ err }, 'control channel re-check failed'));
    }, opts.socketRecheckSeconds * 1000),
  );
  for (const t of timers) t.unref();
  app.addHook('preClose', async () => {
    for (const t of timers) clearInterval(t);
    registry.closeAll(CONTROL_CLOSE.SHUTDOWN, 'server shutting down');
  });
}

export default fp(controlPlugin, { name: 'citizen-kiosk-control', dependencies: ['citizen-auth'] });
