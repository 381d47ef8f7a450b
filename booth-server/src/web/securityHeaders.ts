/**
 * Security headers on every response (@fastify/helmet), with a
 * Content-Security-Policy the kiosk UI and the agent console run under:
 * scripts and styles only from the server's own origin (the bundles are
 * external files; Preact sets styles through the CSSOM, which style-src does
 * not govern), signalling WebSockets to the same origin (CSP3's 'self' covers
 * ws: and wss: to the same host and port), data: images for QR codes, blob:
 * for media. The kiosk shell's host proxies the kiosk UI and its socket, so
 * there too everything is same-origin. HSTS only when served over HTTPS
 * (auth.secureCookies), since a browser ignores it over plain HTTP anyway.
 */
import fp from 'fastify-plugin';
import fastifyHelmet from '@fastify/helmet';
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

async function securityHeaders(app: FastifyInstance, opts: SecurityHeadersOptions): Promise<void> {
  await app.register(fastifyHelmet, {
    global: true,
    // No helmet defaults: they include upgrade-insecure-requests, which breaks a plain-HTTP site or demo.
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    strictTransportSecurity: opts.hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}

export default fp(securityHeaders, { name: 'citizen-security-headers' });
