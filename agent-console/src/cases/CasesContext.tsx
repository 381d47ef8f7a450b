/** The signed-in user's cases state, handed to every case panel (the desk's and the Cases screen's) through context. */
import { createContext, type ComponentChildren } from 'preact';
import { useContext, useMemo } from 'preact/hooks';
import { api } from '../api';
import { createCasesState, type CasesState } from './casesState';

const CasesContext = createContext<CasesState | null>(null);

/** One cases state per signed-in user: a different user starts with none of the last one's edits. */
export function CasesProvider({ userId, children }: { userId: string; children: ComponentChildren }) {
  const cases = useMemo(() => createCasesState(api, { id: userId }), [userId]);
  return <CasesContext.Provider value={cases}>{children}</CasesContext.Provider>;
}

export function useCases(): CasesState {
  const cases = useContext(CasesContext);
  if (!cases) throw new Error('CasesProvider missing');
  return cases;
}
