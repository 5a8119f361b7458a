// A recorded model call's answer, rebuilt in its provider's format (issue 26, Re-run From Here):
// what the capture helper hands the app in place of the model's answer when a re-run replays the
// calls before the chosen step. Its output messages (text, tool calls with their ids and
// arguments), finish reason, usage, model and id, as the provider's JSON body, and the same answer
// as the provider's stream of events (chat completion chunks, responses events, Anthropic message
// events), for an app that asked for a stream. The SDKs read them as they read the provider's own.
import { inputTokens } from '../usage';
import { isObject, type AnswerEvent, type ApiSpan, type MessagePart, type RequestFormat, type Usage } from '../protocol';

const isObj = isObject;
type Call = { id?: string; name: string; arguments?: unknown; raw?: unknown; call_id?: unknown };
const argsText = (c: Call) => (typeof c.raw === 'string' ? c.raw : typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments ?? {}));
const argsObject = (c: Call): unknown => {
  if (typeof c.arguments !== 'string') return c.arguments ?? {};
  try { return JSON.parse(c.arguments) as unknown; } catch { return {}; }
};
/** Text in pieces, as streams send it. */
const pieces = (s: string, n: number) => s.match(new RegExp(`[^]{1,${n}}`, 'g')) ?? [];

/** The answer's parts: the text of its assistant messages and its tool calls, in order. */
function outputOf(parts: readonly MessagePart[]): { text: string; calls: Call[] } {
  const text = parts.filter((p) => p.type === 'text').map((p) => String((p as { content?: unknown }).content ?? '')).join('');
  const calls = parts.filter((p) => p.type === 'tool_call') as Call[];
  return { text, calls };
}

/** The parts of a call's recorded answer. */
export const answerParts = (span: ApiSpan): MessagePart[] => (span.genai?.outputMessages ?? []).flatMap((m) => m.parts);

/**
 * The recorded answer as the provider sent it, or why it cannot be: a call that failed (no answer
 * to give), or one whose output was not captured.
 */
export function rebuildAnswer(span: ApiSpan, format: RequestFormat, output?: readonly MessagePart[]): Record<string, unknown> | { error: string } {
  const g = span.genai;
  if (!g) return { error: `${span.name} is not a model call` };
  if (g.error || span.status?.code === 2) return { error: `the call failed in the recording (${g.error ?? span.status?.message ?? 'error'}): there is no answer to replay` };
  if (!output && !g.outputMessages?.length) return { error: 'the recording has no answer for this call (its instrumentation did not capture the output)' };
  const { text, calls } = outputOf(output ?? answerParts(span));
  const u: Usage = g.usage ?? { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, reasoning: 0 };
  const model = g.responseModel ?? g.requestModel ?? 'unknown';
  const finish = g.finishReasons?.[0];
  const created = (() => { try { return Number(BigInt(span.startTimeUnixNano) / 1_000_000_000n); } catch { return 0; } })();
  const id = (prefix: string) => g.responseId ?? `${prefix}${span.spanId}`;
  // (OpenAI responses name an output item `id` and its call `call_id`: the app answers the call_id.)
  const callId = (c: Call, i: number) => (typeof c.call_id === 'string' ? c.call_id : c.id) || `call_${span.spanId}_${i}`;
  if (format === 'openai.chat') {
    const input = inputTokens(u);
    return {
      id: id('chatcmpl-'), object: 'chat.completion', created, model,
      choices: [{ index: 0, logprobs: null, finish_reason: calls.length ? 'tool_calls' : finish === 'length' ? 'length' : 'stop',
        message: { role: 'assistant', content: text || null, refusal: null,
          ...(calls.length ? { tool_calls: calls.map((c, i) => ({ id: callId(c, i), type: 'function', function: { name: c.name, arguments: argsText(c) } })) } : {}) } }],
      usage: { prompt_tokens: input, completion_tokens: u.output, total_tokens: input + u.output,
        prompt_tokens_details: { cached_tokens: u.cacheRead }, completion_tokens_details: { reasoning_tokens: u.reasoning } },
    };
  }
  if (format === 'openai.responses') {
    const input = inputTokens(u);
    const output: Record<string, unknown>[] = [];
    if (text) output.push({ type: 'message', id: `msg_${span.spanId}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] });
    calls.forEach((c, i) => output.push({ type: 'function_call', id: `fc_${span.spanId}_${i}`, call_id: callId(c, i), name: c.name, arguments: argsText(c), status: 'completed' }));
    return {
      id: id('resp_'), object: 'response', created_at: created, status: 'completed', model, output, error: null, incomplete_details: null,
      usage: { input_tokens: input, output_tokens: u.output, total_tokens: input + u.output,
        input_tokens_details: { cached_tokens: u.cacheRead }, output_tokens_details: { reasoning_tokens: u.reasoning } },
    };
  }
  const content: Record<string, unknown>[] = [];
  if (text) content.push({ type: 'text', text });
  calls.forEach((c, i) => content.push({ type: 'tool_use', id: callId(c, i), name: c.name, input: argsObject(c) }));
  const stop = calls.length ? 'tool_use' : finish === 'length' || finish === 'max_tokens' ? 'max_tokens' : 'end_turn';
  return {
    id: id('msg_'), type: 'message', role: 'assistant', model, content, stop_reason: stop, stop_sequence: null,
    usage: { input_tokens: u.input, output_tokens: u.output, cache_read_input_tokens: u.cacheRead, cache_creation_input_tokens: u.cacheCreation },
  };
}

const ev = (data: unknown, event?: string): AnswerEvent => ({ ...(event ? { event } : {}), data: JSON.stringify(data) });

/** An answer body (as rebuildAnswer makes it) as its provider streams it. */
export function answerStream(format: RequestFormat, a: Record<string, unknown>): AnswerEvent[] {
  const out: AnswerEvent[] = [];
  if (format === 'openai.chat') {
    const choice = (Array.isArray(a.choices) && isObj(a.choices[0]) ? a.choices[0] : {}) as Record<string, unknown>;
    const m = (isObj(choice.message) ? choice.message : {}) as Record<string, unknown>;
    const base = { id: a.id, object: 'chat.completion.chunk', created: a.created, model: a.model };
    const chunk = (delta: Record<string, unknown>, finish: unknown = null) => out.push(ev({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] }));
    chunk({ role: 'assistant', content: '' });
    for (const p of pieces(typeof m.content === 'string' ? m.content : '', 16)) chunk({ content: p });
    const calls = Array.isArray(m.tool_calls) ? m.tool_calls.filter(isObj) : [];
    calls.forEach((c, index) => {
      const f = (isObj(c.function) ? c.function : {}) as Record<string, unknown>;
      chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: f.name, arguments: '' } }] });
      for (const p of pieces(String(f.arguments ?? ''), 16)) chunk({ tool_calls: [{ index, function: { arguments: p } }] });
    });
    chunk({}, choice.finish_reason ?? 'stop');
    out.push({ ...ev({ ...base, choices: [], usage: a.usage }), usageChunk: true });
    out.push({ data: '[DONE]' });
    return out;
  }
  if (format === 'openai.responses') {
    let seq = 0;
    const e = (type: string, rest: Record<string, unknown>) => out.push(ev({ type, sequence_number: seq++, ...rest }, type));
    const items = Array.isArray(a.output) ? a.output.filter(isObj) : [];
    e('response.created', { response: { ...a, status: 'in_progress', output: [], usage: null } });
    e('response.in_progress', { response: { ...a, status: 'in_progress', output: [], usage: null } });
    items.forEach((item, i) => {
      if (item.type === 'function_call') {
        const args = String(item.arguments ?? '');
        e('response.output_item.added', { output_index: i, item: { ...item, arguments: '', status: 'in_progress' } });
        for (const p of pieces(args, 16)) e('response.function_call_arguments.delta', { item_id: item.id, output_index: i, delta: p });
        e('response.function_call_arguments.done', { item_id: item.id, output_index: i, arguments: args });
      } else {
        const part = (Array.isArray(item.content) && isObj(item.content[0]) ? item.content[0] : { type: 'output_text', text: '', annotations: [] }) as Record<string, unknown>;
        const text = String(part.text ?? '');
        e('response.output_item.added', { output_index: i, item: { ...item, status: 'in_progress', content: [] } });
        e('response.content_part.added', { item_id: item.id, output_index: i, content_index: 0, part: { ...part, text: '' } });
        for (const p of pieces(text, 16)) e('response.output_text.delta', { item_id: item.id, output_index: i, content_index: 0, delta: p });
        e('response.output_text.done', { item_id: item.id, output_index: i, content_index: 0, text });
        e('response.content_part.done', { item_id: item.id, output_index: i, content_index: 0, part });
      }
      e('response.output_item.done', { output_index: i, item });
    });
    e('response.completed', { response: a });
    return out;
  }
  const blocks = Array.isArray(a.content) ? a.content.filter(isObj) : [];
  const usage = (isObj(a.usage) ? a.usage : {}) as Record<string, unknown>;
  const e = (type: string, rest: Record<string, unknown>) => out.push(ev({ type, ...rest }, type));
  e('message_start', { message: { ...a, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } });
  blocks.forEach((b, index) => {
    if (b.type === 'tool_use') {
      e('content_block_start', { index, content_block: { ...b, input: {} } });
      for (const p of pieces(JSON.stringify(b.input ?? {}), 16)) e('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: p } });
    } else {
      e('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const p of pieces(String(b.text ?? ''), 16)) e('content_block_delta', { index, delta: { type: 'text_delta', text: p } });
    }
    e('content_block_stop', { index });
  });
  e('message_delta', { delta: { stop_reason: a.stop_reason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  e('message_stop', {});
  return out;
}
