/**
 * The live screen: queues (waiting, longest wait, service level against the
 * target), agents by presence, kiosks online, and two charts. It polls while
 * it is on screen and the browser tab is visible, and stops otherwise.
 */
import { useEffect } from 'preact/hooks';
import uPlot from 'uplot';
import { Chart, colour } from './Chart';
import { PRESENCE_ORDER, type LiveState, type PresenceState } from './liveState';

const PRESENCE_LABEL: Record<PresenceState, string> = { available: 'Available', 'in-call': 'In call', 'wrap-up': 'Wrap-up', away: 'Away' };
const KIOSK_STATE_LABEL = { idle: 'Idle', waiting: 'Resident waiting', 'in-call': 'In call' } as const;

export function Live({ live }: { live: LiveState }) {
  // Polls while mounted and the tab is visible: a hidden tab has nobody watching it.
  useEffect(() => {
    const follow = (): void => (document.hidden ? live.stop() : live.start());
    follow();
    document.addEventListener('visibilitychange', follow);
    return () => {
      document.removeEventListener('visibilitychange', follow);
      live.stop();
    };
  }, [live]);

  const view = live.view.value;
  return (
    <section class="live" data-testid="live">
      <h2>Live</h2>
      {live.error.value && (
        <p role="alert" class="error">
          {live.error.value}
        </p>
      )}
      {!view ? (
        <p>Loading…</p>
      ) : (
        <>
          <div class="live-grid">
            <article class="panel wide">
              <h3>Queues</h3>
              <table data-testid="live-queues">
                <thead>
                  <tr>
                    <th>Queue</th>
                    <th>Open</th>
                    <th>Waiting</th>
                    <th>Longest wait</th>
                    <th>Target</th>
                    <th>Attained (24 h)</th>
                    <th>Answered (24 h)</th>
                  </tr>
                </thead>
                <tbody>
                  {view.queues.map((q) => {
                    const below = q.attainedPercent !== null && q.attainedPercent < q.serviceLevel.percent;
                    return (
                      <tr key={q.id} data-queue={q.id}>
                        <td>{q.name}</td>
                        <td>{q.open ? 'open' : 'closed'}</td>
                        <td data-testid="waiting">{q.waiting}</td>
                        <td>{minutesSeconds(q.longestWaitSeconds)}</td>
                        <td>
                          {q.serviceLevel.percent} % in {q.serviceLevel.withinSeconds} s
                        </td>
                        <td class={below ? 'below-target' : undefined}>{q.attainedPercent === null ? '–' : `${q.attainedPercent} %`}</td>
                        <td>{q.answeredToday}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </article>
            <article class="panel">
              <h3>Agents</h3>
              <dl class="presence" data-testid="live-agents">
                {PRESENCE_ORDER.map((state) => {
                  const agents = live.agentsByPresence.value[state];
                  return (
                    <div key={state} data-presence={state}>
                      <dt>
                        {PRESENCE_LABEL[state]} <span class="count">{agents.length}</span>
                      </dt>
                      <dd>{agents.length === 0 ? '–' : agents.map((a) => a.displayName).join(', ')}</dd>
                    </div>
                  );
                })}
              </dl>
            </article>
            <article class="panel">
              <h3>Kiosks online</h3>
              {view.kiosks.length === 0 ? (
                <p>No kiosk is connected.</p>
              ) : (
                <table data-testid="live-kiosks">
                  <tbody>
                    {view.kiosks.map((k) => (
                      <tr key={k.kioskId} data-state={k.state}>
                        <td>{k.name}</td>
                        <td class="muted">{k.location}</td>
                        <td>{KIOSK_STATE_LABEL[k.state]}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </article>
          </div>
          <div class="live-grid">
            <article class="panel">
              <h3>Residents waiting, last 10 minutes</h3>
              <WaitingChart live={live} />
            </article>
            <article class="panel">
              <h3>Service level, last 24 hours: attained and target</h3>
              <ServiceLevelChart live={live} />
            </article>
          </div>
        </>
      )}
    </section>
  );
}

function WaitingChart({ live }: { live: LiveState }) {
  const { queues, data } = live.waitingChart.value;
  // Steps, not slopes: a count of residents changes at once, it does not glide between samples.
  const stepped = uPlot.paths.stepped;
  const options: Omit<uPlot.Options, 'width' | 'height'> = {
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(3, Math.ceil(max))] } },
    axes: [{}, { label: 'waiting', incrs: [1, 2, 5, 10, 20, 50, 100] }],
    series: [{}, ...queues.map((q, i) => ({ label: q.name, stroke: colour(i), width: 2, paths: stepped ? stepped({ align: 1 }) : undefined, points: { show: false } }))],
  };
  return <Chart testId="chart-waiting" label="Residents waiting per queue over the last 10 minutes" shape={queues.map((q) => q.id).join(',')} options={options} data={data} />;
}

function ServiceLevelChart({ live }: { live: LiveState }) {
  const { queues, attained, target } = live.serviceLevelChart.value;
  const names = queues.map((q) => q.name);
  const bars = uPlot.paths.bars;
  const options: Omit<uPlot.Options, 'width' | 'height'> = {
    scales: { x: { time: false, range: [-0.5, queues.length - 0.5] }, y: { range: [0, 100] } },
    axes: [
      { values: (_u, splits) => splits.map((s) => names[s] ?? ''), splits: () => queues.map((_q, i) => i), grid: { show: false } },
      { label: '%', values: (_u, splits) => splits.map((s) => `${s} %`) },
    ],
    cursor: { show: false },
    series: [
      { label: 'Queue', value: (_u, v) => (v === null ? '' : (names[v] ?? '')) },
      { label: 'Attained', fill: colour(0), stroke: colour(0), paths: bars ? bars({ size: [0.35, 60], align: -1 }) : undefined, points: { show: false } },
      { label: 'Target', fill: colour(1), stroke: colour(1), paths: bars ? bars({ size: [0.35, 60], align: 1 }) : undefined, points: { show: false } },
    ],
  };
  return (
    <Chart
      testId="chart-service-level"
      label="Service level per queue: attained over the last 24 hours, next to the target"
      shape={names.join(',')}
      options={options}
      data={[queues.map((_q, i) => i), attained, target]}
    />
  );
}

function minutesSeconds(s: number): string {
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
