/**
 * Typed calls to booth-server's REST API from the console (same origin, the
 * session cookie rides along). Errors carry the server's stable code.
 */
import type { EnrolKioskRequest, EnrolKioskResponse, ErrorBody, Kiosk, LoginResponse, User } from '@citizen/protocol';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    const e = json as Partial<ErrorBody> | null;
    throw new ApiError(res.status, e?.code ?? 'HTTP_ERROR', e?.message ?? `HTTP ${res.status}`);
  }
  return json as T;
}

export const api = {
  login: (username: string, password: string) => request<LoginResponse>('POST', '/api/auth/login', { username, password }),
  logout: () => request<void>('POST', '/api/auth/logout'),
  me: () => request<{ user: User }>('GET', '/api/auth/me'),
  kiosks: () => request<{ kiosks: Kiosk[] }>('GET', '/api/kiosks'),
  enrolKiosk: (body: EnrolKioskRequest) => request<EnrolKioskResponse>('POST', '/api/kiosks', body),
};
export type Api = typeof api;
