/**
 * The Cases screen: the cases the user may see (supervisors all, agents those
 * they took or are assigned to), newest first, filtered by status and "mine",
 * a page at a time; opening one shows the same panel as the desk. The list is
 * read again each time the screen shows; its filters, page and the case
 * opened stay while the user looks at another screen.
 */
import { useEffect } from 'preact/hooks';
import { CASE_STATUSES } from '@citizen/protocol';
import { CasePanel, Problem } from './CasePanel';
import { useCases } from './CasesContext';
import { CASE_STATUS_LABEL } from './caseWords';
import './cases.css';

export function Cases() {
  const cases = useCases();
  const list = cases.list;
  const selected = list.selected.value;
  useEffect(() => {
    if (!list.selected.value) void list.load();
    void cases.loadOutcomeCodes();
  }, [list, cases]);
  if (selected) {
    return (
      <section class="cases" data-testid="cases">
        <button type="button" class="secondary" onClick={() => void list.close()}>
          Back to the list
        </button>
        <CasePanel inquiryId={selected} />
      </section>
    );
  }
  const page = list.page.value;
  const unsaved = cases.unsaved.value;
  return (
    <section class="cases" data-testid="cases">
      <h2>Cases</h2>
      <form class="row case-filter" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select
            name="caseStatus"
            value={list.caseStatus.value}
            onChange={(e) => {
              const v = e.currentTarget.value;
              void list.filter(CASE_STATUSES.find((s) => s === v) ?? '', list.mine.value);
            }}
          >
            <option value="">All statuses</option>
            {CASE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {CASE_STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
        <label class="toggle">
          <input type="checkbox" name="mine" checked={list.mine.value} onChange={(e) => void list.filter(list.caseStatus.value, e.currentTarget.checked)} />
          Only cases I took or am assigned to
        </label>
        <button type="button" class="secondary" disabled={list.loading.value} onClick={() => void list.load()}>
          Refresh
        </button>
      </form>
      {list.problem.value && <Problem problem={list.problem.value} />}
      {page && page.items.length === 0 && <p class="muted">No cases{list.caseStatus.value || list.mine.value ? ' match these filters' : ''}.</p>}
      {page && page.items.length > 0 && (
        <table class="case-list" data-testid="case-list">
          <thead>
            <tr>
              <th>Reference</th>
              <th>Received</th>
              <th>Topic</th>
              <th>Language</th>
              <th>Place</th>
              <th>Status</th>
              <th>Outcome</th>
              <th>Answer promised by</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((c) => (
              <tr key={c.id} data-reference={c.reference} data-status={c.caseStatus}>
                <td>
                  <button type="button" class="link" onClick={() => list.open(c.id)}>
                    {c.reference}
                  </button>
                  {unsaved.has(c.id) && <span class="unsaved"> unsaved changes</span>}
                </td>
                <td>{new Date(c.createdAt).toLocaleString()}</td>
                <td>{c.topic ?? '–'}</td>
                <td>{c.language}</td>
                <td>{c.place ?? '–'}</td>
                <td data-testid="case-list-status">{CASE_STATUS_LABEL[c.caseStatus]}</td>
                <td>{c.outcomeCode ? cases.outcomeLabel(c.outcomeCode) : '–'}</td>
                <td>{c.resolvedAt ? '–' : c.promisedBy ? new Date(c.promisedBy).toLocaleDateString() : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page && (list.hasPrevious.value || list.hasNext.value) && (
        <nav class="row paging" aria-label="Pages">
          <button type="button" class="secondary" disabled={!list.hasPrevious.value || list.loading.value} onClick={() => void list.previous()}>
            Previous
          </button>
          <span data-testid="case-range">{list.range.value}</span>
          <button type="button" class="secondary" disabled={!list.hasNext.value || list.loading.value} onClick={() => void list.next()}>
            Next
          </button>
        </nav>
      )}
      {page && !list.hasPrevious.value && !list.hasNext.value && list.range.value && <p class="muted">{list.range.value}</p>}
    </section>
  );
}
