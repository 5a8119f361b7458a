// Full-text search over a run: names, then the content of its spans (prompts, outputs, tool
// arguments and results, every attribute and event) and of its log records. An ASCII query is
// matched in the spans' stored bytes (byteQuery.ts: ASCII letters folded, no text made); any
// other query on their decoded, lower-cased text, cached per run.
import type { LogRecordData } from '../otlp/records';
import type { StoredSpan, TraceEntry } from './traceEntry';
import type { SearchHit } from '../protocol';
import { ByteQuery } from './byteQuery';
import { SLICE_MS, drive, eachStep } from '../slices';

// A protobuf span's bytes hold its strings as UTF-8, so decoding the whole buffer to text and
// searching that finds any attribute value without decoding the span's structure (~5x cheaper
// than building the span). JSON values inside attributes keep their escapes: a query matches the
// text as the instrumentation wrote it ("caf\u00e9" from Python's json.dumps is not "café").
function spanText(s: StoredSpan): string {
  return Buffer.isBuffer(s.detail) ? s.detail.toString('utf8') : JSON.stringify(s.detail);
}

function logText(l: LogRecordData): string {
  return JSON.stringify(l.body) + JSON.stringify(l.attributes);
}

/** Whether a span's name or content contains `q` (already lower case). */
export function spanMatches(s: StoredSpan, q: string): boolean {
  return s.name.toLowerCase().includes(q) || spanText(s).toLowerCase().includes(q);
}

// A run's content as lower-case text, made once and extended as spans arrive (a run only grows), so
// a query that repeats while runs arrive decodes each span once. Kept for the runs searched most
// recently, up to TEXT_CACHE_CHARS in all; older ones are made again when asked.
interface RunText { spans: number; logs: number; parts: string[]; chars: number }
const TEXT_CACHE_CHARS = 32 * 1024 * 1024;
const texts = new Map<TraceEntry, RunText>();
let cachedChars = 0;

/** How many spans are read between the turns a search gives the event loop. */
const STEP_SPANS = 64;

/**
 * The run's text, made or extended a few spans a step (a caller may give the event loop a turn
 * between steps). What is read is put in the cache at the end, and only if nothing else extended
 * it meanwhile (two searches of one run at once read it twice, never add it twice).
 */
function* runTextSteps(e: TraceEntry): Generator<void, RunText> {
  const cached = texts.get(e);
  const from = cached ? { spans: cached.spans, logs: cached.logs } : { spans: 0, logs: 0 };
  const parts: string[] = [];
  let chars = 0, spans = 0, i = 0;
  if (from.spans < e.spans.size || from.logs < e.logs.length) {
    for (const span of e.spans.values()) {
      if (i++ < from.spans) continue;
      const p = `${span.name}\n${spanText(span)}`.toLowerCase();
      parts.push(p);
      chars += p.length;
      spans = i;
      if (parts.length % STEP_SPANS === 0) yield;
    }
    for (const l of e.logs.slice(from.logs)) {
      const p = logText(l).toLowerCase();
      parts.push(p);
      chars += p.length;
    }
  }
  if (e.removed) return { spans: 0, logs: 0, parts, chars };
  let t = texts.get(e);
  if (t !== cached || (t && (t.spans !== from.spans || t.logs !== from.logs))) {
    // Something else extended (or dropped) the cache meanwhile: this search uses what it read.
    return { spans: Math.max(from.spans, spans), logs: e.logs.length, parts: [...(cached?.parts ?? []), ...parts], chars: (cached?.chars ?? 0) + chars };
  }
  if (t) texts.delete(e); // re-inserted below: most recent last
  else t = { spans: 0, logs: 0, parts: [], chars: 0 };
  for (const p of parts) t.parts.push(p);
  t.chars += chars;
  cachedChars += chars;
  t.spans = Math.max(t.spans, spans);
  t.logs = e.logs.length;
  texts.set(e, t);
  for (const [old, ot] of texts) {
    if (cachedChars <= TEXT_CACHE_CHARS || old === e) break;
    texts.delete(old);
    cachedChars -= ot.chars;
  }
  return t;
}

/** Spans whose bytes are searched between the turns a search gives the event loop. */
const STEP_BYTE_SPANS = 1024;

/**
 * The run's spans that contain `bq`, read from their stored bytes a slice at a time (JSON spans,
 * which keep no bytes, from their text); `stopAtFirst`: whether one is enough.
 */
function* byteMatches(e: TraceEntry, bq: ByteQuery, q: string, stopAtFirst: boolean, jsonOnly = false): Generator<void, number[]> {
  const out: number[] = [];
  const { table, slots } = e;
  if (jsonOnly && !e.hasJsonSpans) return out;
  for (let i = 0; i < slots.length && !e.removed; i++) {
    const slot = slots[i]!;
    const inBytes = jsonOnly ? (table.isProto(slot) ? false : undefined) : table.bytesContain(slot, bq);
    const hit = inBytes ?? spanMatches(table.view(slot, e.traceId), q);
    if (hit) { out.push(slot); if (stopAtFirst) return out; }
    if (i % STEP_BYTE_SPANS === STEP_BYTE_SPANS - 1) yield;
  }
  return out;
}

// A run's names as one lower-case text (id, root name, service, agents, models), made again only
// when the run has grown: a search of a store of 140,000 runs lower-cased five strings a run.
const summaryTexts = new WeakMap<TraceEntry, { spans: number; text: string }>();

/** Whether the run's id, root name, service, agents or models contain `q` (lower case). */
function summaryMatches(e: TraceEntry, q: string): boolean {
  return summaryText(e).includes(q);
}

/**
 * Every run's names as one lower-case text, for a search over all runs: one native `indexOf` loop
 * finds the runs whose names hold the query (asking each of 140,000 runs was most of a search once
 * the bodies' skip index had ruled out the bytes). Made again when the store has changed since.
 */
export class SummaryIndex {
  private text = '';
  private runs: TraceEntry[] = [];
  private ends: number[] = [];
  private madeAt = -1;

  /** The runs (of `entries`, the store's at `version`) whose names contain `q` (lower case, no NUL). */
  *hits(entries: () => Iterable<TraceEntry>, version: number, q: string): Generator<void, Set<TraceEntry>> {
    if (this.madeAt !== version) {
      const parts: string[] = [], runs: TraceEntry[] = [], ends: number[] = [];
      let at = 0, n = 0;
      for (const e of entries()) {
        if (e.summary.spanCount === 0) continue;
        const t = summaryText(e);
        parts.push(t);
        at += t.length + 1;
        runs.push(e);
        ends.push(at);
        if (++n % 4096 === 0) yield;
      }
      this.text = parts.join('\u0000');
      this.runs = runs;
      this.ends = ends;
      this.madeAt = version;
    }
    const out = new Set<TraceEntry>();
    const { text, ends, runs } = this;
    for (let i = text.indexOf(q); i >= 0; i = text.indexOf(q, i + 1)) {
      // The run whose text holds position i: the first whose end is past it.
      let lo = 0, hi = ends.length - 1;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (ends[mid]! > i) hi = mid; else lo = mid + 1; }
      out.add(runs[lo]!);
      i = ends[lo]! - 1; // (on to the next run)
    }
    return out;
  }
}

/** A run's names, lower case, one per line (cached until the run grows). */
function summaryText(e: TraceEntry): string {
  const s = e.summary;
  let t = summaryTexts.get(e);
  if (t?.spans !== s.spanCount) {
    t = { spans: s.spanCount, text: [s.traceId, s.rootName, s.service, ...s.agentNames, ...s.models].join('\n').toLowerCase() };
    summaryTexts.set(e, t);
  }
  return t.text;
}

/**
 * The answer when it needs no reading of spans: the run's names contain `q`, or the store-wide
 * pass (`owners`) found it in its bytes, or that pass is the whole answer (protobuf spans only, no
 * log records: most runs). Undefined when the run's text must be read. A plain function: the list
 * asks it of every run, and a generator a run cost more than the answer.
 */
export function quickMatch(e: TraceEntry, q: string, owners?: ReadonlyMap<number, number>): boolean | undefined {
  if (summaryMatches(e, q)) return true;
  if (!owners) return undefined;
  if (owners.has(e.ownerNo)) return true;
  return !e.hasJsonSpans && e.logs.length === 0 ? false : undefined;
}

/**
 * Whether the run's summary names or any of its spans or log records contain `q` (lower case), a
 * few spans a step. `owners`: the runs whose protobuf spans' bytes contain it, found for the whole
 * store at once (SpanTable.ownersContaining): only the run's JSON spans are read then.
 */
export function* traceMatchesSteps(e: TraceEntry, q: string, owners?: ReadonlyMap<number, number>, byteQuery?: ByteQuery): Generator<void, boolean> {
  const quick = quickMatch(e, q, owners);
  if (quick !== undefined) return quick;
  const bq = byteQuery ?? ByteQuery.of(q);
  if (bq) {
    if ((yield* byteMatches(e, bq, q, true, owners !== undefined)).length) return true;
    return e.logs.some((l) => logText(l).toLowerCase().includes(q));
  }
  const t = yield* runTextSteps(e);
  for (let i = 0; i < t.parts.length; i++) {
    if (t.parts[i]!.includes(q)) return true;
    if (i % (STEP_SPANS * 16) === 0) yield;
  }
  return false;
}

/**
 * Where `q` is in a run the search listed: the span the store-wide pass found it in (`owners`), the
 * run's names, or else the first span (read a slice at a time) or log record that holds it.
 */
export function* hitSteps(e: TraceEntry, q: string, owners?: ReadonlyMap<number, number>, bq?: ByteQuery): Generator<void, SearchHit | undefined> {
  const { table } = e;
  const at = owners?.get(e.ownerNo);
  const inSpan = (slot: number): SearchHit => ({ in: 'span', spanId: table.spanIdOf(slot), name: table.nameOf(slot) });
  if (at !== undefined && !e.removed) return inSpan(at);
  if (summaryMatches(e, q)) return { in: 'names' };
  if (bq) {
    const [slot] = yield* byteMatches(e, bq, q, true, owners !== undefined);
    if (slot !== undefined) return inSpan(slot);
  } else {
    for (let i = 0; i < e.slots.length && !e.removed; i++) {
      if (spanMatches(table.view(e.slots[i]!, e.traceId), q)) return inSpan(e.slots[i]!);
      if (i % STEP_SPANS === STEP_SPANS - 1) yield;
    }
  }
  return e.logs.some((l) => logText(l).toLowerCase().includes(q)) ? { in: 'log' } : undefined;
}

/** Forgets the cached text of runs that are gone (deleted or evicted). */
export function forgetText(e: TraceEntry): void {
  const t = texts.get(e);
  if (t) { texts.delete(e); cachedChars -= t.chars; }
}

/** The ids of the spans of a run whose name or content contains `q`, with their joined logs; the event loop gets a turn every `sliceMs`. */
export async function matchingSpans(e: TraceEntry, q: string, sliceMs = SLICE_MS): Promise<string[]> {
  const out = new Set<string>();
  const bq = ByteQuery.of(q);
  if (bq) {
    const slots = await drive(byteMatches(e, bq, q, false), sliceMs);
    for (const slot of slots) if (!e.removed) out.add(e.table.spanIdOf(slot));
  } else {
    await drive(eachStep(e.spans.values(), (span) => { if (spanMatches(span, q)) out.add(span.spanId); }), sliceMs);
  }
  for (const l of e.logs) if (l.spanId && logText(l).toLowerCase().includes(q)) out.add(l.spanId);
  return [...out];
}
