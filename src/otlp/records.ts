// The internal records that both wire decoders (protobuf, JSON) produce: the protocol's data types
// plus references to their resource and scope and millisecond times for drawing and sorting.
import type { Ms } from '../time';
import type { GenAiView, KeyValue, LogData, MetricPoint, Resource, Scope, SpanData } from '../protocol';

export type { MetricPoint };

/** The parts of a span that only a query needs: kept as the span's own protobuf bytes when it came as protobuf. */
export type SpanDetail = Pick<SpanData, 'traceState' | 'flags' | 'attributes' | 'droppedAttributesCount' | 'events'
  | 'droppedEventsCount' | 'links' | 'droppedLinksCount'>;

/**
 * The attribute keys the ingest-time normalizer reads, so the protobuf decoder decodes them at
 * ingest: `decode` by value, `presence` only to know they are there (their value comes as `{}`).
 */
export interface ScanKeys {
  decode: readonly string[];
  presence: readonly string[];
}

/** What the ingest-time GenAI normalizer reads: for protobuf, only the attributes it knows it needs. */
export interface SpanScan {
  attributes: KeyValue[];
  eventNames: string[];
  /**
   * Where the values of presence-only keys are in the span's protobuf bytes (their AnyValue
   * message, [start, end)): read later without walking the span again. Absent for JSON.
   */
  ranges?: { key: string; start: number; end: number }[];
}

/**
 * A stored span. The fields the store indexes and summarizes are decoded; the rest (`detail`) is the
 * span's protobuf bytes, decoded again when a query asks (see `spanDetail` in decodeProto.ts).
 * Keeping bytes instead of a tree of attribute objects is what makes ingest fast and a stored span
 * small: most of a GenAI span is message JSON that nobody reads until the span is opened.
 */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: SpanData['startTimeUnixNano'];
  endTimeUnixNano: SpanData['endTimeUnixNano'];
  status: SpanData['status'];
  resource: Resource;
  scope: Scope;
  /**
   * Milliseconds since the epoch (for ordering and drawing; the exact values are the strings):
   * the decoder's reading of the exact nanoseconds (src/time.ts).
   */
  startMs: Ms;
  endMs: Ms;
  detail: SpanDetail | Buffer;
  /** Set by the decoder for the store's normalizer, which drops it once read. */
  scan: SpanScan | null;
  /** Set by the store: the span's GenAI view (scalar fields; content is read at query time) and its approximate bytes. */
  genai: GenAiView | undefined;
  bytes: number;
}

export interface LogRecordData extends LogData {
  resource: Resource;
  scope: Scope;
}

export interface DecodedTraces {
  spans: SpanRecord[];
  rejected: number;
  /** Why items were rejected, for the partial_success error_message. */
  reasons: string[];
}

export interface DecodedLogs {
  logs: LogRecordData[];
  rejected: number;
  reasons: string[];
}

export interface DecodedMetrics {
  points: MetricPoint[];
  dataPoints: number;
  rejected: number;
  reasons: string[];
}

/** Malformed input: the whole request is refused with this message (HTTP 400, gRPC INVALID_ARGUMENT). */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}

export function emptyResource(): Resource {
  return { attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
}

export function emptyScope(): Scope {
  return { name: '', version: '', attributes: [], droppedAttributesCount: 0, schemaUrl: '' };
}

const MAX_REASONS = 5;
export function addReason(reasons: string[], reason: string): void {
  if (reasons.length < MAX_REASONS && !reasons.includes(reason)) reasons.push(reason);
}

const INVALID_TRACE = '00000000000000000000000000000000';
const INVALID_SPAN = '0000000000000000';

/** Why a span cannot be kept, or '' when it can. */
export function spanProblem(traceId: string, spanId: string): string {
  if (traceId.length !== 32 || traceId === INVALID_TRACE) return 'span with an invalid trace_id (want 16 non-zero bytes)';
  if (spanId.length !== 16 || spanId === INVALID_SPAN) return 'span with an invalid span_id (want 8 non-zero bytes)';
  return '';
}
