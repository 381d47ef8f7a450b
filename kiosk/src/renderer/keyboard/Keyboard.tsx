/**
 * An on-screen keyboard for one field (layouts.ts picks the keys). Keys are
 * real buttons (reachable with a switch or a keyboard, named for screen
 * readers); the first letter is upper case where the script has case.
 */
import { useState } from 'preact/hooks';
import type { Layout } from './layouts';

export interface KeyboardLabels {
  /** The field the keys type into, for the group's name. */
  label: string;
  deleteKey: string;
  space: string;
}

export function Keyboard({ layout, value, onChange, labels, maxLength }: { layout: Layout; value: string; onChange: (v: string) => void; labels: KeyboardLabels; maxLength: number }) {
  const [upper, setUpper] = useState(layout.shift && value === '');
  const type = (c: string): void => {
    if (value.length >= maxLength) return;
    onChange(value + (upper ? c.toUpperCase() : c));
    if (upper) setUpper(false);
  };
  const wide = layout.rows.every((r) => r.length <= 3);
  return (
    <div class={wide ? 'keypad rows' : 'osk'} role="group" aria-label={labels.label} dir={layout.dir}>
      {layout.rows.map((row) => (
        <div class={wide ? 'keypad-row' : 'osk-row'}>
          {row.map((c) => (
            <button type="button" class="key" onClick={() => type(c)} data-key={c}>
              {upper ? c.toUpperCase() : c}
            </button>
          ))}
        </div>
      ))}
      <div class={wide ? 'keypad-row' : 'osk-row'}>
        {layout.shift && (
          <button type="button" class={upper ? 'key wide active' : 'key wide'} aria-pressed={upper} aria-label="Shift" onClick={() => setUpper(!upper)}>
            ⇧
          </button>
        )}
        {layout.space && (
          <button type="button" class="key space" onClick={() => value.length < maxLength && onChange(value + ' ')} data-key="space">
            {labels.space}
          </button>
        )}
        <button type="button" class="key wide" aria-label={labels.deleteKey} onClick={() => onChange(value.slice(0, -1))} data-key="del">
          ⌫
        </button>
      </div>
    </div>
  );
}
