/**
 * A supervisor's screens: the call desk (ongoing calls, joining one), the
 * live view, the reports and the cases. The desk stays mounted under the others so a
 * call a supervisor joined is not dropped; the live view exists only while
 * shown, so it polls only then. The screens' state outlives switching between
 * them (the waiting chart keeps its last minutes, the report its range).
 */
import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { api } from '../api';
import { Live } from './Live';
import { Reports } from './Reports';
import { Cases } from '../cases/Cases';
import { createLiveState } from './liveState';
import { createReportsState } from './reportsState';
import './supervision.css';

type Screen = 'desk' | 'live' | 'reports' | 'cases';
const SCREENS: readonly { id: Screen; label: string }[] = [
  { id: 'desk', label: 'Calls' },
  { id: 'live', label: 'Live' },
  { id: 'reports', label: 'Reports' },
  { id: 'cases', label: 'Cases' },
];

/** `shown`: the work area is on screen (not the account page). */
export function Supervisor({ desk, shown }: { desk: ComponentChildren; shown: boolean }) {
  const [screen, setScreen] = useState<Screen>('desk');
  const live = useMemo(() => createLiveState(api), []);
  const reports = useMemo(() => createReportsState(api), []);
  return (
    <>
      <nav class="screens" aria-label="Supervisor screens">
        {SCREENS.map((s) => (
          <button key={s.id} type="button" class={screen === s.id ? undefined : 'secondary'} aria-pressed={screen === s.id} onClick={() => setScreen(s.id)}>
            {s.label}
          </button>
        ))}
      </nav>
      <div hidden={screen !== 'desk'}>{desk}</div>
      {shown && screen === 'live' && <Live live={live} />}
      {screen === 'reports' && <Reports reports={reports} />}
      {screen === 'cases' && <Cases />}
    </>
  );
}
