// Decodes OTLP protobuf Export{Trace,Logs,Metrics}ServiceRequest bodies into our records.
// Field numbers follow opentelemetry-proto v1 (trace.proto, logs.proto, metrics.proto, common.proto);
// spans themselves are read in protoSpan.ts.
import type { Resource, Scope } from '../protocol';
import { PbReader, WT_I32, WT_I64, WT_LEN, WT_VARINT } from './pbReader';
import {
  addReason, emptyResource, emptyScope, spanProblem, type ScanKeys,
  type DecodedLogs, type DecodedMetrics, type DecodedTraces, type LogRecordData, type MetricPoint,
} from './records';
import { ZERO, anyValue, end, matcherFor, pushAttr, scanSpan } from './protoSpan';

export { spanDetail } from './protoSpan';

function resource(r: PbReader, stop: number): Resource {
  const res = emptyResource();
  while (r.pos < stop) {
    const tag = r.varint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1: pushAttr(r, wt, res.attributes, 'Resource.attributes'); break;
      case 2: r.expect(wt, WT_VARINT, 'Resource.dropped_attributes_count'); res.droppedAttributesCount = r.varint32(); break;
      default: r.skip(wt);
    }
  }
  return res;
}

function scope(r: PbReader, stop: number): Scope {
  const s = emptyScope();
  while (r.pos < stop) {
    const tag = r.varint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wt, WT_LEN, 'InstrumentationScope.name'); s.name = r.string(); break;
      case 2: r.expect(wt, WT_LEN, 'InstrumentationScope.version'); s.version = r.string(); break;
      case 3: pushAttr(r, wt, s.attributes, 'InstrumentationScope.attributes'); break;
      case 4: r.expect(wt, WT_VARINT, 'InstrumentationScope.dropped_attributes_count'); s.droppedAttributesCount = r.varint32(); break;
      default: r.skip(wt);
    }
  }
  return s;
}

// Resources and scopes repeat in every request an app sends: requests with the same bytes share one
// object, so the store holds one copy and the API sends it once. The cache is small and is emptied
// when full (an app has a handful of resources and scopes, not thousands).
const SHARED_MAX = 512;
const resources = new Map<string, Resource>();
const scopes = new Map<string, Scope>();

function shared<T>(cache: Map<string, T>, r: PbReader, at: number, stop: number, urlAt: number, urlEnd: number, make: () => T): T {
  const fast = r.buf as unknown as { latin1Slice(s: number, e: number): string };
  const key = (at >= 0 ? fast.latin1Slice(at, stop) : '') + '\u0000' + (urlAt >= 0 ? fast.latin1Slice(urlAt, urlEnd) : '');
  let v = cache.get(key);
  if (v === undefined) {
    v = make();
    if (cache.size >= SHARED_MAX) cache.clear();
    cache.set(key, v);
  }
  return v;
}

function stringAt(r: PbReader, at: number, stop: number): string {
  return r.buf.toString('utf8', at, stop);
}

/**
 * Walks Export*ServiceRequest → Resource* → Scope* → items, the shape all three signals share,
 * calling `item` for each item message (field 2 of the scope message).
 */
function walkResources(r: PbReader, item: (r: PbReader, stop: number, res: Resource, sc: Scope) => void): void {
  const buf = r.buf;
  while (r.pos < buf.length) {
    const tag = r.varint32();
    if (tag >>> 3 !== 1) { r.skip(tag & 7); continue; }
    r.expect(tag & 7, WT_LEN, 'resource_*');
    const rEnd = r.lenEnd();
    let resAt = -1, resEnd = -1, urlAt = -1, urlEnd = -1;
    const scopeBounds: number[] = [];
    while (r.pos < rEnd) {
      const t = r.varint32();
      const wt = t & 7;
      switch (t >>> 3) {
        case 1: { r.expect(wt, WT_LEN, 'resource'); const e = r.lenEnd(); resAt = r.pos; resEnd = e; r.pos = e; break; }
        case 2: { r.expect(wt, WT_LEN, 'scope_*'); const e = r.lenEnd(); scopeBounds.push(r.pos, e); r.pos = e; break; }
        case 3: { r.expect(wt, WT_LEN, 'schema_url'); const e = r.lenEnd(); urlAt = r.pos; urlEnd = e; r.pos = e; break; }
        default: r.skip(wt);
      }
    }
    end(r, rEnd);
    const res = shared(resources, r, resAt, resEnd, urlAt, urlEnd, () => {
      let out = emptyResource();
      if (resAt >= 0) { r.pos = resAt; out = resource(r, resEnd); end(r, resEnd); }
      if (urlAt >= 0) out.schemaUrl = stringAt(r, urlAt, urlEnd);
      return out;
    });
    // The resource may follow its scopes on the wire, so scopes are read once it is known.
    for (let i = 0; i < scopeBounds.length; i += 2) {
      r.pos = scopeBounds[i]!;
      const sEnd = scopeBounds[i + 1]!;
      let scAt = -1, scEnd = -1, sUrlAt = -1, sUrlEnd = -1;
      const items: number[] = [];
      while (r.pos < sEnd) {
        const t = r.varint32();
        const wt = t & 7;
        switch (t >>> 3) {
          case 1: { r.expect(wt, WT_LEN, 'scope'); const e = r.lenEnd(); scAt = r.pos; scEnd = e; r.pos = e; break; }
          case 2: { r.expect(wt, WT_LEN, 'item'); const e = r.lenEnd(); items.push(r.pos, e); r.pos = e; break; }
          case 3: { r.expect(wt, WT_LEN, 'schema_url'); const e = r.lenEnd(); sUrlAt = r.pos; sUrlEnd = e; r.pos = e; break; }
          default: r.skip(wt);
        }
      }
      end(r, sEnd);
      const sc = shared(scopes, r, scAt, scEnd, sUrlAt, sUrlEnd, () => {
        let out = emptyScope();
        if (scAt >= 0) { r.pos = scAt; out = scope(r, scEnd); end(r, scEnd); }
        if (sUrlAt >= 0) out.schemaUrl = stringAt(r, sUrlAt, sUrlEnd);
        return out;
      });
      for (let j = 0; j < items.length; j += 2) {
        r.pos = items[j]!;
        item(r, items[j + 1]!, res, sc);
        end(r, items[j + 1]!);
      }
    }
    r.pos = rEnd;
  }
}

/** `keys`: the attributes to decode at ingest (see SpanScan); the rest stay bytes until a query. */
export function decodeTracesProto(buf: Buffer, keys: ScanKeys): DecodedTraces {
  const r = new PbReader(buf, 'ExportTraceServiceRequest');
  const out: DecodedTraces = { spans: [], rejected: 0, reasons: [] };
  const matcher = matcherFor(keys);
  walkResources(r, (r, stop, res, sc) => {
    const s = scanSpan(r, stop, res, sc, matcher);
    const problem = spanProblem(s.traceId, s.spanId);
    if (problem) { out.rejected++; addReason(out.reasons, problem); }
    else out.spans.push(s);
  });
  return out;
}

function logRecord(r: PbReader, stop: number, res: Resource, sc: Scope): LogRecordData {
  const l: LogRecordData = {
    timeUnixNano: ZERO, observedTimeUnixNano: ZERO, severityNumber: 0, severityText: '', body: {},
    attributes: [], droppedAttributesCount: 0, flags: 0, traceId: '', spanId: '', eventName: '', resource: res, scope: sc,
  };
  while (r.pos < stop) {
    const tag = r.varint32();
    const wt = tag & 7;
    switch (tag >>> 3) {
      case 1: r.expect(wt, WT_I64, 'LogRecord.time_unix_nano'); l.timeUnixNano = r.nanos(); break;
      case 11: r.expect(wt, WT_I64, 'LogRecord.observed_time_unix_nano'); l.observedTimeUnixNano = r.nanos(); break;
      case 2: r.expect(wt, WT_VARINT, 'LogRecord.severity_number'); l.severityNumber = r.varint32(); break;
      case 3: r.expect(wt, WT_LEN, 'LogRecord.severity_text'); l.severityText = r.string(); break;
      case 5: { r.expect(wt, WT_LEN, 'LogRecord.body'); const e = r.lenEnd(); l.body = anyValue(r, e); end(r, e); break; }
      case 6: pushAttr(r, wt, l.attributes, 'LogRecord.attributes'); break;
      case 7: r.expect(wt, WT_VARINT, 'LogRecord.dropped_attributes_count'); l.droppedAttributesCount = r.varint32(); break;
      case 8: r.expect(wt, WT_I32, 'LogRecord.flags'); l.flags = r.fixed32(); break;
      case 9: r.expect(wt, WT_LEN, 'LogRecord.trace_id'); l.traceId = r.hexId(); break;
      case 10: r.expect(wt, WT_LEN, 'LogRecord.span_id'); l.spanId = r.hexId(); break;
      case 12: r.expect(wt, WT_LEN, 'LogRecord.event_name'); l.eventName = r.string(); break;
      default: r.skip(wt);
    }
  }
  return l;
}

export function decodeLogsProto(buf: Buffer): DecodedLogs {
  const r = new PbReader(buf, 'ExportLogsServiceRequest');
  const out: DecodedLogs = { logs: [], rejected: 0, reasons: [] };
  walkResources(r, (r, stop, res, sc) => {
    const l = logRecord(r, stop, res, sc);
    if ((l.traceId && l.traceId.length !== 32) || (l.spanId && l.spanId.length !== 16)) {
      out.rejected++;
      addReason(out.reasons, 'log record with a malformed trace_id or span_id');
    } else out.logs.push(l);
  });
  return out;
}

// Metrics: only GenAI metrics' histogram and sum points are kept; everything is counted.
function dataPoint(r: PbReader, stop: number, histogram: boolean, m: { name: string; unit: string }): MetricPoint {
  const p: MetricPoint = { name: m.name, unit: m.unit, timeUnixNano: '0', attributes: [], count: 0, sum: 0 };
  while (r.pos < stop) {
    const tag = r.varint32();
    const wt = tag & 7;
    const f = tag >>> 3;
    if (f === (histogram ? 9 : 7)) pushAttr(r, wt, p.attributes, 'DataPoint.attributes');
    else if (f === 3 && wt === WT_I64) p.timeUnixNano = r.nanos();
    else if (histogram && f === 4 && wt === WT_I64) p.count = r.fixed64Number();
    else if (histogram && f === 5 && wt === WT_I64) p.sum = r.double();
    else if (!histogram && f === 4 && wt === WT_I64) { p.sum = r.double(); p.count = 1; }
    else if (!histogram && f === 6 && wt === WT_I64) { p.sum = r.sfixed64Number(); p.count = 1; } // as_int is signed
    else r.skip(wt);
  }
  return p;
}

export function decodeMetricsProto(buf: Buffer): DecodedMetrics {
  const r = new PbReader(buf, 'ExportMetricsServiceRequest');
  const out: DecodedMetrics = { points: [], dataPoints: 0, rejected: 0, reasons: [] };
  walkResources(r, (r, stop) => {
    const m = { name: '', unit: '' };
    const bodies: number[] = [];
    while (r.pos < stop) {
      const tag = r.varint32();
      const wt = tag & 7;
      const f = tag >>> 3;
      if (f === 1) { r.expect(wt, WT_LEN, 'Metric.name'); m.name = r.string(); }
      else if (f === 3) { r.expect(wt, WT_LEN, 'Metric.unit'); m.unit = r.string(); }
      else if (f === 5 || f === 7 || f === 9 || f === 10 || f === 11) {
        r.expect(wt, WT_LEN, 'Metric.data'); const e = r.lenEnd(); bodies.push(f, r.pos, e); r.pos = e;
      } else r.skip(wt);
    }
    const keep = m.name.startsWith('gen_ai.');
    for (let i = 0; i < bodies.length; i += 3) {
      const kind = bodies[i]!;
      r.pos = bodies[i + 1]!;
      const e = bodies[i + 2]!;
      while (r.pos < e) {
        const tag = r.varint32();
        if (tag >>> 3 !== 1) { r.skip(tag & 7); continue; }
        r.expect(tag & 7, WT_LEN, 'Metric.data_points');
        const pe = r.lenEnd();
        out.dataPoints++;
        if (keep && (kind === 9 || kind === 7 || kind === 5)) out.points.push(dataPoint(r, pe, kind === 9, m));
        r.pos = pe;
      }
    }
    r.pos = stop;
  });
  return out;
}
