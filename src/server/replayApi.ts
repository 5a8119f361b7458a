// What if (issue 26): one recorded model call, rebuilt as the request its provider received, and
// sent again (edited or not) to the endpoint the recording names or one the caller picks. The
// answer becomes a new run of its own, linked to the call it replays (`agent_lens.replay_of`),
// with the provider's usage; it goes through ingest like any OTLP request, so it is stored, priced
// (genai-prices) and shown live.
//   GET  /api/traces/{traceId}/spans/{spanId}/request   the rebuilt request, its problems, an estimate
//   POST /api/replay  { traceId, spanId, request?, baseUrl?, force?, apiKey? }
// Keys come from the caller (`apiKey`: the editor's SecretStorage) or the server's environment
// (OPENAI_API_KEY, ANTHROPIC_API_KEY) and go only into the request's headers: never into a run, a
// log line or an answer.
import { randomBytes } from 'node:crypto';
import type { Ingest } from './ingest';
import type { TraceEntry } from '../store/traceEntry';
import { spanResponse } from '../store/views';
import { rebuildRequest, checkRequest, type RequestFormat, type RequestProblem } from '../genai/rebuild';
import { costOf } from '../genai/pricing';
import { inputTokens } from '../usage';
import { isObject, type ApiSpan, type ModelRequestResponse, type ReplayResponse, type RequestEstimate, type Usage } from '../protocol';
import { chatMessage } from '../genai/messages';

export type { ModelRequestResponse, ReplayResponse };

type Reply = (status: number, body: unknown) => void;
const isObj = isObject;
/** How long a replayed call may take before it is given up. */
export const REPLAY_TIMEOUT_MS = 120_000;

function recordedSpan(e: TraceEntry, spanId: string): ApiSpan | undefined {
  return spanResponse(e, spanId)?.span;
}

/** The call's cost, estimated before sending: the recorded call's tokens (about 4 characters a token without them), priced by genai-prices. */
export function estimate(span: ApiSpan, body: Record<string, unknown>, model: string): RequestEstimate {
  const u = span.genai?.usage;
  const input = u ? inputTokens(u) : Math.round(JSON.stringify(body).length / 4);
  const outputTokens = u?.output ?? 0;
  const cost = costOf({ input, output: outputTokens, cacheRead: 0, cacheCreation: 0, reasoning: 0 }, model, span.genai?.provider);
  return { inputTokens: input, outputTokens, usd: cost.usd, basis: u ? 'the recorded call\'s tokens' : 'about 4 characters a token (the recording has no usage)' };
}

export function handleModelRequest(e: TraceEntry, spanId: string, reply: Reply): void {
  const span = recordedSpan(e, spanId);
  if (!span) return reply(404, { error: `no span ${spanId} in trace ${e.traceId}` });
  const r = rebuildRequest(span);
  if ('error' in r) return reply(422, { error: `this call cannot be rebuilt: ${r.error}` });
  reply(200, { request: r, estimate: estimate(span, r.body, String(r.body.model)) } satisfies ModelRequestResponse);
}

/**
 * Usage in the store's terms: input is the uncached input. OpenAI counts cached tokens inside its
 * input (`cachedInside`); Anthropic counts them beside it.
 */
function usage(input: number | undefined, output: number | undefined, cached: number | undefined, reasoning: number | undefined, cachedInside: boolean, creation?: number): Usage {
  const c = cached ?? 0;
  return { input: Math.max(0, (input ?? 0) - (cachedInside ? c : 0)), output: output ?? 0, cacheRead: c, cacheCreation: creation ?? 0, reasoning: reasoning ?? 0 };
}

/** The answer of a provider, read as text, tool calls and usage. */
function readAnswer(format: RequestFormat, a: Record<string, unknown>): { text: string; toolCalls: ReplayResponse['output']['toolCalls']; usage: Usage; model?: string; finish?: string; id?: string } {
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const u = isObj(a.usage) ? a.usage : {};
  const model = typeof a.model === 'string' ? a.model : undefined;
  const id = typeof a.id === 'string' ? a.id : undefined;
  if (format === 'openai.chat') {
    const c = Array.isArray(a.choices) && isObj(a.choices[0]) ? a.choices[0] : {};
    const m = isObj(c.message) ? c.message : {};
    const calls = Array.isArray(m.tool_calls) ? m.tool_calls.filter(isObj).map((t) => ({ id: String(t.id ?? ''), name: String((t.function as { name?: unknown })?.name ?? ''), arguments: String((t.function as { arguments?: unknown })?.arguments ?? '') })) : [];
    const cached = isObj(u.prompt_tokens_details) ? num(u.prompt_tokens_details.cached_tokens) : undefined;
    const reasoning = isObj(u.completion_tokens_details) ? num(u.completion_tokens_details.reasoning_tokens) : undefined;
    return { text: typeof m.content === 'string' ? m.content : '', toolCalls: calls, model, id, finish: typeof c.finish_reason === 'string' ? c.finish_reason : undefined,
      usage: usage(num(u.prompt_tokens), num(u.completion_tokens), cached, reasoning, true) };
  }
  if (format === 'openai.responses') {
    const items = Array.isArray(a.output) ? a.output.filter(isObj) : [];
    const text = items.filter((i) => i.type === 'message').flatMap((i) => (Array.isArray(i.content) ? i.content.filter(isObj) : [])).map((p) => String(p.text ?? '')).join('');
    const calls = items.filter((i) => i.type === 'function_call').map((i) => ({ id: String(i.call_id ?? ''), name: String(i.name ?? ''), arguments: String(i.arguments ?? '') }));
    const cached = isObj(u.input_tokens_details) ? num(u.input_tokens_details.cached_tokens) : undefined;
    return { text, toolCalls: calls, model, id, finish: calls.length ? 'tool_calls' : 'stop', usage: usage(num(u.input_tokens), num(u.output_tokens), cached, isObj(u.output_tokens_details) ? num(u.output_tokens_details.reasoning_tokens) : undefined, true) };
  }
  const blocks = Array.isArray(a.content) ? a.content.filter(isObj) : [];
  return {
    text: blocks.filter((b) => b.type === 'text').map((b) => String(b.text ?? '')).join(''),
    toolCalls: blocks.filter((b) => b.type === 'tool_use').map((b) => ({ id: String(b.id ?? ''), name: String(b.name ?? ''), arguments: JSON.stringify(b.input ?? {}) })),
    model, id, finish: typeof a.stop_reason === 'string' ? a.stop_reason : undefined,
    usage: usage(num(u.input_tokens), num(u.output_tokens), num(u.cache_read_input_tokens), undefined, false, num(u.cache_creation_input_tokens)),
  };
}

/** The request's messages in the GenAI conventions' shape (gen_ai.input.messages), for the new run. */
function inputMessagesOf(format: RequestFormat, body: Record<string, unknown>): { system?: string; input: unknown[] } {
  const parts = (content: unknown) => (typeof content === 'string' ? [{ type: 'text', content }] : Array.isArray(content) ? content.filter(isObj).map((b) => (
    b.type === 'tool_use' ? { type: 'tool_call', id: b.id, name: b.name, arguments: b.input }
      : b.type === 'tool_result' ? { type: 'tool_call_response', id: b.tool_use_id, response: b.content }
        : { type: 'text', content: String(b.text ?? b.content ?? '') })) : []);
  if (format === 'openai.chat') {
    // (Chat messages are read as the normalizer reads any chat-completions message.)
    const msgs = Array.isArray(body.messages) ? body.messages.filter(isObj) : [];
    const system = msgs.filter((m) => m.role === 'system' || m.role === 'developer').map((m) => String(m.content ?? '')).join('\n') || undefined;
    return { system, input: msgs.filter((m) => m.role !== 'system' && m.role !== 'developer').map((m) => chatMessage(m)) };
  }
  if (format === 'openai.responses') {
    const items = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : Array.isArray(body.input) ? body.input.filter(isObj) : [];
    return { system: typeof body.instructions === 'string' ? body.instructions : undefined, input: items.map((i) => (
      i.type === 'function_call' ? { role: 'assistant', parts: [{ type: 'tool_call', id: i.call_id, name: i.name, arguments: i.arguments }] }
        : i.type === 'function_call_output' ? { role: 'tool', parts: [{ type: 'tool_call_response', id: i.call_id, response: i.output }] }
          : { role: i.role, parts: parts(i.content) })) };
  }
  const msgs = Array.isArray(body.messages) ? body.messages.filter(isObj) : [];
  return { system: typeof body.system === 'string' ? body.system : undefined, input: msgs.map((m) => ({ role: m.role, parts: parts(m.content) })) };
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const kv = (key: string, v: string | number | boolean) => ({ key, value: typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v } });

export async function handleReplay(body: unknown, ingest: Ingest, reply: Reply): Promise<void> {
  if (!isObj(body)) return reply(400, { error: 'the body must be a JSON object: { traceId, spanId, request?, baseUrl?, force?, apiKey? }' });
  const traceId = String(body.traceId ?? '').toLowerCase();
  const spanId = String(body.spanId ?? '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(traceId) || !/^[0-9a-f]{16}$/.test(spanId)) return reply(400, { error: 'traceId (32 hexadecimal digits) and spanId (16) are required' });
  const e = ingest.store.get(traceId);
  if (!e || e.summary.spanCount === 0) return reply(404, { error: `no trace ${traceId}` });
  const span = recordedSpan(e, spanId);
  if (!span) return reply(404, { error: `no span ${spanId} in trace ${traceId}` });
  const rebuilt = rebuildRequest(span);
  if ('error' in rebuilt) return reply(422, { error: `this call cannot be rebuilt: ${rebuilt.error}` });
  const request = body.request === undefined ? rebuilt.body : body.request;
  const problems: RequestProblem[] = checkRequest(rebuilt.format, request);
  if (problems.some((p) => p.severity === 'error') && body.force !== true) {
    return reply(422, { error: `the request would be rejected: ${problems.filter((p) => p.severity === 'error').map((p) => `${p.at}: ${p.message}`).join('; ')}`, problems });
  }
  const req = { ...(request as Record<string, unknown>) };
  // (The answer is read whole: a streamed call is replayed unstreamed.)
  delete req.stream;
  delete req.stream_options;
  let base: URL;
  try { base = new URL(typeof body.baseUrl === 'string' && body.baseUrl ? body.baseUrl : rebuilt.baseUrl); } catch { return reply(400, { error: `baseUrl is not a URL: ${String(body.baseUrl)}` }); }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') return reply(400, { error: 'baseUrl must be http or https' });
  const url = `${base.href.replace(/\/$/, '')}${rebuilt.path}`;
  const anthropic = rebuilt.format === 'anthropic.messages';
  const keyName = anthropic ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY';
  const key = (typeof body.apiKey === 'string' && body.apiKey) || process.env[keyName];
  const local = /^(localhost|127\.|\[::1\])/.test(base.hostname);
  if (!key && !local) return reply(400, { error: `no key to send to ${base.host}: set ${keyName} in the trace server's environment, or (in VS Code) run Agent Lens: Set Provider API Key…` });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) { if (anthropic) headers['x-api-key'] = key; else headers.authorization = `Bearer ${key}`; }
  if (anthropic) headers['anthropic-version'] = '2023-06-01';
  const started = Date.now();
  let answer: Record<string, unknown>;
  try {
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(req), signal: AbortSignal.timeout(REPLAY_TIMEOUT_MS) });
    const text = await res.text();
    // (An endpoint that echoes the key in its error does not get it into our answer.)
    if (!res.ok) return reply(502, { error: `${url} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}: ${(key ? text.split(key).join('***') : text).slice(0, 500)}` });
    try { answer = JSON.parse(text) as Record<string, unknown>; } catch { return reply(502, { error: `${url} answered with something that is not JSON: ${text.slice(0, 200)}` }); }
  } catch (err) {
    return reply(502, { error: `could not reach ${url}: ${(err as Error).message}` });
  }
  const ended = Date.now();
  const out = readAnswer(rebuilt.format, answer);
  const model = String(req.model);
  const provider = anthropic ? 'anthropic' : 'openai';
  const { system, input } = inputMessagesOf(rebuilt.format, req);
  const output = [{ role: 'assistant', parts: [...(out.text ? [{ type: 'text', content: out.text }] : []), ...out.toolCalls.map((c) => ({ type: 'tool_call', id: c.id, name: c.name, arguments: c.arguments }))], ...(out.finish ? { finish_reason: out.finish } : {}) }];
  const newTrace = hex(16);
  const newSpan = hex(8);
  const resource = (e.summary.service ? [kv('service.name', e.summary.service)] : []);
  const attrs = [
    kv('gen_ai.operation.name', 'chat'), kv('gen_ai.provider.name', provider), kv('gen_ai.request.model', model),
    ...(out.model ? [kv('gen_ai.response.model', out.model)] : []), ...(out.id ? [kv('gen_ai.response.id', out.id)] : []),
    // (The conventions count cached tokens inside the input tokens.)
    kv('gen_ai.usage.input_tokens', inputTokens(out.usage)), kv('gen_ai.usage.output_tokens', out.usage.output),
    ...(out.usage.cacheRead ? [kv('gen_ai.usage.cache_read.input_tokens', out.usage.cacheRead)] : []),
    ...(out.usage.cacheCreation ? [kv('gen_ai.usage.cache_creation.input_tokens', out.usage.cacheCreation)] : []),
    ...(out.usage.reasoning ? [kv('gen_ai.usage.reasoning.output_tokens', out.usage.reasoning)] : []),
    ...(system !== undefined ? [kv('gen_ai.system_instructions', JSON.stringify([{ type: 'text', content: system }]))] : []),
    kv('gen_ai.input.messages', JSON.stringify(input)), kv('gen_ai.output.messages', JSON.stringify(output)),
    ...(out.finish ? [kv('gen_ai.response.finish_reasons', JSON.stringify([out.finish]))] : []),
    kv('server.address', base.hostname), ...(base.port ? [kv('server.port', Number(base.port))] : []),
    kv('agent_lens.replay_of', `${traceId}/${spanId}`), kv('agent_lens.replay_format', rebuilt.format),
  ];
  const otlp = { resourceSpans: [{ resource: { attributes: resource }, scopeSpans: [{ scope: { name: 'agent-lens.replay' }, spans: [{
    traceId: newTrace, spanId: newSpan, name: `chat ${model}`, kind: 3,
    startTimeUnixNano: `${started}000000`, endTimeUnixNano: `${Math.max(ended, started)}000000`, attributes: attrs, status: {},
  }] }] }] };
  ingest.accept('traces', 'json', Buffer.from(JSON.stringify(otlp)));
  const cost = costOf(out.usage, out.model ?? model, provider);
  reply(200, {
    traceId: newTrace, spanId: newSpan, replayOf: { traceId, spanId }, url, model,
    output: { text: out.text, toolCalls: out.toolCalls }, usage: out.usage, costUsd: cost.usd,
  } satisfies ReplayResponse);
}
