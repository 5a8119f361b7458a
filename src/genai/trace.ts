// Trace-level GenAI views: which tool span ran which tool call of a model's output, and usage and
// cost per model. Pure functions over a trace's spans (parents first, as the API sends them).
import type { ApiSpan, GenAiView, ModelRollup, ToolCallLink } from '../protocol';
import { msOfNanos } from '../time';

interface Call { llmSpanId: string; id?: string; name: string; llmStartMs: number; taken: boolean }

const ms = msOfNanos;

/**
 * Links each tool span to the tool call in an LLM span's output that it ran: by call id when both
 * carry one; otherwise by tool name and order, taking the first unclaimed call of that name from
 * the latest LLM span that started before the tool span. Both spans get the link in `toolCalls`.
 */
export function linkToolCalls(spans: readonly ApiSpan[]): void {
  const calls: Call[] = [];
  const llmById = new Map<string, ApiSpan>();
  for (const s of spans) {
    const g = s.genai;
    if (g?.kind !== 'llm' || !g.outputMessages) continue;
    llmById.set(s.spanId, s);
    for (const m of g.outputMessages) {
      for (const p of m.parts) {
        if (p.type !== 'tool_call') continue;
        const part = p as { id?: string; name?: string };
        calls.push({ llmSpanId: s.spanId, id: part.id, name: String(part.name ?? ''), llmStartMs: ms(s.startTimeUnixNano), taken: false });
      }
    }
  }
  if (!calls.length) return;
  const byId = new Map<string, Call>();
  for (const c of calls) if (c.id) byId.set(c.id, c);
  const tools = spans.filter((s) => s.genai?.kind === 'tool').sort((a, b) => ms(a.startTimeUnixNano) - ms(b.startTimeUnixNano));
  const link = (tool: ApiSpan, c: Call, by: ToolCallLink['by']) => {
    c.taken = true;
    const l: ToolCallLink = { llmSpanId: c.llmSpanId, toolSpanId: tool.spanId, name: c.name, by };
    if (c.id) l.toolCallId = c.id;
    (tool.genai!.toolCalls ??= []).push(l);
    (llmById.get(c.llmSpanId)!.genai!.toolCalls ??= []).push(l);
  };
  const pending: ApiSpan[] = [];
  for (const t of tools) {
    const c = t.genai!.toolCallId ? byId.get(t.genai!.toolCallId) : undefined;
    if (c && !c.taken) link(t, c, 'call_id');
    else pending.push(t);
  }
  for (const t of pending) {
    const start = ms(t.startTimeUnixNano);
    const name = t.genai!.toolName;
    let best: Call | undefined;
    for (const c of calls) {
      if (c.taken || c.name !== name || c.llmStartMs > start) continue;
      if (!best || c.llmStartMs > best.llmStartMs) best = c;
    }
    // The latest LLM span's first unclaimed call of that name: calls are in output order.
    if (best) link(t, calls.find((c) => !c.taken && c.name === name && c.llmSpanId === best.llmSpanId)!, 'name_order');
  }
}

/** Usage and cost per model over the calls that count (each model call once). */
export function rollupByModel(spans: readonly { genai?: GenAiView | undefined }[]): ModelRollup[] {
  const by = new Map<string, ModelRollup>();
  for (const s of spans) {
    const g = s.genai;
    if (!g?.countsUsage || !g.usage) continue;
    const model = g.responseModel ?? g.requestModel ?? '(unknown model)';
    const key = `${g.provider ?? ''}\u0000${model}`;
    let r = by.get(key);
    if (!r) by.set(key, (r = { provider: g.provider ?? '', model, calls: 0, usage: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, reasoning: 0 }, costUsd: null, unpricedCalls: 0 }));
    r.calls++;
    r.usage.input += g.usage.input;
    r.usage.output += g.usage.output;
    r.usage.cacheRead += g.usage.cacheRead;
    r.usage.cacheCreation += g.usage.cacheCreation;
    r.usage.reasoning += g.usage.reasoning;
    if (g.costUsd === null || g.costUsd === undefined) r.unpricedCalls++;
    else r.costUsd = (r.costUsd ?? 0) + g.costUsd;
  }
  return [...by.values()].sort((a, b) => (b.costUsd ?? 0) - (a.costUsd ?? 0) || b.calls - a.calls);
}
