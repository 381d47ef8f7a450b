/** Kiosk UI strings. Every language the kiosk offers has every key (checked by the type). */
export const LANGUAGES = {
  da: 'Dansk',
  en: 'English',
} as const;
export type Lang = keyof typeof LANGUAGES;

const da = {
  welcome: 'Velkommen til Borgerservice',
  intro: 'Her kan du få hjælp til dine sager – også uden for åbningstiden.',
  chooseLanguage: 'Vælg sprog',
  devices: 'Udstyr',
  printer: 'Kvitteringsprinter',
  cardReader: 'Kortlæser',
  ready: 'klar',
  unavailable: 'ikke tilgængelig',
  offline: 'Ingen forbindelse til Borgerservice. Prøv igen om lidt.',
  loading: 'Et øjeblik…',
};
const en: typeof da = {
  welcome: 'Welcome to Citizen Service',
  intro: 'Get help with your case here – also outside opening hours.',
  chooseLanguage: 'Choose language',
  devices: 'Devices',
  printer: 'Receipt printer',
  cardReader: 'Card reader',
  ready: 'ready',
  unavailable: 'unavailable',
  offline: 'No connection to Citizen Service. Please try again shortly.',
  loading: 'One moment…',
};
export const STRINGS: Record<Lang, typeof da> = { da, en };
