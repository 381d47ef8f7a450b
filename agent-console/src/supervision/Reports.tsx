/**
 * The daily report screen: a date range and a queue, the chart of calls and
 * service level per day, the table, and the CSV download of what is shown.
 */
import { useEffect } from 'preact/hooks';
import uPlot from 'uplot';
import type { DailyReportRow } from '@citizen/protocol';
import { Chart, colour } from './Chart';
import type { DailyChart, ReportsState } from './reportsState';

export function Reports({ reports }: { reports: ReportsState }) {
  useEffect(() => {
    if (!reports.report.value) void reports.load();
  }, [reports]);
  const report = reports.report.value;
  const chart = reports.chart.value;
  return (
    <section class="reports" data-testid="reports">
      <h2>Reports</h2>
      <form
        class="row report-filter"
        onSubmit={(e) => {
          e.preventDefault();
          void reports.load();
        }}
      >
        <label>
          From <input type="date" name="from" value={reports.from.value} onInput={(e) => (reports.from.value = e.currentTarget.value)} required />
        </label>
        <label>
          To <input type="date" name="to" value={reports.to.value} onInput={(e) => (reports.to.value = e.currentTarget.value)} required />
        </label>
        <label>
          Queue
          <select name="queue" value={reports.queue.value} onChange={(e) => (reports.queue.value = e.currentTarget.value)}>
            <option value="">All queues</option>
            {(report?.queues ?? []).map((q) => (
              <option key={q.id} value={q.id}>
                {q.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={reports.loading.value}>
          Show
        </button>
        {reports.csvUrl.value && (
          <a class="button secondary" href={reports.csvUrl.value} download data-testid="report-csv">
            Download CSV
          </a>
        )}
      </form>
      {reports.error.value && (
        <p role="alert" class="error">
          {reports.error.value}
        </p>
      )}
      {report && (
        <>
          <p class="muted">
            Days in {report.timeZone}. Service level: answered within the queue’s target time, out of those answered and those who gave up after that time.
          </p>
          {chart && (
            <article class="panel wide">
              <h3>Calls and service level per day</h3>
              <DailyChartView chart={chart} />
            </article>
          )}
          <table class="report-table" data-testid="report-table">
            <thead>
              <tr>
                <th>Day</th>
                <th>Queue</th>
                <th>Calls</th>
                <th>Answered</th>
                <th>Abandoned</th>
                <th>Abandoned %</th>
                <th>Avg wait</th>
                <th>90 % waited at most</th>
                <th>Service level</th>
                <th>Avg handle time</th>
                <th>Rating</th>
              </tr>
            </thead>
            <tbody>
              {report.rows.map((r) => (
                <tr key={`${r.day} ${r.queueId ?? ''}`} data-day={r.day} data-queue={r.queueId ?? ''} class={r.contacts === 0 ? 'quiet' : undefined}>
                  <td>{r.day}</td>
                  <td>{r.queueName}</td>
                  <td data-testid="contacts">{r.contacts}</td>
                  <td data-testid="answered">{r.answered}</td>
                  <td>{r.abandoned}</td>
                  <td>{percent(r.abandonedPercent)}</td>
                  <td>{duration(r.waitAvgSeconds)}</td>
                  <td>{duration(r.waitP90Seconds)}</td>
                  <td class={belowTarget(r) ? 'below-target' : undefined}>
                    {percent(r.serviceLevelPercent)}
                    {r.serviceLevelTarget && <span class="muted"> / {r.serviceLevelTarget.percent} % in {r.serviceLevelTarget.withinSeconds} s</span>}
                  </td>
                  <td>{duration(r.handleAvgSeconds)}</td>
                  <td>{r.ratingAvg === null ? '–' : `${r.ratingAvg.toFixed(1)} (${r.ratings})`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

const DAY_S = 86_400;
/** Ticks fall on whole days (or weeks, or about months): a report has nothing finer. */
const DAY_INCREMENTS = [1, 2, 7, 14, 28, 56, 91, 182].map((d) => d * DAY_S);

function DailyChartView({ chart }: { chart: DailyChart }) {
  const bars = uPlot.paths.bars;
  const target = chart.target;
  const options: Omit<uPlot.Options, 'width' | 'height'> = {
    // Days are placed at their UTC midnight and labelled in UTC, so a day is never shown as its neighbour.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    // Half a day either side, so the first and last day's bars are whole.
    scales: { x: { time: true, range: (_u, min, max) => [min - DAY_S / 2, max + DAY_S / 2] }, calls: { range: (_u, _min, max) => [0, Math.max(5, Math.ceil(max * 1.1))] }, percent: { range: [0, 100] } },
    axes: [
      { incrs: DAY_INCREMENTS, values: (_u, splits) => splits.map((s) => new Date(s * 1000).toISOString().slice(5, 10)) },
      { scale: 'calls', label: 'calls' },
      { scale: 'percent', side: 1, label: 'service level %', grid: { show: false } },
    ],
    series: [
      { label: 'Day', value: (_u, v) => (v === null ? '' : new Date(v * 1000).toISOString().slice(0, 10)) },
      { label: 'Calls', scale: 'calls', fill: `${colour(0)}99`, stroke: colour(0), paths: bars ? bars({ size: [0.6, 40] }) : undefined, points: { show: false } },
      { label: 'Service level', scale: 'percent', stroke: colour(1), width: 2, spanGaps: false },
      ...(target === null ? [] : [{ label: 'Target', scale: 'percent', stroke: colour(2), width: 1, dash: [6, 4], points: { show: false } }]),
    ],
  };
  const data: uPlot.AlignedData = [chart.days, chart.calls, chart.serviceLevel, ...(target === null ? [] : [chart.days.map(() => target)])];
  return <Chart testId="chart-daily" label="Calls per day as bars, and the service level per day as a line against its target" shape={`${chart.labels.join(',')} ${target}`} options={options} data={data} height={260} />;
}

function belowTarget(r: DailyReportRow): boolean {
  return r.serviceLevelPercent !== null && r.serviceLevelTarget !== null && r.serviceLevelPercent < r.serviceLevelTarget.percent;
}

function percent(p: number | null): string {
  return p === null ? '–' : `${p} %`;
}

function duration(seconds: number | null): string {
  if (seconds === null) return '–';
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}
