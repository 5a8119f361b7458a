// The insights under /api: conversations and token creep, orphaned steps and the stitched view of
// a run with its orphans under their likely parent (a view: the stored runs do not change).
import type { IncomingMessage } from 'node:http';
import type { TraceStore } from '../store/store';
import type { TraceEntry } from '../store/traceEntry';
import { requestedToolCalls, spanContents, spanResponse, toolLinksReady, treeResponse } from '../store/views';
import { conversationResponse, conversationSummary, conversationsList, groupConversations } from '../analysis/conversations';
import { creepRuleOf } from '../analysis/creep';
import { findOrphans, type RunShape } from '../analysis/orphans';
import { attrMap, getStr } from '../genai/attrs';
import type { ApiSpan, Orphan, TraceResponse, TraceTreeResponse, UiMethod, UiMethods } from '../protocol';
import { drive, eachStep, turn } from '../slices';

type Reply = (status: number, body: unknown) => void;

// What a run's spans say for the orphan analysis, kept while the run has as many spans: a run that
// has not changed is not read again, and one being read gives the event loop a turn every slice.
type Shape = Pick<RunShape, 'roots' | 'agents' | 'missingParents' | 'language'>;
const shapes = new WeakMap<TraceEntry, { spans: number; shape: Shape }>();

async function spansShape(e: TraceEntry): Promise<Shape> {
  const hit = shapes.get(e);
  if (hit?.spans === e.summary.spanCount) return hit.shape;
  const spans = e.summary.spanCount;
  const roots: RunShape['roots'] = [], agents: RunShape['agents'] = [], missing: RunShape['missingParents'] = [];
  const first = e.spans.values().next().value;
  const language = first ? getStr(attrMap(first.resource.attributes), 'telemetry.sdk.language') : undefined;
  // (Spans that arrive during a turn are read or not: the shape is kept only for the count it started at.)
  await drive(eachStep(e.spans.values(), (s) => {
    const g = s.genai;
    if (!s.parentSpanId) roots.push({ spanId: s.spanId, name: s.name, kind: g?.kind ?? 'span', ...(g?.toolCallId ? { toolCallId: g.toolCallId } : {}), startMs: s.startMs });
    else if (!e.spans.has(s.parentSpanId)) missing.push({ spanId: s.spanId, name: s.name, parentSpanId: s.parentSpanId });
    if (g?.kind === 'agent') agents.push({ spanId: s.spanId, name: s.name, startMs: s.startMs, endMs: s.endMs });
  }));
  const shape: Shape = { roots, agents, missingParents: missing, ...(language ? { language } : {}) };
  if (e.summary.spanCount === spans) shapes.set(e, { spans, shape });
  return shape;
}

/** What the orphan analysis needs of a stored run. */
export async function runShape(e: TraceEntry, now: number): Promise<RunShape> {
  const shape = await spansShape(e);
  return {
    traceId: e.traceId, service: e.summary.service, ...shape,
    ...(e.summary.conversationId ? { conversationId: e.summary.conversationId } : {}),
    idleMs: now - e.lastActivityMs,
    ...(e.summary.orphanOf ? { orphanOf: e.summary.orphanOf } : {}),
    requestedToolCalls: () => requestedToolCalls(e),
  };
}

/** Orphans among the store's runs (or among `runs`: the ones a question concerns). */
export async function orphansOf(store: TraceStore, runs?: readonly TraceEntry[], now = Date.now()): Promise<Orphan[]> {
  const list = (runs ?? [...store.entries()]).filter((e) => e.summary.spanCount > 0);
  const out: RunShape[] = [];
  for (const e of list) {
    out.push(await runShape(e, now));
    if (out.length % 256 === 0) await turn();
  }
  // Runs that left meanwhile are left out.
  return findOrphans(out.filter((r) => store.get(r.traceId)));
}

/** A run's model calls with their content (tool links read first, a slice at a time). */
async function modelCallsOf(e: TraceEntry): Promise<ApiSpan[]> {
  await toolLinksReady(e);
  const content = spanContents(e);
  const out: ApiSpan[] = [];
  await drive(eachStep(e.spans.values(), (s) => { if (s.genai?.kind === 'llm') { const a = content(s.spanId); if (a) out.push(a); } }));
  return out;
}

/** The runs a run's orphans concern: itself, the runs placed in it, and the run it was placed in. */
function orphanCircle(store: TraceStore, e: TraceEntry): TraceEntry[] {
  const parent = e.summary.orphanOf ? store.get(e.summary.orphanOf.traceId) : undefined;
  return [e, ...store.piecesOf(e), ...(parent ? [parent] : [])];
}

/** A run's tree with the runs orphaned from it under their likely parent span; the grafted rows are listed. */
export function stitchedTree(store: TraceStore, e: TraceEntry, orphans: readonly Orphan[]): TraceTreeResponse & { stitched: string[] } {
  const base = treeResponse(e);
  const stitched: string[] = [];
  for (const o of orphans) {
    if (o.reason !== 'piece-of-run' || o.likely?.traceId !== e.traceId) continue;
    const piece = store.get(o.traceId);
    if (!piece) continue;
    for (const row of treeResponse(piece).rows) {
      base.rows.push(row[0] === o.spanId ? [row[0], o.likely.spanId, ...row.slice(2)] as typeof row : row);
      stitched.push(row[0]);
    }
  }
  return { ...base, stitched };
}

/** Answers the insight routes; false when the path is not one of them. */
export function handleInsights(req: IncomingMessage, url: URL, store: TraceStore, reply: Reply): boolean {
  const p = url.pathname;
  if (req.method !== 'GET') return false;
  // A 200 answer: its body is what the route table says the method returns (see api.ts's answer).
  const ok = <M extends UiMethod>(_method: M, body: UiMethods[M]['result']) => reply(200, body);
  // Routes that read a lot answer when their work is done; a failure there still gets its 500.
  const later = (work: Promise<void>) => { work.catch((err: Error) => reply(500, { error: err.message })); return true; };
  if (p === '/api/conversations' || p.startsWith('/api/conversations/')) {
    const rule = creepRuleOf((k) => url.searchParams.get(k));
    if ('error' in rule) { reply(400, { error: rule.error }); return true; }
    const summaries = [...store.entries()].map((e) => e.summary);
    if (p === '/api/conversations') { ok('listConversations', { conversations: conversationsList(summaries, rule) }); return true; }
    let id: string;
    try { id = decodeURIComponent(p.slice('/api/conversations/'.length)); } catch { reply(400, { error: 'the conversation id is not valid URL encoding' }); return true; }
    const runs = groupConversations(summaries).get(id);
    if (!runs) { reply(404, { error: `no conversation ${id}` }); return true; }
    // What grew in a creeping conversation is read from the model calls of two turns (the first and
    // the peak): only those spans, with their content, a slice at a time (it was each run's whole
    // JSON, made and parsed at once: seconds for a big run).
    const summary = conversationSummary(id, runs, rule);
    const turns = summary.creep ? [runs[0]!, runs[summary.creep.peakTurn - 1]!] : [];
    return later((async () => {
      const calls = new Map<string, TraceResponse>();
      for (const t of turns) { const e = store.get(t.traceId); if (e) calls.set(t.traceId, { summary: e.summary, spans: await modelCallsOf(e) } as TraceResponse); }
      ok('getConversation', conversationResponse(id, runs, (traceId) => calls.get(traceId), rule));
    })());
  }
  if (p === '/api/orphans') return later(orphansOf(store).then((orphans) => ok('listOrphans', { orphans })));
  const m = /^\/api\/traces\/([0-9a-fA-F]{32})\/(orphans|stitched|stitched\/spans\/([0-9a-fA-F]{16}))$/.exec(p);
  if (!m) return false;
  const id = m[1]!.toLowerCase();
  const e = store.get(id);
  if (!e || e.summary.spanCount === 0) { reply(404, { error: `no trace ${id}` }); return true; }
  // Opening a run asks this: only the runs its orphans concern are read.
  return later(orphansOf(store, orphanCircle(store, e)).then((orphans) => runOrphans(store, e, m, orphans, reply, ok)));
}

function runOrphans(store: TraceStore, e: TraceEntry, m: RegExpExecArray, orphans: Orphan[], reply: Reply, ok: <M extends UiMethod>(method: M, body: UiMethods[M]['result']) => void): void {
  const id = e.traceId;
  if (m[2] === 'orphans') {
    // This run's own orphaned steps, and the orphans that belong to it.
    ok('getOrphans', { orphans: orphans.filter((o) => o.traceId === id || o.likely?.traceId === id) });
  } else if (m[3]) {
    // A span of the stitched view: the run's own, or one of a run stitched into it.
    const spanId = m[3].toLowerCase();
    const owner = e.spans.has(spanId) ? e : orphans.filter((o) => o.likely?.traceId === id).map((o) => store.get(o.traceId)).find((x) => x?.spans.has(spanId));
    const out = owner ? spanResponse(owner, spanId) : undefined;
    if (out) ok('getSpan', out); else reply(404, { error: `no span ${spanId} in trace ${id} or the runs stitched into it` });
  } else {
    ok('getStitchedTree', stitchedTree(store, e, orphans));
  }
}
