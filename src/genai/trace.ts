// Trace-level GenAI views: which tool span ran which tool call of a model's output, and usage and
// cost per model. Pure functions over a trace's spans (parents first, as the API sends them).
import type { ApiSpan, GenAiView, ModelRollup, ToolCallLink } from '../protocol';
import { msOfNanos } from '../time';
import { addUsage, zeroUsage } from '../usage';
import { runNow } from '../slices';

interface Call { llmSpanId: string; id?: string; name: string; llmStartMs: number; taken: boolean }

const ms = msOfNanos;
/** Spans between steps of the stepwise forms. */
const EVERY = 2048;

/**
 * Links each tool span to the tool call in an LLM span's output that it ran: by call id when both
 * carry one; otherwise by tool name and order, taking the first unclaimed call of that name from
 * the latest LLM span that started before the tool span. Both spans get the link in `toolCalls`.
 */
export function linkToolCalls(spans: readonly ApiSpan[]): void {
  runNow(linkToolCallsSteps(spans));
}

/** `linkToolCalls` as a stepwise computation (src/slices.ts): a step every few thousand spans. */
export function* linkToolCallsSteps(spans: readonly ApiSpan[]): Generator<void, void> {
  const calls: Call[] = [];
  const llmById = new Map<string, ApiSpan>();
  let n = 0;
  for (const s of spans) {
    if (++n % EVERY === 0) yield;
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
  yield;
  for (const t of tools) {
    if (++n % EVERY === 0) yield;
    const c = t.genai!.toolCallId ? byId.get(t.genai!.toolCallId) : undefined;
    if (c && !c.taken) link(t, c, 'call_id');
    else pending.push(t);
  }
  for (const t of pending) {
    if (++n % EVERY === 0) yield;
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
  const r = new ModelRollups();
  for (const s of spans) r.add(s.genai);
  return r.result();
}

/** `rollupByModel` a call at a time (a run's tree adds each model call as its row is written). */
export class ModelRollups {
  private readonly by = new Map<string, ModelRollup>();

  add(g: GenAiView | undefined): void {
    if (!g?.countsUsage || !g.usage) return;
    const model = g.responseModel ?? g.requestModel ?? '(unknown model)';
    const key = `${g.provider ?? ''}\u0000${model}`;
    let r = this.by.get(key);
    if (!r) this.by.set(key, (r = { provider: g.provider ?? '', model, calls: 0, usage: zeroUsage(), costUsd: null, unpricedCalls: 0 }));
    r.calls++;
    addUsage(r.usage, g.usage);
    if (g.costUsd === null || g.costUsd === undefined) r.unpricedCalls++;
    else r.costUsd = (r.costUsd ?? 0) + g.costUsd;
  }

  result(): ModelRollup[] {
    return [...this.by.values()].sort((a, b) => (b.costUsd ?? 0) - (a.costUsd ?? 0) || b.calls - a.calls);
  }
}

/** What a linked model call says about one tool execution: the arguments it asked with, the response it got back. */
export interface CallContent { arguments?: unknown; response?: unknown; from: string }

/**
 * Per tool span: the arguments of the tool call that asked for it (in the linked model call's
 * output) and the response a later model call was given for it (a tool message with the call's
 * id). Spans as linkToolCalls left them.
 */
export function toolCallContent(spans: readonly ApiSpan[]): Map<string, CallContent> {
  return runNow(toolCallContentSteps(spans));
}

/** `toolCallContent` as a stepwise computation: a step every few thousand spans. */
export function* toolCallContentSteps(spans: readonly ApiSpan[]): Generator<void, Map<string, CallContent>> {
  const byId = new Map<string, ApiSpan>();
  let n = 0;
  for (const s of spans) { byId.set(s.spanId, s); if (++n % EVERY === 0) yield; }
  const responses = new Map<string, unknown>();
  for (const s of spans) {
    if (++n % EVERY === 0) yield;
    for (const m of s.genai?.kind === 'llm' ? s.genai.inputMessages ?? [] : []) {
      for (const p of m.parts) {
        const id = (p as { id?: string }).id;
        if (p.type === 'tool_call_response' && id && !responses.has(id)) responses.set(id, (p as { response?: unknown }).response);
      }
    }
  }
  const out = new Map<string, CallContent>();
  for (const s of spans) {
    if (++n % EVERY === 0) yield;
    if (s.genai?.kind !== 'tool') continue;
    const link = s.genai.toolCalls?.[0];
    const llm = link && byId.get(link.llmSpanId);
    if (!link || !llm) continue;
    const calls = (llm.genai?.outputMessages ?? []).flatMap((m) => m.parts.filter((p) => p.type === 'tool_call')) as { id?: string; name: string; arguments?: unknown }[];
    const call = link.toolCallId ? calls.find((c) => c.id === link.toolCallId) : calls.filter((c) => c.name === link.name)[llmLinkIndex(spans, s, link)];
    const c: CallContent = { from: llm.name };
    if (call?.arguments !== undefined) c.arguments = call.arguments;
    const id = link.toolCallId ?? call?.id;
    if (id && responses.has(id)) c.response = responses.get(id);
    out.set(s.spanId, c);
  }
  return out;
}

/** Which of the model call's same-named tool calls this tool span ran (links by name go in order). */
function llmLinkIndex(spans: readonly ApiSpan[], tool: ApiSpan, link: ToolCallLink): number {
  const same = spans.filter((s) => {
    const l = s.genai?.kind === 'tool' ? s.genai.toolCalls?.[0] : undefined;
    return l && l.llmSpanId === link.llmSpanId && l.name === link.name;
  }).sort((a, b) => ms(a.startTimeUnixNano) - ms(b.startTimeUnixNano));
  return same.indexOf(tool);
}

/**
 * Fills a tool step's arguments and result from what the model call said, where the tool span
 * itself has none, or only a bare value where the call has named arguments (LangGraph records a
 * one-parameter tool's input as the bare string). Says where each was taken from.
 */
export function borrowToolContent(g: GenAiView, c: CallContent | undefined): void {
  if (!c) return;
  const notes = g.notes ?? [];
  const own = g.toolArguments;
  const named = c.arguments !== null && typeof c.arguments === 'object';
  if (c.arguments !== undefined && (own === undefined || (named && (own === null || typeof own !== 'object')))) {
    g.toolArguments = c.arguments;
    notes.push(own === undefined ? `arguments taken from the model's tool call (${c.from})`
      : `arguments taken from the model's tool call (${c.from}); the tool span recorded ${JSON.stringify(own).slice(0, 80)}`);
  }
  if (g.toolResult === undefined && c.response !== undefined) {
    g.toolResult = c.response;
    notes.push('result taken from the tool message the next model call was given');
  }
  if (g.toolArguments !== undefined || g.toolResult !== undefined) {
    if (g.contentCaptured === false) delete g.contentCaptured;
    const i = notes.findIndex((n) => n.startsWith('tool content was not captured'));
    if (i >= 0) notes.splice(i, 1);
  }
  if (notes.length) g.notes = notes;
}
