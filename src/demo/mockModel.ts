// A local OpenAI-compatible model server for the demo and the tests (there is no internet here):
// POST /v1/chat/completions answers by script — a tool call when tools are offered and no tool
// result has come since the user's latest message, a final answer otherwise — with `usage` from the text length.
// Streaming (`stream: true`) sends SSE chunks and, with stream_options.include_usage, a usage chunk.
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
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found' } }));
        return;
      }
      let body: ChatRequest;
      try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest; } catch {
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
      const a = answerFor(body, n++);
      usages.push(a.usage);
      const id = `chatcmpl-mock-${n}`;
      const created = Math.floor(Date.now() / 1000);
      const model = body.model.includes('gpt-4o-mini') ? 'gpt-4o-mini-2024-07-18' : body.model;
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
    url: `http://127.0.0.1:${p}/v1`, port: p, usages, requests,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
