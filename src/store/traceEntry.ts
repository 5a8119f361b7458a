// One trace in the store: its spans by id, its log records, and a summary kept up to date as
// spans arrive (in any order, sometimes twice) without rescanning the trace.
import type { Nanos, TraceSummary } from '../protocol';
import type { LogRecordData, SpanRecord } from '../otlp/records';
import { getStr, attrMap } from '../genai/attrs';

/** A span once the store has normalized it (its `genai` and `bytes` are set). */
export type StoredSpan = SpanRecord;

/** Compares exact decimal nanosecond strings. */
export function cmpNanos(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

// Resources are shared between spans (and requests), so each is read once.
const services = new WeakMap<object, string>();
function serviceOf(rec: SpanRecord): string {
  let s = services.get(rec.resource);
  if (s === undefined) {
    s = getStr(attrMap(rec.resource.attributes), 'service.name') ?? '';
    services.set(rec.resource, s);
  }
  return s;
}

export class TraceEntry {
  readonly spans = new Map<string, StoredSpan>();
  readonly logs: LogRecordData[] = [];
  bytes = 0;
  startMs = Infinity;
  endMs = -Infinity;
  readonly summary: TraceSummary;
  private readonly agents = new Set<string>();

  constructor(readonly traceId: string) {
    this.summary = {
      traceId, rootName: '', service: '', startTimeUnixNano: '0' as Nanos, endTimeUnixNano: '0' as Nanos,
      durationMs: 0, spanCount: 0, errorCount: 0,
      usage: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, reasoning: 0 },
      costUsd: null, unpricedCalls: 0, agentNames: [], rootPending: true,
    };
  }

  /** Adds a span unless one with its id is already here; false for a duplicate. */
  add(s: StoredSpan): boolean {
    const rec = s;
    if (this.spans.has(rec.spanId)) return false;
    this.spans.set(rec.spanId, s);
    this.bytes += s.bytes;
    const sum = this.summary;
    sum.spanCount++;
    if (rec.status.code === 2) sum.errorCount++;
    if (sum.spanCount === 1 || cmpNanos(rec.startTimeUnixNano, sum.startTimeUnixNano) < 0) {
      sum.startTimeUnixNano = rec.startTimeUnixNano;
      this.startMs = rec.startMs;
    }
    if (sum.spanCount === 1 || cmpNanos(rec.endTimeUnixNano, sum.endTimeUnixNano) > 0) {
      sum.endTimeUnixNano = rec.endTimeUnixNano;
      this.endMs = rec.endMs;
    }
    sum.durationMs = Math.max(0, this.endMs - this.startMs);
    if (rec.parentSpanId === '') {
      if (sum.rootPending) {
        sum.rootPending = false;
        sum.rootName = rec.name;
        sum.service = serviceOf(rec);
      }
    } else if (sum.rootPending && (sum.spanCount === 1 || rec.startMs <= this.startMs)) {
      // Until the root arrives, the earliest span stands in for it.
      sum.rootName = rec.name;
      sum.service = serviceOf(rec);
    }
    const g = s.genai;
    if (g) {
      if (g.agentName && !this.agents.has(g.agentName)) {
        this.agents.add(g.agentName);
        sum.agentNames.push(g.agentName);
      }
      if (g.countsUsage && g.usage) {
        const u = sum.usage;
        u.input += g.usage.input;
        u.output += g.usage.output;
        u.cacheRead += g.usage.cacheRead;
        u.cacheCreation += g.usage.cacheCreation;
        u.reasoning += g.usage.reasoning;
        if (g.costUsd === null || g.costUsd === undefined) sum.unpricedCalls++;
        else sum.costUsd = (sum.costUsd ?? 0) + g.costUsd;
      }
    }
    return true;
  }
}
