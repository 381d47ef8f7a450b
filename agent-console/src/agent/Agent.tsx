/**
 * An agent's screens: the desk (calls, callbacks, wrap-up) and the cases. The
 * desk stays mounted under the Cases screen, so a call in progress or the
 * agent's place in the routing is never dropped by looking up a case; a call
 * offered while the Cases screen shows brings the desk to the front (what the
 * agent was typing in a case stays with the case).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Cases } from '../cases/Cases';

type Screen = 'desk' | 'cases';
const SCREENS: readonly { id: Screen; label: string }[] = [
  { id: 'desk', label: 'Desk' },
  { id: 'cases', label: 'Cases' },
];

/** `offered`: a call or callback is offered to the agent now. */
export function Agent({ desk, offered }: { desk: ComponentChildren; offered: boolean }) {
  const [screen, setScreen] = useState<Screen>('desk');
  useEffect(() => {
    if (offered) setScreen('desk');
  }, [offered]);
  return (
    <>
      <nav class="screens" aria-label="Agent screens">
        {SCREENS.map((s) => (
          <button key={s.id} type="button" class={screen === s.id ? undefined : 'secondary'} aria-pressed={screen === s.id} onClick={() => setScreen(s.id)}>
            {s.label}
          </button>
        ))}
      </nav>
      <div hidden={screen !== 'desk'}>{desk}</div>
      {screen === 'cases' && <Cases />}
    </>
  );
}
