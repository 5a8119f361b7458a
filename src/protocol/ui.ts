// The UI and its host: the methods the run view asks for (answered over HTTP in a browser tab,
// relayed by the extension in a VS Code webview) and the webview's postMessage messages both ways.
import type { SourceLocation } from './genai';
import type { MetricPoint } from './otlp';
import type { ServerMessage, SiteRollup, SpanDetailResponse, SpansResponse, StatusResponse, TraceListResponse, TraceResponse, TraceSummary, TraceTreeResponse } from './runs';
import type { ConversationResponse, ConversationSummary, Feedback, Orphan, RunDiff } from './insights';
import type { ModelRequestResponse, ReplayResponse, RerunPlan } from './replay';

/** What the UI asks of its host, by method, with the answer each gets. */
export interface UiMethods {
  listTraces: { params: { service?: string; q?: string; limit?: number }; result: TraceListResponse };
  getTree: { params: { traceId: string }; result: TraceTreeResponse };
  /** A run's summary alone: whether the receiver has it (404 if not), and its figures. */
  getSummary: { params: { traceId: string }; result: { summary: TraceSummary } };
  /** A run whole: every span with its content, resources and scopes (the replay, the exporter's language). */
  getTrace: { params: { traceId: string }; result: TraceResponse };
  /** Spans of a run whole, at most SPANS_PER_REQUEST at a time. */
  getSpans: { params: { traceId: string; ids: string[] }; result: SpansResponse };
  /**
   * Rollups of the model calls, tools and agents by where they ran (the editor's cost lenses): of
   * runs started at or after `since` (epoch ms); by code location in `file`, or by tool and agent
   * name (`by: 'name'`).
   */
  getSites: { params: { since: number; file?: string; by?: 'name'; creepRatio?: number; creepSteadyRatio?: number }; result: { sites: SiteRollup[] } };
  /** `stitched`: the span may be one of a run stitched into this one (GET /api/traces/{id}/stitched/spans/{spanId}). */
  getSpan: { params: { traceId: string; spanId: string; stitched?: boolean }; result: SpanDetailResponse };
  /** The run with the runs orphaned from it under their likely parent (a view). */
  getStitchedTree: { params: { traceId: string }; result: TraceTreeResponse & { stitched: string[] } };
  getOrphans: { params: { traceId: string }; result: { orphans: Orphan[] } };
  /** Every orphaned step the receiver holds. */
  listOrphans: { params: Record<string, never>; result: { orphans: Orphan[] } };
  getStatus: { params: Record<string, never>; result: StatusResponse };
  /** The GenAI metric points kept (token usage, operation duration). */
  getMetrics: { params: Record<string, never>; result: { points: MetricPoint[] } };
  /** `replaces`: the id of this user's earlier verdict on the same run or step (a comment added to a thumb given before). */
  sendFeedback: { params: { traceId: string; spanId?: string; value: 'up' | 'down'; comment?: string; replaces?: string }; result: { feedback: Feedback } };
  getFeedback: { params: { traceId: string }; result: { feedback: Feedback[]; total: number } };
  /** Two runs side by side (GET /api/diff?a=&b=). */
  diffRuns: { params: { a: string; b: string; offset?: number }; result: RunDiff };
  /** Spans of the run whose name or content contains `q`. */
  searchTrace: { params: { traceId: string; q: string }; result: { spanIds: string[] } };
  deleteTrace: { params: { traceId: string }; result: { deleted: string } };
  /** Deletes every run the receiver holds. */
  clearTraces: { params: Record<string, never>; result: { cleared: true } };
  listConversations: { params: { creepRatio?: number; creepSteadyRatio?: number }; result: { conversations: ConversationSummary[] } };
  getConversation: { params: { id: string; creepRatio?: number; creepSteadyRatio?: number }; result: ConversationResponse };
  /** A recorded model call as the request its provider received (what if). */
  getModelRequest: { params: { traceId: string; spanId: string }; result: ModelRequestResponse };
  /** Sends a model call again (edited or not; keys are the trace server's): the answer is a new run. */
  replayModelCall: { params: { traceId: string; spanId: string; request?: unknown; baseUrl?: string }; result: ReplayResponse };
  /** What a re-run of the run is answered from: the model calls before step `from`, or all of them. */
  getRerunPlan: { params: { traceId: string; from?: string; all?: boolean }; result: RerunPlan };
  /** Which traces the live feed should stream span batches for. */
  subscribe: { params: { traceIds: string[] }; result: null };
  /**
   * Where a tool or an agent is defined: in the files the run's steps were made in (`near`, as the
   * telemetry names them) first, then in the workspace (the editor answers; nothing elsewhere).
   */
  findDefinition: { params: { kind: 'tool' | 'agent'; name: string; near?: string[] }; result: { location: SourceLocation | null } };
}
export type UiMethod = keyof UiMethods;

/** Every method, each once (the compiler checks the list against UiMethods); the host answers `subscribe` and `findDefinition` itself, the receiver all the others. */
export const UI_METHODS = Object.keys({
  listTraces: 1, getTree: 1, getSummary: 1, getTrace: 1, getSpans: 1, getSites: 1, getSpan: 1, getStitchedTree: 1, getOrphans: 1, listOrphans: 1,
  getStatus: 1, getMetrics: 1, sendFeedback: 1, getFeedback: 1, diffRuns: 1, searchTrace: 1, deleteTrace: 1, clearTraces: 1, listConversations: 1,
  getConversation: 1, getModelRequest: 1, replayModelCall: 1, getRerunPlan: 1, subscribe: 1, findDefinition: 1,
} satisfies Record<UiMethod, 1>) as UiMethod[];

/** The HTTP request that answers a UI method (both hosts use it: the browser page and the extension). */
export function uiRequestRoute(method: UiMethod, params: Record<string, unknown>): { method: 'GET' | 'DELETE' | 'POST'; path: string; body?: string } | undefined {
  const enc = (v: unknown) => encodeURIComponent(String(v ?? ''));
  switch (method) {
    case 'listTraces': {
      const qs = new URLSearchParams();
      for (const k of ['service', 'q', 'limit']) if (params[k] !== undefined && params[k] !== '') qs.set(k, String(params[k]));
      return { method: 'GET', path: `/api/traces?${qs}` };
    }
    case 'getTree': return { method: 'GET', path: `/api/traces/${enc(params.traceId)}/tree` };
    case 'getSummary': return { method: 'GET', path: `/api/traces/${enc(params.traceId)}/summary` };
    case 'getTrace': return { method: 'GET', path: `/api/traces/${enc(params.traceId)}` };
    case 'getSpans': return { method: 'GET', path: `/api/traces/${enc(params.traceId)}/spans?ids=${(params.ids as string[]).map(enc).join(',')}` };
    case 'getSites': {
      const q = new URLSearchParams();
      for (const k of ['file', 'since', 'by', 'creepRatio', 'creepSteadyRatio']) if (params[k] !== undefined) q.set(k, String(params[k]));
      return { method: 'GET', path: `/api/sites?${q}` };
    }
    case 'getSpan': return { method: 'GET', path: `/api/traces/${enc(params.traceId)}${params.stitched ? '/stitched' : ''}/spans/${enc(params.spanId)}` };
    case 'getStitchedTree': return { method: 'GET', path: `/api/traces/${enc(params.traceId)}/stitched` };
    case 'getOrphans': return { method: 'GET', path: `/api/traces/${enc(params.traceId)}/orphans` };
    case 'listOrphans': return { method: 'GET', path: '/api/orphans' };
    case 'getStatus': return { method: 'GET', path: '/api/status' };
    case 'getMetrics': return { method: 'GET', path: '/api/metrics' };
    case 'sendFeedback': return { method: 'POST', path: '/api/feedback', body: JSON.stringify(params) };
    case 'getFeedback': return { method: 'GET', path: `/api/traces/${enc(params.traceId)}/feedback` };
    case 'diffRuns': return { method: 'GET', path: `/api/diff?a=${enc(params.a)}&b=${enc(params.b)}${params.offset ? `&offset=${enc(params.offset)}` : ''}` };
    case 'searchTrace': return { method: 'GET', path: `/api/traces/${enc(params.traceId)}/search?q=${enc(params.q)}` };
    case 'deleteTrace': return { method: 'DELETE', path: `/api/traces/${enc(params.traceId)}` };
    case 'clearTraces': return { method: 'DELETE', path: '/api/traces' };
    case 'listConversations': return { method: 'GET', path: `/api/conversations${creepQuery(params)}` };
    case 'getConversation': return { method: 'GET', path: `/api/conversations/${enc(params.id)}${creepQuery(params)}` };
    case 'getModelRequest': return { method: 'GET', path: `/api/traces/${enc(params.traceId)}/spans/${enc(params.spanId)}/request` };
    case 'replayModelCall': return { method: 'POST', path: '/api/replay', body: JSON.stringify(params) };
    case 'getRerunPlan': return { method: 'GET', path: `/api/traces/${enc(params.traceId)}/rerun?${params.all ? 'all=1' : `from=${enc(params.from)}`}` };
    case 'subscribe': return undefined; // a live-feed message, not a request
    case 'findDefinition': return undefined; // answered by the editor, from the workspace
  }
}

/** The creep rule's query parameters, those given. */
function creepQuery(params: Record<string, unknown>): string {
  const qs = new URLSearchParams();
  for (const k of ['creepRatio', 'creepSteadyRatio']) if (params[k]) qs.set(k, String(params[k]));
  const q = qs.toString();
  return q ? `?${q}` : '';
}

/** The run view's layout preferences, remembered across tabs and sessions: widths in CSS pixels (null: automatic). */
export type UiPrefKey = 'treeWidth' | 'detailWidth';
export type UiPrefs = Partial<Record<UiPrefKey, number>>;

export type UiToHost =
  | { type: 'ready'; protocolVersion: number }
  /** Open this code location in the editor (the path as the telemetry says it; the editor maps it). */
  | { type: 'openSource'; path: string; line: number; column?: number }
  /** Find where a tool, agent or prompt (by its text) is defined in the workspace, and open it. */
  | { type: 'openDefinition'; kind: 'tool' | 'agent' | 'prompt'; name: string }
  /** Replay this run in the debugger (paused at its first step). */
  | { type: 'debugRun'; traceId: string }
  /** Move the run's replay to this step ("Run to Step"), starting one if none is running. */
  | { type: 'runToStep'; traceId: string; spanId: string }
  /** Two texts (a prompt in two runs) in the editor's diff view. */
  | { type: 'openTextDiff'; title: string; left: string; right: string }
  /** Open this model call as its request in the editor, to edit and send again. */
  | { type: 'replayModelCall'; traceId: string; spanId: string }
  /** Start the app again, its model calls before this step answered from the recording. */
  | { type: 'rerunFromHere'; traceId: string; spanId: string }
  /** What the view shows now (a run, or the runs list): the editor names its tab after it. */
  | { type: 'showing'; traceId?: string }
  /** The person changed something in this view (feedback): the editor keeps its tab open. */
  | { type: 'keep' }
  /** A layout preference the person set (a splitter's width): kept for every view, in every tab. */
  | { type: 'setPref'; key: UiPrefKey; value: number | null }
  | { [M in UiMethod]: { type: 'request'; seq: number; method: M; params: UiMethods[M]['params'] } }[UiMethod];

export type HostToUi =
  | { type: 'response'; seq: number; result: unknown }
  /** Lines of a run's tree (GET …/tree?stream=ndjson), before the answer to its `getTree` request (null). */
  | { type: 'treeText'; seq: number; text: string }
  | { type: 'response'; seq: number; error: string }
  /** A live-feed message, relayed as the server sent it. */
  | { type: 'feed'; message: ServerMessage }
  /** The host lost or regained the server. */
  | { type: 'connection'; state: 'connected' | 'connecting' | 'disconnected'; detail?: string }
  /** Show this run (and step): the editor picked it, or the replay debugger stopped there; `diffFrom`: beside that run (a replay's original), in the diff view. */
  | { type: 'open'; traceId: string; spanId?: string; diffFrom?: string };
