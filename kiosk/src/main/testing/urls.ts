import { APP_ENTRY_URL, APP_ORIGIN } from '../origins';

/** URLs that are not the app, some of which a prefix test would let through. */
export const FOREIGN_URLS = [
  'kiosk://evil/',
  'kiosk://app.evil/',
  'kiosk://app@evil/',
  'kiosk://app:secret@evil/index.html',
  'kiosk://app:8080/',
  'kiosk://APP/',
  'kiosk:app/',
  'kiosk:///app/',
  'https://app/',
  'http://app/',
  'http://127.0.0.1:8080/kiosk/',
  'https://booth.example/kiosk/',
  'wss://booth.example/ws/kiosk',
  'file:///etc/passwd',
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'about:blank',
  'blob:kiosk://app/0b5c3e5e-2f5b-4bd8-9d6c-0c6a2f3e5d11',
  'not a url',
  '',
];

export const APP_URLS = [APP_ENTRY_URL, `${APP_ORIGIN}/index.html?lang=da#top`, `${APP_ORIGIN}/_shell/out-of-order.html`];
