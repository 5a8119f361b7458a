// Decodes OTLP/JSON request bodies (as the OTLP spec has them: lowerCamelCase keys, hex ids,
// 64-bit integers as strings or numbers, enums as numbers) into the same records as protobuf.
// Also takes the proto field names (snake_case), enum names and base64 ids that some senders use.
import { cmpNanos, MAX_NANOS, msOfNanos } from '../time';
import type { AnyValue, KeyValue, Nanos, Resource, Scope, SpanEvent, SpanLink } from '../protocol';
import {
  OtlpDecodeError, addReason, emptyResource, emptyScope, spanProblem,
  type DecodedLogs, type DecodedMetrics, type DecodedTraces, type LogRecordData, type MetricPoint, type SpanRecord,
} from './records';

type Obj = Record<string, unknown>;

function fail(path: string, msg: string): never {
  throw new OtlpDecodeError(`invalid OTLP/JSON at ${path}: ${msg}`);
}

function field(o: Obj, camel: string, snake: string): unknown {
  const v = o[camel];
  return v !== undefined ? v : o[snake];
}

function obj(v: unknown, path: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) fail(path, `expected an object, got ${describe(v)}`);
  return v as Obj;
}

function arr(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(path, `expected an array, got ${describe(v)}`);
  return v;
}

function str(v: unknown, path: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') fail(path, `expected a string, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v).slice(0, 40)}`;
}

function uint(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) fail(path, `expected a non-negative integer, got ${describe(v)}`);
  return n;
}

function enumValue(v: unknown, path: string, names: readonly string[]): number {
  if (typeof v === 'string' && !/^\d+$/.test(v)) {
    const i = names.indexOf(v);
    if (i < 0) fail(path, `unknown enum value ${JSON.stringify(v)}`);
    return i;
  }
  return uint(v, path);
}

const SPAN_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'] as const;
const STATUS_CODES = ['STATUS_CODE_UNSET', 'STATUS_CODE_OK', 'STATUS_CODE_ERROR'] as const;

function nanos(v: unknown, path: string): { exact: Nanos } {
  if (v === undefined || v === null) return { exact: '0' as Nanos };
  if (typeof v === 'string') {
    if (!/^\d{1,20}$/.test(v)) fail(path, `expected nanoseconds as a decimal string, got ${JSON.stringify(v.slice(0, 40))}`);
    const exact = (v.replace(/^0+(?=\d)/, '')) as Nanos;
    if (cmpNanos(exact, MAX_NANOS) > 0) fail(path, `${exact} is past the largest time OTLP can carry (2^64 - 1 ns)`);
    return { exact };
  }
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) {
    // JSON.parse has already rounded a number above 2^53: the spec says to send such times as strings.
    if (!Number.isSafeInteger(v)) fail(path, `${v} is above 2^53 and lost its precision as a JSON number: send nanoseconds as a decimal string`);
    return { exact: String(v) as Nanos };
  }
  fail(path, `expected nanoseconds, got ${describe(v)}`);
}

/** Hex as the OTLP spec wants; base64 (the plain protobuf JSON mapping) is accepted too. */
function id(v: unknown, path: string, bytes: number): string {
  const s = str(v, path);
  if (s === '') return '';
  if (s.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(s)) return s.toLowerCase();
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) {
    const b = Buffer.from(s, 'base64');
    if (b.length === bytes) return b.toString('hex');
  }
  fail(path, `expected a ${bytes}-byte id as ${bytes * 2} hex digits, got ${JSON.stringify(s.slice(0, 40))}`);
}

function anyValue(v: unknown, path: string, depth = 0): AnyValue {
  if (depth > 64) fail(path, 'values nested deeper than 64 levels');
  const o = obj(v, path);
  if (!o) return {};
  if ('stringValue' in o || 'string_value' in o) return { stringValue: str(field(o, 'stringValue', 'string_value'), path + '.stringValue') };
  if ('boolValue' in o || 'bool_value' in o) {
    const b = field(o, 'boolValue', 'bool_value');
    if (typeof b !== 'boolean') fail(path + '.boolValue', `expected a boolean, got ${describe(b)}`);
    return { boolValue: b };
  }
  if ('intValue' in o || 'int_value' in o) {
    const i = field(o, 'intValue', 'int_value');
    if (typeof i === 'string' && /^-?\d{1,20}$/.test(i)) {
      const n = BigInt(i);
      // Wrapping an out-of-range integer would store a different number than the one sent.
      if (n !== BigInt.asIntN(64, n)) fail(path + '.intValue', `${i} is outside the int64 range`);
      return { intValue: n.toString() };
    }
    if (typeof i === 'number' && Number.isSafeInteger(i)) return { intValue: String(i) };
    if (typeof i === 'number' && Number.isInteger(i)) fail(path + '.intValue', `${i} is above 2^53 and lost its precision as a JSON number: send it as a decimal string`);
    fail(path + '.intValue', `expected an integer, got ${describe(i)}`);
  }
  if ('doubleValue' in o || 'double_value' in o) {
    const d = field(o, 'doubleValue', 'double_value');
    if (typeof d === 'number') return { doubleValue: d };
    if (d === 'NaN' || d === 'Infinity' || d === '-Infinity') return { doubleValue: d };
    if (typeof d === 'string' && d.trim() !== '' && Number.isFinite(Number(d))) return { doubleValue: Number(d) };
    fail(path + '.doubleValue', `expected a number, got ${describe(d)}`);
  }
  if ('arrayValue' in o || 'array_value' in o) {
    const a = obj(field(o, 'arrayValue', 'array_value'), path + '.arrayValue');
    const values = arr(a?.values, path + '.arrayValue.values').map((x, i) => anyValue(x, `${path}.arrayValue.values[${i}]`, depth + 1));
    return { arrayValue: { values } };
  }
  if ('kvlistValue' in o || 'kvlist_value' in o) {
    const a = obj(field(o, 'kvlistValue', 'kvlist_value'), path + '.kvlistValue');
    return { kvlistValue: { values: keyValues(a?.values, path + '.kvlistValue.values', depth + 1) } };
  }
  if ('bytesValue' in o || 'bytes_value' in o) {
    const b = str(field(o, 'bytesValue', 'bytes_value'), path + '.bytesValue');
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b)) fail(path + '.bytesValue', 'expected base64');
    return { bytesValue: Buffer.from(b, 'base64').toString('base64') };
  }
  return {};
}

function keyValues(v: unknown, path: string, depth = 0): KeyValue[] {
  const a = arr(v, path);
  const out: KeyValue[] = new Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const kv = obj(a[i], `${path}[${i}]`) ?? fail(`${path}[${i}]`, 'expected a key-value object');
    out[i] = { key: str(kv.key, `${path}[${i}].key`), value: anyValue(kv.value, `${path}[${i}].value`, depth) };
  }
  return out;
}

function resource(v: unknown, path: string): Resource {
  const o = obj(v, path);
  if (!o) return emptyResource();
  return {
    attributes: keyValues(o.attributes, path + '.attributes'),
    droppedAttributesCount: uint(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), path + '.droppedAttributesCount'),
    schemaUrl: '',
  };
}

function scope(v: unknown, path: string): Scope {
  const o = obj(v, path);
  if (!o) return emptyScope();
  return {
    name: str(o.name, path + '.name'),
    version: str(o.version, path + '.version'),
    attributes: keyValues(o.attributes, path + '.attributes'),
    droppedAttributesCount: uint(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), path + '.droppedAttributesCount'),
    schemaUrl: '',
  };
}

/** Resource → scope → items, shared by the three signals. */
function walk(
  body: unknown, what: string, resKey: [string, string], scopeKey: [string, string], itemKey: [string, string],
  item: (v: unknown, path: string, res: Resource, sc: Scope) => void,
): void {
  const root = obj(body, what) ?? fail(what, 'expected an object');
  const rs = arr(field(root, ...resKey), resKey[0]);
  rs.forEach((rv, i) => {
    const rp = `${resKey[0]}[${i}]`;
    const ro = obj(rv, rp) ?? fail(rp, 'expected an object');
    const res = resource(ro.resource, rp + '.resource');
    res.schemaUrl = str(field(ro, 'schemaUrl', 'schema_url'), rp + '.schemaUrl');
    arr(field(ro, ...scopeKey), `${rp}.${scopeKey[0]}`).forEach((sv, j) => {
      const sp = `${rp}.${scopeKey[0]}[${j}]`;
      const so = obj(sv, sp) ?? fail(sp, 'expected an object');
      const sc = scope(so.scope, sp + '.scope');
      sc.schemaUrl = str(field(so, 'schemaUrl', 'schema_url'), sp + '.schemaUrl');
      arr(field(so, ...itemKey), `${sp}.${itemKey[0]}`).forEach((x, k) => item(x, `${sp}.${itemKey[0]}[${k}]`, res, sc));
    });
  });
}

function event(v: unknown, path: string): SpanEvent {
  const o = obj(v, path) ?? fail(path, 'expected an object');
  return {
    timeUnixNano: nanos(field(o, 'timeUnixNano', 'time_unix_nano'), path + '.timeUnixNano').exact,
    name: str(o.name, path + '.name'),
    attributes: keyValues(o.attributes, path + '.attributes'),
    droppedAttributesCount: uint(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), path + '.droppedAttributesCount'),
  };
}

function link(v: unknown, path: string): SpanLink {
  const o = obj(v, path) ?? fail(path, 'expected an object');
  return {
    traceId: id(field(o, 'traceId', 'trace_id'), path + '.traceId', 16),
    spanId: id(field(o, 'spanId', 'span_id'), path + '.spanId', 8),
    traceState: str(field(o, 'traceState', 'trace_state'), path + '.traceState'),
    attributes: keyValues(o.attributes, path + '.attributes'),
    droppedAttributesCount: uint(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), path + '.droppedAttributesCount'),
    flags: uint(o.flags, path + '.flags'),
  };
}

export function decodeTracesJson(body: unknown): DecodedTraces {
  const out: DecodedTraces = { spans: [], rejected: 0, reasons: [] };
  walk(body, 'ExportTraceServiceRequest', ['resourceSpans', 'resource_spans'], ['scopeSpans', 'scope_spans'], ['spans', 'spans'], (v, p, res, sc) => {
    const o = obj(v, p) ?? fail(p, 'expected a span object');
    const start = nanos(field(o, 'startTimeUnixNano', 'start_time_unix_nano'), p + '.startTimeUnixNano');
    const endT = nanos(field(o, 'endTimeUnixNano', 'end_time_unix_nano'), p + '.endTimeUnixNano');
    const st = obj(o.status, p + '.status');
    const attributes = keyValues(o.attributes, p + '.attributes');
    const events = arr(o.events, p + '.events').map((e, i) => event(e, `${p}.events[${i}]`));
    const s: SpanRecord = {
      traceId: id(field(o, 'traceId', 'trace_id'), p + '.traceId', 16),
      spanId: id(field(o, 'spanId', 'span_id'), p + '.spanId', 8),
      parentSpanId: id(field(o, 'parentSpanId', 'parent_span_id'), p + '.parentSpanId', 8),
      name: str(o.name, p + '.name'),
      kind: enumValue(o.kind, p + '.kind', SPAN_KINDS),
      startTimeUnixNano: start.exact,
      endTimeUnixNano: endT.exact,
      status: st ? { code: enumValue(st.code, p + '.status.code', STATUS_CODES), message: str(st.message, p + '.status.message') } : { code: 0, message: '' },
      resource: res,
      scope: sc,
      startMs: msOfNanos(start.exact),
      endMs: msOfNanos(endT.exact),
      detail: {
        traceState: str(field(o, 'traceState', 'trace_state'), p + '.traceState'),
        flags: uint(o.flags, p + '.flags'),
        attributes,
        droppedAttributesCount: uint(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), p + '.droppedAttributesCount'),
        events,
        droppedEventsCount: uint(field(o, 'droppedEventsCount', 'dropped_events_count'), p + '.droppedEventsCount'),
        links: arr(o.links, p + '.links').map((l, i) => link(l, `${p}.links[${i}]`)),
        droppedLinksCount: uint(field(o, 'droppedLinksCount', 'dropped_links_count'), p + '.droppedLinksCount'),
      },
      scan: { attributes, eventNames: events.map((e) => e.name) },
      genai: undefined,
      bytes: 0,
    };
    const problem = spanProblem(s.traceId, s.spanId);
    if (problem) { out.rejected++; addReason(out.reasons, problem); }
    else out.spans.push(s);
  });
  return out;
}

export function decodeLogsJson(body: unknown): DecodedLogs {
  const out: DecodedLogs = { logs: [], rejected: 0, reasons: [] };
  walk(body, 'ExportLogsServiceRequest', ['resourceLogs', 'resource_logs'], ['scopeLogs', 'scope_logs'], ['logRecords', 'log_records'], (v, p, res, sc) => {
    const o = obj(v, p) ?? fail(p, 'expected a log record object');
    const l: LogRecordData = {
      timeUnixNano: nanos(field(o, 'timeUnixNano', 'time_unix_nano'), p + '.timeUnixNano').exact,
      observedTimeUnixNano: nanos(field(o, 'observedTimeUnixNano', 'observed_time_unix_nano'), p + '.observedTimeUnixNano').exact,
      severityNumber: uint(field(o, 'severityNumber', 'severity_number'), p + '.severityNumber'),
      severityText: str(field(o, 'severityText', 'severity_text'), p + '.severityText'),
      body: anyValue(o.body, p + '.body'),
      attributes: keyValues(o.attributes, p + '.attributes'),
      droppedAttributesCount: uint(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), p + '.droppedAttributesCount'),
      flags: uint(o.flags, p + '.flags'),
      traceId: id(field(o, 'traceId', 'trace_id'), p + '.traceId', 16),
      spanId: id(field(o, 'spanId', 'span_id'), p + '.spanId', 8),
      eventName: str(field(o, 'eventName', 'event_name'), p + '.eventName'),
      resource: res,
      scope: sc,
    };
    out.logs.push(l);
  });
  return out;
}

export function decodeMetricsJson(body: unknown): DecodedMetrics {
  const out: DecodedMetrics = { points: [], dataPoints: 0, rejected: 0, reasons: [] };
  walk(body, 'ExportMetricsServiceRequest', ['resourceMetrics', 'resource_metrics'], ['scopeMetrics', 'scope_metrics'], ['metrics', 'metrics'], (v, p) => {
    const m = obj(v, p) ?? fail(p, 'expected a metric object');
    const name = str(m.name, p + '.name');
    const unit = str(m.unit, p + '.unit');
    for (const kind of ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary']) {
      const data = obj(m[kind], `${p}.${kind}`);
      if (!data) continue;
      const points = arr(field(data, 'dataPoints', 'data_points'), `${p}.${kind}.dataPoints`);
      out.dataPoints += points.length;
      if (!name.startsWith('gen_ai.')) continue;
      points.forEach((dv, i) => {
        const dp = obj(dv, `${p}.${kind}.dataPoints[${i}]`) ?? {};
        const hist = kind === 'histogram';
        const asInt = field(dp, 'asInt', 'as_int');
        const point: MetricPoint = {
          name, unit,
          timeUnixNano: nanos(field(dp, 'timeUnixNano', 'time_unix_nano'), `${p}.${kind}.dataPoints[${i}].timeUnixNano`).exact,
          attributes: keyValues(dp.attributes, `${p}.${kind}.dataPoints[${i}].attributes`),
          count: hist ? Number(dp.count ?? 0) : 1,
          sum: hist ? Number(dp.sum ?? 0) : Number(field(dp, 'asDouble', 'as_double') ?? asInt ?? 0),
        };
        out.points.push(point);
      });
    }
  });
  return out;
}
