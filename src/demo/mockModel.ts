// A local OpenAI-compatible model server for the demo and the tests (there is no internet here):
// POST /v1/chat/completions answers by script — a tool call when tools are offered and no tool
// result has come since the user's latest message, a final answer otherwise — with `usage` from the text length.
// Streaming (`stream: true`) sends SSE chunks and, with stream_options.include_usage, a usage chunk.
// POST …/responses (OpenAI responses) and …/messages (Anthropic messages) answer by the same
// script, their requests read as a chat and their answers written in their own shapes, streamed
// as their own events when asked; `requests` logs them as the chat they were read as.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ChatMessage { role: string; content?: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string }
export interface ChatRequest { model: string; messages: ChatMessage[]; tools?: { function: { name: string } }[]; stream?: boolean; stream_options?: { include_usage?: boolean } }

export interface MockModel {
  url: string;
  port: number;
  /** Every usage the server reported, in order, for tests to compare against. */
  usages: { prompt_tokens: number; completion_tokens: number; total_tokens: number }[];
  /** Every request body it was sent (parsed), in order: what the model was really asked. */
  requests: ChatRequest[];
  /** The same requests as they came, in their own API's shape (responses and messages are not read as a chat here). */
  bodies: Record<string, unknown>[];
  /** Their headers (the key a client sent is here). */
  headers: http.IncomingHttpHeaders[];
  close(): Promise<void>;
}

const tokens = (s: string) => Math.max(1, Math.ceil(s.length / 4));

/** Tool arguments the mock asks for, by tool name. */
export const TOOL_ARGS: Record<string, Record<string, unknown>> = {
  get_weather: { city: 'Lisbon', unit: 'celsius' },
  search_flights: { from: 'BER', to: 'LIS', date: '2026-12-04' },
  book_flight: { flight: 'TP 541', date: '2026-12-04', passenger: 'A. Traveller' },
  send_confirmation: { channel: 'email', to: 'traveller@example.com' },
};

/**
 * The tools the model asks for next, in a plan a person would follow: tools that need nothing from
 * each other together (weather and flights), a booking alone and before its confirmation, and a
 * tool whose result came back as an error once more (with a new call). None once all have succeeded.
 */
function nextTools(req: ChatRequest, lastUser: number): string[] {
  const since = req.messages.slice(lastUser + 1);
  const nameOf = new Map<string, string>();
  for (const m of since) for (const c of m.tool_calls ?? []) nameOf.set(c.id, c.function.name);
  const done = new Set<string>();
  for (const m of since) {
    if (m.role !== 'tool' || !m.tool_call_id) continue;
    const failed = /^\s*\{\s*"error"/.test(String(m.content ?? ''));
    if (!failed) done.add(nameOf.get(m.tool_call_id) ?? '');
  }
  const pending = (req.tools ?? []).slice(0, 2).map((t) => t.function.name).filter((t) => !done.has(t));
  return pending.includes('book_flight') ? ['book_flight'] : pending;
}

export function answerFor(req: ChatRequest, n: number) {
  // Tool results count from the latest user message on: a new question starts a new tool round.
  const lastUser = req.messages.map((m) => m.role).lastIndexOf('user');
  const hasToolResult = req.messages.slice(lastUser + 1).some((m) => m.role === 'tool');
  const last = [...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const prompt = tokens(JSON.stringify(req.messages)) + (req.tools ? 20 * req.tools.length : 0);
  const next = req.tools?.length ? nextTools(req, lastUser) : [];
  if (next.length) {
    const calls = next.map((name, i) => ({
      id: `call_${n}_${i}`, type: 'function' as const,
      function: { name, arguments: JSON.stringify(TOOL_ARGS[name] ?? { query: last }) },
    }));
    const completion = tokens(JSON.stringify(calls));
    return { message: { role: 'assistant', content: null, tool_calls: calls }, finish_reason: 'tool_calls', usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } };
  }
  const booked = req.messages.slice(lastUser + 1).some((m) => m.tool_calls?.some((c) => c.function.name === 'book_flight'));
  const text = booked
    ? 'Booked TP 541 BER→LIS on Dec 4 for €89; the confirmation is on its way to your email.'
    : hasToolResult
      ? `Lisbon will be 18°C and sunny; the cheapest flight BER→LIS on Dec 4 is TP 541 at €89.`
      : `Sure — ${String(last).slice(0, 60)}`;
  const completion = tokens(text);
  return { message: { role: 'assistant', content: text }, finish_reason: 'stop', usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } };
}

export async function startMockModel(port = 0): Promise<MockModel> {
  const usages: MockModel['usages'] = [];
  const requests: ChatRequest[] = [];
  const bodies: Record<string, unknown>[] = [];
  const headers: http.IncomingHttpHeaders[] = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const api = req.url?.endsWith('/chat/completions') ? 'chat' : req.url?.endsWith('/responses') ? 'responses' : req.url?.endsWith('/messages') ? 'messages' : undefined;
      if (req.method !== 'POST' || !api) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      let body: ChatRequest;
      let raw: Record<string, unknown>;
      try {
        raw = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        body = api === 'responses' ? chatOfResponses(raw) : api === 'messages' ? chatOfMessages(raw) : raw as unknown as ChatRequest;
      } catch {
        res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: 'bad json' } }));
        return;
      }
      // A model that does not exist is answered as OpenAI answers it.
      if (body.model === 'no-such-model') {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: {
          message: 'The model `no-such-model` does not exist or you do not have access to it.', type: 'invalid_request_error', param: null, code: 'model_not_found' } }));
        return;
      }
      requests.push(body);
      bodies.push(raw);
      headers.push(req.headers);
      const a = answerFor(body, n++);
      usages.push(a.usage);
      const id = `chatcmpl-mock-${n}`;
      const created = Math.floor(Date.now() / 1000);
      const model = body.model.includes('gpt-4o-mini') ? 'gpt-4o-mini-2024-07-18' : body.model;
      if (api === 'responses') return answerResponses(res, a, n, model, !!body.stream);
      if (api === 'messages') return answerMessages(res, a, n, model, !!body.stream);
      if (!body.stream) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ id, object: 'chat.completion', created, model, choices: [{ index: 0, message: a.message, finish_reason: a.finish_reason, logprobs: null }], usage: a.usage, system_fingerprint: 'fp_mock' }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      const send = (o: unknown) => res.write(`data: ${JSON.stringify(o)}\n\n`);
      const base = { id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_mock' };
      send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
      const m = a.message as ChatMessage;
      if (m.tool_calls) {
        m.tool_calls.forEach((tc, i) => send({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: i, id: tc.id, type: 'function', function: { name: tc.function.name, arguments: tc.function.arguments } }] }, finish_reason: null }] }));
      } else {
        for (const piece of String(m.content).match(/.{1,16}/gs) ?? []) send({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
      }
      send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: a.finish_reason }] });
      if (body.stream_options?.include_usage) send({ ...base, choices: [], usage: a.usage });
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const p = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${p}/v1`, port: p, usages, requests, bodies, headers,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

type Answer = ReturnType<typeof answerFor>;
const textOf = (c: unknown): string => (typeof c === 'string' ? c : Array.isArray(c) ? c.map((p) => (p as { text?: string }).text ?? '').join('') : '');

/** An OpenAI responses request, as the chat the script reads: input items as messages, function calls and their outputs as tool calls and tool messages. */
function chatOfResponses(r: Record<string, unknown>): ChatRequest {
  const messages: ChatMessage[] = [];
  if (typeof r.instructions === 'string') messages.push({ role: 'system', content: r.instructions });
  const input = typeof r.input === 'string' ? [{ role: 'user', content: r.input }] : (r.input as Record<string, unknown>[] | undefined) ?? [];
  for (const item of input) {
    if (item.type === 'function_call') messages.push({ role: 'assistant', content: null, tool_calls: [{ id: String(item.call_id), function: { name: String(item.name), arguments: String(item.arguments) } }] });
    else if (item.type === 'function_call_output') messages.push({ role: 'tool', tool_call_id: String(item.call_id), content: String(item.output) });
    else if (typeof item.role === 'string') messages.push({ role: item.role, content: textOf(item.content) });
  }
  const tools = ((r.tools as { name?: string }[] | undefined) ?? []).map((t) => ({ function: { name: String(t.name) } }));
  return { model: String(r.model), messages, ...(tools.length ? { tools } : {}), ...(r.stream ? { stream: true } : {}) };
}

/** An Anthropic messages request, as the chat the script reads: tool_use blocks as tool calls, tool_result blocks as tool messages. */
function chatOfMessages(r: Record<string, unknown>): ChatRequest {
  const messages: ChatMessage[] = [];
  if (r.system) messages.push({ role: 'system', content: textOf(r.system) });
  for (const m of (r.messages as { role: string; content: unknown }[] | undefined) ?? []) {
    if (typeof m.content === 'string') { messages.push({ role: m.role, content: m.content }); continue; }
    const blocks = (m.content as Record<string, unknown>[] | undefined) ?? [];
    const uses = blocks.filter((b) => b.type === 'tool_use');
    for (const b of blocks.filter((x) => x.type === 'tool_result')) messages.push({ role: 'tool', tool_call_id: String(b.tool_use_id), content: textOf(b.content) });
    const text = blocks.filter((b) => b.type === 'text').map((b) => String(b.text)).join('');
    if (uses.length) messages.push({ role: m.role, content: text || null, tool_calls: uses.map((b) => ({ id: String(b.id), function: { name: String(b.name), arguments: JSON.stringify(b.input ?? {}) } })) });
    else if (text || !blocks.some((b) => b.type === 'tool_result')) messages.push({ role: m.role, content: text });
  }
  const tools = ((r.tools as { name?: string }[] | undefined) ?? []).map((t) => ({ function: { name: String(t.name) } }));
  return { model: String(r.model), messages, ...(tools.length ? { tools } : {}), ...(r.stream ? { stream: true } : {}) };
}

function sse(res: http.ServerResponse, events: Record<string, unknown>[]): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  for (const e of events) res.write(`event: ${String(e.type)}\ndata: ${JSON.stringify(e)}\n\n`);
  res.end();
}

/** The script's answer as an OpenAI response (function_call items, or a message), or as its stream of events. */
function answerResponses(res: http.ServerResponse, a: Answer, n: number, model: string, stream: boolean): void {
  const calls = (a.message as ChatMessage).tool_calls ?? [];
  const output: Record<string, unknown>[] = calls.length
    ? calls.map((c, i) => ({ type: 'function_call', id: `fc_mock_${n}_${i}`, call_id: c.id, name: c.function.name, arguments: c.function.arguments, status: 'completed' }))
    : [{ type: 'message', id: `msg_mock_${n}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: String(a.message.content), annotations: [] }] }];
  const usage = { input_tokens: a.usage.prompt_tokens, output_tokens: a.usage.completion_tokens, total_tokens: a.usage.total_tokens };
  const response = { id: `resp_mock_${n}`, object: 'response', created_at: Math.floor(Date.now() / 1000), status: 'completed', model, output, usage, error: null, incomplete_details: null };
  if (!stream) { res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(response)); return; }
  let seq = 0;
  const events: Record<string, unknown>[] = [{ type: 'response.created', sequence_number: seq++, response: { ...response, status: 'in_progress', output: [], usage: null } }];
  output.forEach((item, i) => {
    if (item.type === 'function_call') {
      const args = String(item.arguments);
      events.push({ type: 'response.output_item.added', sequence_number: seq++, output_index: i, item: { ...item, arguments: '', status: 'in_progress' } });
      for (const piece of args.match(/.{1,8}/gs) ?? []) events.push({ type: 'response.function_call_arguments.delta', sequence_number: seq++, item_id: item.id, output_index: i, delta: piece });
      events.push({ type: 'response.function_call_arguments.done', sequence_number: seq++, item_id: item.id, output_index: i, arguments: args });
    } else {
      const text = String(a.message.content);
      events.push({ type: 'response.output_item.added', sequence_number: seq++, output_index: i, item: { ...item, status: 'in_progress', content: [] } });
      for (const piece of text.match(/.{1,16}/gs) ?? []) events.push({ type: 'response.output_text.delta', sequence_number: seq++, item_id: item.id, output_index: i, content_index: 0, delta: piece });
      events.push({ type: 'response.output_text.done', sequence_number: seq++, item_id: item.id, output_index: i, content_index: 0, text });
    }
    events.push({ type: 'response.output_item.done', sequence_number: seq++, output_index: i, item });
  });
  events.push({ type: 'response.completed', sequence_number: seq++, response });
  sse(res, events);
}

/** The script's answer as an Anthropic message (tool_use blocks, or text), or as its stream of events. */
function answerMessages(res: http.ServerResponse, a: Answer, n: number, model: string, stream: boolean): void {
  const calls = (a.message as ChatMessage).tool_calls ?? [];
  const content: Record<string, unknown>[] = calls.length
    ? calls.map((c) => ({ type: 'tool_use', id: `toolu_${c.id}`, name: c.function.name, input: JSON.parse(c.function.arguments) as unknown }))
    : [{ type: 'text', text: String(a.message.content) }];
  const usage = { input_tokens: a.usage.prompt_tokens, output_tokens: a.usage.completion_tokens };
  const message = { id: `msg_mock_${n}`, type: 'message', role: 'assistant', model, content, stop_reason: calls.length ? 'tool_use' : 'end_turn', stop_sequence: null, usage };
  if (!stream) { res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(message)); return; }
  const events: Record<string, unknown>[] = [{ type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { input_tokens: usage.input_tokens, output_tokens: 1 } } }];
  content.forEach((b, index) => {
    if (b.type === 'tool_use') {
      events.push({ type: 'content_block_start', index, content_block: { ...b, input: {} } });
      for (const piece of JSON.stringify(b.input).match(/.{1,8}/gs) ?? []) events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
    } else {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      for (const piece of String(b.text).match(/.{1,16}/gs) ?? []) events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
    }
    events.push({ type: 'content_block_stop', index });
  });
  events.push({ type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }, { type: 'message_stop' });
  sse(res, events);
}
