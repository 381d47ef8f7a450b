/**
 * Who may do what, in the terms routes declare, and how a change of access
 * reaches sockets that are already open.
 */
import type { FastifyInstance } from 'fastify';
import { ROLES, type KioskId, type Role } from '@citizen/protocol';
import type { StaffSession } from '../calls/sessions';

/** Every staff role: the routes about one's own session and sign-in. */
export const ALL_STAFF: readonly Role[] = ROLES;
export const ADMIN_ONLY: readonly Role[] = ['admin'];

/**
 * Closes the signalling sockets of staff sessions `match` selects, at once
 * (4003: the client stops reconnecting). Without it a revoked sign-in would
 * keep its socket until the next periodic re-check (`auth.socketRecheckSeconds`).
 */
export function revokeSockets(app: FastifyInstance, match: (s: Pick<StaffSession, 'user' | 'authTokenHash'>) => boolean): number {
  const calls = app.hasDecorator('calls') ? app.calls.sessions.revoke((s) => s.kind === 'staff' && match(s)) : 0;
  // The technicians' fleet socket (booth-server/src/fleet) is a staff socket too.
  const fleet = app.hasDecorator('fleet') ? app.fleet.revokeSockets(match) : 0;
  return calls + fleet;
}

/** Closes the revoked or re-enrolled kiosk's signalling socket and control channel at once (4003), not at the next re-check. */
export function revokeKioskSockets(app: FastifyInstance, id: KioskId): number {
  const calls = app.hasDecorator('calls') ? app.calls.sessions.revoke((s) => s.kind === 'kiosk' && s.kiosk.id === id) : 0;
  const control = app.hasDecorator('kioskControl') ? app.kioskControl.registry.close(id) : 0;
  return calls + control;
}
