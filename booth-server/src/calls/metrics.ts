/**
 * Live counts for /metrics: mediasoup objects (from mediasoup's own observer
 * events, not from our maps, so a leak in the call code shows up here), calls
 * by state, and inquiry writes waiting for a retry.
 */
import type { FastifyInstance } from 'fastify';
import * as mediasoup from 'mediasoup';
import type { types as ms } from 'mediasoup';
import { Counter, Gauge } from 'prom-client';
import type { CallService } from './CallService';

const live = { router: 0, transport: 0, pipe: 0, producer: 0, consumer: 0, data: 0 };
let observing = false;
/**
 * Kinds: `transport` is a participant's WebRTC transport (appData.owner),
 * `pipe` a transport mediasoup made to bridge two routers, `data` the warm-up
 * channels. A router's beacon (DirectTransport and its DataProducer) is part
 * of the router and not counted.
 */
function observeMediasoup(): void {
  if (observing) return;
  observing = true;
  const track = (kind: keyof typeof live, obj: { observer: { once(e: 'close', fn: () => void): void } }): void => {
    live[kind]++;
    obj.observer.once('close', () => live[kind]--);
  };
  mediasoup.observer.on('newworker', (worker: ms.Worker) => {
    worker.observer.on('newrouter', (router: ms.Router) => {
      track('router', router);
      router.observer.on('newtransport', (transport: ms.Transport) => {
        const appData = transport.appData as { owner?: string; beacon?: boolean };
        if (appData.beacon) return;
        track(appData.owner ? 'transport' : 'pipe', transport);
        transport.observer.on('newproducer', (p: ms.Producer) => track('producer', p));
        transport.observer.on('newconsumer', (c: ms.Consumer) => track('consumer', c));
        transport.observer.on('newdataproducer', (d: ms.DataProducer) => track('data', d));
        transport.observer.on('newdataconsumer', (d: ms.DataConsumer) => track('data', d));
      });
    });
  });
}
export function liveSfuObjects(): Readonly<typeof live> {
  return { ...live };
}
observeMediasoup();

export function registerCallMetrics(app: FastifyInstance, service: CallService): void {
  new Gauge({
    name: 'booth_sfu_objects',
    help: 'Live mediasoup objects in this process by kind',
    labelNames: ['kind'] as const,
    registers: [app.metrics],
    collect() {
      for (const [kind, n] of Object.entries(live)) this.set({ kind }, n);
    },
  });
  new Gauge({
    name: 'booth_calls',
    help: 'Calls by state, and signalling sessions',
    labelNames: ['state'] as const,
    registers: [app.metrics],
    collect() {
      const c = service.counts();
      this.set({ state: 'queued' }, c.queued);
      this.set({ state: 'offered' }, c.offered);
      this.set({ state: 'connecting' }, c.connecting);
      this.set({ state: 'in-call' }, c.inCall);
      this.set({ state: 'sessions' }, c.sessions);
    },
  });
  new Gauge({
    name: 'booth_inquiry_writes_pending',
    help: 'Inquiry end records that failed to write and wait for a retry',
    registers: [app.metrics],
    collect() {
      this.set(service.journal.pending);
    },
  });
}

/** Each change of a call's quality stage on a bad network, by the stage it went to and who decided (network or agent). */
export function qualityStepCounter(app: FastifyInstance): Counter<'stage' | 'by'> {
  return new Counter({ name: 'booth_call_quality_steps_total', help: "Changes of calls' quality stage, by new stage and by whom", labelNames: ['stage', 'by'] as const, registers: [app.metrics] });
}
