import { render } from 'preact';
import { App, SessionContext } from './App';
import { api } from './api';
import { createSessionState } from './state';
import './console.css';

const state = createSessionState(api);
void state.restore();
render(
  <SessionContext.Provider value={state}>
    <App />
  </SessionContext.Provider>,
  document.getElementById('app')!,
);
