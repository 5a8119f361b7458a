// What queries send: stored spans as API spans (decoded and normalized with content), whole traces,
// the light tree of a run, and one span in full.
import { treeRow, type ApiLog, type ApiSpan, type Evaluation, type GenAiView, type ModelRollup, type Resource, type Scope, type SpanDetailResponse, type SpansResponse, type ToolCallLink, type TraceResponse, type TraceTreeResponse, type TreeSpan } from '../protocol';
import { spanDetail } from '../otlp/protoSpan';
import type { LogRecordData } from '../otlp/records';
import { normalizeSpanContent, oneLine } from '../genai/normalize';
import { sourceLocations } from '../source/locate';
import { EVALUATION_EVENT, evaluationOf, isEvaluationLog } from '../genai/evaluations';
import { ModelRollups, borrowToolContent, linkToolCallsSteps, rollupByModel, toolCallContentSteps, type CallContent } from '../genai/trace';
import { type TraceEntry, type StoredSpan, serviceOf } from './traceEntry';
import { drive, runNow } from '../slices';
import { treeOrderSteps } from './treeOrder';

/** Resources and scopes shared by many spans are sent once and referred to by index. */
export class SharedRefs {
  readonly resources: Resource[] = [];
  readonly scopes: Scope[] = [];
  private readonly rIdx = new Map<Resource, number>();
  private readonly sIdx = new Map<Scope, number>();

  resource(r: Resource): number {
    let i = this.rIdx.get(r);
    if (i === undefined) { i = this.resources.push(r) - 1; this.rIdx.set(r, i); }
    return i;
  }

  scope(s: Scope): number {
    let i = this.sIdx.get(s);
    if (i === undefined) { i = this.scopes.push(s) - 1; this.sIdx.set(s, i); }
    return i;
  }
}

/**
 * A stored span as the API sends it: every raw field, and the GenAI view with content (messages,
 * tool content, cost provenance, notes) read from its attributes, events and joined log records.
 */
export function toApiSpan(s: StoredSpan, refs: SharedRefs, entry: TraceEntry | undefined, logs: readonly LogRecordData[] = []): ApiSpan {
  const d = spanDetail(s);
  const api: ApiSpan = {
    traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId, traceState: d.traceState, flags: d.flags,
    name: s.name, kind: s.kind, startTimeUnixNano: s.startTimeUnixNano, endTimeUnixNano: s.endTimeUnixNano,
    attributes: d.attributes, droppedAttributesCount: d.droppedAttributesCount, events: d.events,
    droppedEventsCount: d.droppedEventsCount, links: d.links, droppedLinksCount: d.droppedLinksCount, status: s.status,
    resource: refs.resource(s.resource), scope: refs.scope(s.scope),
  };
  if (s.genai) {
    const g = normalizeSpanContent(
      { name: s.name, status: s.status, attributes: d.attributes, eventNames: d.events.map((e) => e.name) },
      { events: d.events, logs, droppedAttributesCount: d.droppedAttributesCount },
    );
    if (g) {
      if (g.kind === 'llm') g.countsUsage = entry ? entry.countsUsage(s.spanId) : g.countsUsage;
      const source = sourceLocations(d.attributes, d.events);
      if (source.length) g.source = source;
      const evaluations = [
        ...d.events.filter((ev) => ev.name === EVALUATION_EVENT).map((ev) => evaluationOf(ev.attributes, 'event')),
        ...logs.filter(isEvaluationLog).map((l) => evaluationOf(l.attributes, 'log')),
      ].filter((x): x is Evaluation => !!x);
      if (evaluations.length) g.evaluations = evaluations;
      api.genai = g;
    }
  }
  return api;
}

export function toApiLog(l: LogRecordData, refs: SharedRefs): ApiLog {
  const { resource, scope, ...data } = l;
  return { ...data, resource: refs.resource(resource), scope: refs.scope(scope) };
}

export function logsBySpan(logs: readonly LogRecordData[], e?: TraceEntry): Map<string, LogRecordData[]> {
  const by = new Map<string, LogRecordData[]>();
  let byResponse: Map<string, string> | undefined;
  for (const l of logs) {
    let spanId = l.spanId;
    // An evaluation that names only the response it judged goes to the model call that gave it.
    if ((!spanId || (e && !e.spans.has(spanId))) && e && isEvaluationLog(l)) {
      byResponse ??= new Map([...e.spans.values()].flatMap((x) => (x.genai?.responseId ? [[x.genai.responseId, x.spanId] as [string, string]] : [])));
      const rid = evaluationOf(l.attributes, 'log')?.responseId;
      spanId = (rid && byResponse.get(rid)) || spanId;
    }
    if (!spanId) continue;
    let list = by.get(spanId);
    if (!list) by.set(spanId, (list = []));
    list.push(l);
  }
  return by;
}

/** Usage and cost per model from the stored views (no content needed), as the trace totals count them. */
function byModelOf(e: TraceEntry, spans: Iterable<StoredSpan>): ModelRollup[] {
  const views: { genai: GenAiView }[] = [];
  for (const s of spans) if (s.genai?.kind === 'llm') views.push({ genai: { ...s.genai, countsUsage: e.countsUsage(s.spanId) } });
  return rollupByModel(views);
}

/**
 * The whole trace (a TraceResponse) as pieces of JSON text, a span a line, made as they are
 * pulled: the server streams them (see server/jsonStream.ts). Resources and scopes come after the
 * spans that refer to them.
 */
export function* traceJson(e: TraceEntry): Generator<string> {
  const refs = new SharedRefs();
  const joined = logsBySpan(e.logs, e);
  const { links, content } = toolLinks(e);
  // In tree order (store/treeOrder.ts, a slice at a time: an empty piece is a turn for the event
  // loop, see writeStream), each span made from the columns as it is written.
  const order = yield* stepsAsPieces(treeOrderSteps(e));
  const logs = e.logs.slice();
  const byModel = new ModelRollups();
  yield `{"summary":${JSON.stringify(e.summary)},"spans":[`;
  let sep = '\n';
  for (const s of viewsOf(e, order, true)) {
    if (s.genai?.kind === 'llm') byModel.add({ ...s.genai, countsUsage: e.countsUsage(s.spanId) });
    const a = toApiSpan(s, refs, e, joined.get(s.spanId));
    const l = a.genai && links.get(s.spanId);
    if (l) a.genai!.toolCalls = l;
    if (a.genai?.kind === 'tool') borrowToolContent(a.genai, content.get(s.spanId));
    yield sep + JSON.stringify(a);
    sep = ',\n';
  }
  yield '\n],"logs":[';
  sep = '\n';
  for (const l of logs) {
    yield sep + JSON.stringify(toApiLog(l, refs));
    sep = ',\n';
  }
  yield `\n],"resources":${JSON.stringify(refs.resources)},"scopes":${JSON.stringify(refs.scopes)},"byModel":${JSON.stringify(byModel.result())}}`;
}

const requested = new WeakMap<TraceEntry, { version: number; ids: Set<string> }>();

/**
 * The tool call ids a run's model calls asked for (their output messages, from spans or log
 * records): which run an orphaned tool belongs to. It decodes content, so it is asked only to
 * choose between runs, and kept until the run changes.
 */
export function requestedToolCalls(e: TraceEntry): ReadonlySet<string> {
  const version = e.spans.size * 1_000_003 + e.logs.length;
  const cached = requested.get(e);
  if (cached?.version === version) return cached.ids;
  const ids = new Set<string>();
  const refs = new SharedRefs();
  const joined = logsBySpan(e.logs, e);
  for (const s of e.spans.values()) {
    if (s.genai?.kind !== 'llm') continue;
    for (const m of toApiSpan(s, refs, e, joined.get(s.spanId)).genai?.outputMessages ?? []) {
      for (const p of m.parts) if (p.type === 'tool_call' && typeof (p as { id?: unknown }).id === 'string') ids.add((p as { id: string }).id);
    }
  }
  requested.set(e, { version, ids });
  return ids;
}

/** The whole trace as one object (tests and in-process callers; the API streams `traceJson`). */
export function traceResponse(e: TraceEntry): TraceResponse {
  return JSON.parse([...traceJson(e)].join('')) as TraceResponse;
}

/** One span as a row of its run's tree (the tree endpoint and the live feed send the same). */
export function treeSpan(s: StoredSpan, e: TraceEntry): TreeSpan {
  const t: TreeSpan = {
    spanId: s.spanId, parentSpanId: s.parentSpanId, name: s.name, kind: s.kind,
    startTimeUnixNano: s.startTimeUnixNano, endTimeUnixNano: s.endTimeUnixNano,
  };
  // Defaults are left out: at 100,000 spans every byte of a row is 100 kB to encode, send and parse.
  if (s.status.code !== 0 || s.status.message) t.status = s.status;
  const svc = serviceOf(s);
  if (svc !== e.summary.service) t.service = svc;
  const g = s.genai;
  if (g) {
    t.genai = g.kind === 'llm' ? { ...g, countsUsage: e.countsUsage(s.spanId) } : g;
    if (g.kind === 'tool' && g.argsPreview === undefined && g.schema === 'openinference') t.genai = { ...g, argsPreview: openInferencePreview(e.spans.get(s.spanId) ?? s) };
  }
  return t;
}

// OpenInference keeps a tool's arguments in input.value, which ingest does not decode: the preview
// is made at the first query and kept beside the span (a query never changes what is stored).
const previews = new WeakMap<StoredSpan, string>();
function openInferencePreview(s: StoredSpan): string {
  let p = previews.get(s);
  if (p === undefined) {
    const d = spanDetail(s);
    const full = normalizeSpanContent({ name: s.name, status: s.status, attributes: d.attributes, eventNames: d.events.map((x) => x.name) },
      { events: d.events, logs: [], droppedAttributesCount: d.droppedAttributesCount });
    p = full?.toolArguments === undefined ? '' : oneLine(full.toolArguments);
    previews.set(s, p);
  }
  return p;
}

/** Spans made from the columns, in the order of these slots (while the run is not taken out); `detail` false: without their bytes (a tree row needs none). */
function* viewsOf(e: TraceEntry, slots: ArrayLike<number>, detail = false): Generator<StoredSpan> {
  for (let i = 0; i < slots.length && !e.removed; i++) yield e.table.view(slots[i]!, e.traceId, detail);
}

/** A stepwise computation inside a generator of text: each step an empty piece. */
function* stepsAsPieces<T>(steps: Generator<void, T>): Generator<string, T> {
  for (let r = steps.next(); ; r = steps.next()) { if (r.done) return r.value; yield ''; }
}

/** The run's tree: every span's indexed fields and scalar GenAI view, no messages. */
export function treeResponse(e: TraceEntry): TraceTreeResponse {
  // In arrival order: the UI builds the tree in any order (ordering 100,000 spans here cost more
  // than building the rest of the answer).
  const rows: TraceTreeResponse['rows'] = [];
  for (const s of e.spans.values()) rows.push(treeRow(treeSpan(s, e)));
  return { summary: e.summary, rows, byModel: byModelOf(e, e.spans.values()) };
}

/**
 * The run's tree as pieces of JSON text, a row a line, made as they are pulled. `json` is one
 * TraceTreeResponse document; `ndjson` is the same content as lines that each parse alone:
 * `{"summary"}`, then one TreeRow (an array) a line, then `{"byModel"}`, so that a client can read
 * a run of any size as it arrives (webview/transport.ts does).
 */
export function* treeJson(e: TraceEntry, form: 'json' | 'ndjson' = 'json'): Generator<string> {
  // `json`: rows as the spans are read, in arrival order (no copy of the run first). `ndjson`: in
  // tree order (store/treeOrder.ts, made a slice at a time before the first row), so that a
  // client draws the top of the run from its first rows. The per-model rollup of the same spans last.
  const nd = form === 'ndjson';
  const parents: { at?: Int32Array } = {};
  const order = nd ? yield* stepsAsPieces(treeOrderSteps(e, parents)) : undefined;
  const summary = JSON.stringify(e.summary);
  yield nd ? `{"summary":${summary}}\n` : `{"summary":${summary},"rows":[`;
  let sep = nd ? '' : '\n';
  // The per-model rollup is added to as each model call's row is written (at the end it held the
  // loop for 20-30 ms at 100,000 spans): the row's view already says whether its usage counts.
  const byModelSoFar = new ModelRollups();
  const spans = viewsOf(e, order ?? e.slots);
  let i = 0;
  for (const s of spans) {
    const t = treeSpan(s, e);
    if (t.genai?.kind === 'llm') byModelSoFar.add(t.genai);
    const row = treeRow(t);
    // In tree order, each row also says where its parent is among the rows before it.
    if (parents.at) row[9] = parents.at[i++]!;
    yield sep + JSON.stringify(row) + (nd ? '\n' : '');
    if (!nd) sep = ',\n';
  }
  const byModel = JSON.stringify(byModelSoFar.result());
  yield nd ? `{"byModel":${byModel}}\n` : `\n],"byModel":${byModel}}`;
}

// Tool links need the output messages of every model call in the trace: worked out once per
// version of the trace (its span and log counts) and kept while it does not change.
interface ToolLinks { links: Map<string, ToolCallLink[]>; content: Map<string, CallContent> }
const linkCache = new WeakMap<TraceEntry, { version: string } & ToolLinks>();

/** Tool links of a trace, and what each linked model call says of its tool's arguments and result. */
function toolLinks(e: TraceEntry): ToolLinks {
  return runNow(toolLinkSteps(e));
}

/**
 * `toolLinks` a slice at a time (it decodes every model call's content: seconds for a run of
 * 100,000 steps), giving the event loop a turn every few milliseconds; kept for what comes next.
 * A route that will need them asks this first.
 */
export async function toolLinksReady(e: TraceEntry): Promise<void> {
  await drive(toolLinkSteps(e));
}

function* toolLinkSteps(e: TraceEntry): Generator<void, ToolLinks> {
  const version = `${e.spans.size}/${e.logs.length}`;
  const hit = linkCache.get(e);
  if (hit?.version === version) return hit;
  const refs = new SharedRefs();
  const joined = logsBySpan(e.logs, e);
  const spans: ApiSpan[] = [];
  for (const s of e.spans.values()) {
    const k = s.genai?.kind;
    if (k === 'llm') spans.push(toApiSpan(s, refs, e, joined.get(s.spanId)));
    // A tool span needs only its name and call id, which the stored view has.
    else if (k === 'tool') spans.push({ spanId: s.spanId, startTimeUnixNano: s.startTimeUnixNano, genai: { ...s.genai! } } as ApiSpan);
    yield;
  }
  // (Spans that came meanwhile: the links are made for what was read, and kept under the version it started at.)
  yield* linkToolCallsSteps(spans);
  const links = new Map<string, ToolCallLink[]>();
  for (const s of spans) if (s.genai?.toolCalls) links.set(s.spanId, s.genai.toolCalls);
  yield;
  const out = { links, content: yield* toolCallContentSteps(spans) };
  linkCache.set(e, { version, ...out });
  return out;
}

/** A span's view with its tool links, and a tool's content borrowed from the model call that asked for it. */
function withLinks(e: TraceEntry, span: ApiSpan): ApiSpan {
  const g: GenAiView | undefined = span.genai;
  if (g && (g.kind === 'llm' || g.kind === 'tool')) {
    const t = toolLinks(e);
    const links = t.links.get(span.spanId);
    if (links) g.toolCalls = links;
    if (g.kind === 'tool') borrowToolContent(g, t.content.get(span.spanId));
  }
  return span;
}

/** Spans of a run in full, one at a time: its log records are joined to their spans once for all the spans asked for. */
export function spanContents(e: TraceEntry, refs = new SharedRefs()): (spanId: string) => ApiSpan | undefined {
  let joined: Map<string, LogRecordData[]> | undefined;
  return (spanId) => {
    const s = e.spans.get(spanId);
    if (!s) return undefined;
    joined ??= logsBySpan(e.logs, e);
    return withLinks(e, toApiSpan(s, refs, e, joined.get(spanId) ?? []));
  };
}

/** Several spans of a run whole (content, links, log records), as a light replay fills its steps; ids it does not hold are left out. */
export function spansResponse(e: TraceEntry, spanIds: readonly string[]): SpansResponse {
  const refs = new SharedRefs();
  const bySpan = logsBySpan(e.logs, e);
  const spans: ApiSpan[] = [];
  const logs: ApiLog[] = [];
  for (const id of spanIds) {
    const s = e.spans.get(id);
    if (!s) continue;
    const mine = bySpan.get(id) ?? [];
    spans.push(withLinks(e, toApiSpan(s, refs, e, mine)));
    for (const l of mine) logs.push(toApiLog(l, refs));
  }
  return { spans, resources: refs.resources, scopes: refs.scopes, logs };
}

/** One span in full: raw fields, the GenAI view with content and tool links, and its log records. */
export function spanResponse(e: TraceEntry, spanId: string): SpanDetailResponse | undefined {
  const s = e.spans.get(spanId);
  if (!s) return undefined;
  const refs = new SharedRefs();
  const logs = logsBySpan(e.logs, e).get(spanId) ?? [];
  const span = withLinks(e, toApiSpan(s, refs, e, logs));
  return { span, resources: refs.resources, scopes: refs.scopes, logs: logs.map((l) => toApiLog(l, refs)) };
}
