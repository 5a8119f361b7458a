// A recorded run's spans as the replay's steps: in execution order (start time, a parent before
// its children, a child that claims to start before its parent taken to start with it, ties in the
// order the spans came), with their tree, their agent threads, and the decisions stepping stops at.
// A run may be opened light, from its tree rows: its steps get their content when it is loaded.
import type { ApiSpan, TraceResponse, TraceSummary, TreeSpan } from '../protocol';
import { cmpNanos } from '../time';

export interface Step {
  index: number;
  span: ApiSpan;
  parent: Step | undefined;
  children: Step[];
  depth: number;
  /** The thread (agent) the step belongs to. */
  thread: number;
  /** The last step, in order, of this step's subtree (itself when it has none). */
  subtreeEnd: number;
  /** A decision (agent, model call, tool, embeddings, retrieval): where stepping stops. */
  decision: boolean;
  /** How many decisions enclose it: the "level" of step over and step back. */
  level: number;
  /** The nearest enclosing decision: where step out goes. */
  decisionParent: Step | undefined;
  /**
   * Whether `span` has its content (attributes, messages, tool arguments and results). A run opened
   * light (`Replay.light`) has the tree's fields only; `fill` brings the rest, step by step.
   */
  detailed: boolean;
}

/**
 * A condition or expression needs the content of step `index`, which the replay has not loaded:
 * the caller loads it (`Replay.fill`) and asks again. Nothing moved.
 */
export class NeedDetail extends Error {
  constructor(readonly index: number) {
    super(`step ${index + 1} is not loaded yet`);
  }
}

/** A span as the run's tree row has it: no attributes, events, links or content (a light step's). */
export function lightSpan(t: TreeSpan, traceId: string): ApiSpan {
  const s: ApiSpan = {
    traceId, spanId: t.spanId, parentSpanId: t.parentSpanId, traceState: '', flags: 0, name: t.name, kind: t.kind,
    startTimeUnixNano: t.startTimeUnixNano, endTimeUnixNano: t.endTimeUnixNano, attributes: [], droppedAttributesCount: 0,
    events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: t.status ?? { code: 0, message: '' }, resource: 0, scope: 0,
  };
  if (t.genai) s.genai = t.genai;
  return s;
}

/** A run as its tree rows give it, for `new Replay(…, { light: true })`. */
export function lightTrace(summary: TraceSummary, spans: readonly TreeSpan[]): TraceResponse {
  return { summary, resources: [], scopes: [], spans: spans.map((t) => lightSpan(t, summary.traceId)), logs: [], byModel: [] };
}

export interface Thread { id: number; name: string; agentSpanId?: string }

const DECISIONS = new Set(['agent', 'llm', 'tool', 'embeddings', 'retrieval']);

/** The steps of a run's spans (any order; a repeated span id: the first stands), its threads, and steps by span id. */
export function buildSteps(spans: readonly ApiSpan[], light: boolean, rootName: string): { steps: Step[]; threads: Thread[]; byId: Map<string, Step> } {
  const steps: Step[] = [], threads: Thread[] = [], byId = new Map<string, Step>();
  // Arrays by input position, not maps by id: a 100k-step run is built in a tenth of a second.
  const n = spans.length;
  const at = new Map<string, number>();
  for (let i = 0; i < n; i++) if (!at.has(spans[i]!.spanId)) at.set(spans[i]!.spanId, i);
  const parent = new Int32Array(n).fill(-1);
  const kids: number[][] = [];
  const roots: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = spans[i]!;
    const p = s.parentSpanId && s.parentSpanId !== s.spanId ? at.get(s.parentSpanId) ?? -1 : -1;
    if (at.get(s.spanId) !== i) continue; // (a repeated span id: the first one stands)
    if (p >= 0) { parent[i] = p; (kids[p] ??= []).push(i); } else roots.push(i);
  }
  // Parents before children, whatever order the spans came in.
  // Effective start: never before the parent's (clock skew).
  const start: string[] = new Array(n);
  const depth = new Int32Array(n);
  const order: number[] = [];
  const seen = new Uint8Array(n);
  const walk = (from: number) => {
    for (let k = from; k < order.length; k++) {
      const i = order[k]!;
      for (const c of kids[i] ?? []) {
        if (seen[c]) continue;
        seen[c] = 1;
        const cs = spans[c]!.startTimeUnixNano;
        start[c] = cmpNanos(cs, start[i]!) < 0 ? start[i]! : cs;
        depth[c] = depth[i]! + 1;
        order.push(c);
      }
    }
  };
  const root = (r: number) => { seen[r] = 1; parent[r] = -1; start[r] = spans[r]!.startTimeUnixNano; order.push(r); };
  for (const r of roots) root(r);
  walk(0);
  // Spans in a parent cycle reach no root: the first of each cycle stands as one.
  for (let i = 0; i < n; i++) if (!seen[i] && at.get(spans[i]!.spanId) === i) { const k = order.length; root(i); walk(k); }
  order.sort((x, y) => cmpNanos(start[x]!, start[y]!) || (depth[x]! - depth[y]!) || x - y);
  const stepOf: (Step | undefined)[] = new Array(n);
  for (const i of order) {
    const s = spans[i]!;
    const p = parent[i]!;
    const par = p >= 0 ? stepOf[p] : undefined;
    const step: Step = { index: steps.length, span: s, parent: par, children: [], depth: depth[i]!, thread: 0, subtreeEnd: steps.length,
      decision: DECISIONS.has(s.genai?.kind ?? ''), level: 0, decisionParent: undefined, detailed: !light };
    par?.children.push(step);
    steps.push(step);
    stepOf[i] = step;
    byId.set(s.spanId, step);
  }
  for (let i = steps.length - 1; i >= 0; i--) {
    const st = steps[i]!;
    if (st.parent && st.parent.subtreeEnd < st.subtreeEnd) st.parent.subtreeEnd = st.subtreeEnd;
  }
  if (!steps.some((st) => st.decision)) for (const st of steps) st.decision = true;
  for (const st of steps) {
    const p = st.parent;
    st.decisionParent = p ? (p.decision ? p : p.decisionParent) : undefined;
    st.level = st.decisionParent ? st.decisionParent.level + 1 : 0;
  }
  // Threads: one per agent (its steps and those under it, down to the next agent), and one for
  // the run when steps lie outside every agent (or there is no agent).
  const agentThread = new Map<Step, number>();
  let runThread: number | undefined;
  for (const st of steps) {
    let a: Step | undefined = st;
    while (a && a.span.genai?.kind !== 'agent') a = a.parent;
    if (a) {
      let id = agentThread.get(a);
      if (id === undefined) {
        id = threads.length + 1;
        agentThread.set(a, id);
        threads.push({ id, name: stepLabel(a), agentSpanId: a.span.spanId });
      }
      st.thread = id;
    } else {
      if (runThread === undefined) { runThread = threads.length + 1; threads.push({ id: runThread, name: `run ${rootName || steps[0]!.span.name}` }); }
      st.thread = runThread;
    }
  }
  return { steps, threads, byId };
}

/** What a step is called in the Call Stack, stop reasons and the picker: "tool get_weather", "LLM gpt-4o". */
export function stepLabel(step: Step): string {
  const g = step.span.genai;
  if (g?.kind === 'tool' && g.toolName) return `tool ${g.toolName}`;
  if (g?.kind === 'agent' && g.agentName) return `agent ${g.agentName}`;
  if (g?.kind === 'llm') return `LLM ${g.responseModel ?? g.requestModel ?? step.span.name}`;
  return step.span.name;
}
