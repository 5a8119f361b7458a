// Spans and their parts on the protobuf wire (trace.proto, common.proto): the full decoder for the
// query path, and the ingest scan that decodes only what the store indexes, checks the rest exactly
// as the full decoder would read it, and keeps the span's bytes.
//
// The two walk the same fields (`duplicates` pairs them, and the message readers of
// decodeProto.ts, by their switch-per-field shape) on purpose: a generic field table would add a
// lookup and a call per field to the hottest loop of ingest, and the scan differs in what it keeps
// at almost every field. test/otlp holds them to each other on fuzzed and real SDK bodies.
import { msOfNanos, type Ms } from '../time';
import type { AnyValue, KeyValue, Resource, Scope, SpanData, SpanEvent, SpanLink, SpanStatus, Nanos } from '../protocol';
import { KeyMatcher, PbReader, type KeyMatch, WT_I32, WT_I64, WT_LEN, WT_VARINT } from './pbReader';
import type { ScanKeys, SpanDetail, SpanRecord, SpanScan } from './records';

export const ZERO = '0' as Nanos;

export function end(r: PbReader, stop: number): void {
  if (r.pos !== stop) r.fail('a field runs past the end of its message');
}

// Nesting deeper than this is refused (as in the JSON decoder): recursion must not exhaust the stack.
const MAX_DEPTH = 64;

/** ArrayValue and KeyValueList: field 1 repeated, each entry handed to `item` with its end. */
function entries(r: PbReader, wt: number, what: string, item: (stop: number) => void): void {
  r.expect(wt, WT_LEN, what);
  const e = r.lenEnd();
  while (r.pos < e) {
    const t = r.varint32();
    if (t === ((1 << 3) | WT_LEN)) { const ve = r.lenEnd(); item(ve); end(r, ve); }
    else r.skip(t & 7);
  }
  end(r, e);
}

export function anyValue(r: PbReader, stop: number, depth = 0): AnyValue {
  if (depth > MAX_DEPTH) r.fail(`values nested deeper than ${MAX_DEPTH} levels`);
  let v: AnyValue = {};
  while (r.pos < stop) {
    const tag = r.varint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wt, WT_LEN, 'AnyValue.string_value'); v = { stringValue: r.string() }; break;
      case 2: r.expect(wt, WT_VARINT, 'AnyValue.bool_value'); v = { boolValue: r.varint32() !== 0 }; break;
      case 3: r.expect(wt, WT_VARINT, 'AnyValue.int_value'); v = { intValue: r.varint64Signed() }; break;
      case 4: {
        r.expect(wt, WT_I64, 'AnyValue.double_value');
        const d = r.double();
        v = { doubleValue: Number.isFinite(d) ? d : Number.isNaN(d) ? 'NaN' : d > 0 ? 'Infinity' : '-Infinity' };
        break;
      }
      case 5: {
        const values: AnyValue[] = [];
        entries(r, wt, 'AnyValue.array_value', (e) => values.push(anyValue(r, e, depth + 1)));
        v = { arrayValue: { values } };
        break;
      }
      case 6: {
        const values: KeyValue[] = [];
        entries(r, wt, 'AnyValue.kvlist_value', (e) => values.push(keyValue(r, e, depth + 1)));
        v = { kvlistValue: { values } };
        break;
      }
      case 7: r.expect(wt, WT_LEN, 'AnyValue.bytes_value'); v = { bytesValue: r.base64() }; break;
      default: r.skip(wt);
    }
  }
  return v;
}

function keyValue(r: PbReader, stop: number, depth = 0): KeyValue {
  let key = '';
  let value: AnyValue = {};
  while (r.pos < stop) {
    const tag = r.varint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wt, WT_LEN, 'KeyValue.key'); key = r.string(); break;
      case 2: { r.expect(wt, WT_LEN, 'KeyValue.value'); const e = r.lenEnd(); value = anyValue(r, e, depth); end(r, e); break; }
      default: r.skip(wt);
    }
  }
  return { key, value };
}

// The check* functions walk a message exactly as its decoder would, failing where it would fail,
// but build nothing: what they pass, `spanDetail` decodes later without an error.
function checkAnyValue(r: PbReader, stop: number, depth: number): void {
  if (depth > MAX_DEPTH) r.fail(`values nested deeper than ${MAX_DEPTH} levels`);
  while (r.pos < stop) {
    const tag = r.varint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wt, WT_LEN, 'AnyValue.string_value'); r.pos = r.lenEnd(); break;
      case 2: r.expect(wt, WT_VARINT, 'AnyValue.bool_value'); r.varint32(); break;
      case 3: r.expect(wt, WT_VARINT, 'AnyValue.int_value'); r.varint32(); break;
      case 4: r.expect(wt, WT_I64, 'AnyValue.double_value'); r.skip(WT_I64); break;
      case 5: entries(r, wt, 'AnyValue.array_value', (e) => checkAnyValue(r, e, depth + 1)); break;
      case 6: entries(r, wt, 'AnyValue.kvlist_value', (e) => checkKeyValue(r, e, depth + 1, undefined)); break;
      case 7: r.expect(wt, WT_LEN, 'AnyValue.bytes_value'); r.pos = r.lenEnd(); break;
      default: r.skip(wt);
    }
  }
}

/**
 * Checks a KeyValue; when its key is in `want`, also decodes it into `into`. Keys come first on
 * the wire in practice, so the value is decoded or only checked as it is reached.
 */
function checkKeyValue(r: PbReader, stop: number, depth: number, want: KeyMatcher | undefined, into?: KeyValue[], scan?: SpanScan): void {
  let key: KeyMatch | undefined;
  let seenKey = false;
  let value: AnyValue | undefined;
  while (r.pos < stop) {
    const tag = r.varint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1: {
        r.expect(wt, WT_LEN, 'KeyValue.key');
        const e = r.lenEnd();
        key = want?.match(r.buf, r.pos, e);
        seenKey = true;
        r.pos = e;
        break;
      }
      case 2: {
        r.expect(wt, WT_LEN, 'KeyValue.value');
        const e = r.lenEnd();
        // A value before its key (legal, never seen in practice) is decoded in case the key is wanted.
        if ((key !== undefined && !key.presenceOnly) || (want !== undefined && !seenKey)) value = anyValue(r, e, depth);
        else {
          if (key?.presenceOnly && scan) (scan.ranges ??= []).push({ key: key.key, start: r.pos, end: e });
          checkAnyValue(r, e, depth);
        }
        end(r, e);
        break;
      }
      default: r.skip(wt);
    }
  }
  if (into && key !== undefined) into.push({ key: key.key, value: key.presenceOnly ? {} : value ?? {} });
}

// One matcher per key list (the normalizer has one list; tests may pass others).
const matchers = new WeakMap<ScanKeys, KeyMatcher>();
export function matcherFor(keys: ScanKeys): KeyMatcher {
  let m = matchers.get(keys);
  if (!m) matchers.set(keys, (m = new KeyMatcher(keys.decode, keys.presence)));
  return m;
}

export function pushAttr(r: PbReader, wt: number, into: KeyValue[], what: string): void {
  r.expect(wt, WT_LEN, what);
  const e = r.lenEnd();
  into.push(keyValue(r, e));
  end(r, e);
}

function event(r: PbReader, stop: number): SpanEvent {
  const ev: SpanEvent = { timeUnixNano: ZERO, name: '', attributes: [], droppedAttributesCount: 0 };
  while (r.pos < stop) {
    const tag = r.varint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wt, WT_I64, 'Span.Event.time_unix_nano'); ev.timeUnixNano = r.nanos(); break;
      case 2: r.expect(wt, WT_LEN, 'Span.Event.name'); ev.name = r.string(); break;
      case 3: pushAttr(r, wt, ev.attributes, 'Span.Event.attributes'); break;
      case 4: r.expect(wt, WT_VARINT, 'Span.Event.dropped_attributes_count'); ev.droppedAttributesCount = r.varint32(); break;
      default: r.skip(wt);
    }
  }
  return ev;
}

function link(r: PbReader, stop: number): SpanLink {
  const l: SpanLink = { traceId: '', spanId: '', traceState: '', attributes: [], droppedAttributesCount: 0, flags: 0 };
  while (r.pos < stop) {
    const tag = r.varint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wt, WT_LEN, 'Span.Link.trace_id'); l.traceId = r.hexId(); break;
      case 2: r.expect(wt, WT_LEN, 'Span.Link.span_id'); l.spanId = r.hexId(); break;
      case 3: r.expect(wt, WT_LEN, 'Span.Link.trace_state'); l.traceState = r.string(); break;
      case 4: pushAttr(r, wt, l.attributes, 'Span.Link.attributes'); break;
      case 5: r.expect(wt, WT_VARINT, 'Span.Link.dropped_attributes_count'); l.droppedAttributesCount = r.varint32(); break;
      case 6: r.expect(wt, WT_I32, 'Span.Link.flags'); l.flags = r.fixed32(); break;
      default: r.skip(wt);
    }
  }
  return l;
}

function status(r: PbReader, stop: number): SpanStatus {
  const s: SpanStatus = { code: 0, message: '' };
  while (r.pos < stop) {
    const tag = r.varint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 2: r.expect(wt, WT_LEN, 'Status.message'); s.message = r.string(); break;
      case 3: r.expect(wt, WT_VARINT, 'Status.code'); s.code = r.varint32(); break;
      default: r.skip(wt);
    }
  }
  return s;
}

/** Every field of a span (the query path, from a stored span's bytes). */
function fullSpan(r: PbReader, stop: number): SpanData {
  const s: SpanData = {
    traceId: '', spanId: '', parentSpanId: '', traceState: '', flags: 0, name: '', kind: 0,
    startTimeUnixNano: ZERO, endTimeUnixNano: ZERO, attributes: [], droppedAttributesCount: 0,
    events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
  };
  while (r.pos < stop) {
    const tag = r.varint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wt, WT_LEN, 'Span.trace_id'); s.traceId = r.hexId(); break;
      case 2: r.expect(wt, WT_LEN, 'Span.span_id'); s.spanId = r.hexId(); break;
      case 3: r.expect(wt, WT_LEN, 'Span.trace_state'); s.traceState = r.string(); break;
      case 4: r.expect(wt, WT_LEN, 'Span.parent_span_id'); s.parentSpanId = r.hexId(); break;
      case 5: r.expect(wt, WT_LEN, 'Span.name'); s.name = r.string(); break;
      case 6: r.expect(wt, WT_VARINT, 'Span.kind'); s.kind = r.varint32(); break;
      case 7: r.expect(wt, WT_I64, 'Span.start_time_unix_nano'); s.startTimeUnixNano = r.nanos(); break;
      case 8: r.expect(wt, WT_I64, 'Span.end_time_unix_nano'); s.endTimeUnixNano = r.nanos(); break;
      case 9: pushAttr(r, wt, s.attributes, 'Span.attributes'); break;
      case 10: r.expect(wt, WT_VARINT, 'Span.dropped_attributes_count'); s.droppedAttributesCount = r.varint32(); break;
      case 11: { r.expect(wt, WT_LEN, 'Span.events'); const e = r.lenEnd(); s.events.push(event(r, e)); end(r, e); break; }
      case 12: r.expect(wt, WT_VARINT, 'Span.dropped_events_count'); s.droppedEventsCount = r.varint32(); break;
      case 13: { r.expect(wt, WT_LEN, 'Span.links'); const e = r.lenEnd(); s.links.push(link(r, e)); end(r, e); break; }
      case 14: r.expect(wt, WT_VARINT, 'Span.dropped_links_count'); s.droppedLinksCount = r.varint32(); break;
      case 15: { r.expect(wt, WT_LEN, 'Span.status'); const e = r.lenEnd(); s.status = status(r, e); end(r, e); break; }
      case 16: r.expect(wt, WT_I32, 'Span.flags'); s.flags = r.fixed32(); break;
      default: r.skip(wt);
    }
  }
  return s;
}

/** The query-time part of a stored span, decoded from its bytes when it came as protobuf. */
export function spanDetail(rec: SpanRecord): SpanDetail {
  const d = rec.detail;
  if (!Buffer.isBuffer(d)) return d;
  const s = fullSpan(new PbReader(d, 'stored Span'), d.length);
  return {
    traceState: s.traceState, flags: s.flags, attributes: s.attributes, droppedAttributesCount: s.droppedAttributesCount,
    events: s.events, droppedEventsCount: s.droppedEventsCount, links: s.links, droppedLinksCount: s.droppedLinksCount,
  };
}

/**
 * The ingest path: decodes what the store indexes, the attributes `keys` wants and the event names,
 * checks the rest as `fullSpan` would read it, and keeps the span's bytes for later.
 */
export function scanSpan(r: PbReader, stop: number, res: Resource, sc: Scope, keys: KeyMatcher): SpanRecord {
  const begin = r.pos;
  const scan: SpanScan = { attributes: [], eventNames: [] };
  const s: SpanRecord = {
    traceId: '', spanId: '', parentSpanId: '', name: '', kind: 0, startTimeUnixNano: ZERO, endTimeUnixNano: ZERO,
    status: OK, resource: res, scope: sc, startMs: NaN as Ms, endMs: NaN as Ms, detail: EMPTY, scan, genai: undefined, bytes: 0,
  };
  while (r.pos < stop) {
    const tag = r.varint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wt, WT_LEN, 'Span.trace_id'); s.traceId = r.hexId(); break;
      case 2: r.expect(wt, WT_LEN, 'Span.span_id'); s.spanId = r.hexId(); break;
      case 3: r.expect(wt, WT_LEN, 'Span.trace_state'); r.pos = r.lenEnd(); break;
      case 4: r.expect(wt, WT_LEN, 'Span.parent_span_id'); s.parentSpanId = r.hexId(); break;
      case 5: r.expect(wt, WT_LEN, 'Span.name'); s.name = r.string(); break;
      case 6: r.expect(wt, WT_VARINT, 'Span.kind'); s.kind = r.varint32(); break;
      case 7: r.expect(wt, WT_I64, 'Span.start_time_unix_nano'); s.startTimeUnixNano = r.nanos(); break;
      case 8: r.expect(wt, WT_I64, 'Span.end_time_unix_nano'); s.endTimeUnixNano = r.nanos(); break;
      case 9: {
        r.expect(wt, WT_LEN, 'Span.attributes');
        const e = r.lenEnd();
        checkKeyValue(r, e, 0, keys, scan.attributes, scan);
        end(r, e);
        break;
      }
      case 10: r.expect(wt, WT_VARINT, 'Span.dropped_attributes_count'); r.varint32(); break;
      case 11: { r.expect(wt, WT_LEN, 'Span.events'); const e = r.lenEnd(); scan.eventNames.push(checkEvent(r, e)); end(r, e); break; }
      case 12: r.expect(wt, WT_VARINT, 'Span.dropped_events_count'); r.varint32(); break;
      case 13: { r.expect(wt, WT_LEN, 'Span.links'); const e = r.lenEnd(); checkLink(r, e); end(r, e); break; }
      case 14: r.expect(wt, WT_VARINT, 'Span.dropped_links_count'); r.varint32(); break;
      case 15: { r.expect(wt, WT_LEN, 'Span.status'); const e = r.lenEnd(); s.status = status(r, e); end(r, e); break; }
      case 16: r.expect(wt, WT_I32, 'Span.flags'); r.fixed32(); break;
      default: r.skip(wt);
    }
  }
  if (scan.ranges) for (const x of scan.ranges) { x.start -= begin; x.end -= begin; }
  s.startMs = msOfNanos(s.startTimeUnixNano);
  s.endMs = msOfNanos(s.endTimeUnixNano);
  // A view of the request body, not a copy: the store keeps the body once for all its spans (and
  // copies down what is left of it when most of its runs are gone).
  s.detail = r.buf.subarray(begin, stop);
  return s;
}

const OK: SpanStatus = Object.freeze({ code: 0, message: '' }) as SpanStatus;
const EMPTY = Buffer.alloc(0);

/** Checks an event as `event` reads it; returns its name. */
function checkEvent(r: PbReader, stop: number): string {
  let name = '';
  while (r.pos < stop) {
    const tag = r.varint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wt, WT_I64, 'Span.Event.time_unix_nano'); r.skip(WT_I64); break;
      case 2: r.expect(wt, WT_LEN, 'Span.Event.name'); name = r.string(); break;
      case 3: checkAttr(r, wt, 'Span.Event.attributes'); break;
      case 4: r.expect(wt, WT_VARINT, 'Span.Event.dropped_attributes_count'); r.varint32(); break;
      default: r.skip(wt);
    }
  }
  return name;
}

function checkLink(r: PbReader, stop: number): void {
  while (r.pos < stop) {
    const tag = r.varint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wt, WT_LEN, 'Span.Link.trace_id'); r.pos = r.lenEnd(); break;
      case 2: r.expect(wt, WT_LEN, 'Span.Link.span_id'); r.pos = r.lenEnd(); break;
      case 3: r.expect(wt, WT_LEN, 'Span.Link.trace_state'); r.pos = r.lenEnd(); break;
      case 4: checkAttr(r, wt, 'Span.Link.attributes'); break;
      case 5: r.expect(wt, WT_VARINT, 'Span.Link.dropped_attributes_count'); r.varint32(); break;
      case 6: r.expect(wt, WT_I32, 'Span.Link.flags'); r.fixed32(); break;
      default: r.skip(wt);
    }
  }
}

function checkAttr(r: PbReader, wt: number, what: string): void {
  r.expect(wt, WT_LEN, what);
  const e = r.lenEnd();
  checkKeyValue(r, e, 0, undefined);
  end(r, e);
}

