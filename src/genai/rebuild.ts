// A recorded model call, rebuilt as the request its provider received (issue 26): from the span's
// normalized content (system instructions, input messages with tool calls and results, whatever
// instrumentation recorded them) and its attributes (the model, the tools offered, the
// parameters), in the provider's own format: OpenAI chat completions, OpenAI responses, Anthropic
// messages. What the recording lacks is said, never invented; what a provider would reject (a
// tool call without its result, arguments that are JSON inside a JSON string) is found by
// `checkRequest` (src/protocol/replay.ts: the editor and the page check edits with it too) at its
// place in the body, so an edited request is checked the same way.
import { checkRequest, isObject, type ApiSpan, type Message, type MessagePart, type RebuiltRequest, type RequestFormat } from '../protocol';

export { checkRequest };
export type { RebuiltRequest, RequestFormat };
export type { RequestProblem } from '../protocol';
import { attrMap, getNum, getStr, getStrList, type Attrs } from './attrs';

const PATHS: Record<RequestFormat, string> = { 'openai.chat': '/chat/completions', 'openai.responses': '/responses', 'anthropic.messages': '/messages' };
const DEFAULT_BASE: Record<string, string> = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com/v1' };
/** Anthropic requires max_tokens; a recording without it gets this, and says so. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 1024;

/** A tool offered to the model, in one neutral shape. */
interface ToolDef { name: string; description?: string; parameters?: unknown }

const parse = (s: string | undefined): unknown => {
  if (s === undefined) return undefined;
  try { return JSON.parse(s) as unknown; } catch { return undefined; }
};
const isObj = isObject;

/** One tool definition in any of the shapes instrumentations record (OpenAI chat, flat, Vercel's inputSchema, Anthropic's input_schema). */
function toolDef(v: unknown): ToolDef | undefined {
  if (typeof v === 'string') v = parse(v);
  if (!isObj(v)) return undefined;
  const f = isObj(v.function) ? v.function : v;
  if (typeof f.name !== 'string') return undefined;
  const parameters = f.parameters ?? f.inputSchema ?? f.input_schema;
  return { name: f.name, ...(typeof f.description === 'string' ? { description: f.description } : {}), ...(parameters !== undefined ? { parameters } : {}) };
}

/** The tools the call offered, from whichever attribute recorded them (undefined: none recorded). */
function toolsOf(a: Attrs): ToolDef[] | undefined {
  const lists: unknown[] = [];
  const defs = parse(getStr(a, 'gen_ai.tool.definitions'));
  if (Array.isArray(defs)) lists.push(...defs);
  if (!lists.length) { const vercel = getStrList(a, 'ai.prompt.tools'); if (vercel) lists.push(...vercel); }
  if (!lists.length) {
    const inv = parse(getStr(a, 'llm.invocation_parameters'));
    if (isObj(inv) && Array.isArray(inv.tools)) lists.push(...inv.tools);
  }
  // OpenInference llm.tools.N.tool.json_schema; OpenLLMetry llm.request.functions.N.*.
  for (let i = 0; lists.length === i; i++) {
    const schema = getStr(a, `llm.tools.${i}.tool.json_schema`);
    const fn = getStr(a, `llm.request.functions.${i}.name`);
    if (schema !== undefined) lists.push(schema);
    else if (fn !== undefined) lists.push({ name: fn, description: getStr(a, `llm.request.functions.${i}.description`), parameters: parse(getStr(a, `llm.request.functions.${i}.parameters`)) });
    else break;
  }
  const out = lists.map(toolDef).filter((t): t is ToolDef => !!t);
  return out.length ? out : undefined;
}

/** Sampling parameters the recording has, by their request names. */
function paramsOf(a: Attrs): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const inv = parse(getStr(a, 'llm.invocation_parameters'));
  const from = (k: string, ...keys: string[]) => {
    for (const key of keys) { const n = getNum(a, key); if (n !== undefined) { out[k] = n; return; } }
    if (isObj(inv) && typeof inv[k] === 'number') out[k] = inv[k];
  };
  from('temperature', 'gen_ai.request.temperature', 'llm.request.temperature', 'ai.settings.temperature');
  from('top_p', 'gen_ai.request.top_p', 'llm.top_p', 'ai.settings.topP');
  from('max_tokens', 'gen_ai.request.max_tokens', 'llm.request.max_tokens', 'ai.settings.maxOutputTokens', 'ai.settings.maxTokens');
  from('frequency_penalty', 'gen_ai.request.frequency_penalty', 'llm.frequency_penalty', 'ai.settings.frequencyPenalty');
  from('presence_penalty', 'gen_ai.request.presence_penalty', 'llm.presence_penalty', 'ai.settings.presencePenalty');
  from('seed', 'gen_ai.request.seed', 'ai.settings.seed');
  const stop = getStrList(a, 'gen_ai.request.stop_sequences');
  if (stop?.length) out.stop = stop;
  return out;
}

/** Which provider format the call was in (undefined: one that cannot be rebuilt, with why). */
function formatOf(span: ApiSpan, a: Attrs): RequestFormat | { why: string } {
  const provider = (span.genai?.provider ?? '').toLowerCase();
  const name = span.name.toLowerCase();
  if (provider.startsWith('anthropic')) return 'anthropic.messages';
  if (provider.startsWith('openai') || provider === 'azure.ai.openai' || provider === 'azure') {
    const api = (getStr(a, 'gen_ai.openai.api') ?? getStr(a, 'url.path') ?? '').toLowerCase();
    return api.includes('responses') || /\bresponses?\b/.test(name) || span.genai?.operation === 'responses' ? 'openai.responses' : 'openai.chat';
  }
  // A framework that names itself as the provider (Strands: "strands-agents"): the model says whose it is.
  const model = (span.genai?.requestModel ?? span.genai?.responseModel ?? '').toLowerCase();
  if (/^(gpt-|o\d|chatgpt-)/.test(model)) return 'openai.chat';
  if (/^claude-/.test(model)) return 'anthropic.messages';
  return { why: provider ? `calls to ${provider} cannot be rebuilt yet (OpenAI chat completions, OpenAI responses and Anthropic messages can)` : 'the recording does not say which provider was called' };
}

const textOf = (parts: readonly MessagePart[]) => parts.filter((p) => p.type === 'text' || p.type === 'reasoning').map((p) => String((p as { content?: unknown }).content ?? '')).join('');
// (A part read from text keeps that text as `raw`: sent as the provider got it, not re-encoded.)
const str = (v: unknown, raw?: unknown) => (typeof raw === 'string' ? raw : typeof v === 'string' ? v : JSON.stringify(v ?? null));
const argsText = (v: unknown, raw?: unknown) => (typeof raw === 'string' ? raw : typeof v === 'string' ? v : JSON.stringify(v ?? {}));
type Call = { id?: string; name: string; arguments?: unknown; raw?: unknown };
type Result = { id?: string; response?: unknown; raw?: unknown };

function chatMessages(system: string | undefined, input: readonly Message[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  if (system !== undefined) out.push({ role: 'system', content: system });
  for (const m of input) {
    const calls = m.parts.filter((p) => p.type === 'tool_call') as Call[];
    const results = m.parts.filter((p) => p.type === 'tool_call_response') as Result[];
    if (results.length) {
      for (const r of results) out.push({ role: 'tool', tool_call_id: r.id ?? '', content: str(r.response, r.raw) });
      continue;
    }
    const text = textOf(m.parts);
    if (calls.length) {
      out.push({ role: 'assistant', content: text || null, tool_calls: calls.map((c) => ({ id: c.id ?? '', type: 'function', function: { name: c.name, arguments: argsText(c.arguments, c.raw) } })) });
      continue;
    }
    out.push({ role: m.role === 'model' ? 'assistant' : m.role, content: text });
  }
  return out;
}

function responsesInput(input: readonly Message[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const m of input) {
    const text = textOf(m.parts);
    if (text) out.push({ role: m.role === 'tool' ? 'user' : m.role, content: text });
    for (const p of m.parts) {
      if (p.type === 'tool_call') { const c = p as Call; out.push({ type: 'function_call', call_id: c.id ?? '', name: c.name, arguments: argsText(c.arguments, c.raw) }); }
      if (p.type === 'tool_call_response') { const r = p as Result; out.push({ type: 'function_call_output', call_id: r.id ?? '', output: str(r.response, r.raw) }); }
    }
  }
  return out;
}

function anthropicMessages(input: readonly Message[]): Record<string, unknown>[] {
  const out: { role: string; content: Record<string, unknown>[] }[] = [];
  const push = (role: string, blocks: Record<string, unknown>[]) => {
    const last = out[out.length - 1];
    // (Anthropic wants user and assistant turns in turn: tool results join the user turn they are in.)
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const m of input) {
    const blocks: Record<string, unknown>[] = [];
    for (const p of m.parts) {
      if (p.type === 'text') blocks.push({ type: 'text', text: String((p as { content?: unknown }).content ?? '') });
      else if (p.type === 'tool_call') { const c = p as { id?: string; name: string; arguments?: unknown }; blocks.push({ type: 'tool_use', id: c.id ?? '', name: c.name, input: typeof c.arguments === 'string' ? (parse(c.arguments) ?? c.arguments) : (c.arguments ?? {}) }); }
      else if (p.type === 'tool_call_response') { const r = p as Result; blocks.push({ type: 'tool_result', tool_use_id: r.id ?? '', content: str(r.response, r.raw) }); }
    }
    push(m.role === 'assistant' || m.role === 'model' ? 'assistant' : 'user', blocks);
  }
  // A turn of text alone reads as the plain string the SDKs send.
  return out.map((m) => (m.content.length === 1 && m.content[0]!.type === 'text' ? { role: m.role, content: m.content[0]!.text } : m));
}

/**
 * The request a recorded model call sent, in its provider's format; `{ error }` when it cannot be
 * rebuilt (not a model call, content not captured, a provider whose format is not known here).
 */
export function rebuildRequest(span: ApiSpan): RebuiltRequest | { error: string } {
  const g = span.genai;
  if (!g || g.kind !== 'llm') return { error: `${span.name} is not a model call` };
  if (g.contentCaptured === false || !g.inputMessages) return { error: 'the recording has no messages for this call (its instrumentation did not capture content)' };
  const a = attrMap(span.attributes);
  const format = formatOf(span, a);
  if (typeof format !== 'string') return { error: format.why };
  const missing: string[] = [];
  const provider = (g.provider ?? '').toLowerCase();
  if (!provider.startsWith('openai') && !provider.startsWith('anthropic') && !provider.startsWith('azure')) {
    missing.push(`which API was called (the recording names ${provider || 'no provider'}): ${format === 'anthropic.messages' ? 'Anthropic messages' : 'OpenAI chat completions'}, from the model's name`);
  }
  const inv = parse(getStr(a, 'llm.invocation_parameters'));
  const model = (isObj(inv) && typeof inv.model === 'string' ? inv.model : undefined) ?? getStr(a, 'gen_ai.request.model') ?? g.requestModel;
  if (!model) return { error: 'the recording does not say which model was called' };
  // (OpenInference's llm.model_name is often the dated model that answered: the same model, named by its snapshot.)
  if (!getStr(a, 'gen_ai.request.model') && !(isObj(inv) && inv.model) && (model === g.responseModel || /-\d{4}-\d{2}-\d{2}$/.test(model))) {
    missing.push(`the model asked for (the recording names the one that answered, ${model}, which is sent)`);
  }
  const system = g.systemInstructions?.length ? textOf(g.systemInstructions) : undefined;
  const tools = toolsOf(a);
  if (!tools) missing.push('the tools the model was offered (the instrumentation did not record them): the request offers none');
  const params = paramsOf(a);
  const toolChoice = parse(getStr(a, 'ai.prompt.toolChoice'));
  const choice = isObj(toolChoice) && typeof toolChoice.type === 'string' ? toolChoice.type : undefined;
  let body: Record<string, unknown>;
  if (format === 'openai.chat') {
    body = { model, messages: chatMessages(system, g.inputMessages), ...(tools ? { tools: tools.map((t) => ({ type: 'function', function: t })) } : {}), ...(choice && tools ? { tool_choice: choice } : {}), ...params };
  } else if (format === 'openai.responses') {
    const { max_tokens: max, ...rest } = params;
    body = { model, ...(system !== undefined ? { instructions: system } : {}), input: responsesInput(g.inputMessages), ...(tools ? { tools: tools.map((t) => ({ type: 'function', ...t })) } : {}), ...rest, ...(max !== undefined ? { max_output_tokens: max } : {}) };
  } else {
    const { max_tokens: max, frequency_penalty: _f, presence_penalty: _p, seed: _s, stop, ...rest } = params;
    if (max === undefined) missing.push(`max_tokens (Anthropic requires it; the recording does not have it): ${ANTHROPIC_DEFAULT_MAX_TOKENS} is sent`);
    body = { model, max_tokens: max ?? ANTHROPIC_DEFAULT_MAX_TOKENS, ...(system !== undefined ? { system } : {}), messages: anthropicMessages(g.inputMessages),
      ...(tools ? { tools: tools.map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}), input_schema: t.parameters ?? { type: 'object' } })) } : {}),
      ...(stop ? { stop_sequences: stop } : {}), ...rest };
  }
  const addr = getStr(a, 'server.address');
  const port = getNum(a, 'server.port');
  const local = addr && /^(localhost|127\.|\[?::1\]?$|0\.0\.0\.0)/.test(addr);
  const vendor = format.startsWith('anthropic') ? 'anthropic' : 'openai';
  const baseUrl = addr && !/^api\.(openai|anthropic)\.com$/.test(addr)
    ? `${local ? 'http' : 'https'}://${addr.includes(':') && !addr.startsWith('[') ? `[${addr}]` : addr}${port ? `:${port}` : ''}/v1`
    : DEFAULT_BASE[vendor]!;
  const problems = checkRequest(format, body);
  for (const n of g.notes ?? []) if (/cut off|not valid JSON/.test(n)) problems.push({ at: '', message: `the recording cut content off: ${n}`, severity: 'warning' });
  return { format, baseUrl, path: PATHS[format], body, missing, problems };
}
