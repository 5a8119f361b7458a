// One trace in the store: the slots of its spans in the span table (columns: spanTable.ts), its log
// records, and a summary kept up to date as spans arrive (in any order, sometimes twice) without
// rescanning the trace. `spans` reads it like a map of span objects, made when asked.
import type { Evaluation, GenAiView, Nanos, TraceSummary } from '../protocol';
import type { LogRecordData, SpanRecord } from '../otlp/records';
import { getStr, attrMap } from '../genai/attrs';
import { cmpNanos, durationMs, msOfNanos } from '../time';
import { hexHalf, type SpanTable } from './spanTable';
import { addUsage, zeroUsage } from '../usage';

/** A stored span as queries read it: made from the columns (its `genai` as ingest made it, no content). */
export type StoredSpan = SpanRecord;

// Resources are shared between spans (and requests), so each is read once.
const services = new WeakMap<object, string>();
export function serviceOf(rec: Pick<SpanRecord, 'resource'>): string {
  let s = services.get(rec.resource);
  if (s === undefined) {
    s = getStr(attrMap(rec.resource.attributes), 'service.name') ?? '';
    services.set(rec.resource, s);
  }
  return s;
}

/** What a step's failures came to: recovered when it got through or a later step of its name did. */
interface StepFate { start: string; errors: number; recovered: boolean }

// Marks on a span's slot: whether an llm span is below it (1) or one with usage (2), whether its
// usage is in the totals, whether it is a model call as the model received it.
const BELOW = 3, COUNTED = 4, INNERMOST = 8;

/** The spans of a run, read like a map by span id; each is made from the columns when asked. */
export class SpanSet {
  constructor(private readonly e: TraceEntry) {}
  get size(): number { return this.e.removed ? 0 : this.e.slots.length; }
  has(spanId: string): boolean { return this.e.slotOf(spanId) >= 0; }
  get(spanId: string): StoredSpan | undefined {
    const s = this.e.slotOf(spanId);
    return s < 0 ? undefined : this.e.table.view(s, this.e.traceId);
  }
  *values(): IterableIterator<StoredSpan> {
    const { table, traceId, slots } = this.e;
    // (Checked at every span: a reader that gives the event loop a turn may find the run gone, its slots reused.)
    for (let i = 0; i < slots.length && !this.e.removed; i++) yield table.view(slots[i]!, traceId);
  }
  [Symbol.iterator](): IterableIterator<StoredSpan> { return this.values(); }
}

export class TraceEntry {
  /** Its spans' slots in the span table, in arrival order. */
  readonly slots: number[] = [];
  /** The run's start in milliseconds (its summary's exact start, as a number: lists sort by it). */
  startMs = 0;
  /** Whether any span came as OTLP/JSON (it keeps its decoded detail, not bytes: search reads its text). */
  hasJsonSpans = false;
  readonly spans: SpanSet;
  readonly logs: LogRecordData[] = [];
  /** Bytes of its log records (its spans' are the table's). */
  logBytes = 0;
  /** Taken out of the store: its slots belong to others now. */
  removed = false;
  /** When the store last added to it (its clock). */
  lastActivityMs = 0;
  /** Model calls read for the run's title so far (a few at most: content may not be captured). */
  titleTries = 0;
  /** The model call whose user-message log records gave the title (the older event conventions). */
  titleSpan: string | undefined;
  readonly summary: TraceSummary;
  /** How the span table tells its spans from other runs'. */
  readonly ownerNo: number;

  constructor(readonly traceId: string, readonly table: SpanTable) {
    this.ownerNo = table.newOwner();
    this.spans = new SpanSet(this);
    this.summary = {
      traceId, rootName: '', service: '', startTimeUnixNano: '0' as Nanos, endTimeUnixNano: '0' as Nanos,
      durationMs: 0, spanCount: 0, errorCount: 0,
      usage: zeroUsage(),
      costUsd: null, unpricedCalls: 0, llmCalls: 0, callsWithoutUsage: 0, models: [], agentNames: [], rootPending: true,
    };
  }

  /** The slot of one of its spans, by id, or -1. */
  slotOf(spanId: string): number {
    if (this.removed || spanId.length !== 16) return -1;
    return this.table.find(this, hexHalf(spanId, 0), hexHalf(spanId, 8));
  }

  /** Its spans leave the table (the run was deleted, evicted or dropped). */
  release(): void {
    if (this.removed) return;
    this.removed = true;
    for (const s of this.slots) this.table.remove(s);
  }

  // Retries. A failed step (agent, model call, tool, embeddings, retrieval) is recovered when a
  // later step of the same name got through (an agent loop retries in a later step, under another
  // parent). A failure inside a step (the tool's HTTP call) belongs to its nearest enclosing step:
  // recovered when that step got through, or was itself retried and recovered. Spans arrive in any
  // order, so a failure whose ancestors have not all arrived waits at the first missing one. Only
  // failures and the latest success per step name are kept: no memory for runs that never fail.
  /**
   * The latest start of a step of each name that did not fail: made at the run's first failure
   * (from the spans already here), kept up to date after it; runs that never fail have none.
   */
  private lastOk: Map<string, string> | undefined;
  /** Steps that failures belong to, by span id; failed ones not yet recovered, by name (made at the first failure). */
  private fates: Map<string, StepFate> | undefined;
  private unrecovered: Map<string, StepFate[]> | undefined;
  /** Failures whose walk up to their step stopped at a span not arrived yet, by that span's id. */
  private waiting: Map<string, string[]> | undefined;

  private isStep(slot: number): boolean {
    const k = this.table.genaiKind(slot);
    return k !== undefined && k !== 'workflow' && k !== 'other';
  }

  private noteAttempt(slot: number, rec: SpanRecord): void {
    const failed = rec.status.code === 2;
    if (failed && !this.lastOk) {
      this.lastOk = new Map();
      const t = this.table;
      for (const s of this.slots) {
        if (s === slot || t.statusCodeOf(s) === 2 || !this.isStep(s)) continue;
        const name = t.nameOf(s), start = t.startNanos(s), prev = this.lastOk.get(name);
        if (prev === undefined || cmpNanos(start, prev) > 0) this.lastOk.set(name, start);
      }
    }
    if (!failed && this.lastOk && this.isStep(slot)) {
      const prev = this.lastOk.get(rec.name);
      if (prev === undefined || cmpNanos(rec.startTimeUnixNano, prev) > 0) {
        this.lastOk.set(rec.name, rec.startTimeUnixNano);
        const open = this.unrecovered?.get(rec.name);
        if (open) {
          // Failed no later than this success (timestamps of a quick retry can share the millisecond).
          const still: StepFate[] = [];
          for (const f of open) if (cmpNanos(f.start, rec.startTimeUnixNano) <= 0) this.recover(f); else still.push(f);
          this.unrecovered!.set(rec.name, still);
        }
      }
    }
    if (failed) this.belong(rec.spanId, slot);
    const walks = this.waiting?.get(rec.spanId);
    if (walks) {
      this.waiting!.delete(rec.spanId);
      for (const id of walks) this.belong(id, slot);
    }
  }

  /** Walks up from `from` to the step the failure `errorId` belongs to. */
  private belong(errorId: string, from: number): void {
    const t = this.table;
    let cur = from;
    for (let depth = 0; depth < 10_000; depth++) {
      if (this.isStep(cur)) {
        const id = t.spanIdOf(cur);
        let f = (this.fates ??= new Map()).get(id);
        if (!f) {
          const failed = t.statusCodeOf(cur) === 2;
          const name = t.nameOf(cur), start = t.startNanos(cur);
          const ok = this.lastOk?.get(name);
          f = { start, errors: 0, recovered: !failed || (ok !== undefined && cmpNanos(start, ok) <= 0) };
          this.fates.set(id, f);
          if (!f.recovered) {
            const open = (this.unrecovered ??= new Map()).get(name);
            if (open) open.push(f); else this.unrecovered.set(name, [f]);
          }
        }
        f.errors++;
        if (f.recovered) this.addRecovered(1);
        return;
      }
      const [hi, lo] = t.parentHalves(cur);
      if (hi === 0 && lo === 0) return; // no step above: a failure of the run's own
      const p = t.find(this, hi, lo);
      if (p === cur) return;
      if (p < 0) {
        const parentId = t.parentIdOf(cur);
        const w = (this.waiting ??= new Map()).get(parentId);
        if (w) w.push(errorId); else this.waiting.set(parentId, [errorId]);
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

  /** Adds a normalized span unless one with its id is already here: its slot, or -1 for a duplicate. */
  add(rec: SpanRecord, g: GenAiView | undefined): number {
    if (this.slotOf(rec.spanId) >= 0) return -1;
    const slot = this.table.add(this, rec, g);
    this.slots.push(slot);
    if (!Buffer.isBuffer(rec.detail)) this.hasJsonSpans = true;
    const sum = this.summary;
    sum.spanCount++;
    if (rec.status.code === 2) sum.errorCount++;
    let widened = false;
    if (sum.spanCount === 1 || cmpNanos(rec.startTimeUnixNano, sum.startTimeUnixNano) < 0) {
      sum.startTimeUnixNano = rec.startTimeUnixNano;
      this.startMs = msOfNanos(rec.startTimeUnixNano);
      widened = true;
    }
    if (sum.spanCount === 1 || cmpNanos(rec.endTimeUnixNano, sum.endTimeUnixNano) > 0) {
      sum.endTimeUnixNano = rec.endTimeUnixNano;
      widened = true;
    }
    if (widened) sum.durationMs = Math.max(0, durationMs(sum.startTimeUnixNano, sum.endTimeUnixNano));
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
    this.noteAttempt(slot, rec);
    if (g) {
      // (A new list, of its size: a pushed-to list keeps room for 17, 150 bytes a run.)
      if (g.agentName && !sum.agentNames.includes(g.agentName)) sum.agentNames = [...sum.agentNames, g.agentName];
      if (g.conversationId && !sum.conversationId) sum.conversationId = g.conversationId;
      if (g.kind === 'llm') this.addModelCall(slot, rec, g);
    }
    // Model calls below this span arrived before it: carry the marks on up to its ancestors.
    const below = this.pendingBelow?.get(rec.spanId);
    if (below !== undefined) {
      this.pendingBelow!.delete(rec.spanId);
      // (An empty map still holds its table, ~300 bytes: a run whose root came last had one for good.)
      if (this.pendingBelow!.size === 0) this.pendingBelow = undefined;
      this.table.marks[slot] = (this.table.marks[slot]! & ~BELOW) | below;
      this.markAncestors(slot, below);
    }
    return slot;
  }

  // Each model call counts once (the rule in GenAiView.countsUsage): usage counts on an llm span
  // that reports it unless an llm span below it also reports usage (a framework's span over the
  // provider's). Spans arrive in any order, so marks go up the ancestors as far as they have
  // arrived and wait at the first missing one (`pendingBelow`, by its id): whether some llm span
  // (1) or some llm span with usage (2) is below.
  private pendingBelow: Map<string, 1 | 2> | undefined;
  private pricedCalls = 0;

  /** Whether a span's usage is in the trace totals (for views sent out). */
  countsUsage(spanId: string): boolean {
    const s = this.slotOf(spanId);
    return s >= 0 && (this.table.marks[s]! & COUNTED) !== 0;
  }

  /** Whether an llm span is a model call as the model received it: no llm span below it. */
  isModelCall(spanId: string): boolean {
    const s = this.slotOf(spanId);
    return s >= 0 && (this.table.marks[s]! & INNERMOST) !== 0;
  }

  private addModelCall(slot: number, rec: SpanRecord, g: GenAiView): void {
    const sum = this.summary;
    const model = g.responseModel ?? g.requestModel;
    if (model && !sum.models.includes(model)) sum.models = [...sum.models, model];
    const below = (this.table.marks[slot]! & BELOW) || this.pendingBelow?.get(rec.spanId);
    if (!below) {
      this.table.marks[slot]! |= INNERMOST;
      sum.llmCalls++;
      if (!g.usage) sum.callsWithoutUsage++;
    }
    if (g.usage && below !== 2) this.count(slot, g, 1);
    this.markAncestors(slot, g.usage ? 2 : 1);
  }

  /** Marks the ancestors of `slot` as having an llm span below (the slot itself is marked by the caller). */
  private markAncestors(slot: number, mark: 1 | 2): void {
    const t = this.table;
    let cur = slot;
    for (let depth = 0; depth < 10_000; depth++) {
      const [hi, lo] = t.parentHalves(cur);
      if (hi === 0 && lo === 0) return;
      const p = t.find(this, hi, lo);
      if (p < 0 || p === cur) {
        // Not arrived yet: the walk goes on when it does.
        if (p < 0) {
          const id = t.parentIdOf(cur);
          const had = this.pendingBelow?.get(id);
          if (had === undefined || had < mark) (this.pendingBelow ??= new Map()).set(id, mark);
        }
        return;
      }
      const had = t.marks[p]! & BELOW;
      if (had >= mark) return; // already marked, and so are its ancestors
      t.marks[p] = (t.marks[p]! & ~BELOW) | mark;
      if (t.genaiKind(p) === 'llm') {
        const g = t.genaiOf(p)!;
        if (had === 0 && (t.marks[p]! & INNERMOST)) {
          t.marks[p]! &= ~INNERMOST;
          this.summary.llmCalls--;
          if (!g.usage) this.summary.callsWithoutUsage--;
        }
        if (mark === 2 && (t.marks[p]! & COUNTED)) this.count(p, g, -1);
      }
      cur = p;
    }
  }

  private count(slot: number, g: GenAiView, sign: 1 | -1): void {
    addUsage(this.summary.usage, g.usage!, sign);
    if (sign > 0) this.table.marks[slot]! |= COUNTED; else this.table.marks[slot]! &= ~COUNTED;
    if (g.costUsd === null || g.costUsd === undefined) this.summary.unpricedCalls += sign;
    else {
      this.pricedCalls += sign;
      this.summary.costUsd = this.pricedCalls === 0 ? null : (this.summary.costUsd ?? 0) + sign * g.costUsd;
    }
  }
}
