/**
 * The headers on every kiosk://app response (files, generated pages, the API
 * proxy, errors). The Content-Security-Policy lets the page run only its own
 * bundled script and styles, load images and media from itself (data: for QR
 * codes, blob: for call media), connect only to itself and to booth-server
 * (the signalling WebSocket), and embed or be embedded by nothing.
 */
import type { ShellSettings } from './settings';

export function cspDirectives(settings: Pick<ShellSettings, 'serverOrigin' | 'serverSocketOrigin'>): ReadonlyArray<readonly [string, readonly string[]]> {
  return [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'"]],
    ['script-src-attr', ["'none'"]],
    ['style-src', ["'self'"]],
    ['img-src', ["'self'", 'data:', 'blob:']],
    ['media-src', ["'self'", 'blob:']],
    ['font-src', ["'self'"]],
    ['connect-src', ["'self'", settings.serverOrigin, settings.serverSocketOrigin]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
    ['frame-src', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
  ];
}

export function contentSecurityPolicy(settings: Pick<ShellSettings, 'serverOrigin' | 'serverSocketOrigin'>): string {
  return cspDirectives(settings)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

/** Browser features the page may use at all, on top of the permission handlers (permissions.ts). */
const PERMISSIONS_POLICY = 'camera=(self), microphone=(self), geolocation=(), display-capture=(), fullscreen=(), payment=(), usb=(), serial=(), hid=(), bluetooth=()';

export function securityHeaders(settings: Pick<ShellSettings, 'serverOrigin' | 'serverSocketOrigin'>): Readonly<Record<string, string>> {
  return Object.freeze({
    'content-security-policy': contentSecurityPolicy(settings),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'permissions-policy': PERMISSIONS_POLICY,
  });
}
