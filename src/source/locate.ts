// Where in the code a step came from, best first: the span's code.* attributes (semconv 1.30+ and
// the older names Logfire and the Java agent send), the user's frames of its code.stacktrace, and
// the frame where an exception was raised. Each says how it was found and how sure it is.
import type { KeyValue, SourceLocation, SpanEvent, TreeSpan } from '../protocol';
import { cmpNanos } from '../time';
import { isUserFrame, parseStack, type Frame } from './stack';

function attrs(kvs: readonly KeyValue[]): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const kv of kvs) {
    const v = kv.value as Record<string, unknown>;
    m.set(kv.key, 'stringValue' in v ? v.stringValue : 'intValue' in v ? Number(v.intValue) : 'doubleValue' in v ? v.doubleValue : undefined);
  }
  return m;
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
const int = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

function fromFrame(f: Frame, confidence: number): SourceLocation {
  const loc: SourceLocation = { path: f.path, line: f.line, how: 'stack', confidence };
  if (f.column !== undefined) loc.column = f.column;
  if (f.function) loc.function = f.function;
  return loc;
}

/** The source locations of a span, best first (none when it says nothing of where it came from). */
export function sourceLocations(attributes: readonly KeyValue[], events: readonly SpanEvent[] = []): SourceLocation[] {
  const a = attrs(attributes);
  const out: SourceLocation[] = [];
  const path = str(a.get('code.file.path')) ?? str(a.get('code.filepath'));
  const line = int(a.get('code.line.number')) ?? int(a.get('code.lineno'));
  if (path && line) {
    const loc: SourceLocation = { path, line, how: 'attribute', confidence: 1 };
    const col = int(a.get('code.column.number')) ?? int(a.get('code.column'));
    if (col) loc.column = col;
    const ns = str(a.get('code.namespace'));
    const fn = str(a.get('code.function.name')) ?? str(a.get('code.function'));
    if (fn) loc.function = ns && !fn.startsWith(`${ns}.`) ? `${ns}.${fn}` : fn;
    out.push(loc);
  }
  // The call's own stack: its innermost user frame is where the call was made.
  const stack = str(a.get('code.stacktrace'));
  if (stack) {
    const user = parseStack(stack).frames.filter(isUserFrame);
    user.forEach((f, i) => out.push(fromFrame(f, i === 0 ? 0.9 : 0.5)));
  }
  // Where it failed: the innermost user frame of an exception's stack.
  for (const e of events) {
    if (e.name !== 'exception') continue;
    const st = str(attrs(e.attributes).get('exception.stacktrace'));
    const f = st ? parseStack(st).frames.find(isUserFrame) : undefined;
    if (f) out.push(fromFrame(f, 0.6));
  }
  // Best first, each place once.
  const seen = new Set<string>();
  return out.sort((x, y) => y.confidence - x.confidence).filter((l) => {
    const k = `${l.path}:${l.line}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * Where a whole run starts in the code: the outermost step that knows its source (nearest the
 * root; the earlier of equals). A run's root is often the framework's (a workflow, an HTTP
 * server), its first located step the user's agent or model call.
 */
export function runSource(spans: readonly Pick<TreeSpan, 'spanId' | 'parentSpanId' | 'startTimeUnixNano' | 'genai'>[]): SourceLocation | undefined {
  const parent = new Map(spans.map((s) => [s.spanId, s.parentSpanId]));
  const depth = (id: string) => { let d = 0; for (let p = parent.get(id); p && parent.has(p) && d < spans.length; p = parent.get(p)) d++; return d; };
  let best: { loc: SourceLocation; depth: number; start: string } | undefined;
  for (const s of spans) {
    const loc = s.genai ? s.genai.source?.[0] : undefined;
    if (!loc) continue;
    const d = depth(s.spanId);
    if (!best || d < best.depth || (d === best.depth && cmpNanos(s.startTimeUnixNano, best.start) < 0)) best = { loc, depth: d, start: s.startTimeUnixNano };
  }
  return best?.loc;
}
