// How a run is offered in a pick list, the same wherever one is asked for (Open Run…, the replay's
// "which run?"): newest first, its title, when it started, its service, its size and errors.
import type * as vscode from 'vscode';
import type { TraceSummary } from '../protocol';
import { cmpNanos } from '../time';
import { fmtClock, runTitle } from '../format';

export interface RunPickItem extends vscode.QuickPickItem { run: TraceSummary }

/** The newest `max` runs as pick items (the list stays quick to filter as it is typed into). */
export function runPickItems(runs: readonly TraceSummary[], max = 200): RunPickItem[] {
  return runs.slice().sort((a, b) => cmpNanos(b.startTimeUnixNano, a.startTimeUnixNano)).slice(0, max).map((r) => ({
    label: runTitle(r),
    description: `${fmtClock(r.startTimeUnixNano)} · ${r.service} · ${r.spanCount} steps${r.errorCount ? ` · ${r.errorCount} errors` : ''}`,
    detail: r.traceId,
    run: r,
  }));
}
