// The query API's JSON about runs (summaries, spans, trees, sites) and the live feed's messages (a
// tagged union). Evolve additively; bump PROTOCOL_VERSION only for a breaking change.
import type { LogData, Nanos, Resource, Scope, SpanData, SpanStatus } from './otlp';
import type { Creep, GenAiKind, GenAiView, Usage } from './genai';
import type { LiveBreakpoints, LiveState, PausedStep } from './live';

export const PROTOCOL_VERSION = 1;

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
  /** Model calls (llm spans) in the trace, and how many of them reported no token usage. */
  llmCalls: number;
  callsWithoutUsage: number;
  /** Models used, response model where known. */
  models: string[];
  conversationId?: string;
  agentNames: string[];
  /** True until a span without a parent has arrived. */
  rootPending: boolean;
  /** Failed steps that a later step of the same name in the run got through (a retry): the run recovered from these. */
  recoveredErrors?: number;
  /** What a person recognizes the run by: its first user message, on one line, cut to 100 characters (when content was captured). */
  title?: string;
  /** Evaluation results about its steps, and how many failed. */
  evaluations?: { count: number; failed: number };
  /** Feedback on the run or its steps (POST /api/feedback, the UI's thumbs). */
  feedback?: { up: number; down: number };
  /**
   * This run is a piece of another that lost its trace context (a tool or model call at its root,
   * no agent of its own, started while an agent of its service ran): that run's agent step, the
   * likely parent. GET /api/traces/{id}/orphans says why.
   */
  orphanOf?: { traceId: string; spanId: string; name: string };
  /** How many orphaned pieces most likely belong in this run. */
  orphans?: number;
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
  /** Usage and cost per model, over the model calls that count (see GenAiView.countsUsage). */
  byModel: ModelRollup[];
}

export interface ModelRollup {
  provider: string;
  model: string;
  calls: number;
  usage: Usage;
  costUsd: number | null;
  unpricedCalls: number;
}

/** One row of a run's span tree: what the tree and the timeline draw, without content. */
export interface TreeSpan {
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: Nanos;
  endTimeUnixNano: Nanos;
  /** Absent when unset (code 0, no message). */
  status?: SpanStatus;
  /** Absent when it is the run's service (`summary.service`). */
  service?: string;
  /** The GenAI view without messages or tool content (and `countsUsage` as the trace totals see it). */
  genai?: GenAiView;
}

/**
 * One tree row on the wire, by position (no key names: at 100,000 spans they were a quarter of
 * the bytes): [spanId, parentSpanId, name, kind, startTimeUnixNano, endTimeUnixNano, status, service, genai],
 * with 0 for an absent status, service or genai. `treeSpans()` turns rows back into TreeSpans.
 * In the tree's NDJSON stream (tree order) a tenth element says where the row's parent is among the
 * rows before it (-1: none there, look it up by id).
 */
export type TreeRow = [string, string, string, number, Nanos, Nanos, SpanStatus | 0, string | 0, GenAiView | 0, number?];

/** GET /api/traces/{traceId}/tree: the whole run, light enough for 100,000 spans. */
export interface TraceTreeResponse {
  summary: TraceSummary;
  /** In arrival order (the UI builds the tree; spans whose parent has not arrived go under a placeholder). */
  rows: TreeRow[];
  byModel: ModelRollup[];
}

export function treeRow(t: TreeSpan): TreeRow {
  return [t.spanId, t.parentSpanId, t.name, t.kind, t.startTimeUnixNano, t.endTimeUnixNano, t.status ?? 0, t.service ?? 0, t.genai ?? 0];
}

export function treeSpans(res: TraceTreeResponse): TreeSpan[] {
  return treeSpansOfRows(res.rows);
}

export function treeSpansOfRows(rows: readonly TreeRow[]): TreeSpan[] {
  const out: TreeSpan[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = treeSpanOfRow(rows[i]!);
  return out;
}

export function treeSpanOfRow(r: TreeRow): TreeSpan {
  const t: TreeSpan = { spanId: r[0], parentSpanId: r[1], name: r[2], kind: r[3], startTimeUnixNano: r[4], endTimeUnixNano: r[5] };
  if (r[6]) t.status = r[6];
  if (r[7]) t.service = r[7];
  if (r[8]) t.genai = r[8];
  return t;
}

/** GET /api/traces/{traceId}/spans/{spanId}: one span with everything (content, tool links, logs). */
export interface SpanDetailResponse {
  span: ApiSpan;
  resources: Resource[];
  scopes: Scope[];
  /** The log records joined to this span. */
  logs: ApiLog[];
}

/** GET /api/traces/{traceId}/spans?ids=a,b,c: spans of a run whole, at most SPANS_PER_REQUEST at a time. */
export interface SpansResponse {
  spans: ApiSpan[];
  resources: Resource[];
  scopes: Scope[];
  /** The log records joined to these spans. */
  logs: ApiLog[];
}
export const SPANS_PER_REQUEST = 500;

/** GET /api/traces */
export interface TraceListResponse {
  traces: TraceSummary[];
  /** How many traces the store holds in all. */
  total: number;
  /** The history is still loading: runs from before the restart are missing yet. */
  partial?: boolean;
  /** With `q`: where the search found each run listed, by trace id. */
  hits?: Record<string, SearchHit>;
}

/**
 * Where a search found a run: in a span (its id and name: the first found, in the order the store
 * reads them, not necessarily the earliest in the run), a log record of the run, or the run's names
 * (id, root, service, agents, models).
 */
export interface SearchHit { in: 'span' | 'log' | 'names'; spanId?: string; name?: string }

/** GET /api/sites: what the model calls, tools and agents made at one line of code did, over recent runs. */
export interface SiteRollup {
  /** Empty in by-name rollups (GET /api/sites?by=name), which set `name` instead. */
  path: string;
  line: number;
  /** The tool's or agent's name (by-name rollups). */
  name?: string;
  function?: string;
  /** What is made here: model calls when there are any, else the most frequent kind (a tool, an agent, …). */
  kind: GenAiKind;
  /** Steps of that kind: model calls as the model received them (a framework's span over the provider's is not one). */
  calls: number;
  errors: number;
  /** Model calls: tokens as the run totals count them (each call once), and per model. */
  usage: Usage;
  medianInput: number;
  medianOutput: number;
  costUsd: number | null;
  unpricedCalls: number;
  models: { model: string; calls: number; usage: Usage; costUsd: number | null }[];
  /** Latency of the calls, from their span times. */
  p50Ms: number;
  p95Ms: number;
  /** The newest runs that went through this line, newest first (at most 5). */
  recent: { traceId: string; spanId: string; startTimeUnixNano: Nanos }[];
  /**
   * Input tokens per model call made here growing turn over turn within a conversation (token
   * creep; a turn is a run): the conversation where it is worst.
   */
  creep?: Creep & { conversationId: string };
  /** Steps of other kinds started from this line (a framework's agent and tool spans around its model calls): counted apart. */
  others?: { kind: GenAiKind; calls: number; errors: number; p50Ms: number; p95Ms: number }[];
}

// ---- live feed (/ws) ----

/** The receiver loads its data directory after it starts listening (GET /api/status, `history` messages). */
export interface HistoryState {
  loading: boolean;
  /** Spans loaded from disk (so far, or in all once done). */
  spans: number;
  /** How long loading took (0 while loading). */
  ms: number;
  /** Bytes of the data directory read so far, of all there is to read: the progress (N % = bytesRead / bytesOnDisk). */
  bytesRead?: number;
  bytesOnDisk?: number;
}

/** GET /api/status: the receiver's state, its counts and budgets, for the editor's probe, the UI and operators. */
export interface StatusResponse {
  version: string;
  protocolVersion: number;
  pid: number;
  state: 'loading' | 'ready';
  traces: number;
  spans: number;
  /** The store's estimate of what it holds, and its budget, in bytes. */
  approxBytes: number;
  storeBudgetBytes: number;
  memory: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  /** The event loop's delay since the last status (null: too soon to say). */
  eventLoopDelayMs: { p50: number; p99: number; max: number } | null;
  search: { indexedBodies: number; waitingBodies: number; bytes: number };
  liveClients: number;
  live: { clients: number; queuedBytes: number; closedForMemory: number };
  counters: { spans: number; logs: number; metricPoints: number; rejected: number; duplicates: number; requests: number; badRequests: number; storageErrors: number };
  history: HistoryState;
  /** The data directory (null: not kept on disk). */
  disk: {
    bytes: number; cap: number; segmentBytes: number;
    dropped: { segments: number; bytes: number; runs: number };
    damaged: { count: number; bytes: number; where: { file: string; offset: number; bytes: number; why: string }[] };
    error?: string;
  } | null;
}

export type ServerMessage =
  | { type: 'hello'; protocolVersion: number; serverVersion: string }
  | { type: 'summaries'; traces: TraceSummary[] }
  /** Sent after `hello` while history loads, and once more when it has loaded (then reload the runs). */
  | ({ type: 'history' } & HistoryState)
  | { type: 'spans'; traceId: string; resources: Resource[]; scopes: Scope[]; spans: ApiSpan[]; logs: ApiLog[] }
  /** To clients subscribed with form "rows": the new spans as the run's tree sends them, and the spans that gained log records. */
  | { type: 'rows'; traceId: string; rows: TreeRow[]; logSpanIds: string[] }
  | { type: 'removed'; traceIds: string[] | 'all' }
  /**
   * Live updates were left out (the client fell behind, or one could not be sent): reload what is
   * shown. `all`: the runs list too; `traceIds`: only these runs. Summaries of the runs that changed
   * meanwhile follow when they are few.
   */
  | { type: 'resync'; reason: string; all: boolean; traceIds?: string[] }
  /** The gates connected and the calls paused (protocol/live.ts): sent when it changes, to clients that attached with `live`. */
  | ({ type: 'live' } & LiveState)
  /** Every call paused in a debugger now ([] when none is), without content: to every client, when it changes and at connect while any waits. */
  | { type: 'paused'; pauses: PausedStep[] };

export type ClientMessage =
  /**
   * Which traces to stream span batches for: a list, '*' for all, [] for summaries only (the
   * default). `form`: "spans" (full spans with content, the default) or "rows" (tree rows, as
   * GET /api/traces/{id}/tree sends them: what a run view needs).
   */
  { type: 'subscribe'; traceIds: string[] | '*'; form?: 'spans' | 'rows' }
  /** This client attaches to live agents with these breakpoints (null: detaches); it hears `live` from then on. */
  | { type: 'live'; breakpoints: LiveBreakpoints | null }
  /** A paused call goes on; with `input`, made with it instead. */
  | { type: 'resume'; pauseId: string; processId: string; input?: unknown }
  /** A paused call fails with this message instead of running. */
  | { type: 'fail'; pauseId: string; processId: string; message: string }
  /**
   * This editor does not stop this call (its conditions or hit counts rule it out): it goes on
   * unchanged once every attached editor has passed it, unless one answers it first.
   */
  | { type: 'pass'; pauseId: string; processId: string };
