// Noticing runs that arrive late and in one piece: the app's span processor waits seconds before
// it exports (the SDKs' default is 5 s, and a BatchSpanProcessor built by hand in the JS SDK 3.x
// does not read OTEL_BSP_SCHEDULE_DELAY), so a run shows up whole, after it ended, instead of
// live. Editor-free: fed the live summaries with the time they came, it says which service to
// tell about, once per service.
import type { TraceSummary } from '../protocol';
import { msOfNanos } from '../time';

/** A run that first shows up whole at least this long after it ended came in one late batch. */
export const LATE_MS = 2_000;
/** Longer than this and it is not a live app (an import, a replayed file, a clock far off). */
const NOT_LIVE_MS = 120_000;
/** Runs of a service seen late before it is said (one could be a stall). */
const TIMES = 2;

export interface LateNotice { service: string; traceId: string; lateMs: number }

export class LateRuns {
  private readonly seen = new Set<string>();
  private readonly late = new Map<string, number>();
  private readonly told = new Set<string>();

  /** Runs already known (the list loaded at connection) are not news. */
  know(traceIds: Iterable<string>): void {
    for (const id of traceIds) this.seen.add(id);
  }

  /** Summaries from the live feed, at `nowMs` (the wall clock); a notice when a service's runs keep arriving late. */
  onSummaries(traces: TraceSummary[], nowMs: number): LateNotice | undefined {
    let notice: LateNotice | undefined;
    for (const s of traces) {
      if (this.seen.has(s.traceId)) continue;
      this.seen.add(s.traceId);
      // The first we hear of it, it is already whole: its root came in the same batch as the rest.
      if (s.rootPending || this.told.has(s.service)) continue;
      const lateMs = nowMs - msOfNanos(s.endTimeUnixNano);
      if (lateMs < LATE_MS || lateMs > NOT_LIVE_MS) continue;
      const n = (this.late.get(s.service) ?? 0) + 1;
      this.late.set(s.service, n);
      if (n >= TIMES && !notice) {
        this.told.add(s.service);
        notice = { service: s.service, traceId: s.traceId, lateMs };
      }
    }
    return notice;
  }
}
