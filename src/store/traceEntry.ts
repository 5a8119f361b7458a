// One trace in the store: its spans by id, its log records, and a summary kept up to date as
// spans arrive (in any order, sometimes twice) without rescanning the trace.
import type { Evaluation, GenAiView, Nanos, TraceSummary } from '../protocol';
import type { LogRecordData, SpanRecord } from '../otlp/records';
import { getStr, attrMap } from '../genai/attrs';
import { cmpNanos, durationMs } from '../time';

/** A span once the store has normalized it (its `genai` and `bytes` are set). */
export type StoredSpan = SpanRecord;


// Resources are shared between spans (and requests), so each is read once.
const services = new WeakMap<object, string>();
export function serviceOf(rec: SpanRecord): string {
  let s = services.get(rec.resource);
  if (s === undefined) {
    s = getStr(attrMap(rec.resource.attributes), 'service.name') ?? '';
    services.set(rec.resource, s);
  }
  return s;
}

/** What a step's failures came to: recovered when it got through or a later step of its name did. */
interface StepFate { start: string; errors: number; recovered: boolean }

/** GenAI steps (tools, model calls, agents, embeddings, retrievals): what a retry is about. */
function isStep(s: StoredSpan): boolean {
  return !!s.genai && s.genai.kind !== 'workflow' && s.genai.kind !== 'other';
}

export class TraceEntry {
  readonly spans = new Map<string, StoredSpan>();
  readonly logs: LogRecordData[] = [];
  bytes = 0;
  /** When the store last added to it (its clock). */
  lastActivityMs = 0;
  /** Model calls read for the run's title so far (a few at most: content may not be captured). */
  titleTries = 0;
  /** The model call whose user-message log records gave the title (the older event conventions). */
  titleSpan: string | undefined;
  readonly summary: TraceSummary;
  private readonly agents = new Set<string>();

  constructor(readonly traceId: string) {
    this.summary = {
      traceId, rootName: '', service: '', startTimeUnixNano: '0' as Nanos, endTimeUnixNano: '0' as Nanos,
      durationMs: 0, spanCount: 0, errorCount: 0,
      usage: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, reasoning: 0 },
      costUsd: null, unpricedCalls: 0, llmCalls: 0, callsWithoutUsage: 0, models: [], agentNames: [], rootPending: true,
    };
  }

  // Retries. A failed step (agent, model call, tool, embeddings, retrieval) is recovered when a
  // later step of the same name got through (an agent loop retries in a later step, under another
  // parent). A failure inside a step (the tool's HTTP call) belongs to its nearest enclosing step:
  // recovered when that step got through, or was itself retried and recovered. Spans arrive in any
  // order, so a failure whose ancestors have not all arrived waits at the first missing one. Only
  // failures and the latest success per step name are kept: no memory for runs that never fail.
  /** The latest start of a step of each name that did not fail. */
  private readonly lastOk = new Map<string, string>();
  /** Steps that failures belong to, by span id; failed ones not yet recovered, by name (made at the first failure). */
  private fates: Map<string, StepFate> | undefined;
  private unrecovered: Map<string, StepFate[]> | undefined;
  /** Failures whose walk up to their step stopped at a span not arrived yet, by that span's id. */
  private waiting: Map<string, string[]> | undefined;

  private noteAttempt(s: StoredSpan): void {
    if (isStep(s) && s.status.code !== 2) {
      const prev = this.lastOk.get(s.name);
      if (prev === undefined || cmpNanos(s.startTimeUnixNano, prev) > 0) {
        this.lastOk.set(s.name, s.startTimeUnixNano);
        const open = this.unrecovered?.get(s.name);
        if (open) {
          // Failed no later than this success (timestamps of a quick retry can share the millisecond).
          const still: StepFate[] = [];
          for (const f of open) if (cmpNanos(f.start, s.startTimeUnixNano) <= 0) this.recover(f); else still.push(f);
          this.unrecovered!.set(s.name, still);
        }
      }
    }
    if (s.status.code === 2) this.belong(s.spanId, s);
    const walks = this.waiting?.get(s.spanId);
    if (walks) {
      this.waiting!.delete(s.spanId);
      for (const id of walks) this.belong(id, s);
    }
  }

  /** Walks up from `from` to the step the failure `errorId` belongs to. */
  private belong(errorId: string, from: StoredSpan): void {
    let cur = from;
    for (let depth = 0; depth < 10_000; depth++) {
      if (isStep(cur)) {
        let f = (this.fates ??= new Map()).get(cur.spanId);
        if (!f) {
          const failed = cur.status.code === 2;
          const ok = this.lastOk.get(cur.name);
          f = { start: cur.startTimeUnixNano, errors: 0, recovered: !failed || (ok !== undefined && cmpNanos(cur.startTimeUnixNano, ok) <= 0) };
          this.fates.set(cur.spanId, f);
          if (!f.recovered) {
            const open = (this.unrecovered ??= new Map()).get(cur.name);
            if (open) open.push(f); else this.unrecovered.set(cur.name, [f]);
          }
        }
        f.errors++;
        if (f.recovered) this.addRecovered(1);
        return;
      }
      if (!cur.parentSpanId || cur.parentSpanId === cur.spanId) return; // no step above: a failure of the run's own
      const p = this.spans.get(cur.parentSpanId);
      if (!p) {
        const w = (this.waiting ??= new Map()).get(cur.parentSpanId);
        if (w) w.push(errorId); else this.waiting.set(cur.parentSpanId, [errorId]);
        return;
      }
      cur = p;
    }
  }

  private recover(f: StepFate): void {
    f.recovered = true;
    this.addRecovered(f.errors);
  }

  private addRecovered(n: number): void {
    const total = (this.summary.recoveredErrors ?? 0) + n;
    if (total) this.summary.recoveredErrors = total; else delete this.summary.recoveredErrors;
  }

  /** An evaluation result about a step of this run: counted in the summary. */
  noteEvaluation(e: Evaluation): void {
    const c = (this.summary.evaluations ??= { count: 0, failed: 0 });
    c.count++;
    if (e.failed) c.failed++;
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
    }
    if (sum.spanCount === 1 || cmpNanos(rec.endTimeUnixNano, sum.endTimeUnixNano) > 0) {
      sum.endTimeUnixNano = rec.endTimeUnixNano;
    }
    sum.durationMs = Math.max(0, durationMs(sum.startTimeUnixNano, sum.endTimeUnixNano));
    if (rec.parentSpanId === '') {
      if (sum.rootPending) {
        sum.rootPending = false;
        sum.rootName = rec.name;
        sum.service = serviceOf(rec);
      }
    } else if (sum.rootPending && (sum.spanCount === 1 || cmpNanos(rec.startTimeUnixNano, sum.startTimeUnixNano) <= 0)) {
      // Until the root arrives, the earliest span stands in for it.
      sum.rootName = rec.name;
      sum.service = serviceOf(rec);
    }
    this.noteAttempt(s);
    const g = s.genai;
    if (g) {
      if (g.agentName && !this.agents.has(g.agentName)) {
        this.agents.add(g.agentName);
        sum.agentNames.push(g.agentName);
      }
      if (g.conversationId && !sum.conversationId) sum.conversationId = g.conversationId;
      if (g.kind === 'llm') this.addModelCall(s, g);
    }
    // Model calls below this span arrived before it: carry the marks on up to its ancestors.
    const below = this.llmBelow.get(rec.spanId);
    if (below !== undefined) this.markAncestors(rec.parentSpanId, below);
    return true;
  }

  // Each model call counts once (the rule in GenAiView.countsUsage): usage counts on an llm span
  // that reports it unless an llm span below it also reports usage (a framework's span over the
  // provider's). Spans arrive in any order, so marks go up the ancestors as far as they have
  // arrived and wait at the first missing one: `llmBelow` holds, per span id, whether some llm
  // span (1) or some llm span with usage (2) is below it.
  private readonly llmBelow = new Map<string, 1 | 2>();
  /** llm spans whose usage is in the totals, and the innermost llm spans (the model calls). */
  private readonly counted = new Set<string>();
  private readonly innermost = new Set<string>();
  private pricedCalls = 0;
  private readonly models = new Set<string>();

  /** Whether a span's usage is in the trace totals (for views sent out). */
  countsUsage(spanId: string): boolean {
    return this.counted.has(spanId);
  }

  /** Whether an llm span is a model call as the model received it: no llm span below it. */
  isModelCall(spanId: string): boolean {
    return this.innermost.has(spanId);
  }

  private addModelCall(s: StoredSpan, g: GenAiView): void {
    const sum = this.summary;
    const model = g.responseModel ?? g.requestModel;
    if (model && !this.models.has(model)) { this.models.add(model); sum.models.push(model); }
    const below = this.llmBelow.get(s.spanId);
    if (below === undefined) {
      this.innermost.add(s.spanId);
      sum.llmCalls++;
      if (!g.usage) sum.callsWithoutUsage++;
    }
    if (g.usage && below !== 2) this.count(s, g, 1);
    this.markAncestors(s.parentSpanId, g.usage ? 2 : 1);
  }

  private markAncestors(parentId: string, mark: 1 | 2): void {
    let id = parentId;
    for (let depth = 0; id !== '' && depth < 10_000; depth++) {
      const had = this.llmBelow.get(id);
      if (had !== undefined && had >= mark) return; // already marked, and so are its ancestors
      this.llmBelow.set(id, mark);
      const p = this.spans.get(id);
      if (!p) return; // not arrived yet: the walk goes on when it does
      const g = p.genai;
      if (g?.kind === 'llm') {
        if (had === undefined && this.innermost.delete(id)) {
          this.summary.llmCalls--;
          if (!g.usage) this.summary.callsWithoutUsage--;
        }
        if (mark === 2 && this.counted.has(id)) this.count(p, g, -1);
      }
      id = p.parentSpanId;
    }
  }

  private count(s: StoredSpan, g: GenAiView, sign: 1 | -1): void {
    const u = this.summary.usage;
    const v = g.usage!;
    u.input += sign * v.input;
    u.output += sign * v.output;
    u.cacheRead += sign * v.cacheRead;
    u.cacheCreation += sign * v.cacheCreation;
    u.reasoning += sign * v.reasoning;
    if (sign > 0) this.counted.add(s.spanId); else this.counted.delete(s.spanId);
    if (g.costUsd === null || g.costUsd === undefined) this.summary.unpricedCalls += sign;
    else {
      this.pricedCalls += sign;
      this.summary.costUsd = this.pricedCalls === 0 ? null : (this.summary.costUsd ?? 0) + sign * g.costUsd;
    }
  }
}
