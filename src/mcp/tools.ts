// The runs as tools for an assistant (issue 27): the same surface for the MCP server (`agent-lens
// mcp`, src/mcp/server.ts) and the editor's language-model tools. Each tool has a JSON schema and a
// description written for a model; each answers in compact text within a budget (about 8k tokens,
// `maxTokens` to change) and says when it cut and how to page. They only read: nothing writes,
// deletes or spends money. Editor-free: a tool is given a `get` for the trace server's API.
import { fmtMs, fmtUsdExact } from '../format';
import { cmpNanos, durationMs, msOfNanos } from '../time';
import { inputTokens } from '../usage';
import { treeSpansOfRows, type ConversationResponse, type GenAiView, type Usage, type Orphan, type RunDiff, type SiteRollup, type SpanDetailResponse, type TraceListResponse, type TraceSummary, type TraceTreeResponse, type TreeSpan } from '../protocol';

/** GET a path of the trace server's API (with its token), its JSON; throws with the server's message. */
export type ApiGet = <T>(path: string) => Promise<T>;

export interface ToolDef {
  name: string;
  description: string;
  inputSchema: { type: 'object'; properties: Record<string, unknown>; required?: string[]; additionalProperties: false };
}

/** A tool's answer: text for the model; `isError` when the input was wrong or the run is not there (what to do is said). */
export interface ToolAnswer { text: string; isError?: boolean }

/** The default budget, in tokens (about 4 characters each). */
export const DEFAULT_MAX_TOKENS = 8000;
const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;

const maxTokens = { type: 'integer', minimum: 200, maximum: 100_000, description: `How long the answer may be, in tokens (default ${DEFAULT_MAX_TOKENS}).` };
const traceId = { type: 'string', pattern: '^[0-9a-fA-F]{32}$', description: 'The run\'s trace id (32 hexadecimal digits), as list_runs gives it.' };
const spanId = { type: 'string', pattern: '^[0-9a-fA-F]{16}$', description: 'The step\'s span id (16 hexadecimal digits), as get_run gives it.' };
const offset = { type: 'integer', minimum: 0, description: 'Where to start (the number a cut answer gives), for the next page.' };
const schema = (properties: Record<string, unknown>, required: string[] = []): ToolDef['inputSchema'] => ({ type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false });

export const TOOLS: ToolDef[] = [
  { name: 'list_runs', description: 'List the agent runs Agent Lens recorded from the developer\'s app, newest first: id, when, service, agent, question, steps, model calls, tokens, cost, errors. Filter by service, agent, text in the run, failed only, or since a time.',
    inputSchema: schema({ service: { type: 'string', description: 'Only runs of this service.' }, agent: { type: 'string', description: 'Only runs with this agent.' },
      text: { type: 'string', description: 'Only runs whose content contains this text (prompts, outputs, names).' }, failedOnly: { type: 'boolean', description: 'Only runs with a failed step they did not recover from.' },
      since: { type: 'string', description: 'Only runs started at or after this time (ISO 8601, or minutes ago as "30m", hours as "2h").' },
      limit: { type: 'integer', minimum: 1, maximum: 500, description: 'At most this many runs (default 20).' }, offset, maxTokens }) },
  { name: 'get_run', description: 'One run as a compact tree of its steps: number, kind (agent, llm, tool…), name, duration, tokens, cost, error, source file:line and span id. Long runs are cut: the answer says the offset to ask for next.',
    inputSchema: schema({ traceId, offset, maxTokens }, ['traceId']) },
  { name: 'get_step', description: 'One step whole: a model call\'s system prompt, messages, output, tool calls, tokens and cost; a tool\'s arguments and result; its error, attributes and source location.',
    inputSchema: schema({ traceId, spanId, maxTokens }, ['traceId', 'spanId']) },
  { name: 'find_steps', description: 'Steps of a run that match: by text in their content, kind, tool name, model, failed only; or the slowest or most expensive first.',
    inputSchema: schema({ traceId, text: { type: 'string' }, kind: { type: 'string', enum: ['agent', 'llm', 'tool', 'embeddings', 'retrieval', 'workflow', 'other'] },
      tool: { type: 'string' }, model: { type: 'string' }, failedOnly: { type: 'boolean' }, sort: { type: 'string', enum: ['time', 'slowest', 'costliest'], description: 'Order (default: as they ran).' },
      limit: { type: 'integer', minimum: 1, maximum: 1000 }, maxTokens }, ['traceId']) },
  { name: 'explain_failure', description: 'Why a run failed: each failed step with its error, the model call that led to it (what the model asked for) and the code location.',
    inputSchema: schema({ traceId, maxTokens }, ['traceId']) },
  { name: 'cost_by_line', description: 'Token and cost totals by the source line that made model calls (and tools), for one file or the whole workspace: calls, tokens, cost, latency, errors, models.',
    inputSchema: schema({ file: { type: 'string', description: 'A file path as the telemetry names it, or its tail (e.g. "agent/planner.py"); all files when absent.' }, maxTokens }) },
  { name: 'conversation', description: 'A multi-turn conversation (its id, or a run of it): each turn\'s input tokens, how they grow (token creep) and what grew.',
    inputSchema: schema({ id: { type: 'string', description: 'The conversation id (gen_ai.conversation.id), or a trace id of one of its runs.' }, maxTokens }, ['id']) },
  { name: 'diff_runs', description: 'Two runs compared step by step: steps only in one, changed prompts and outputs, token, cost and latency deltas. Long runs come a page of aligned steps at a time.',
    inputSchema: schema({ a: traceId, b: traceId, offset, maxTokens }, ['a', 'b']) },
  { name: 'orphans', description: 'Steps whose trace context was lost (they arrived as runs of their own): each with its likely parent run and step, why, and how to fix the context propagation.',
    inputSchema: schema({ traceId: { ...traceId, description: 'Only the orphans of this run (default: all).' }, maxTokens }) },
];

// ---- formatting ----

/** Cost as a model reads it: exact (genai-prices' figure to 6 digits), or that no price is known. */
const fmtCost = (v: number | null | undefined) => (v === null || v === undefined ? 'no price' : v === 0 ? '$0' : fmtUsdExact(v));
const durMs = (s: { startTimeUnixNano: string; endTimeUnixNano: string }) => durationMs(s.startTimeUnixNano, s.endTimeUnixNano);
const iso = (nanos: string) => new Date(msOfNanos(nanos)).toISOString();
const oneLine = (s: string, n = 160) => { const t = s.replace(/\s+/g, ' ').trim(); return t.length > n ? `${t.slice(0, n - 1)}…` : t; };
const inOut = (u: Usage) => `${inputTokens(u)} in / ${u.output} out`;
const tokens = (g: GenAiView | undefined) => (g?.usage ? inOut(g.usage) : '');
const where = (g: GenAiView | undefined) => { const s = g?.source?.[0]; return s ? `${s.path}:${s.line}` : ''; };

/** Lines within the budget: the first ones that fit, and a last line saying what was cut and how to page. */
function budget(lines: string[], max: number, next: (shown: number) => string): string {
  const chars = max * 4;
  let used = 0;
  let n = 0;
  for (; n < lines.length; n++) {
    if (used + lines[n]!.length + 1 > chars && n > 0) break;
    used += lines[n]!.length + 1;
  }
  const out = lines.slice(0, n);
  if (n < lines.length) out.push(`[cut: ${lines.length - n} more lines past the ${max}-token budget; ${next(n)}]`);
  return out.join('\n');
}

function summaryLine(s: TraceSummary): string {
  const errs = s.errorCount ? `, ${s.errorCount} error${s.errorCount === 1 ? '' : 's'}${s.recoveredErrors ? ` (${s.recoveredErrors} recovered)` : ''}` : '';
  return `${s.traceId}  ${iso(s.startTimeUnixNano)}  ${s.service}${s.agentNames.length ? ` / ${s.agentNames.join(', ')}` : ''}  "${oneLine(s.title ?? s.rootName, 100)}"  ${s.spanCount} steps, ${s.llmCalls} model calls, ${inOut(s.usage)} tokens, ${fmtCost(s.costUsd)}${s.unpricedCalls ? ` (+${s.unpricedCalls} unpriced)` : ''}, ${fmtMs(s.durationMs)}${errs}`;
}

const failedUnrecovered = (s: TraceSummary) => s.errorCount > (s.recoveredErrors ?? 0);

function sinceMs(v: string): number | undefined {
  const rel = /^(\d+(?:\.\d+)?)\s*([mhd])$/.exec(v.trim());
  if (rel) return Date.now() - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 'm' | 'h' | 'd'];
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/** The run's steps in tree order (parents before children, siblings by start), with their depth. */
function treeOrder(spans: TreeSpan[]): { s: TreeSpan; depth: number }[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const kids = new Map<string, TreeSpan[]>();
  const roots: TreeSpan[] = [];
  for (const s of spans) {
    if (s.parentSpanId && ids.has(s.parentSpanId)) { const k = kids.get(s.parentSpanId) ?? []; k.push(s); kids.set(s.parentSpanId, k); } else roots.push(s);
  }
  const byStart = (a: TreeSpan, b: TreeSpan) => cmpNanos(a.startTimeUnixNano, b.startTimeUnixNano);
  const out: { s: TreeSpan; depth: number }[] = [];
  const stack: { s: TreeSpan; depth: number }[] = roots.sort(byStart).reverse().map((s) => ({ s, depth: 0 }));
  while (stack.length) {
    const top = stack.pop()!;
    out.push(top);
    for (const k of (kids.get(top.s.spanId) ?? []).sort(byStart).reverse()) stack.push({ s: k, depth: top.depth + 1 });
  }
  return out;
}

function stepLine(n: number, s: TreeSpan, depth: number): string {
  const g = s.genai;
  const parts = [`${'  '.repeat(Math.min(depth, 20))}${n}. [${g?.kind ?? 'span'}] ${s.name}`, fmtMs(durMs(s))];
  const tok = tokens(g);
  if (tok) parts.push(tok, fmtCost(g?.costUsd));
  if (g?.argsPreview) parts.push(`args ${oneLine(g.argsPreview, 80)}`);
  if (s.status?.code === 2 || g?.error) parts.push(`ERROR ${oneLine(g?.error ?? s.status?.message ?? 'error', 120)}`);
  const at = where(g);
  if (at) parts.push(`at ${at}`);
  parts.push(`span ${s.spanId}`);
  return parts.join(' · ');
}

function contentText(v: unknown, max = 4000): string {
  const t = typeof v === 'string' ? v : JSON.stringify(v);
  return t.length > max ? `${t.slice(0, max)}… [${t.length - max} more characters: get_step with a larger maxTokens]` : t;
}

function messagesText(label: string, msgs: GenAiView['inputMessages']): string[] {
  if (!msgs?.length) return [];
  const out = [`${label}:`];
  for (const m of msgs) for (const p of m.parts) {
    if (p.type === 'text' || p.type === 'reasoning') out.push(`  [${m.role}${p.type === 'reasoning' ? ' reasoning' : ''}] ${contentText((p as { content: string }).content)}`);
    else if (p.type === 'tool_call') out.push(`  [${m.role} → tool call] ${(p as { name: string }).name}(${contentText((p as { arguments?: unknown }).arguments ?? {}, 1000)})${(p as { id?: string }).id ? ` id ${(p as { id?: string }).id}` : ''}`);
    else if (p.type === 'tool_call_response') out.push(`  [tool result${(p as { id?: string }).id ? ` for ${(p as { id?: string }).id}` : ''}] ${contentText((p as { response?: unknown }).response, 2000)}`);
  }
  return out;
}

// ---- the tools ----

type Args = Record<string, unknown>;
const str = (a: Args, k: string) => (typeof a[k] === 'string' ? (a[k] as string) : undefined);
const num = (a: Args, k: string) => (typeof a[k] === 'number' && Number.isFinite(a[k]) ? (a[k] as number) : undefined);
const fail = (text: string): ToolAnswer => ({ text, isError: true });

function idArg(a: Args, k: string, re: RegExp, what: string): string | ToolAnswer {
  const v = str(a, k)?.trim().toLowerCase();
  if (!v) return fail(`${k} is required: ${what}`);
  if (!re.test(v)) return fail(`${k} "${str(a, k)}" is not ${what}`);
  return v;
}

async function tree(get: ApiGet, id: string): Promise<{ summary: TraceSummary; spans: TreeSpan[] }> {
  const t = await get<TraceTreeResponse>(`/api/traces/${id}/tree`);
  return { summary: t.summary, spans: treeSpansOfRows(t.rows) };
}

/** Runs a tool; a wrong input or a missing run is a tool error a model can act on, never a throw. */
export async function runTool(name: string, args: Args | undefined, get: ApiGet): Promise<ToolAnswer> {
  const a = args ?? {};
  const max = Math.max(200, Math.min(100_000, Math.floor(num(a, 'maxTokens') ?? DEFAULT_MAX_TOKENS)));
  try {
    switch (name) {
      case 'list_runs': {
        const limit = Math.max(1, Math.min(500, Math.floor(num(a, 'limit') ?? 20)));
        const since = str(a, 'since');
        const from = since === undefined ? undefined : sinceMs(since);
        if (since !== undefined && from === undefined) return fail(`since "${since}" is not a time: give ISO 8601 (2026-12-07T10:00:00Z) or minutes/hours/days ago ("30m", "2h", "1d")`);
        const skip = Math.max(0, Math.floor(num(a, 'offset') ?? 0));
        const qs = new URLSearchParams({ limit: '10000' });
        if (str(a, 'service')) qs.set('service', str(a, 'service')!);
        if (str(a, 'text')) qs.set('q', str(a, 'text')!);
        const list = await get<TraceListResponse>(`/api/traces?${qs}`);
        const agent = str(a, 'agent');
        const runs = list.traces.filter((s) => (!agent || s.agentNames.includes(agent)) && (a.failedOnly !== true || failedUnrecovered(s))
          && (from === undefined || msOfNanos(s.startTimeUnixNano) >= from));
        const page = runs.slice(skip, skip + limit);
        if (!page.length) return { text: runs.length ? `No runs past offset ${skip} (${runs.length} match).` : `No runs match (the receiver holds ${list.total} in all).` };
        const more = runs.length > skip + page.length ? ` Call list_runs with offset=${skip + page.length} for the next ones.` : '';
        return { text: budget([`Runs ${skip + 1}–${skip + page.length} of ${runs.length} that match, newest first (${list.total} held).${more}`, ...page.map(summaryLine)], max, (n) => `call list_runs with offset=${skip + n - 1} (or a filter)`) };
      }
      case 'get_run': {
        const id = idArg(a, 'traceId', TRACE_ID, 'a trace id (32 hexadecimal digits, from list_runs)');
        if (typeof id !== 'string') return id;
        const { summary, spans } = await tree(get, id);
        const start = Math.floor(num(a, 'offset') ?? 0);
        const order = treeOrder(spans);
        const lines = order.slice(start).map((x, i) => stepLine(start + i + 1, x.s, x.depth));
        const head = [summaryLine(summary), `steps ${start + 1}–${order.length} of ${order.length} (tree order; indented under their parent):`];
        return { text: budget([...head, ...lines], max, (n) => `call get_run with offset=${start + n - head.length} for the next steps`) };
      }
      case 'get_step': {
        const id = idArg(a, 'traceId', TRACE_ID, 'a trace id (32 hexadecimal digits)');
        if (typeof id !== 'string') return id;
        const sid = idArg(a, 'spanId', SPAN_ID, 'a span id (16 hexadecimal digits, from get_run)');
        if (typeof sid !== 'string') return sid;
        const d = await get<SpanDetailResponse>(`/api/traces/${id}/spans/${sid}`);
        const s = d.span;
        const g = s.genai;
        const lines = [`[${g?.kind ?? 'span'}] ${s.name} · ${fmtMs(durMs(s))} · span ${s.spanId}${s.parentSpanId ? ` · parent ${s.parentSpanId}` : ''}`];
        if (g?.requestModel || g?.responseModel) lines.push(`model: ${g.requestModel ?? ''}${g.responseModel && g.responseModel !== g.requestModel ? ` → ${g.responseModel}` : ''}${g.provider ? ` (${g.provider})` : ''}`);
        if (g?.usage) lines.push(`tokens: ${g.usage.input} in (+${g.usage.cacheRead} cached read, +${g.usage.cacheCreation} cache write), ${g.usage.output} out (${g.usage.reasoning} reasoning); cost ${fmtCost(g.costUsd)}${g.cost?.note ? ` (${g.cost.note})` : ''}`);
        if (s.status.code === 2 || g?.error) lines.push(`ERROR: ${g?.error ?? s.status.message}${s.status.message && s.status.message !== g?.error ? ` (${s.status.message})` : ''}`);
        for (const e of s.events.filter((e) => e.name === 'exception')) {
          const m = e.attributes.find((x) => x.key === 'exception.message')?.value as { stringValue?: string } | undefined;
          if (m?.stringValue) lines.push(`exception: ${contentText(m.stringValue, 2000)}`);
        }
        if (g?.systemInstructions?.length) lines.push(...messagesText('system', [{ role: 'system', parts: g.systemInstructions }]));
        lines.push(...messagesText('input', g?.inputMessages), ...messagesText('output', g?.outputMessages));
        if (g?.toolName) lines.push(`tool: ${g.toolName}${g.toolCallId ? ` (call ${g.toolCallId})` : ''}`, `arguments: ${contentText(g.toolArguments ?? '(not recorded)')}`, `result: ${contentText(g.toolResult ?? '(not recorded)')}`);
        for (const src of g?.source ?? []) lines.push(`source: ${src.path}:${src.line}${src.function ? ` in ${src.function}` : ''} (${src.how})`);
        if (g?.notes?.length) lines.push(...g.notes.map((n) => `note: ${n}`));
        lines.push('attributes:', ...s.attributes.map((x) => `  ${x.key} = ${oneLine(contentText(Object.values(x.value ?? {})[0] ?? '', 300), 300)}`));
        return { text: budget(lines, max, () => 'call get_step with a larger maxTokens') };
      }
      case 'find_steps': {
        const id = idArg(a, 'traceId', TRACE_ID, 'a trace id (32 hexadecimal digits)');
        if (typeof id !== 'string') return id;
        const { spans } = await tree(get, id);
        const order = treeOrder(spans);
        const index = new Map(order.map((x, i) => [x.s.spanId, i + 1]));
        let found = order.map((x) => x.s);
        const text = str(a, 'text');
        if (text) {
          const hits = new Set((await get<{ spanIds: string[] }>(`/api/traces/${id}/search?q=${encodeURIComponent(text)}`)).spanIds);
          found = found.filter((s) => hits.has(s.spanId));
        }
        const kind = str(a, 'kind'), tool = str(a, 'tool'), model = str(a, 'model');
        if (kind) found = found.filter((s) => s.genai?.kind === kind);
        if (tool) found = found.filter((s) => s.genai?.kind === 'tool' && (s.genai.toolName === tool || s.name.includes(tool)));
        if (model) found = found.filter((s) => (s.genai?.requestModel ?? '').includes(model) || (s.genai?.responseModel ?? '').includes(model));
        if (a.failedOnly === true) found = found.filter((s) => s.status?.code === 2 || !!s.genai?.error);
        if (a.sort === 'slowest') found.sort((x, y) => durMs(y) - durMs(x));
        if (a.sort === 'costliest') found.sort((x, y) => (y.genai?.costUsd ?? -1) - (x.genai?.costUsd ?? -1));
        const limit = Math.max(1, Math.min(1000, Math.floor(num(a, 'limit') ?? 50)));
        if (!found.length) return { text: 'No step of this run matches.' };
        return { text: budget([`${found.length} step${found.length === 1 ? '' : 's'} match${found.length > limit ? ` (the first ${limit})` : ''}:`, ...found.slice(0, limit).map((s) => stepLine(index.get(s.spanId)!, s, 0))], max, () => 'narrow the filter or lower limit') };
      }
      case 'explain_failure': {
        const id = idArg(a, 'traceId', TRACE_ID, 'a trace id (32 hexadecimal digits)');
        if (typeof id !== 'string') return id;
        const { summary, spans } = await tree(get, id);
        const order = treeOrder(spans).map((x) => x.s);
        const failed = order.filter((s) => s.status?.code === 2 || !!s.genai?.error);
        if (!failed.length) return { text: `${summaryLine(summary)}\nNo step failed in this run. If its answer was wrong, compare it with a good run (diff_runs) or read its model calls (find_steps kind=llm).` };
        const byId = new Map(spans.map((s) => [s.spanId, s]));
        const lines = [summaryLine(summary), `${failed.length} failed step${failed.length === 1 ? '' : 's'}:`];
        for (const s of failed) {
          lines.push('', stepLine(order.indexOf(s) + 1, s, 0));
          const d = await get<SpanDetailResponse>(`/api/traces/${id}/spans/${s.spanId}`).catch(() => undefined);
          const msg = d?.span.events.find((e) => e.name === 'exception')?.attributes.find((x) => x.key === 'exception.message')?.value as { stringValue?: string } | undefined;
          lines.push(`  error: ${oneLine(msg?.stringValue ?? s.genai?.error ?? s.status?.message ?? 'error', 600)}`);
          // The model call that asked for it (a tool's call link), else the last model call before it.
          const link = d?.span.genai?.toolCalls?.[0];
          const asker = link ? byId.get(link.llmSpanId) : [...order.slice(0, order.indexOf(s))].reverse().find((x) => x.genai?.kind === 'llm');
          if (asker) lines.push(`  led to by: ${stepLine(order.indexOf(asker) + 1, asker, 0)}${link ? ` (it asked for this call${link.toolCallId ? ` ${link.toolCallId}` : ''})` : ' (the model call before it)'}`);
          if (d?.span.genai?.toolArguments !== undefined) lines.push(`  arguments: ${contentText(d.span.genai.toolArguments, 600)}`);
          const at = where(d?.span.genai ?? s.genai);
          if (at) lines.push(`  code: ${at}`);
        }
        lines.push('', 'get_step on a step gives it whole.');
        return { text: budget(lines, max, () => 'call get_step on each failed step') };
      }
      case 'cost_by_line': {
        const file = str(a, 'file');
        const sites = (await get<{ sites: SiteRollup[] }>(`/api/sites${file ? `?file=${encodeURIComponent(file)}` : ''}`)).sites;
        if (!sites.length) return { text: file ? `No recorded step was made in ${file} (paths are as the telemetry names them: try its tail, or leave file out).` : 'No step with a source location was recorded (the capture helpers record it).' };
        const sorted = [...sites].sort((x, y) => (y.costUsd ?? 0) - (x.costUsd ?? 0));
        return { text: budget([`${sites.length} source line${sites.length === 1 ? '' : 's'}, most expensive first:`, ...sorted.map((s) => `${s.path}:${s.line}${s.function ? ` (${s.function})` : ''} · ${s.calls} ${s.kind === 'llm' ? 'model calls' : `${s.kind} steps`} · ${inOut(s.usage)} tokens (median ${s.medianInput} in) · ${fmtCost(s.costUsd)}${s.unpricedCalls ? ` (+${s.unpricedCalls} unpriced)` : ''} · p50 ${fmtMs(s.p50Ms)}, p95 ${fmtMs(s.p95Ms)}${s.errors ? ` · ${s.errors} errors` : ''}${s.models.length ? ` · ${s.models.map((m) => m.model).join(', ')}` : ''}${s.creep ? ` · token creep ×${s.creep.ratio.toFixed(1)} over ${s.creep.turns} turns` : ''}`)], max, () => 'give file to narrow') };
      }
      case 'conversation': {
        const id = str(a, 'id')?.trim();
        if (!id) return fail('id is required: a conversation id, or a trace id of one of its runs');
        let convId = id;
        if (TRACE_ID.test(id.toLowerCase())) {
          const s = await get<{ summary: TraceSummary }>(`/api/traces/${id.toLowerCase()}/summary`).catch(() => undefined);
          if (s?.summary.conversationId) convId = s.summary.conversationId;
          else if (s) return fail(`run ${id} is not part of a conversation (no gen_ai.conversation.id or session id)`);
        }
        const c = await get<ConversationResponse>(`/api/conversations/${encodeURIComponent(convId)}`);
        const cr = c.summary.creep;
        const lines = [`conversation ${convId} (${c.summary.service}): ${c.turns.length} turns, ${inOut(c.summary.usage)} tokens, ${fmtCost(c.summary.costUsd)}`,
          cr ? `token creep: input per turn grew ×${cr.ratio.toFixed(2)} (turn 1: ${cr.baseline} tokens, turn ${cr.peakTurn}: ${cr.peak})${cr.steady ? ', at every turn' : ''} (flagged past ×${c.creepRatio}, or ×${c.creepSteadyRatio} when steady)` : `no token creep (the rule: ×${c.creepRatio}, or ×${c.creepSteadyRatio} when steady)`];
        if (c.growth?.length) lines.push(`what grew per model call, turn 1 → turn ${cr?.peakTurn ?? 'peak'}: ${c.growth.map((g) => `${g.part} ${g.from} → ${g.to} tokens`).join('; ')}`);
        if (c.calls) lines.push(`model calls per turn: ${c.calls.from} → ${c.calls.to}`);
        for (const [i, t] of c.turns.entries()) lines.push(`turn ${i + 1}: run ${t.traceId} · ${t.llmCalls} model calls · ${inOut(t.usage)} tokens · ${fmtCost(t.costUsd)}${t.errorCount ? ` · ${t.errorCount} errors` : ''}${t.title ? ` · "${oneLine(t.title, 80)}"` : ''}`);
        return { text: budget(lines, max, () => 'give a larger maxTokens') };
      }
      case 'diff_runs': {
        const x = idArg(a, 'a', TRACE_ID, 'a trace id (32 hexadecimal digits)');
        if (typeof x !== 'string') return x;
        const y = idArg(a, 'b', TRACE_ID, 'a trace id (32 hexadecimal digits)');
        if (typeof y !== 'string') return y;
        const d = await get<RunDiff>(`/api/diff?a=${x}&b=${y}${num(a, 'offset') ? `&offset=${Math.floor(num(a, 'offset')!)}` : ''}`);
        const lines = [`run A ${x} vs run B ${y}: ${d.paired} steps paired, ${d.onlyA} only in A, ${d.onlyB} only in B (alignment: ${d.alignment})`,
          `B minus A: ${d.delta.input >= 0 ? '+' : ''}${d.delta.input} input tokens, ${d.delta.output >= 0 ? '+' : ''}${d.delta.output} output tokens, cost ${d.delta.costUsd === null ? 'unknown' : `${d.delta.costUsd >= 0 ? '+' : '-'}${fmtCost(Math.abs(d.delta.costUsd))}`}, duration ${d.delta.durationMs >= 0 ? '+' : '-'}${fmtMs(Math.abs(d.delta.durationMs))}, ${d.delta.steps >= 0 ? '+' : ''}${d.delta.steps} steps`];
        for (const n of d.notes ?? []) lines.push(`note: ${n}`);
        let same = 0;
        for (const st of d.steps) {
          if (st.a && st.b && !st.changed) { same++; continue; }
          const tag = st.a && st.b ? 'changed' : st.a ? 'only in A' : 'only in B';
          const what: string[] = [];
          if (st.prompt?.some((x) => x.op !== 'same')) what.push(`prompt: ${st.prompt.filter((x) => x.op !== 'same').slice(0, 6).map((x) => `${x.op === 'add' ? '+' : '-'} ${oneLine(x.text, 160)}`).join(' | ')}`);
          if (st.output?.some((x) => x.op !== 'same')) what.push(`output: ${st.output.filter((x) => x.op !== 'same').slice(0, 6).map((x) => `${x.op === 'add' ? '+' : '-'} ${oneLine(x.text, 160)}`).join(' | ')}`);
          if (st.argsEqual === false) what.push('tool arguments differ');
          if (st.a?.error !== st.b?.error && st.a && st.b) what.push(st.b.error ? 'fails in B' : 'fails in A only');
          lines.push(`${st.label} · ${tag}${st.a ? ` · A span ${st.a.spanId}` : ''}${st.b ? ` · B span ${st.b.spanId}` : ''} · Δ ${st.delta.input} in / ${st.delta.output} out tokens, ${st.delta.durationMs >= 0 ? '+' : '-'}${fmtMs(Math.abs(st.delta.durationMs))}${what.length ? `\n    ${what.join('\n    ')}` : ''}`);
        }
        lines.push(`(${same} paired steps the same on this page)`);
        if (d.next !== undefined) lines.push(`(steps ${d.offset + 1}–${d.offset + d.steps.length} of ${d.total}: call diff_runs with offset=${d.next} for the next page)`);
        return { text: budget(lines, max, () => 'give a larger maxTokens, or page with offset') };
      }
      case 'orphans': {
        const id = a.traceId === undefined ? undefined : idArg(a, 'traceId', TRACE_ID, 'a trace id (32 hexadecimal digits)');
        if (id !== undefined && typeof id !== 'string') return id;
        const list = (await get<{ orphans: Orphan[] }>(id ? `/api/traces/${id}/orphans` : '/api/orphans')).orphans;
        if (!list.length) return { text: id ? 'No orphaned step belongs to this run.' : 'No orphaned steps: trace context reached every step.' };
        return { text: budget([`${list.length} orphaned step${list.length === 1 ? '' : 's'}:`, ...list.map((o) => `${o.name} (run ${o.traceId}, span ${o.spanId}; ${o.reason === 'piece-of-run' ? 'arrived as a run of its own' : 'its parent never arrived'}) → likely under ${o.likely ? `${o.likely.name} (run ${o.likely.traceId}, span ${o.likely.spanId})${o.confidence ? `, ${o.confidence} confidence` : ''}` : 'no likely parent found'}${o.why.length ? `: ${oneLine(o.why.join('; '), 300)}` : ''} · fix: ${oneLine(o.fix, 300)}`)], max, () => 'give traceId to narrow') };
      }
      default:
        return fail(`no tool named ${name}: the tools are ${TOOLS.map((t) => t.name).join(', ')}`);
    }
  } catch (e) {
    const msg = (e as Error).message;
    return fail(/^no (trace|span|conversation)|404/.test(msg) ? `${msg} (list_runs gives the runs there are)` : `the trace server could not answer: ${msg}`);
  }
}
