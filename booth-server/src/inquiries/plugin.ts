/**
 * Inquiries as cases: the public status lookup by reference (JSON and the
 * HTML page the receipt's QR code opens, plus a form to type a reference
 * into), the kiosk's follow-up lookup, and the staff case routes.
 *
 * Who sees which case: supervisors see every case; an agent sees only the
 * cases whose call they took or that are assigned to them, and any other case
 * is "not found" to them, exactly as if it did not exist; technicians and
 * administrators see none (403) — an administrator manages staff accounts,
 * and residents' answers are none of that job. The store
 * applies the scope in the same query that reads or changes the case, so a
 * reassignment between check and write cannot let a change through.
 *
 * The public answer never holds personal data (see publicStatus.ts).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  InquiryDetail,
  InquiryId,
  InquiryList,
  InquiryListQuery,
  InquiryPatch,
  NoteRequest,
  NoteResponse,
  OutcomeCodeList,
  PublicInquiryStatus,
  RECEIPT_LANGUAGES,
  Role,
  StatusLookupParams,
  StatusLookupQuery,
  parseReference,
  userId,
  type InquiryEvent,
  type InquirySummary,
  type ReceiptLanguage,
} from '@citizen/protocol';
import { Type } from '@sinclair/typebox';
import { BoothError, type ErrorCode } from '../errors';
import type { InquiryCaseRecord, InquiryEventRecord, InquiryScope, Store, TopicResponseTimes, UserRecord } from '../store/Store';
import { ACHIEVED_WINDOW_DAYS, chooseLanguage, isReceiptLanguage, toPublicStatus } from './publicStatus';
import { STATUS_CSS, STATUS_PAGE_CSP, renderLookupPage, renderStatusPage, type LookupProblem, type PageOptions } from './statusPage';

export interface InquiriesPluginOptions {
  store: Store;
  /** `inquiries.outcomeCodes`: the codes staff may record. */
  outcomeCodes: readonly { code: string; label: string }[];
  /** `inquiries.statusLookupsPerMinute`: public lookups per client address (JSON and HTML together). */
  statusLookupsPerMinute: number;
  /** `server.publicUrl`: its path is where the page's own links point. */
  publicUrl: string;
  /** Zone the status page shows dates in (`kiosk.receipt.timeZone`). */
  timeZone: string;
  /** Language for a visitor whose language has no wording (`kiosk.receipt.fallbackLanguage`). */
  fallbackLanguage: ReceiptLanguage;
  /** Clock, for tests with fixed dates. */
  now?: () => Date;
}

/** Roles that may open the case routes at all. */
const CASE_ROLES: readonly Role[] = ['agent', 'supervisor'];
/** Roles that see every case; any other role allowed in sees only its own. */
const SEES_ALL: ReadonlySet<string> = new Set(['supervisor']);
/** Roles a case can be assigned to: those who follow cases up with residents. */
const ASSIGNABLE: ReadonlySet<string> = new Set(['agent', 'supervisor']);

/** Achieved times change slowly; the public lookup scans for them at most this often. */
const RESPONSE_TIMES_TTL_MS = 60_000;
const DAY_MS = 86_400_000;

export function validateInquiriesOptions(opts: InquiriesPluginOptions): void {
  if (!opts || typeof opts !== 'object') throw new TypeError('inquiries plugin: options are required');
  if (!opts.store) throw new TypeError('inquiries plugin: store is required');
  if (!Array.isArray(opts.outcomeCodes) || opts.outcomeCodes.length === 0) throw new TypeError('inquiries.outcomeCodes: at least one outcome code is required');
  const seen = new Map<string, number>();
  opts.outcomeCodes.forEach((o, i) => {
    const first = seen.get(o.code);
    if (first !== undefined) throw new TypeError(`inquiries.outcomeCodes[${i}].code: ${JSON.stringify(o.code)} repeats inquiries.outcomeCodes[${first}].code`);
    seen.set(o.code, i);
  });
  if (!Number.isInteger(opts.statusLookupsPerMinute) || opts.statusLookupsPerMinute < 1) {
    throw new TypeError(`inquiries.statusLookupsPerMinute: expected a positive integer, got ${JSON.stringify(opts.statusLookupsPerMinute)}`);
  }
  try {
    new URL(opts.publicUrl);
  } catch {
    throw new TypeError(`server.publicUrl: not a URL: ${JSON.stringify(opts.publicUrl)}`);
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: opts.timeZone });
  } catch {
    throw new TypeError(`kiosk.receipt.timeZone: not an IANA time zone: ${JSON.stringify(opts.timeZone)}`);
  }
  if (!isReceiptLanguage(opts.fallbackLanguage)) {
    throw new TypeError(`kiosk.receipt.fallbackLanguage: expected one of ${RECEIPT_LANGUAGES.join(', ')}, got ${JSON.stringify(opts.fallbackLanguage)}`);
  }
}

export async function inquiriesPlugin(app: FastifyInstance, opts: InquiriesPluginOptions): Promise<void> {
  validateInquiriesOptions(opts);
  if (!app.hasDecorator('rateLimit')) throw new TypeError('inquiries plugin: register @fastify/rate-limit before it (the status lookup is limited)');
  const { store, fallbackLanguage } = opts;
  const now = opts.now ?? (() => new Date());
  const pageOptions: PageOptions = { basePath: new URL(opts.publicUrl).pathname.replace(/\/+$/, ''), timeZone: opts.timeZone };
  const outcomeCodes = new Set(opts.outcomeCodes.map((o) => o.code));
  const outcomeCodeList: OutcomeCodeList = { outcomeCodes: opts.outcomeCodes.map(({ code, label }) => ({ code, label })) };
  const responseTimes = responseTimesCache(store, now);

  // One limiter shared by the JSON and the HTML lookup, so an address gets
  // statusLookupsPerMinute lookups in all. (A route's own `config.rateLimit`
  // would give each route a separate counter, doubling the budget.)
  const lookupLimit = app.rateLimit({
    max: opts.statusLookupsPerMinute,
    timeWindow: 60_000,
    errorResponseBuilder: (_request, ctx) => new BoothError('STATUS_LOOKUPS_THROTTLED', `too many status lookups from this address; retry in ${Math.ceil(ctx.ttl / 1000)} s`),
  });

  /**
   * The case behind a typed reference. A reference whose check character
   * fails is still looked up as typed before it is called mistyped:
   * migration 3 gave inquiries from before check characters random
   * references, and those residents must reach their case too.
   */
  async function lookup(raw: string): Promise<InquiryCaseRecord> {
    const parsed = parseReference(raw);
    if (!parsed.ok && parsed.reason === 'malformed') throw new BoothError('REFERENCE_MALFORMED', 'this is not a reference: expected BS-XXXX-XXXX');
    const reference = parsed.ok ? parsed.reference : legacyForm(raw);
    const found = await store.findInquiryCaseByReference(reference);
    if (found) return found;
    if (!parsed.ok) throw new BoothError('REFERENCE_MISTYPED', 'this reference looks mistyped: its check character does not match; check it against the receipt');
    throw new BoothError('REFERENCE_UNKNOWN', `no inquiry has the reference ${reference}`);
  }

  async function publicStatus(raw: string, request: FastifyRequest, requested: string | undefined): Promise<PublicInquiryStatus> {
    const found = await lookup(raw);
    const language = chooseLanguage({ requested, inquiry: found.language, acceptLanguage: request.headers['accept-language'], fallback: fallbackLanguage });
    return toPublicStatus(found, language, (await responseTimes()).get(found.topic));
  }

  // ------------------------------------------------------------ public: JSON

  app.get<{ Params: StatusLookupParams; Querystring: StatusLookupQuery }>(
    '/api/status/:reference',
    {
      config: { auth: 'public' },
      preHandler: lookupLimit,
      schema: {
        tags: ['status'],
        summary: 'Public case status by reference (no personal data), in the inquiry’s language or ?lang=',
        params: StatusLookupParams,
        querystring: StatusLookupQuery,
        response: { 200: PublicInquiryStatus },
      },
    },
    async (request, reply) => {
      void reply.header('cache-control', 'no-store');
      return publicStatus(request.params.reference, request, request.query.lang);
    },
  );

  app.get<{ Params: StatusLookupParams; Querystring: StatusLookupQuery }>(
    '/api/kiosk/status/:reference',
    {
      config: { auth: 'kiosk' },
      schema: {
        tags: ['status'],
        summary: 'Case status for the kiosk’s follow-up flow (same answer as the public lookup)',
        params: StatusLookupParams,
        querystring: StatusLookupQuery,
        response: { 200: PublicInquiryStatus },
      },
    },
    async (request) => publicStatus(request.params.reference, request, request.query.lang),
  );

  // ------------------------------------------------------------ public: HTML

  // People's pages: a query parameter we do not know is ignored, not an error.
  const PageQuery = Type.Object({ lang: Type.Optional(Type.String({ maxLength: 35 })) });
  const FormQuery = Type.Object({ lang: Type.Optional(Type.String({ maxLength: 35 })), reference: Type.Optional(Type.String({ maxLength: 100 })) });
  const Html = Type.String({ description: 'text/html' });

  function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
    return reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('content-security-policy', STATUS_PAGE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-robots-tag', 'noindex')
      .header('cache-control', 'no-store')
      .send(html);
  }

  function pageLanguage(request: FastifyRequest): ReceiptLanguage {
    const { lang } = request.query as { lang?: unknown };
    return chooseLanguage({ requested: typeof lang === 'string' ? lang : undefined, acceptLanguage: request.headers['accept-language'], fallback: fallbackLanguage });
  }

  /** Failed lookups answer as pages too: the lookup form again, with what went wrong, in the visitor's language. */
  function pageErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
    const { reference } = (request.params ?? {}) as { reference?: unknown };
    const input = typeof reference === 'string' ? reference : undefined;
    let status: number;
    let problem: LookupProblem;
    const known = error instanceof BoothError ? pageProblem(error.code) : undefined;
    if (known) {
      status = error.statusCode ?? 400;
      problem = known;
    } else if (error.validation) {
      status = 400;
      problem = 'malformed';
    } else {
      status = 500;
      problem = 'failed';
      request.log.error({ err: error }, 'status page failed');
    }
    void sendPage(reply, status, renderLookupPage(pageLanguage(request), { ...pageOptions, ...(input === undefined ? {} : { input }), problem }));
  }

  app.get('/status/style.css', { config: { auth: 'public' }, schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=86400').header('x-content-type-options', 'nosniff').send(STATUS_CSS),
  );

  app.get<{ Querystring: { lang?: string; reference?: string } }>(
    '/status',
    {
      config: { auth: 'public' },
      errorHandler: pageErrorHandler,
      schema: { tags: ['status'], summary: 'Form to type a reference into (HTML); with ?reference= it goes to that case’s page', querystring: FormQuery, produces: ['text/html'], response: { 200: Html, 400: Html } },
    },
    async (request, reply) => {
      const language = pageLanguage(request);
      const typed = request.query.reference?.trim();
      if (!typed) return sendPage(reply, 200, renderLookupPage(language, pageOptions));
      const parsed = parseReference(typed);
      // A reference whose check fails goes on to the lookup, which also knows references from before check characters.
      if (!parsed.ok && parsed.reason === 'malformed') return sendPage(reply, 400, renderLookupPage(language, { ...pageOptions, input: typed, problem: 'malformed' }));
      const reference = parsed.ok ? parsed.reference : legacyForm(typed);
      return reply.redirect(`${pageOptions.basePath}/status/${encodeURIComponent(reference)}?lang=${language}`, 303);
    },
  );

  app.get<{ Params: StatusLookupParams; Querystring: { lang?: string } }>(
    '/status/:reference',
    {
      config: { auth: 'public' },
      preHandler: lookupLimit,
      errorHandler: pageErrorHandler,
      schema: {
        tags: ['status'],
        summary: 'Status page of a case (HTML, what the receipt’s QR code opens): no personal data',
        params: StatusLookupParams,
        querystring: PageQuery,
        produces: ['text/html'],
        response: { 200: Html },
      },
    },
    async (request, reply) => {
      const requested = request.query.lang;
      const status = await publicStatus(request.params.reference, request, isReceiptLanguage(requested) ? requested : undefined);
      return sendPage(reply, 200, renderStatusPage(status, pageOptions));
    },
  );

  // ------------------------------------------------------------ staff

  const IdParams = Type.Object({ id: InquiryId });

  function staff(request: FastifyRequest): { user: UserRecord; scope: InquiryScope } {
    if (request.principal?.kind !== 'user') throw new BoothError('UNAUTHENTICATED', 'not signed in');
    const { user } = request.principal;
    return { user, scope: SEES_ALL.has(user.role) ? { kind: 'all' } : { kind: 'handled-or-assigned', userId: user.id } };
  }

  // One answer for "does not exist" and "not yours", so an agent cannot probe for others' cases.
  const notFound = (id: string): BoothError => new BoothError('NOT_FOUND', `no inquiry ${id}`);

  app.get<{ Querystring: InquiryListQuery }>(
    '/api/inquiries',
    {
      config: { auth: { roles: CASE_ROLES } },
      schema: { tags: ['inquiries'], summary: 'Cases, newest first: all for supervisors, an agent’s own for agents', querystring: InquiryListQuery, response: { 200: InquiryList } },
    },
    async (request) => {
      const { user, scope } = staff(request);
      const q = request.query;
      const limit = q.limit ?? 20;
      const offset = q.offset ?? 0;
      const { items, total } = await store.listInquiryCases(scope, {
        ...(q.caseStatus === undefined ? {} : { caseStatus: q.caseStatus }),
        ...(q.topic === undefined ? {} : { topic: q.topic }),
        ...(q.mine ? { involving: user.id } : {}),
        limit,
        offset,
      });
      return { items: items.map(summaryJson), total, limit, offset };
    },
  );

  // A static path: the router prefers it to /api/inquiries/:id, and inquiry ids are `c-…`.
  app.get(
    '/api/inquiries/outcome-codes',
    {
      config: { auth: { roles: CASE_ROLES } },
      schema: { tags: ['inquiries'], summary: 'The outcome codes staff may record (inquiries.outcomeCodes), in the configured order', response: { 200: OutcomeCodeList } },
    },
    async () => outcomeCodeList,
  );

  app.get<{ Params: { id: string } }>(
    '/api/inquiries/:id',
    {
      config: { auth: { roles: CASE_ROLES } },
      schema: { tags: ['inquiries'], summary: 'A case with its answers and history (notes included)', params: IdParams, response: { 200: InquiryDetail } },
    },
    async (request) => {
      const { scope } = staff(request);
      const found = await store.findInquiryCase(request.params.id, scope);
      if (!found) throw notFound(request.params.id);
      return detailJson(found.inquiry, found.events);
    },
  );

  app.patch<{ Params: { id: string }; Body: InquiryPatch }>(
    '/api/inquiries/:id',
    {
      config: { auth: { roles: CASE_ROLES } },
      schema: {
        tags: ['inquiries'],
        summary: 'Change a case’s status, outcome or next step; supervisors also its assignment',
        params: IdParams,
        body: InquiryPatch,
        response: { 200: InquiryDetail },
      },
    },
    async (request) => {
      const { user, scope } = staff(request);
      const body = request.body;
      // Checked before the case is read, so the answer does not depend on which case was named.
      if (body.assigneeId !== undefined && !SEES_ALL.has(user.role)) throw new BoothError('FORBIDDEN', 'only supervisors assign cases');
      if (body.outcomeCode != null && !outcomeCodes.has(body.outcomeCode)) {
        throw new BoothError('OUTCOME_CODE_UNKNOWN', `unknown outcome code ${JSON.stringify(body.outcomeCode)}; configured: ${[...outcomeCodes].join(', ')}`);
      }
      if (body.assigneeId != null) await checkAssignee(store, body.assigneeId);
      const updated = await store.updateInquiryCase(request.params.id, body, { actor: { kind: 'staff', userId: user.id }, at: now(), scope });
      if (!updated) throw notFound(request.params.id);
      request.log.info({ inquiry: request.params.id, by: user.id, fields: Object.keys(body) }, 'case changed');
      return detailJson(updated.inquiry, updated.events);
    },
  );

  app.post<{ Params: { id: string }; Body: NoteRequest }>(
    '/api/inquiries/:id/notes',
    {
      config: { auth: { roles: CASE_ROLES } },
      schema: { tags: ['inquiries'], summary: 'Add a staff note to a case (never shown to the resident)', params: IdParams, body: NoteRequest, response: { 201: NoteResponse } },
    },
    async (request, reply) => {
      const { user, scope } = staff(request);
      const note = await store.addInquiryNote(request.params.id, request.body.text.trim(), { actor: { kind: 'staff', userId: user.id }, at: now(), scope });
      if (!note) throw notFound(request.params.id);
      return reply.code(201).send({ note: eventJson(note) });
    },
  );
}

/** The lookup errors a page explains to the visitor; any other error is "something went wrong". */
function pageProblem(code: ErrorCode): LookupProblem | undefined {
  switch (code) {
    case 'REFERENCE_MALFORMED':
      return 'malformed';
    case 'REFERENCE_MISTYPED':
      return 'mistyped';
    case 'REFERENCE_UNKNOWN':
      return 'unknown';
    case 'STATUS_LOOKUPS_THROTTLED':
      return 'throttled';
    default:
      return undefined;
  }
}

/** A reference as stored, from what a person typed (upper case, hyphens where they belong), when its check fails. */
function legacyForm(raw: string): string {
  let compact = raw.toUpperCase().replace(/[\s-]/g, '');
  if (compact.length === 10 && compact.startsWith('BS')) compact = compact.slice(2);
  return `BS-${compact.slice(0, 4)}-${compact.slice(4)}`;
}

async function checkAssignee(store: Store, raw: string): Promise<void> {
  let id;
  try {
    id = userId(raw);
  } catch {
    throw new BoothError('ASSIGNEE_UNKNOWN', `not a user id: ${JSON.stringify(raw)}`);
  }
  const user = await store.findUserById(id);
  if (!user || !ASSIGNABLE.has(user.role)) throw new BoothError('ASSIGNEE_UNKNOWN', `no agent or supervisor has the id ${raw}`);
}

/** Achieved response times per topic over the last window, computed at most once per TTL; concurrent lookups share one computation. */
function responseTimesCache(store: Store, now: () => Date): () => Promise<Map<string | null, TopicResponseTimes>> {
  let cached: { at: number; value: Promise<Map<string | null, TopicResponseTimes>> } | null = null;
  return () => {
    const t = now().getTime();
    if (cached && t - cached.at < RESPONSE_TIMES_TTL_MS && t >= cached.at) return cached.value;
    const value = store.inquiryResponseTimes(new Date(t - ACHIEVED_WINDOW_DAYS * DAY_MS), new Date(t)).then((list) => new Map(list.map((r) => [r.topic, r])));
    const entry = { at: t, value };
    cached = entry;
    // A failed computation is not kept: the next lookup tries again.
    value.catch(() => {
      if (cached === entry) cached = null;
    });
    return value;
  };
}

function summaryJson(c: InquiryCaseRecord): InquirySummary {
  return {
    id: c.id,
    reference: c.reference,
    kioskId: c.kioskId,
    place: c.place,
    language: c.language,
    topic: c.topic,
    contactStatus: c.status,
    caseStatus: c.caseStatus,
    outcomeCode: c.outcomeCode,
    nextStep: c.nextStep,
    agentId: c.agentId,
    assigneeId: c.assigneeId,
    createdAt: c.createdAt.toISOString(),
    promisedBy: c.promisedBy?.toISOString() ?? null,
    resolvedAt: c.resolvedAt?.toISOString() ?? null,
  };
}

function detailJson(c: InquiryCaseRecord, events: readonly InquiryEventRecord[]): InquiryDetail {
  return {
    inquiry: { ...summaryJson(c), answers: c.answers, endReason: c.endReason, endedAt: c.endedAt?.toISOString() ?? null },
    history: events.map(eventJson),
  };
}

function eventJson(e: InquiryEventRecord): InquiryEvent {
  const { inquiryId: _inquiry, at, ...rest } = e;
  return { ...rest, at: at.toISOString() };
}
