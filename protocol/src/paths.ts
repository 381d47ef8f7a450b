/**
 * Where the signalling sockets are. A module of its own, with nothing else:
 * the kiosk page needs the path at start-up, and a bundle takes a used
 * module's schemas whole (the message tables in ./signalling.ts load with
 * the call library, when a resident first needs it).
 */
export const KIOSK_WS_PATH = '/ws/kiosk';
export const STAFF_WS_PATH = '/ws/agent';
