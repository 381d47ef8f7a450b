/**
 * Security headers on every response, with a Content-Security-Policy the
 * kiosk UI and the agent console run under: scripts and styles only from the
 * server's own origin (the bundles are external files; Preact sets styles
 * through the CSSOM, which style-src does not govern), signalling WebSockets
 * to the same origin (CSP3's 'self' covers ws: and wss: to the same host and
 * port), data: images for QR codes, blob: for media. The kiosk shell's host
 * proxies the kiosk UI and its socket, so there too everything is
 * same-origin. HSTS only when served over HTTPS (auth.secureCookies), since a
 * browser ignores it over plain HTTP anyway.
 *
 * helmet decides the headers, once at start-up: its middleware runs against a
 * response that is never sent, and every request gets a copy of what it set.
 * (@fastify/helmet built a new helmet, parsing the policy again, on every
 * request; with a fixed policy, no nonces, the headers never differ.) A route
 * that needs its own policy sets it in its handler, which runs later
 * (the status page; Swagger UI's onSend hook in app.ts).
 */
import fp from 'fastify-plugin';
import helmet from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

export const CSP_DIRECTIVES = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'media-src': ["'self'", 'blob:'],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'self'"],
};

export interface SecurityHeadersOptions {
  /** Send Strict-Transport-Security (the server is reached over HTTPS). */
  hsts: boolean;
}

/** The headers helmet sets with our options, lower-case names. */
export function securityHeaderSet(opts: SecurityHeadersOptions): Readonly<Record<string, string>> {
  const middleware = helmet({
    // No helmet defaults: they include upgrade-insecure-requests, which breaks a plain-HTTP site or demo.
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    strictTransportSecurity: opts.hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  let finished = false;
  middleware(request, response, (err?: unknown) => {
    if (err) throw err;
    finished = true;
  });
  // helmet's middleware is synchronous; if a version were not, the set below would be incomplete.
  if (!finished) throw new TypeError('security headers: helmet did not finish synchronously');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.getHeaders())) {
    if (typeof value !== 'string') throw new TypeError(`security headers: unexpected value for ${name}`);
    headers[name] = value;
  }
  return Object.freeze(headers);
}

/**
 * The headers of a JSON API response (/api/*), after OWASP's REST Security
 * Cheat Sheet: a response that is never rendered as a document needs no
 * script or style policy, only that nothing may frame or sniff it, run
 * anything from it (`default-src 'none'`), cache it (answers carry personal
 * data) or read it cross-origin. The document headers (the UIs' policy,
 * opener isolation, ...) go on everything else.
 */
export function apiHeaderSet(opts: SecurityHeadersOptions): Readonly<Record<string, string>> {
  return Object.freeze({
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-resource-policy': 'same-origin',
    'cache-control': 'no-store',
    ...(opts.hsts ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  });
}

async function securityHeaders(app: FastifyInstance, opts: SecurityHeadersOptions): Promise<void> {
  // Names and values in two arrays, read by index: reply.headers(object) would
  // list the object's keys and look each value up by name on every request.
  const split = (headers: Readonly<Record<string, string>>): [string[], string[]] => {
    const names = Object.keys(headers);
    return [names, names.map((name) => headers[name]!)];
  };
  const [docNames, docValues] = split(securityHeaderSet(opts));
  const [apiNames, apiValues] = split(apiHeaderSet(opts));
  app.addHook('onRequest', (request, reply, done) => {
    const api = request.url.startsWith('/api/');
    const names = api ? apiNames : docNames;
    const values = api ? apiValues : docValues;
    for (let i = 0; i < names.length; i++) reply.header(names[i]!, values[i]);
    done();
  });
}

export default fp(securityHeaders, { name: 'citizen-security-headers' });
