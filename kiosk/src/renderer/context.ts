/** The kiosk state, for every screen below the app. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { KioskState } from './state';

export const StateContext = createContext<KioskState | null>(null);

export const useKiosk = (): KioskState => {
  const s = useContext(StateContext);
  if (!s) throw new Error('StateContext missing');
  return s;
};
