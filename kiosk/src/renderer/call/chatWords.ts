/**
 * The chat panel's words (`ui.chat*` in config/messages), typed as i18n.ts
 * types the other screens' words. Kept here, with the panel's own chunk,
 * rather than in i18n.ts's lists: those are part of the start-up bundle,
 * which has no room left for words most residents never see.
 */
import type { UiStrings } from '../i18n';

const PLAIN = [
  'chatOpen', 'chatHide', 'chatTitle', 'chatEmpty', 'chatLabel', 'chatYou', 'chatRateLimited', 'chatTooLong', 'chatFull', 'chatFailed', 'chatKeep',
  'chatKeepHint',
] as const;

export type ChatWords = Record<(typeof PLAIN)[number], string> & {
  chatLeft: (n: number) => string;
  chatUnread: (n: number) => string;
};

export function chatWords(t: UiStrings): ChatWords {
  const out = Object.fromEntries(PLAIN.map((k) => [k, t.format(`ui.${k}`)])) as Record<(typeof PLAIN)[number], string>;
  return { ...out, chatLeft: (n) => t.format('ui.chatLeft', { n }), chatUnread: (n) => t.format('ui.chatUnread', { n }) };
}
