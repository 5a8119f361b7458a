// Conversations: runs that carry the same conversation id (gen_ai.conversation.id, OpenInference
// session.id, Traceloop association properties, Vercel AI telemetry metadata, Langfuse's session,
// LangGraph's thread: see genai/normalize.ts), as turns in start order, with token creep and,
// when it creeps, which part of the prompt grew. Pure: the server passes the runs in.
import type { ConversationResponse, ConversationSummary, ConversationTurn, Message, PromptGrowth, TraceResponse, TraceSummary } from '../protocol';
import { cmpNanos } from '../time';
import { creepOf, DEFAULT_CREEP, type CreepRule } from './creep';
import { addUsage, zeroUsage } from '../usage';


function turnOf(s: TraceSummary): ConversationTurn {
  return { traceId: s.traceId, rootName: s.rootName, ...(s.title ? { title: s.title } : {}), startTimeUnixNano: s.startTimeUnixNano, durationMs: s.durationMs, usage: s.usage,
    costUsd: s.costUsd, unpricedCalls: s.unpricedCalls, errorCount: s.errorCount, llmCalls: s.llmCalls };
}

/**
 * The runs of each conversation, in start order. An orphaned piece (a step that lost its trace
 * context, `orphanOf`) is part of the turn it belongs in, not a turn of its own: its tokens, cost,
 * calls and errors count in that turn (a copy of the turn's summary).
 */
export function groupConversations(runs: Iterable<TraceSummary>): Map<string, TraceSummary[]> {
  const all = [...runs].filter((r) => r.spanCount > 0);
  const ids = new Set(all.map((r) => r.traceId));
  const pieces = new Map<string, TraceSummary[]>();
  for (const r of all) {
    if (!r.orphanOf || !ids.has(r.orphanOf.traceId)) continue;
    const list = pieces.get(r.orphanOf.traceId);
    if (list) list.push(r); else pieces.set(r.orphanOf.traceId, [r]);
  }
  const by = new Map<string, TraceSummary[]>();
  for (const r of all) {
    if (!r.conversationId || (r.orphanOf && ids.has(r.orphanOf.traceId))) continue;
    let list = by.get(r.conversationId);
    if (!list) by.set(r.conversationId, (list = []));
    const mine = pieces.get(r.traceId);
    list.push(mine ? withPieces(r, mine) : r);
  }
  for (const list of by.values()) list.sort((a, b) => cmpNanos(a.startTimeUnixNano, b.startTimeUnixNano));
  return by;
}

/** A turn's summary with its orphaned pieces counted in. */
function withPieces(r: TraceSummary, pieces: readonly TraceSummary[]): TraceSummary {
  const out: TraceSummary = { ...r, usage: { ...r.usage } };
  for (const p of pieces) {
    addUsage(out.usage, p.usage);
    if (p.costUsd !== null) out.costUsd = (out.costUsd ?? 0) + p.costUsd;
    out.unpricedCalls += p.unpricedCalls;
    out.llmCalls += p.llmCalls;
    out.errorCount += p.errorCount;
    out.spanCount += p.spanCount;
    if (cmpNanos(p.endTimeUnixNano, out.endTimeUnixNano) > 0) out.endTimeUnixNano = p.endTimeUnixNano;
  }
  return out;
}

export function conversationSummary(id: string, runs: readonly TraceSummary[], rule: CreepRule = DEFAULT_CREEP): ConversationSummary {
  const usage = zeroUsage();
  let cost: number | null = null, errors = 0;
  for (const r of runs) {
    addUsage(usage, r.usage);
    if (r.costUsd !== null) cost = (cost ?? 0) + r.costUsd;
    errors += r.errorCount;
  }
  let end = runs[0]!.endTimeUnixNano;
  for (const r of runs) if (cmpNanos(r.endTimeUnixNano, end) > 0) end = r.endTimeUnixNano;
  const out: ConversationSummary = {
    id, service: runs[0]!.service, turns: runs.length, startTimeUnixNano: runs[0]!.startTimeUnixNano, endTimeUnixNano: end,
    usage, costUsd: cost, errorCount: errors,
  };
  const creep = creepOf(runs.map((r) => r.usage.input), rule);
  if (creep) out.creep = creep;
  return out;
}

export function conversationsList(runs: Iterable<TraceSummary>, rule: CreepRule = DEFAULT_CREEP): ConversationSummary[] {
  return [...groupConversations(runs)].map(([id, list]) => conversationSummary(id, list, rule))
    .sort((a, b) => cmpNanos(b.endTimeUnixNano, a.endTimeUnixNano));
}

/**
 * One conversation in full. `traceOf` gives a turn's run with content, for the prompt's growth
 * between the first turn and the peak (only asked when it creeps).
 */
export function conversationResponse(id: string, runs: readonly TraceSummary[], traceOf: (traceId: string) => TraceResponse | undefined, rule: CreepRule = DEFAULT_CREEP): ConversationResponse {
  const summary = conversationSummary(id, runs, rule);
  const out: ConversationResponse = { summary, creepRatio: rule.ratio, creepSteadyRatio: rule.steadyRatio, turns: runs.map(turnOf) };
  if (summary.creep) {
    const base = runs[0]!, peakRun = runs[summary.creep.peakTurn - 1]!;
    if (peakRun.llmCalls !== base.llmCalls) out.calls = { from: base.llmCalls, to: peakRun.llmCalls };
    const first = traceOf(base.traceId), peak = traceOf(peakRun.traceId);
    if (first && peak) {
      const a = promptParts(first), b = promptParts(peak);
      if (a && b) {
        out.growth = (Object.keys(a) as PromptGrowth['part'][]).map((part) => ({ part, from: a[part], to: b[part] }))
          .filter((g) => g.to > g.from).sort((x, y) => (y.to - y.from) - (x.to - x.from));
      }
    }
  }
  return out;
}

/**
 * The characters of each part of the prompt a run's model calls were sent, per call (each call
 * counted once), so that turns with more calls compare like with like: the system prompt, the
 * user's new input (the last user message of a call), the history (earlier user and assistant
 * messages) and tool results. Undefined when no call carried its messages (content capture off).
 */
export function promptParts(t: TraceResponse): Record<PromptGrowth['part'], number> | undefined {
  const parts: Record<PromptGrowth['part'], number> = { 'system prompt': 0, history: 0, 'tool results': 0, 'user input': 0 };
  let calls = 0;
  for (const s of t.spans) {
    const g = s.genai;
    if (g?.kind !== 'llm' || g.countsUsage === false || !(g.inputMessages?.length || g.systemInstructions?.length)) continue;
    calls++;
    parts['system prompt'] += chars(g.systemInstructions ?? []);
    const msgs = g.inputMessages ?? [];
    const lastUser = lastIndex(msgs, (m) => m.role === 'user');
    msgs.forEach((m, i) => {
      if (m.role === 'system') parts['system prompt'] += chars(m.parts);
      else if (m.role === 'tool' || m.parts.some((p) => p.type === 'tool_call_response')) parts['tool results'] += chars(m.parts);
      else if (i === lastUser) parts['user input'] += chars(m.parts);
      else parts.history += chars(m.parts);
    });
  }
  if (!calls) return undefined;
  for (const k of Object.keys(parts) as PromptGrowth['part'][]) parts[k] = Math.round(parts[k] / calls);
  return parts;
}

function lastIndex(msgs: readonly Message[], f: (m: Message) => boolean): number {
  for (let i = msgs.length - 1; i >= 0; i--) if (f(msgs[i]!)) return i;
  return -1;
}

function chars(parts: readonly unknown[]): number {
  let n = 0;
  for (const p of parts) {
    const o = p as Record<string, unknown>;
    if (typeof o.content === 'string') n += o.content.length;
    else if (o.type === 'tool_call') n += JSON.stringify(o.arguments ?? '').length + String(o.name ?? '').length;
    else if (o.type === 'tool_call_response') n += typeof o.response === 'string' ? o.response.length : JSON.stringify(o.response ?? '').length;
    else n += JSON.stringify(o).length;
  }
  return n;
}
