/**
 * A kiosk's self-test: what its shell finds when it tries each device and its
 * uplink. Run in technician mode on the kiosk, and (later) as a remote action
 * from the console, which shows the same report. Nothing here is about
 * residents: a report carries device states, timings and plain English details.
 *
 * The shell tests the printer, the card reader and the uplink itself; only the
 * page can open camera, microphone and speaker, so the shell asks the renderer
 * for those (kiosk bridge event `selfTestMedia`, answered with the bridge call
 * `selfTestMediaResult`, checked against MediaSelfTestAnswer).
 */
import { Type, type Static } from '@sinclair/typebox';

/** Every check, in the order a report lists them. `testPage` is in a report only when a test page was asked for. */
export const SELF_TEST_CHECKS = ['printer', 'testPage', 'cardReader', 'uplink', 'camera', 'microphone', 'speaker'] as const;
export const SelfTestCheckName = Type.Union(SELF_TEST_CHECKS.map((c) => Type.Literal(c)));
export type SelfTestCheckName = Static<typeof SelfTestCheckName>;

/** The checks only the renderer can run. */
export const MEDIA_SELF_TEST_CHECKS = ['camera', 'microphone', 'speaker'] as const;
export const MediaSelfTestCheckName = Type.Union(MEDIA_SELF_TEST_CHECKS.map((c) => Type.Literal(c)));
export type MediaSelfTestCheckName = Static<typeof MediaSelfTestCheckName>;

/** `skipped`: the check was not run (not asked for, or it could not be tried; `detail` says why). */
export const SelfTestOutcome = Type.Union([Type.Literal('ok'), Type.Literal('failed'), Type.Literal('skipped')]);
export type SelfTestOutcome = Static<typeof SelfTestOutcome>;

const checkFields = {
  result: SelfTestOutcome,
  /** Plain English for a technician: "ready, paper near end", "no status answer in 500 ms", "frame 640×480 in 120 ms". */
  detail: Type.String({ maxLength: 300 }),
  durationMs: Type.Integer({ minimum: 0, maximum: 600_000 }),
};

export const SelfTestCheck = Type.Object({ name: SelfTestCheckName, ...checkFields }, { additionalProperties: false });
export type SelfTestCheck = Static<typeof SelfTestCheck>;

export const SelfTestReport = Type.Object(
  {
    startedAt: Type.String({ format: 'date-time' }),
    durationMs: Type.Integer({ minimum: 0, maximum: 600_000 }),
    /** True when no check failed (skipped ones do not count). */
    ok: Type.Boolean(),
    checks: Type.Array(SelfTestCheck, { maxItems: SELF_TEST_CHECKS.length }),
  },
  { additionalProperties: false },
);
export type SelfTestReport = Static<typeof SelfTestReport>;

/** What to test. Default: every check but the test page. */
export const SelfTestRequest = Type.Object(
  {
    checks: Type.Optional(Type.Array(Type.Union(SELF_TEST_CHECKS.filter((c) => c !== 'testPage').map((c) => Type.Literal(c))), { minItems: 1, maxItems: 6, uniqueItems: true })),
    /** Print a test page (kiosk name and id, app version, time, printer status, a test pattern; nothing of any resident). */
    printTestPage: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type SelfTestRequest = Static<typeof SelfTestRequest>;

/** The shell asks the renderer to test its media devices (bridge event). */
export const MediaSelfTestAsk = Type.Object(
  {
    requestId: Type.String({ minLength: 8, maxLength: 64 }),
    checks: Type.Array(MediaSelfTestCheckName, { minItems: 1, maxItems: 3, uniqueItems: true }),
    /** How long the renderer may take in all; the shell stops waiting a little after. */
    timeoutMs: Type.Integer({ minimum: 1000, maximum: 60_000 }),
  },
  { additionalProperties: false },
);
export type MediaSelfTestAsk = Static<typeof MediaSelfTestAsk>;

/** The renderer's answer (bridge call): one result per asked check. */
export const MediaSelfTestAnswer = Type.Object(
  {
    requestId: Type.String({ minLength: 8, maxLength: 64 }),
    results: Type.Array(Type.Object({ name: MediaSelfTestCheckName, ...checkFields }, { additionalProperties: false }), { minItems: 1, maxItems: 3 }),
  },
  { additionalProperties: false },
);
export type MediaSelfTestAnswer = Static<typeof MediaSelfTestAnswer>;
