import { render } from 'preact';
import { App, StateContext } from './App';
import { bridge } from './bridge.dom';
import { createKioskState } from './state';
import './kiosk.css';

const state = createKioskState(bridge);
void state.refresh().catch((err: unknown) => console.error('kiosk refresh failed', err));
render(
  <StateContext.Provider value={state}>
    <App />
  </StateContext.Provider>,
  document.getElementById('app')!,
);
