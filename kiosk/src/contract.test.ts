import { setLogSink } from '@citizen/call-client/log';
import { describe, expect, it, vi } from 'vitest';
import { BridgeError, createHttpBridge, type EventSourceLike } from './contract';

/** An EventSource stand-in the test drives by hand. */
function fakeSource(): EventSourceLike & { dispatch(type: string, data: string): void } {
  const listeners = new Map<string, ((ev: { data: string }) => void)[]>();
  return {
    addEventListener(type, fn) {
      listeners.set(type, [...(listeners.get(type) ?? []), fn]);
    },
    close() {},
    dispatch(type, data) {
      for (const fn of listeners.get(type) ?? []) fn({ data });
    },
  };
}

const noFetch = (() => Promise.reject(new Error('no fetch in this test'))) as typeof fetch;

describe('createHttpBridge events', () => {
  it('drops a malformed event and reports it, without throwing into the EventSource; later events still arrive', () => {
    const source = fakeSource();
    const onEventError = vi.fn();
    const bridge = createHttpBridge({ fetch: noFetch, eventSource: () => source, onEventError });
    const got: unknown[] = [];
    bridge.on('cardRejected', (p) => got.push(p));

    expect(() => source.dispatch('cardRejected', '{"code":')).not.toThrow();
    expect(got).toEqual([]);
    expect(onEventError).toHaveBeenCalledTimes(1);
    const [err, event] = onEventError.mock.calls[0]!;
    expect(err).toBeInstanceOf(BridgeError);
    expect(err).toMatchObject({ code: 'BRIDGE_EVENT_MALFORMED' });
    expect(event).toBe('cardRejected');

    source.dispatch('cardRejected', '{"code":"CARD_CHECKSUM"}');
    expect(got).toEqual([{ code: 'CARD_CHECKSUM' }]);
  });

  it('a listener that throws does not keep the event from the other listeners', () => {
    const source = fakeSource();
    const onEventError = vi.fn();
    const bridge = createHttpBridge({ fetch: noFetch, eventSource: () => source, onEventError });
    const got: unknown[] = [];
    bridge.on('printJob', () => {
      throw new Error('listener bug');
    });
    bridge.on('printJob', (p) => got.push(p));

    expect(() => source.dispatch('printJob', '{"jobId":"j1","state":"printed"}')).not.toThrow();
    expect(got).toEqual([{ jobId: 'j1', state: 'printed' }]);
    expect(onEventError).toHaveBeenCalledWith(expect.objectContaining({ code: 'BRIDGE_LISTENER_FAILED' }), 'printJob');
  });

  it('without onEventError, a malformed event is logged as a warning in the stable log shape', () => {
    const source = fakeSource();
    const lines: string[] = [];
    const restore = setLogSink((entry, line) => entry.level === 'warn' && lines.push(line));
    try {
      const bridge = createHttpBridge({ fetch: noFetch, eventSource: () => source });
      bridge.on('card', () => {});
      expect(() => source.dispatch('card', 'not json')).not.toThrow();
      expect(lines).toEqual([expect.stringMatching(/^bridge: bridge event dropped \[event:card, code:BRIDGE_EVENT_MALFORMED, message:/)]);
    } finally {
      setLogSink(restore);
    }
  });
});
