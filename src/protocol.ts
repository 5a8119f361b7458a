// Types shared by the server, the extension and the UI: the stored telemetry records, the query
// API's JSON, and every live-feed message (a tagged union). Evolve additively; bump PROTOCOL_VERSION
// only for a breaking change.

export const PROTOCOL_VERSION = 1;

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

// ---- the normalized GenAI view (filled in by src/genai) ----

export type GenAiKind = 'agent' | 'llm' | 'tool' | 'embeddings' | 'retrieval' | 'workflow' | 'other';

export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheCreation: number;
  reasoning: number;
}

export type MessagePart =
  | { type: 'text'; content: string }
  | { type: 'tool_call'; id?: string; name: string; arguments?: unknown }
  | { type: 'tool_call_response'; id?: string; response?: unknown }
  | { type: 'reasoning'; content: string }
  | { type: string; [key: string]: unknown };

export interface Message {
  role: string;
  parts: MessagePart[];
  name?: string;
  finish_reason?: string;
}

export interface GenAiView {
  kind: GenAiKind;
  schema: string;
  operation?: string;
  provider?: string;
  requestModel?: string;
  responseModel?: string;
  agentName?: string;
  agentId?: string;
  conversationId?: string;
  systemInstructions?: MessagePart[];
  inputMessages?: Message[];
  outputMessages?: Message[];
  toolName?: string;
  toolCallId?: string;
  toolArguments?: unknown;
  toolResult?: unknown;
  usage?: Usage;
  /** Whether this span's usage counts in the trace totals (each model call once). */
  countsUsage?: boolean;
  costUsd?: number | null;
  finishReasons?: string[];
  error?: string;
}

// ---- query API ----

export interface TraceSummary {
  traceId: string;
  rootName: string;
  service: string;
  startTimeUnixNano: Nanos;
  endTimeUnixNano: Nanos;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  usage: Usage;
  /** USD of the model calls whose price is known; null when none is (never a silent 0). */
  costUsd: number | null;
  /** Model calls with no known price: when > 0, `costUsd` is a lower bound. */
  unpricedCalls: number;
  agentNames: string[];
  /** True until a span without a parent has arrived. */
  rootPending: boolean;
}

export interface ApiSpan extends SpanData {
  /** Index into the trace response's `resources`. */
  resource: number;
  /** Index into the trace response's `scopes`. */
  scope: number;
  genai?: GenAiView;
}

export interface ApiLog extends LogData {
  resource: number;
  scope: number;
}

/** GET /api/traces/{traceId} */
export interface TraceResponse {
  summary: TraceSummary;
  resources: Resource[];
  scopes: Scope[];
  /** Parents before children, siblings by start time; spans whose parent has not arrived come as roots. */
  spans: ApiSpan[];
  /** Log records that carry this trace's id, oldest first (joined to spans by `spanId`). */
  logs: ApiLog[];
}

/** GET /api/traces */
export interface TraceListResponse {
  traces: TraceSummary[];
  /** How many traces the store holds in all. */
  total: number;
}

// ---- live feed (/ws) ----

export type ServerMessage =
  | { type: 'hello'; protocolVersion: number; serverVersion: string }
  | { type: 'summaries'; traces: TraceSummary[] }
  | { type: 'spans'; traceId: string; resources: Resource[]; scopes: Scope[]; spans: ApiSpan[]; logs: ApiLog[] }
  | { type: 'removed'; traceIds: string[] | 'all' };

export type ClientMessage =
  /** Which traces to stream span batches for: a list, '*' for all, [] for summaries only (the default). */
  { type: 'subscribe'; traceIds: string[] | '*' };
