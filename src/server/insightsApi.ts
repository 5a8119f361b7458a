// The insights under /api: conversations and token creep, orphaned steps and the stitched view of
// a run with its orphans under their likely parent (a view: the stored runs do not change).
import type { IncomingMessage } from 'node:http';
import type { TraceStore } from '../store/store';
import type { TraceEntry } from '../store/traceEntry';
import { requestedToolCalls, spanResponse, traceResponse, treeResponse } from '../store/views';
import { conversationResponse, conversationsList, groupConversations } from '../analysis/conversations';
import { creepRuleOf } from '../analysis/creep';
import { findOrphans, type RunShape } from '../analysis/orphans';
import { attrMap, getStr } from '../genai/attrs';
import type { Orphan, TraceTreeResponse } from '../protocol';

type Reply = (status: number, body: unknown) => void;

/** What the orphan analysis needs of a stored run. */
export function runShape(e: TraceEntry, now: number): RunShape {
  const roots: RunShape['roots'] = [], agents: RunShape['agents'] = [], missing: RunShape['missingParents'] = [];
  const first = e.spans.values().next().value;
  const language = first ? getStr(attrMap(first.resource.attributes), 'telemetry.sdk.language') : undefined;
  for (const s of e.spans.values()) {
    const g = s.genai;
    if (!s.parentSpanId) roots.push({ spanId: s.spanId, name: s.name, kind: g?.kind ?? 'span', ...(g?.toolCallId ? { toolCallId: g.toolCallId } : {}), startMs: s.startMs });
    else if (!e.spans.has(s.parentSpanId)) missing.push({ spanId: s.spanId, name: s.name, parentSpanId: s.parentSpanId });
    if (g?.kind === 'agent') agents.push({ spanId: s.spanId, name: s.name, startMs: s.startMs, endMs: s.endMs });
  }
  return {
    traceId: e.traceId, service: e.summary.service, ...(language ? { language } : {}),
    ...(e.summary.conversationId ? { conversationId: e.summary.conversationId } : {}),
    roots, agents, missingParents: missing, idleMs: now - e.lastActivityMs,
    ...(e.summary.orphanOf ? { orphanOf: e.summary.orphanOf } : {}),
    requestedToolCalls: () => requestedToolCalls(e),
  };
}

/** Orphans among the store's runs; `service`: only that service's runs (a piece and its parent share one: what one run needs). */
export function orphansOf(store: TraceStore, service?: string, now = Date.now()): Orphan[] {
  return findOrphans([...store.entries()].filter((e) => e.summary.spanCount > 0 && (service === undefined || e.summary.service === service)).map((e) => runShape(e, now)));
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
  if (p === '/api/conversations' || p.startsWith('/api/conversations/')) {
    const rule = creepRuleOf((k) => url.searchParams.get(k));
    if ('error' in rule) { reply(400, { error: rule.error }); return true; }
    const summaries = [...store.entries()].map((e) => e.summary);
    if (p === '/api/conversations') { reply(200, { conversations: conversationsList(summaries, rule) }); return true; }
    let id: string;
    try { id = decodeURIComponent(p.slice('/api/conversations/'.length)); } catch { reply(400, { error: 'the conversation id is not valid URL encoding' }); return true; }
    const runs = groupConversations(summaries).get(id);
    if (!runs) { reply(404, { error: `no conversation ${id}` }); return true; }
    reply(200, conversationResponse(id, runs, (traceId) => { const e = store.get(traceId); return e ? traceResponse(e) : undefined; }, rule));
    return true;
  }
  if (p === '/api/orphans') { reply(200, { orphans: orphansOf(store) }); return true; }
  const m = /^\/api\/traces\/([0-9a-fA-F]{32})\/(orphans|stitched|stitched\/spans\/([0-9a-fA-F]{16}))$/.exec(p);
  if (!m) return false;
  const id = m[1]!.toLowerCase();
  const e = store.get(id);
  if (!e || e.summary.spanCount === 0) { reply(404, { error: `no trace ${id}` }); return true; }
  // Opening a run asks this: only its own service's runs are read.
  const orphans = orphansOf(store, e.summary.service);
  if (m[2] === 'orphans') {
    // This run's own orphaned steps, and the orphans that belong to it.
    reply(200, { orphans: orphans.filter((o) => o.traceId === id || o.likely?.traceId === id) });
  } else if (m[3]) {
    // A span of the stitched view: the run's own, or one of a run stitched into it.
    const spanId = m[3].toLowerCase();
    const owner = e.spans.has(spanId) ? e : orphans.filter((o) => o.likely?.traceId === id).map((o) => store.get(o.traceId)).find((x) => x?.spans.has(spanId));
    const out = owner ? spanResponse(owner, spanId) : undefined;
    if (out) reply(200, out); else reply(404, { error: `no span ${spanId} in trace ${id} or the runs stitched into it` });
  } else {
    reply(200, stitchedTree(store, e, orphans));
  }
  return true;
}
