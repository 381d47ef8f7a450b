/** The home screen's service icons: simple line drawings, decorative (the tile's title names the service). */
import type { FLOW_ICONS } from '@citizen/protocol';

const PATHS: Record<(typeof FLOW_ICONS)[number], string> = {
  home: 'M4 12 12 4l8 8M6 10v10h12V10M10 20v-6h4v6',
  child: 'M12 7a3 3 0 1 0 0-.01M8 21v-6l-2-4h12l-2 4v6M10 21v-4h4v4',
  car: 'M3 15h18v-3l-3-5H6l-3 5zM6 15v3M18 15v3M7 12h10',
  street: 'M8 21 10 3M16 21 14 3M12 6v2M12 11v2M12 16v2',
  info: 'M12 3a9 9 0 1 0 0 18 9 9 0 1 0 0-18M12 11v6M12 7v1',
  id: 'M3 6h18v12H3zM7 10a2 2 0 1 0 0 .01M5 15h5M13 10h5M13 13h5',
  person: 'M12 4a4 4 0 1 0 0 8 4 4 0 1 0 0-8M4 21c1-4 4-6 8-6s7 2 8 6',
  letter: 'M3 6h18v12H3zM3 6l9 7 9-7',
  search: 'M10 4a6 6 0 1 0 0 12 6 6 0 1 0 0-12M15 15l6 6',
  bin: 'M5 7h14M9 7V4h6v3M6 7l1 14h10l1-14M10 11v6M14 11v6',
};

export function FlowIcon({ icon }: { icon: (typeof FLOW_ICONS)[number] }) {
  return (
    <svg class="tile-icon" viewBox="0 0 24 24" width="48" height="48" aria-hidden="true" focusable="false">
      <path d={PATHS[icon]} fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" />
    </svg>
  );
}
