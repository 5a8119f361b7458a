// Full-text search over a run: names, then the content of its spans (prompts, outputs, tool
// arguments and results, every attribute and event) and of its log records.
import type { LogRecordData } from '../otlp/records';
import type { StoredSpan, TraceEntry } from './traceEntry';

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

function runText(e: TraceEntry): RunText {
  let t = texts.get(e);
  if (t) texts.delete(e); // re-inserted below: most recent last
  else t = { spans: 0, logs: 0, parts: [], chars: 0 };
  if (t.spans < e.spans.size || t.logs < e.logs.length) {
    const before = t.chars;
    let i = 0;
    for (const span of e.spans.values()) {
      if (i++ < t.spans) continue;
      const p = `${span.name}\n${spanText(span)}`.toLowerCase();
      t.parts.push(p);
      t.chars += p.length;
    }
    for (const l of e.logs.slice(t.logs)) {
      const p = logText(l).toLowerCase();
      t.parts.push(p);
      t.chars += p.length;
    }
    t.spans = e.spans.size;
    t.logs = e.logs.length;
    cachedChars += t.chars - before;
  }
  texts.set(e, t);
  for (const [old, ot] of texts) {
    if (cachedChars <= TEXT_CACHE_CHARS || old === e) break;
    texts.delete(old);
    cachedChars -= ot.chars;
  }
  return t;
}

/** Whether the run's summary names or any of its spans or log records contain `q` (lower case). */
export function traceMatches(e: TraceEntry, q: string): boolean {
  const s = e.summary;
  if (s.traceId.includes(q) || s.rootName.toLowerCase().includes(q) || s.service.toLowerCase().includes(q)
    || s.agentNames.some((a) => a.toLowerCase().includes(q)) || s.models.some((m) => m.toLowerCase().includes(q))) return true;
  return runText(e).parts.some((p) => p.includes(q));
}

/** Forgets the cached text of runs that are gone (deleted or evicted). */
export function forgetText(e: TraceEntry): void {
  const t = texts.get(e);
  if (t) { texts.delete(e); cachedChars -= t.chars; }
}

/** The ids of the spans of a run whose name or content contains `q`, with their joined logs. */
export function matchingSpans(e: TraceEntry, q: string): string[] {
  const out = new Set<string>();
  for (const span of e.spans.values()) if (spanMatches(span, q)) out.add(span.spanId);
  for (const l of e.logs) if (l.spanId && logText(l).toLowerCase().includes(q)) out.add(l.spanId);
  return [...out];
}
