// The trace store: traces by id, bounded memory by evicting whole oldest traces, queries.
import type { SearchHit, TraceListResponse } from '../protocol';
import type { LogRecordData, SpanRecord } from '../otlp/records';
import { normalizeSpan } from '../genai/normalize';
import { SummaryIndex, forgetText, hitSteps, quickMatch, traceMatchesSteps } from './search';
import { ByteQuery } from './byteQuery';
import { SLICE_MS, drive, runNow } from '../slices';
import { TraceEntry, type StoredSpan } from './traceEntry';
import { SpanTable } from './spanTable';
import { kvBytes, valueBytes } from './sizes';
import { cmpNanos } from '../time';
import { spanDetail } from '../otlp/protoSpan';
import { EVALUATION_EVENT, evaluationOf, isEvaluationLog, logEventName } from '../genai/evaluations';
import { firstUserText, titleOfLog } from '../genai/title';
import { OrphanIndex } from './orphanIndex';
import { requestedToolCalls } from './views';

export interface StoreOptions {
  /** Approximate bytes of span data to keep in memory before evicting the oldest traces. */
  maxBytes: number;
  /** The clock for idleness (tests set it). */
  now?: () => number;
}

/** A trace that has had no span for this long is idle, and is evicted before traces still growing. */
export const IDLE_MS = 30_000;

export interface IngestResult {
  /** Spans that were new (duplicates left out), grouped by trace. */
  added: Map<TraceEntry, StoredSpan[]>;
  duplicates: number;
  /** Traces evicted to stay under the memory bound. */
  evicted: string[];
}

/** What a run costs beside its spans: its entry, summary, lists and index records (measured: about 1.9 kB). */
export const RUN_BYTES = 1900;

export class TraceStore {
  /** In order of first arrival: the first entry is the next to evict. */
  private readonly traces = new Map<string, TraceEntry>();
  /** Every stored span, in columns (spanTable.ts). */
  readonly table = new SpanTable();
  /** Bytes of log records held (the spans' are the table's). */
  private logBytes = 0;

  /** Runs by their number in the span table (for the store-wide search's finds). */
  private readonly byOwner = new Map<number, TraceEntry>();
  /** Runs a search must read beyond their bytes: with OTLP/JSON spans (no bytes kept) or log records. */
  private readonly deep = new Set<TraceEntry>();
  /** Changes to the runs or their summaries, counted (the search's summary index follows it). */
  private version = 0;
  private readonly summaries = new SummaryIndex();

  private readonly now: () => number;
  /** Runs that are pieces of others (orphaned steps), marked on their summaries. */
  private readonly orphans = new OrphanIndex(requestedToolCalls);

  constructor(private readonly opts: StoreOptions) {
    this.now = opts.now ?? Date.now;
    // The search's skip index lives in the room the runs leave under the cap (it never evicts one).
    this.table.filters.room = (bytes) => this.approxBytes + bytes <= this.opts.maxBytes;
  }

  get traceCount(): number { return this.traces.size; }
  get spanCount(): number { return this.table.size; }
  /** Bytes held: the spans' (table), log records', and each run's own objects (summary, lists: RUN_BYTES). */
  get approxBytes(): number { return this.table.bytes + this.logBytes + this.traces.size * RUN_BYTES; }
  get maxBytes(): number { return this.opts.maxBytes; }

  private entry(traceId: string): TraceEntry {
    let e = this.traces.get(traceId);
    if (!e) {
      e = new TraceEntry(traceId, this.table);
      this.traces.set(traceId, e);
      this.byOwner.set(e.ownerNo, e);
    }
    return e;
  }

  /**
   * Normalizes and keeps decoded spans (their bytes stay in the request body they came in: give
   * it memory of its own, `ownBuffer`). What was added goes back as span objects for the live
   * feed: the decoded records, with their GenAI views set.
   */
  addSpans(spans: readonly SpanRecord[]): IngestResult {
    const added = new Map<TraceEntry, StoredSpan[]>();
    let duplicates = 0;
    let e: TraceEntry | undefined;
    for (const rec of spans) {
      // Spans of one trace usually come together in a request.
      if (e === undefined || e.traceId !== rec.traceId) e = this.entry(rec.traceId);
      const scan = rec.scan;
      const genai = scan ? normalizeSpan({ name: rec.name, status: rec.status, attributes: scan.attributes, eventNames: scan.eventNames }) : undefined;
      const slot = e.add(rec, genai);
      if (slot < 0) { duplicates++; continue; }
      if (e.hasJsonSpans) this.deep.add(e);
      const evaluated = scan?.eventNames.includes(EVALUATION_EVENT) ?? false;
      rec.scan = null;
      rec.genai = genai;
      rec.bytes = this.table.bytesOf(slot);
      this.orphans.note(e, rec);
      if (genai?.responseId) this.rememberResponse(genai.responseId, rec.traceId);
      if (genai?.kind === 'llm' && e.summary.title === undefined && e.titleTries < 3) { e.titleTries++; const t = firstUserText(rec, scan); if (t) e.summary.title = t; }
      // Evaluated spans are few: their events are read now, for the run's pass/fail counts.
      if (evaluated) for (const ev of spanDetail(rec).events) if (ev.name === EVALUATION_EVENT) { const x = evaluationOf(ev.attributes, 'event'); if (x) e.noteEvaluation(x); }
      e.lastActivityMs = this.now();
      let list = added.get(e);
      if (!list) added.set(e, (list = []));
      list.push(rec);
    }
    this.version++;
    return { added, duplicates, evicted: this.evict(new Set(added.keys())) };
  }

  /** Response ids of model calls → their run, for evaluations that name only the response (the newest 100,000). */
  private readonly responses = new Map<string, string>();
  private rememberResponse(responseId: string, traceId: string): void {
    this.responses.delete(responseId);
    this.responses.set(responseId, traceId);
    if (this.responses.size > 100_000) this.responses.delete(this.responses.keys().next().value!);
  }

  addLogs(logs: readonly LogRecordData[]): { added: Map<TraceEntry, LogRecordData[]>; evicted: string[] } {
    const added = new Map<TraceEntry, LogRecordData[]>();
    for (const l of logs) {
      const evaluation = isEvaluationLog(l) ? evaluationOf(l.attributes, 'log') : undefined;
      // An evaluator outside the run may only name the response it judged.
      if (!l.traceId && evaluation?.responseId) {
        const t = this.responses.get(evaluation.responseId);
        if (t && this.traces.has(t)) l.traceId = t;
      }
      if (!l.traceId) continue; // not part of a run; acknowledged and counted, not kept
      const e = this.entry(l.traceId);
      e.logs.push(l);
      this.deep.add(e);
      this.version++;
      if (evaluation) e.noteEvaluation(evaluation);
      // One model call's user messages, oldest first: the last of the first call that has them is this turn's question.
      if (logEventName(l) === 'gen_ai.user.message' && l.spanId && (e.titleSpan === undefined || e.titleSpan === l.spanId)) {
        const t = titleOfLog(l);
        if (t) { e.summary.title = t; e.titleSpan = l.spanId; }
      }
      e.lastActivityMs = this.now();
      const b = 200 + kvBytes(l.attributes) + valueBytes(l.body);
      e.logBytes += b;
      this.logBytes += b;
      let list = added.get(e);
      if (!list) added.set(e, (list = []));
      list.push(l);
    }
    return { added, evicted: this.evict(new Set(added.keys())) };
  }

  /**
   * Evicts whole traces until the store is under its bound: idle traces first (no span for
   * IDLE_MS), oldest first; then traces still growing, oldest first; a trace that grew in this very
   * batch only when nothing else is left (a run bigger than the bound on its own).
   */
  private evict(keep: Set<TraceEntry>): string[] {
    const evicted: string[] = [];
    if (this.approxBytes <= this.opts.maxBytes) return evicted;
    const now = this.now();
    const passes: ((e: TraceEntry) => boolean)[] = [
      (e) => !keep.has(e) && now - e.lastActivityMs >= IDLE_MS,
      (e) => !keep.has(e),
      () => this.traces.size > 1,
    ];
    let repacked = false;
    for (const pass of passes) {
      for (const [id, e] of this.traces) {
        if (this.approxBytes <= this.opts.maxBytes) return evicted;
        // Bodies shared with runs still kept are held whole: copied down to what those runs use
        // before more runs go for them (once a pass).
        if (!repacked && evicted.length) { this.table.repack(); repacked = true; if (this.approxBytes <= this.opts.maxBytes) return evicted; }
        if (!pass(e)) continue;
        this.remove(id);
        evicted.push(id);
      }
      repacked = false;
    }
    return evicted;
  }

  /** Marks orphaned pieces where something changed since the last call; the runs (still here) whose marks changed. */
  refreshOrphans(): TraceEntry[] {
    return [...this.orphans.refresh()].filter((e) => this.traces.get(e.traceId) === e);
  }

  /** The runs orphaned from `e` that most likely belong in it (its pieces). */
  piecesOf(e: TraceEntry): TraceEntry[] {
    return this.orphans.piecesOf(e).filter((x) => this.traces.get(x.traceId) === x);
  }

  /** The full-text search's skip index (store/ngramFilter.ts): bodies with a filter, bodies waiting for one, its bytes. */
  get searchIndex(): { indexedBodies: number; waitingBodies: number; bytes: number } {
    const f = this.table.filters;
    return { indexedBodies: f.size, waitingBodies: f.waiting, bytes: f.bytes };
  }

  /** Every run, in order of first arrival. */
  entries(): IterableIterator<TraceEntry> {
    return this.traces.values();
  }

  get(traceId: string): TraceEntry | undefined {
    return this.traces.get(traceId);
  }

  remove(traceId: string): boolean {
    const e = this.traces.get(traceId);
    if (!e) return false;
    this.traces.delete(traceId);
    this.byOwner.delete(e.ownerNo);
    this.deep.delete(e);
    this.version++;
    this.orphans.remove(e);
    forgetText(e);
    this.logBytes -= e.logBytes;
    e.release();
    return true;
  }

  clear(): void {
    for (const e of this.traces.values()) { forgetText(e); e.release(); }
    this.traces.clear();
    this.byOwner.clear();
    this.deep.clear();
    this.version++;
    this.orphans.clear();
    this.logBytes = 0;
  }

  /**
   * Run summaries, newest first. `q` is a full-text search: trace id, root name, service, agent
   * and model names, and the content of every span and log record (prompts, outputs, tool calls).
   */
  list(opts: { service?: string; q?: string; limit?: number } = {}): TraceListResponse {
    return runNow(this.listSteps(opts));
  }

  /** `list`, giving the event loop a turn every few milliseconds of searching (ingest goes on meanwhile). */
  listAsync(opts: { service?: string; q?: string; limit?: number } = {}, sliceMs = SLICE_MS): Promise<TraceListResponse> {
    return drive(this.listSteps(opts), sliceMs);
  }

  /** The search, one run a step. Runs that arrive or go meanwhile are seen or skipped as they are then. */
  private *listSteps(opts: { service?: string; q?: string; limit?: number }): Generator<void, TraceListResponse> {
    const q = opts.q?.toLowerCase();
    const out: TraceEntry[] = [];
    // An ASCII query is looked for in every request body once, natively, for all runs together.
    const bq = q ? ByteQuery.of(q) : undefined;
    const owners = bq ? yield* this.table.ownersContaining(bq) : undefined;
    // With the store-wide pass done, the runs that can match are few: those whose names hold the
    // query, those the pass found, and those with more to read than bytes. Only they are looked at.
    let runs: Iterable<TraceEntry> = [...this.traces.values()];
    if (q && owners && !q.includes('\u0000')) {
      const cands = yield* this.summaries.hits(() => this.traces.values(), this.version, q);
      for (const o of owners.keys()) { const e = this.byOwner.get(o); if (e) cands.add(e); }
      for (const e of this.deep) cands.add(e);
      runs = cands;
    }
    let n = 0;
    for (const e of runs) {
      const s = e.summary;
      if (s.spanCount === 0 || !this.traces.has(e.traceId)) continue;
      if (opts.service && s.service !== opts.service) continue;
      if (q) {
        const hit = quickMatch(e, q, owners) ?? (yield* traceMatchesSteps(e, q, owners, bq));
        if (++n % 256 === 0) yield;
        if (!hit || !this.traces.has(e.traceId)) continue;
      }
      out.push(e);
    }
    // Newest first: by milliseconds (a number compare), the exact nanoseconds only on a tie. Comparing
    // the strings alone made listing 140,000 runs take a tenth of a second.
    const keyed = out.map((e) => ({ s: e.summary, ms: e.startMs }));
    keyed.sort((a, b) => (b.ms - a.ms) || cmpNanos(b.s.startTimeUnixNano, a.s.startTimeUnixNano));
    const limit = opts.limit ?? 100;
    const traces = keyed.slice(0, limit).map((k) => k.s);
    if (!q) return { traces, total: keyed.length };
    // Where each run listed was found.
    const hits: Record<string, SearchHit> = {};
    for (const s of traces) {
      const e = this.traces.get(s.traceId);
      const hit = e && (yield* hitSteps(e, q, owners, bq));
      if (hit) hits[s.traceId] = hit;
    }
    return { traces, total: keyed.length, hits };
  }
}
