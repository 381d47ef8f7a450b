import { render } from 'preact';
import { App, StateContext } from './App';
import { bridge } from './bridge.dom';
import { createKioskState } from './state';
import { browserCallDeps } from './call/callState';
import { answerMediaSelfTests, reportMediaDevices } from './mediaHealth.dom';
import { createLogger } from '@citizen/call-client/log';
import './kiosk.css';

const log = createLogger('kiosk');

// Under Electron the page is served from kiosk://app: the shell says where the signalling socket is.
const state = createKioskState(bridge, browserCallDeps(() => state.shell.value?.signallingUrl));
// Diagnostics for technicians and the browser tests: only with ?debug in the URL.
if (new URLSearchParams(location.search).has('debug')) {
  (window as unknown as { __kiosk: unknown }).__kiosk = {
    step: () => state.call.state.value.step,
    reference: () => {
      const s = state.call.state.value;
      return 'reference' in s ? s.reference : null;
    },
    stats: () => {
      const s = state.call.state.value;
      return s.step === 'in-call' ? s.call.media.stats() : null;
    },
    restartIce: () => {
      const s = state.call.state.value;
      return s.step === 'in-call' ? s.call.media.restartIce() : null;
    },
    dropSignalling: () => state.call.client()?.dropConnection(),
    resumes: () => state.call.resumes(),
    timeline: () => state.call.timeline().toJSON(),
    endpointStates: () => state.call.endpoint()?.states() ?? null,
    /** The selected ICE candidate pair of each transport (relay: through TURN) and the endpoint's policy. */
    mediaPaths: async () => {
      const s = state.call.state.value;
      const endpoint = s.step === 'in-call' ? s.call.media.endpoint : state.call.endpoint();
      return endpoint ? { policy: endpoint.iceTransportPolicy, paths: await endpoint.paths() } : null;
    },
    endSession: () => state.endResidentSession(),
    localTracks: () => state.call.lastCall()?.media.localStream.getTracks().map((t) => `${t.kind}:${t.readyState}`) ?? [],
  };
}
// The languages, flows and catalogues: asked again until the shell answers (it may still be starting).
const loadContent = (): void =>
  void state.loadContent().then(() => {
    if (!state.content.value) setTimeout(loadContent, 3000);
  });
loadContent();
const refresh = (): void => void state.refresh().catch((err: unknown) => log.warn('refresh failed', { error: err }));
refresh();
// Status events keep the screen current; a periodic refresh also covers events missed while the
// event stream was (re)connecting, and shows a lost server connection.
setInterval(refresh, 15_000);
reportMediaDevices(bridge, (err) => log.warn('media device report failed', { error: err }));
answerMediaSelfTests(bridge, (err) => log.warn('media self-test failed', { error: err }));
render(
  <StateContext.Provider value={state}>
    <App />
  </StateContext.Provider>,
  document.getElementById('app')!,
);
