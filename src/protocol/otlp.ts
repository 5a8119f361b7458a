// The telemetry as received, wire format forgotten: OTLP's spans, log records, resources and
// scopes in the OTLP/JSON shape, and exact nanosecond times.

/** Exact nanoseconds since the epoch as a decimal string (OTLP times exceed 2^53). */
export type Nanos = string & { readonly __nanos: true };

/** An OTLP AnyValue in the OTLP/JSON shape: int64 as a decimal string, bytes as base64. */
export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number | 'NaN' | 'Infinity' | '-Infinity' }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } }
  | { bytesValue: string }
  | Record<string, never>;

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface Resource {
  attributes: KeyValue[];
  droppedAttributesCount: number;
  schemaUrl: string;
}

export interface Scope {
  name: string;
  version: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  schemaUrl: string;
}

export interface SpanEvent {
  timeUnixNano: Nanos;
  name: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  flags: number;
}

/** 0 unset, 1 ok, 2 error (OTLP StatusCode). */
export interface SpanStatus {
  code: number;
  message: string;
}

/** One span as received, wire format forgotten. Ids are lowercase hex; '' where absent. */
export interface SpanData {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  flags: number;
  name: string;
  /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startTimeUnixNano: Nanos;
  endTimeUnixNano: Nanos;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  status: SpanStatus;
}

export interface LogData {
  timeUnixNano: Nanos;
  observedTimeUnixNano: Nanos;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: KeyValue[];
  droppedAttributesCount: number;
  flags: number;
  traceId: string;
  spanId: string;
  /** The OTLP `event_name` field, or '' (some SDKs put it in an `event.name` attribute instead). */
  eventName: string;
}

/** A GenAI metric data point (token usage, operation duration), kept because it is cheap. */
export interface MetricPoint {
  name: string;
  unit: string;
  timeUnixNano: string;
  attributes: KeyValue[];
  count: number;
  sum: number;
}

/** An AnyValue as plain JavaScript (kvlists become objects, int64 stays a string past 2^53). */
export function toJs(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) {
    const n = Number(v.intValue);
    return Number.isSafeInteger(n) ? n : v.intValue;
  }
  if ('doubleValue' in v) return v.doubleValue;
  if ('arrayValue' in v) return v.arrayValue.values.map(toJs);
  if ('kvlistValue' in v) {
    const o: Record<string, unknown> = {};
    for (const kv of v.kvlistValue.values) o[kv.key] = toJs(kv.value);
    return o;
  }
  if ('bytesValue' in v) return v.bytesValue;
  return undefined;
}

/** Attributes as a plain object (for event and log attributes, which are few). */
export function kvObject(kvs: readonly KeyValue[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const kv of kvs) o[kv.key] = toJs(kv.value);
  return o;
}
