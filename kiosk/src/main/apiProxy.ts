/**
 * kiosk://app/api/kiosk/... → booth-server's /api/kiosk/..., with the kiosk
 * credential added here in the main process, so the page keeps same-origin
 * relative URLs, booth-server needs no CORS, and the credential never reaches
 * page script (the browser-shell host does the same job over loopback).
 *
 * Only what the kiosk page reads passes: GET and HEAD, paths under
 * /api/kiosk/ without encoded separators or dots (which booth-server's router
 * would decode into another route), no cookies, no redirects followed (a
 * redirect could carry the credential elsewhere), and of the answer only its
 * status, body and content headers.
 */
import { errorText, type ShellLog } from './log';

/** The paths of kiosk://app that go to booth-server. */
export const API_PATH = '/api/kiosk/';

export type ServerFetch = (url: string, init: { method: string; headers: Record<string, string>; redirect: 'error' }) => Promise<Response>;

/** Response headers that pass from booth-server to the page. */
// Not content-length: fetch has already undone any content-encoding, so the length may differ.
const PASSED_HEADERS = ['content-type', 'cache-control', 'etag', 'last-modified', 'content-language'];
const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);
const ENCODED_ESCAPE = /%2f|%5c|%2e|%00|\\/i;

const json = (status: number, code: string, message: string): Response =>
  new Response(JSON.stringify({ statusCode: status, code, message }), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });

export function createApiProxy(deps: {
  serverOrigin: string;
  /** The kiosk's current Authorization header (its token is renewed), or null while it has none. */
  authorization: () => string | null;
  fetch: ServerFetch;
  log: ShellLog;
}): (request: Request, url: URL) => Promise<Response> {
  return async (request, url) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return json(405, 'KIOSK_API_METHOD', `${request.method} is not forwarded to booth-server`);
    if (!url.pathname.startsWith(API_PATH) || ENCODED_ESCAPE.test(url.pathname)) return json(400, 'KIOSK_API_PATH', `only paths under ${API_PATH} without encoded separators or dots are forwarded`);
    const target = new URL(`${deps.serverOrigin}${url.pathname}${url.search}`);
    if (target.origin !== deps.serverOrigin) return json(400, 'KIOSK_API_PATH', 'not a booth-server path');
    const headers: Record<string, string> = { accept: request.headers.get('accept') ?? 'application/json' };
    const authorization = deps.authorization();
    if (authorization) headers.authorization = authorization;
    const language = request.headers.get('accept-language');
    if (language) headers['accept-language'] = language;
    let res: Response;
    try {
      res = await deps.fetch(target.href, { method: request.method, headers, redirect: 'error' });
    } catch (err) {
      deps.log.warn(`kiosk API unreachable [path:${url.pathname}, error:${errorText(err)}]`);
      return json(502, 'KIOSK_SERVER_UNREACHABLE', 'booth-server did not answer');
    }
    const passed = new Headers();
    for (const name of PASSED_HEADERS) {
      const value = res.headers.get(name);
      if (value !== null) passed.set(name, value);
    }
    const body = request.method === 'HEAD' || NULL_BODY_STATUS.has(res.status) ? null : res.body;
    return new Response(body, { status: res.status, headers: passed });
  };
}
