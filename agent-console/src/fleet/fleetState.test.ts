/**
 * The fleet state's remote actions: loaded for a kiosk's page and kept
 * current by kioskAction pushes, a push never overwritten by an older list.
 */
import { describe, expect, it } from 'vitest';
import type { FleetNotification, KioskAction } from '@citizen/protocol';
import { createFleetState, type FleetSocket } from './fleetState';

const action = (id: number, state: KioskAction['state'], updatedAt: string): KioskAction => ({
  id,
  kioskId: 'k-1',
  action: 'self-test',
  force: false,
  requestedBy: { id: 'u-1', username: 'tech' },
  requestedAt: '2026-03-02T09:00:00.000Z',
  state,
  updatedAt,
  finishedAt: null,
  reason: null,
  report: null,
});

function setup() {
  const socket: FleetSocket = { onmessage: null, onclose: null, onopen: null, close: () => undefined };
  const api = {
    fleet: async () => ({ heartbeatSeconds: 30, kiosks: [] }),
    kioskProfiles: async () => ({ kiosks: [] }),
  };
  const fleet = createFleetState(api, { connect: () => socket, setTimer: () => () => undefined });
  fleet.start();
  const push = (n: FleetNotification): void => socket.onmessage?.({ data: JSON.stringify(n) });
  return { fleet, push };
}

describe('fleet state: remote actions', () => {
  it('takes a pushed state change, and keeps it over an older list', () => {
    const { fleet, push } = setup();
    fleet.putActions([action(1, 'sent', '2026-03-02T09:00:01.000Z')]);
    push({ type: 'notification', method: 'kioskAction', data: action(1, 'running', '2026-03-02T09:00:02.000Z') });
    expect(fleet.actions.value.get(1)?.state).toBe('running');
    // A list read before the push arrives after it: the push stays.
    fleet.putActions([action(1, 'sent', '2026-03-02T09:00:01.000Z'), action(2, 'requested', '2026-03-02T09:00:03.000Z')]);
    expect(fleet.actions.value.get(1)?.state).toBe('running');
    expect(fleet.actions.value.get(2)?.state).toBe('requested');
    push({ type: 'notification', method: 'kioskAction', data: action(1, 'succeeded', '2026-03-02T09:00:04.000Z') });
    expect(fleet.actions.value.get(1)?.state).toBe('succeeded');
    // Not an alert: the alert feed is untouched.
    expect(fleet.feed.value).toEqual([]);
  });
});
