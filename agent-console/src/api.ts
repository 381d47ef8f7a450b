/**
 * Typed calls to booth-server's REST API from the console (same origin, the
 * session cookie rides along). Errors carry the server's stable code.
 *
 * CSRF: every answer that carries a `csrfToken` (sign-in, GET /api/auth/me,
 * the second-factor routes) updates the token kept here, and every write
 * sends it as `x-csrf-token`. A write refused with CSRF_TOKEN_INVALID (the
 * server restarted and issues tokens under a new key) fetches a fresh token
 * and is sent once more.
 */
import {
  CSRF_HEADER,
  type AdminUserList,
  type AdminUserResponse,
  type CreateUserRequest,
  type DailyReport,
  type DailyReportQuery,
  type EnrolKioskRequest,
  type EnrolKioskResponse,
  type EnrolmentCode,
  type KioskRevokeResponse,
  type KioskAuditList,
  type KioskAction,
  type KioskActionList,
  type KioskActionRequest,
  type KioskProfileState,
  type KioskProfileStates,
  type ProfileHistory,
  type ProfileList,
  type ProfileVersion,
  type ErrorBody,
  type FleetOverview,
  type InquiryDetail,
  type InquiryList,
  type InquiryListQuery,
  type InquiryPatch,
  type KioskHealthDetail,
  type Kiosk,
  type LiveView,
  type LoginResponse,
  type NoteResponse,
  type OutcomeCodeList,
  type RevokedSessions,
  type SessionInfo,
  type SignedIn,
  type TotpEnrolment,
  type UpdateUserRequest,
} from '@citizen/protocol';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The server's "how to fix" line, where it gave one. */
    readonly fix: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
export type Fetch = (input: string, init: RequestInit) => Promise<Response>;

export function createApi(fetchImpl: Fetch = (input, init) => fetch(input, init)) {
  let csrfToken: string | null = null;

  async function send<T>(method: Method, path: string, body: unknown, retried: boolean): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && csrfToken) headers[CSRF_HEADER] = csrfToken;
    const res = await fetchImpl(path, { method, credentials: 'same-origin', headers, body: body === undefined ? null : JSON.stringify(body) });
    if (res.status === 204) return undefined as T;
    const json = (await res.json().catch(() => null)) as unknown;
    if (!res.ok) {
      const e = json as Partial<ErrorBody> | null;
      const code = e?.code ?? 'HTTP_ERROR';
      if (code === 'CSRF_TOKEN_INVALID' && !retried) {
        await send<SessionInfo>('GET', '/api/auth/me', undefined, true);
        return send<T>(method, path, body, true);
      }
      throw new ApiError(res.status, code, e?.message ?? `HTTP ${res.status}`, e?.fix ?? null);
    }
    if (typeof json === 'object' && json !== null && 'csrfToken' in json && typeof json.csrfToken === 'string') csrfToken = json.csrfToken;
    return json as T;
  }
  const request = <T>(method: Method, path: string, body?: unknown): Promise<T> => send<T>(method, path, body, false);
  const forget = <T>(p: Promise<T>): Promise<T> => p.finally(() => (csrfToken = null));
  const user = (id: string): string => `/api/admin/users/${encodeURIComponent(id)}`;
  const inquiry = (id: string): string => `/api/inquiries/${encodeURIComponent(id)}`;

  return {
    login: (username: string, password: string) => request<LoginResponse>('POST', '/api/auth/login', { username, password }),
    loginCode: (challenge: string, code: string) => request<SignedIn>('POST', '/api/auth/login/totp', { challenge, code }),
    logout: () => forget(request<void>('POST', '/api/auth/logout')),
    logoutEverywhere: () => forget(request<RevokedSessions>('POST', '/api/auth/logout-everywhere')),
    me: () => request<SessionInfo>('GET', '/api/auth/me'),
    totpEnrol: () => request<TotpEnrolment>('POST', '/api/auth/totp/enrol'),
    totpConfirm: (code: string) => request<SessionInfo>('POST', '/api/auth/totp/confirm', { code }),
    totpDisable: (code: string) => request<SessionInfo>('POST', '/api/auth/totp/disable', { code }),
    kiosks: () => request<{ kiosks: Kiosk[] }>('GET', '/api/kiosks'),
    enrolKiosk: (body: EnrolKioskRequest) => request<EnrolKioskResponse>('POST', '/api/kiosks', body),
    newEnrolmentCode: (id: string) => request<EnrolmentCode>('POST', `/api/kiosks/${encodeURIComponent(id)}/enrolment-code`),
    revokeKiosk: (id: string) => request<KioskRevokeResponse>('POST', `/api/kiosks/${encodeURIComponent(id)}/revoke`),
    kioskAudit: (id: string, limit = 100) => request<KioskAuditList>('GET', `/api/kiosks/${encodeURIComponent(id)}/audit?limit=${limit}`),
    users: () => request<AdminUserList>('GET', '/api/admin/users'),
    createUser: (body: CreateUserRequest) => request<AdminUserResponse>('POST', '/api/admin/users', body),
    updateUser: (id: string, body: UpdateUserRequest) => request<AdminUserResponse>('PATCH', user(id), body),
    resetPassword: (id: string, password: string) => request<void>('POST', `${user(id)}/password`, { password }),
    disableUser: (id: string) => request<AdminUserResponse>('POST', `${user(id)}/disable`),
    enableUser: (id: string) => request<AdminUserResponse>('POST', `${user(id)}/enable`),
    revokeSessions: (id: string) => request<RevokedSessions>('DELETE', `${user(id)}/sessions`),
    resetTotp: (id: string) => request<AdminUserResponse>('DELETE', `${user(id)}/totp`),
    liveView: () => request<LiveView>('GET', '/api/supervision/live'),
    dailyReport: (query: DailyReportQuery) => request<DailyReport>('GET', `/api/reports/daily${reportQuery(query)}`),
    inquiries: (query: InquiryListQuery) => request<InquiryList>('GET', `/api/inquiries${inquiryQuery(query)}`),
    inquiry: (id: string) => request<InquiryDetail>('GET', inquiry(id)),
    updateInquiry: (id: string, body: InquiryPatch) => request<InquiryDetail>('PATCH', inquiry(id), body),
    addInquiryNote: (id: string, text: string) => request<NoteResponse>('POST', `${inquiry(id)}/notes`, { text }),
    outcomeCodes: () => request<OutcomeCodeList>('GET', '/api/inquiries/outcome-codes'),
    fleet: () => request<FleetOverview>('GET', '/api/fleet'),
    fleetKiosk: (id: string, hours = 24) => request<KioskHealthDetail>('GET', `/api/fleet/kiosks/${encodeURIComponent(id)}?hours=${hours}`),
    profiles: () => request<ProfileList>('GET', '/api/profiles'),
    profileHistory: (name: string) => request<ProfileHistory>('GET', `/api/profiles/${encodeURIComponent(name)}/versions`),
    createProfileVersion: (name: string, body: unknown, note?: string) =>
      request<ProfileVersion>('POST', `/api/profiles/${encodeURIComponent(name)}/versions`, { body, ...(note ? { note } : {}) }),
    rollbackProfile: (name: string, toVersion: number) => request<ProfileVersion>('POST', `/api/profiles/${encodeURIComponent(name)}/rollback`, { toVersion }),
    kioskProfiles: () => request<KioskProfileStates>('GET', '/api/profiles/kiosks'),
    assignProfile: (kioskId: string, profile: string | null) => request<KioskProfileState>('PUT', `/api/kiosks/${encodeURIComponent(kioskId)}/profile`, { profile }),
    kioskActions: (kioskId: string) => request<KioskActionList>('GET', `/api/kiosks/${encodeURIComponent(kioskId)}/actions`),
    requestKioskAction: (kioskId: string, body: KioskActionRequest) => request<KioskAction>('POST', `/api/kiosks/${encodeURIComponent(kioskId)}/actions`, body),
  };
}

/** `?from=…&to=…&queue=…` with the parameters that are set (the server fills in a missing range). */
function reportQuery(query: DailyReportQuery): string {
  const params = new URLSearchParams();
  for (const key of ['from', 'to', 'queue'] as const) {
    const value = query[key];
    if (value) params.set(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** `?caseStatus=…&mine=true&limit=…&offset=…` with the parameters that are set. */
function inquiryQuery(query: InquiryListQuery): string {
  const params = new URLSearchParams();
  if (query.caseStatus) params.set('caseStatus', query.caseStatus);
  if (query.topic) params.set('topic', query.topic);
  if (query.mine) params.set('mine', 'true');
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  if (query.offset !== undefined) params.set('offset', String(query.offset));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Where the daily report downloads as CSV: a plain link (the session cookie rides along; no CSRF for a GET). */
export const dailyReportCsvUrl = (query: DailyReportQuery): string => `/api/reports/daily.csv${reportQuery(query)}`;

export type Api = ReturnType<typeof createApi>;
export const api = createApi();
