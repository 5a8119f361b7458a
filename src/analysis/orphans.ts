// Orphaned steps: trace context lost across an async boundary (a thread pool, a task started
// outside the span, a queue or callback) leaves a tool or model call as the root of a run of its
// own, or a span whose parent never arrives. This finds them, the run each most likely belongs
// to and why, and says how to fix the cause. Pure: the server passes the runs in.
import type { GenAiKind, Orphan } from '../protocol';
import { PIECE_KINDS } from '../store/orphanIndex';

/** What the analysis needs of a run (the server makes these from its store). */
export interface RunShape {
  traceId: string;
  service: string;
  /** telemetry.sdk.language of its resource: the fix depends on it. */
  language?: string;
  conversationId?: string;
  /** Spans with no parent in the run. */
  roots: { spanId: string; name: string; kind: GenAiKind | 'span'; toolCallId?: string; startMs: number }[];
  /** Agent invocations, with their time windows. */
  agents: { spanId: string; name: string; startMs: number; endMs: number }[];
  /** Spans whose parent id names a span the run does not have. */
  missingParents: { spanId: string; name: string; parentSpanId: string }[];
  /** Milliseconds since the run last received anything. */
  idleMs: number;
  /** The agent step the store placed this run in, when it is a piece of another (TraceSummary.orphanOf). */
  orphanOf?: { traceId: string; spanId: string; name: string };
  /** The tool call ids this run's model calls asked for (read only for candidate parents). */
  requestedToolCalls(): ReadonlySet<string>;
}

/** A parent that has not arrived after this long is taken to be lost, not late. */
export const PARENT_GRACE_MS = 30_000;

/** How to keep the context across the boundary, in the app's language. */
export function fixFor(language: string | undefined): string {
  switch ((language ?? '').toLowerCase()) {
    case 'python':
      return 'Python: work submitted to a ThreadPoolExecutor (or run_in_executor) does not carry the OpenTelemetry context. Submit contextvars.copy_context().run(fn, ...) instead of fn, or install opentelemetry-instrumentation-threading; create asyncio tasks inside the span, not from another thread.';
    case 'nodejs': case 'node': case 'javascript': case 'typescript':
      return 'Node: callbacks from queues, event emitters and timers started outside the span lose the context. Wrap them with context.bind(context.active(), fn), and register the SDK\'s AsyncLocalStorage context manager (NodeSDK does).';
    case 'java':
      return 'Java: wrap executors with Context.taskWrapping(executor) (or Context.current().wrap(runnable)) so tasks carry the context.';
    case 'go':
      return 'Go: pass the ctx that holds the span into the goroutine (and to tracer.Start there), not context.Background().';
    case 'dotnet':
      return '.NET: Activity.Current flows with async/await but not into Thread or ThreadPool work started by hand: capture the Activity and start the child from it.';
    default:
      return 'Carry the OpenTelemetry context across the async boundary (thread pool, task, queue or callback) that started this step.';
  }
}

export function findOrphans(runs: readonly RunShape[]): Orphan[] {
  const out: Orphan[] = [];
  const byId = new Map(runs.map((r) => [r.traceId, r]));
  for (const r of runs) {
    // A span whose parent never came.
    if (r.idleMs >= PARENT_GRACE_MS) {
      for (const m of r.missingParents) {
        out.push({ traceId: r.traceId, spanId: m.spanId, name: m.name, reason: 'parent-missing',
          why: [`its parent span ${m.parentSpanId} never arrived (nothing came for ${Math.round(r.idleMs / 1000)} s)`],
          fix: 'The parent span was not exported: the process ended before its exporter flushed (call the provider\'s shutdown or forceFlush at exit), or a sampler dropped the parent but kept the child.' });
      }
    }
    // A run that is a piece of another: a tool or model call at its root, no agent of its own,
    // placed by the store as spans arrived (store/orphanIndex.ts: same service, started while the
    // agent ran, same conversation when both say one; among several, the one whose model asked for
    // its tool call id, else the narrowest). Here: why, and how sure.
    const placed = r.orphanOf;
    const p = placed && byId.get(placed.traceId);
    const a = p?.agents.find((x) => x.spanId === placed!.spanId);
    if (!placed || !p || !a || r.agents.length) continue;
    for (const root of r.roots) {
      if (root.kind === 'span' || !PIECE_KINDS.has(root.kind) || root.startMs < a.startMs || root.startMs > a.endMs) continue;
      const why = [`same service (${r.service || 'unnamed'})`, `started ${Math.round(root.startMs - a.startMs)} ms into ${a.name}, while it ran`];
      let score = 1;
      if (r.conversationId && r.conversationId === p.conversationId) { score += 2; why.push(`same conversation (${r.conversationId})`); }
      if (root.toolCallId && p.requestedToolCalls().has(root.toolCallId)) { score += 4; why.push(`its tool call id ${root.toolCallId} is one that run's model asked for`); }
      out.push({ traceId: r.traceId, spanId: root.spanId, name: root.name, reason: 'piece-of-run', likely: { traceId: p.traceId, spanId: a.spanId, name: a.name }, why,
        confidence: score >= 5 ? 'high' : score >= 3 ? 'medium' : 'low', fix: fixFor(r.language) });
    }
  }
  return out;
}
