/**
 * Cookies, read and written where a route needs them and nowhere else.
 *
 * Two cookies exist: the staff session (`sid`, read by the auth check) and the
 * CSRF secret (`csrf`, read by the CSRF check on writes and when a token is
 * issued). A plugin that parses every request's cookies up front and looks
 * for cookies to write after every handler (as @fastify/cookie does, with an
 * onRequest and an onSend hook) costs each request two hooks and a parse,
 * including the kiosk's requests, the static bundles and the health probes,
 * which carry no cookie anyone reads. So: `requestCookie` parses the header
 * when asked, and `setCookie` adds a Set-Cookie header to the reply at once.
 * Parsing and serialising are the `cookie` package's (the one fastify's
 * plugin uses).
 */
import { parseCookie, stringifySetCookie } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

export interface CookieOptions {
  path: string;
  httpOnly: boolean;
  sameSite: 'strict' | 'lax';
  secure: boolean;
  /** Absent: a browser-session cookie. */
  expires?: Date;
}

/** The value of cookie `name` on the request, or undefined. */
export function requestCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  // A cheap first look: most requests that carry cookies carry this one, and the rest need no parse.
  if (!header.includes(name)) return undefined;
  return parseCookie(header)[name] || undefined;
}

/** Adds a Set-Cookie header (fastify keeps several Set-Cookie headers as a list). */
export function setCookie(reply: FastifyReply, name: string, value: string, opts: CookieOptions): void {
  void reply.header('set-cookie', stringifySetCookie({ name, value, ...opts }));
}

/** Tells the browser to drop cookie `name` (same path and flags as it was set with). */
export function clearCookie(reply: FastifyReply, name: string, opts: Omit<CookieOptions, 'expires'>): void {
  void reply.header('set-cookie', stringifySetCookie({ name, value: '', ...opts, expires: new Date(0), maxAge: 0 }));
}
