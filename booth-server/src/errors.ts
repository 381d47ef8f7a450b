/**
 * Every error the REST API returns, with a stable code, its HTTP status and a
 * line on how to fix it. Codes are never reused once retired.
 */
export const ERROR_CODES = {
  BAD_REQUEST: { status: 400, fix: 'Check the request body against the OpenAPI document at /docs.' },
  UNAUTHENTICATED: { status: 401, fix: 'Sign in (agents, technicians) or send the kiosk credential (kiosks).' },
  LOGIN_FAILED: { status: 401, fix: 'Check the username and password.' },
  LOGIN_THROTTLED: { status: 429, fix: 'Too many failed sign-ins; wait a minute and try again.' },
  FORBIDDEN: { status: 403, fix: 'Your role does not allow this; ask an administrator for access.' },
  NOT_FOUND: { status: 404, fix: 'Check the URL.' },
  KIOSK_EXISTS: { status: 409, fix: 'Choose another kiosk id or retire the existing kiosk first.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, fix: 'Send the body as application/json.' },
  PAYLOAD_TOO_LARGE: { status: 413, fix: 'Send a smaller body; see server.bodyLimitBytes.' },
  REFERENCE_MALFORMED: { status: 400, fix: 'A reference looks like BS-7K3Q-92XK: BS, then eight letters and digits; copy it from the receipt.' },
  REFERENCE_MISTYPED: { status: 400, fix: 'The reference looks mistyped (its check character does not match); check each character against the receipt.' },
  REFERENCE_UNKNOWN: { status: 404, fix: 'No inquiry has this reference; check it against the receipt, or ask at Borgerservice.' },
  STATUS_LOOKUPS_THROTTLED: { status: 429, fix: 'Too many status lookups from this address; wait a minute and try again.' },
  OUTCOME_CODE_UNKNOWN: { status: 400, fix: 'Use one of the outcome codes configured in inquiries.outcomeCodes.' },
  ASSIGNEE_UNKNOWN: { status: 400, fix: 'Assign the case to an existing agent or supervisor (their user id), or null to unassign.' },
  REPORT_DATE_INVALID: { status: 400, fix: 'Give from and to as calendar dates, YYYY-MM-DD (for example 2025-03-30), or leave both out for the last 7 days.' },
  REPORT_RANGE_INVALID: { status: 400, fix: 'Give both from and to, or neither; to must not be before from, and a range spans at most reports.maxRangeDays days (ask for a longer period in parts).' },
  QUEUE_UNKNOWN: { status: 400, fix: 'Use the id of a queue in routing.queues (the report lists them under queues), or leave queue empty for every queue.' },
  STORE_UNAVAILABLE: { status: 503, fix: 'The site\'s database is not reachable right now; nothing was changed. Retry in a few seconds. Operators: see /ready and the database server.' },
  LIVE_STATE_UNAVAILABLE: { status: 503, fix: 'The state this site\'s nodes share (Redis) is not reachable right now; retry in a few seconds. Operators: see /ready and the Redis server.' },
  ROUTE_WITHOUT_AUTH: { status: 500, fix: 'Server bug: every route must declare config.auth.' },
  CSRF_TOKEN_INVALID: { status: 403, fix: 'Send the csrfToken from the sign-in answer or GET /api/auth/me as the x-csrf-token header with every POST, PATCH, PUT and DELETE.' },
  LOGIN_CHALLENGE_INVALID: { status: 401, fix: 'The sign-in took too long or was already completed; sign in again with your password.' },
  LOGIN_CODE_WRONG: { status: 401, fix: 'Enter the current 6-digit code from your authenticator app (check that its clock is right); each code works once.' },
  TOTP_CODE_WRONG: { status: 400, fix: 'Enter the current 6-digit code from your authenticator app (check that its clock is right); each code works once.' },
  TOTP_ALREADY_ENABLED: { status: 409, fix: 'Turn the second factor off (with a code) before enrolling another device.' },
  TOTP_NOT_ENABLED: { status: 409, fix: 'The second factor is not on for this account; nothing to turn off.' },
  TOTP_NO_ENROLMENT: { status: 409, fix: 'Start enrolment (POST /api/auth/totp/enrol) and confirm within 10 minutes.' },
  USER_EXISTS: { status: 409, fix: 'Choose another username.' },
  USER_NOT_FOUND: { status: 404, fix: 'Check the user id; GET /api/admin/users lists every account.' },
  ADMIN_SELF_LOCKOUT: { status: 409, fix: 'Administrators cannot disable or demote themselves; ask another administrator.' },
  KIOSK_NOT_FOUND: { status: 404, fix: 'Check the kiosk id; GET /api/kiosks lists every kiosk.' },
  ENROLMENT_CODE_MALFORMED: { status: 400, fix: 'An enrolment code looks like K7Q-92X-KMC: nine letters and digits; type it as the console showed it.' },
  ENROLMENT_CODE_MISTYPED: { status: 400, fix: 'The code looks mistyped (its check character does not match); check each character against the console.' },
  KIOSK_IDENTITY_THROTTLED: { status: 429, fix: 'Too many enrolment or token requests from this address; wait and try again (the kiosk shell retries on its own).' },
  ENROLMENT_CODE_UNKNOWN: { status: 401, fix: 'No kiosk has this code; check it, or ask a technician for a new code (console: Kiosks, new enrolment code).' },
  ENROLMENT_CODE_EXPIRED: { status: 410, fix: 'The code has expired; ask a technician for a new code (console: Kiosks, new enrolment code).' },
  ENROLMENT_CODE_USED: { status: 409, fix: 'The code was used already (each code enrols one kiosk once); ask a technician for a new code.' },
  KIOSK_PUBLIC_KEY_INVALID: { status: 400, fix: 'Send an Ed25519 public key, SPKI DER, base64 (the kiosk shell makes it).' },
  KIOSK_CHALLENGE_INVALID: { status: 401, fix: 'The challenge is unknown, used or expired: ask POST /api/kiosk/challenge for a new one and sign it at once.' },
  KIOSK_SIGNATURE_INVALID: { status: 401, fix: 'The signature does not verify with the kiosk’s enrolled key; if the kiosk’s key was replaced or revoked, enrol it again with a new code.' },
  KIOSK_NOT_ENROLLED: { status: 401, fix: 'The kiosk has no enrolled key (never enrolled, or revoked): enrol it with a new code from a technician.' },
  PROFILE_INVALID: { status: 400, fix: 'Correct the field the message names (flows and languages must be ones config/flows and config/messages/languages.json have); GET /api/profiles/:name/versions/:version shows a version that was accepted.' },
  PROFILE_NOT_FOUND: { status: 404, fix: 'Check the profile name; GET /api/profiles lists every profile.' },
  PROFILE_VERSION_NOT_FOUND: { status: 404, fix: 'Check the version number; GET /api/profiles/:name/versions lists them.' },
  PROFILE_ROLLBACK_CURRENT: { status: 409, fix: 'That version is the current one already; roll back to an older version.' },
  PROFILE_LANGUAGES_DISJOINT: { status: 409, fix: "The kiosk would offer no language: give the profile one of the languages the kiosk's record lists, or choose another profile." },
  KIOSK_REVOKED: { status: 409, fix: "The kiosk's identity was revoked: enrol it again with a new code (console: Kiosks, new enrolment code) before sending it actions." },
  INTERNAL: { status: 500, fix: 'Retry; if it persists, give the request id to a technician.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class BoothError extends Error {
  readonly statusCode: number;
  readonly fix: string;
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BoothError';
    this.statusCode = ERROR_CODES[code].status;
    this.fix = ERROR_CODES[code].fix;
  }
}
