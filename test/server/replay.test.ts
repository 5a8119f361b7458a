// What if (issue 26), one model call: the request rebuilt from a recorded span, and sent again.
// The runs come from a real two-call tool-using agent (test/helpers/agentRun.ts) under each JS
// instrumentation, exported with the real OTLP exporter, against the mock model: the truth is the
// mock's request log (what the provider really received), its usage, and genai-prices.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { calcPrice } from '@pydantic/genai-prices';
import { startTestServer, api, waitFor } from '../helpers/server';
import { startMockModel, type ChatRequest, type MockModel } from '../../src/demo/mockModel';
import { AGENT, type Flavour } from '../helpers/agentRun';
import { checkRequest } from '../../src/genai/rebuild';
import type { RunningServer } from '../../src/server/server';
import type { TraceResponse } from '../../src/protocol';
import type { ModelRequestResponse, ReplayResponse } from '../../src/server/replayApi';

const APP = path.join(__dirname, '..', 'helpers', 'agentRun.js');
const KEY = 'sk-test-never-stored-7f3a9c';
let server: RunningServer;
let mock: MockModel;
/** Per instrumentation: the run, and the requests the mock received for its model calls, in order. */
const runs = new Map<Flavour, { trace: TraceResponse; requests: ChatRequest[]; bodies: Record<string, unknown>[]; usages: MockModel['usages'] }>();
const FLAVOURS: Flavour[] = ['otel', 'openllmetry', 'openinference', 'vercel', 'vercel-otel', 'anthropic'];
const OPENAI_FLAVOURS = FLAVOURS.filter((f) => f !== 'anthropic');

before(async () => {
  process.env.OPENAI_API_KEY = KEY;
  process.env.ANTHROPIC_API_KEY = `${KEY}-ant`;
  server = await startTestServer({ dataDir: null });
  mock = await startMockModel();
  for (const f of FLAVOURS) {
    const from = mock.requests.length;
    const { stdout } = await promisify(execFile)(process.execPath, [APP, f, `http://127.0.0.1:${server.httpPort}`, mock.url], { timeout: 60_000 });
    const { traceId } = JSON.parse(stdout.trim().split('\n').pop()!) as { traceId: string };
    const trace = await waitFor(`the ${f} run`, async () => {
      const t = await api(server)<TraceResponse>(`/api/traces/${traceId}`).catch(() => undefined);
      return t && t.spans.filter((s) => s.genai?.kind === 'llm').length >= 2 && !t.summary.rootPending ? t : undefined;
    });
    runs.set(f, { trace, requests: mock.requests.slice(from), bodies: mock.bodies.slice(from), usages: mock.usages.slice(from) });
  }
});
after(async () => { delete process.env.OPENAI_API_KEY; delete process.env.ANTHROPIC_API_KEY; await mock.close(); await server.close(); });

const llmSpans = (t: TraceResponse) => t.spans.filter((s) => s.genai?.kind === 'llm').sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1));
const rebuilt = (t: TraceResponse, spanId: string) => api(server)<ModelRequestResponse>(`/api/traces/${t.summary.traceId}/spans/${spanId}/request`);
/** What the provider received, less what a replay does not send again (it reads the answer whole). */
const asSent = (r: ChatRequest): Record<string, unknown> => { const { stream: _s, stream_options: _o, ...rest } = r as ChatRequest & Record<string, unknown>; return rest; };

for (const f of OPENAI_FLAVOURS) {
  test(`${f}: each model call rebuilt from its span is the request the mock received (messages with the tool calls and results, the tools where the instrumentation recorded them, the model)`, async () => {
    const { trace, requests, usages } = runs.get(f)!;
    const spans = llmSpans(trace);
    assert.equal(spans.length, requests.length);
    for (let i = 0; i < spans.length; i++) {
      const { request, estimate } = await rebuilt(trace, spans[i]!.spanId);
      assert.equal(request.format, 'openai.chat');
      assert.equal(request.path, '/chat/completions');
      const sent = asSent(requests[i]!);
      if (f === 'otel') {
        // The official instrumentation does not record the tools offered: said, and left out.
        assert.deepEqual(request.missing.map((m) => m.split(' (')[0]), ['the tools the model was offered']);
        const { tools: _t, ...rest } = sent;
        assert.deepEqual(request.body, rest);
      } else {
        assert.deepEqual(request.missing, []);
        // (@ai-sdk/otel does not record tool_choice; "auto" is OpenAI's own default when tools are offered.)
        if (f === 'vercel-otel' && sent.tool_choice === 'auto' && !('tool_choice' in request.body)) delete sent.tool_choice;
        assert.deepEqual(request.body, sent);
      }
      assert.deepEqual(request.problems, []);
      // The estimate, where the recording has the call's usage: the tokens the mock reported, priced by genai-prices.
      if (spans[i]!.genai!.usage) {
        assert.deepEqual([estimate.inputTokens, estimate.outputTokens], [usages[i]!.prompt_tokens, usages[i]!.completion_tokens]);
        const price = calcPrice({ input_tokens: estimate.inputTokens, output_tokens: estimate.outputTokens }, 'gpt-4o-mini', { providerId: 'openai' })!.total_price;
        assert.ok(Math.abs(estimate.usd! - price) < 1e-12, `${estimate.usd} vs ${price}`);
      }
    }
    // Where it went: the instrumentations that record server.address name the mock itself.
    const first = (await rebuilt(trace, spans[0]!.spanId)).request;
    if (f === 'otel' || f === 'vercel-otel') assert.equal(first.baseUrl, `http://127.0.0.1:${new URL(mock.url).port}/v1`);
    else assert.equal(first.baseUrl, 'https://api.openai.com/v1');
  });
}

test('anthropic (OpenLLMetry\'s instrumentation of @anthropic-ai/sdk): each model call with its content rebuilt as the Anthropic messages request the mock received (system, tool_use and tool_result blocks, max_tokens), the tools said missing; sent again to an Anthropic endpoint with its key header', async () => {
  const { trace, bodies } = runs.get('anthropic')!;
  // (The SDK's own spans of the same calls carry no content: they cannot be rebuilt, and say why.)
  const spans = llmSpans(trace).filter((s) => s.genai?.inputMessages);
  assert.equal(spans.length, bodies.length);
  for (let i = 0; i < spans.length; i++) {
    const { request } = await rebuilt(trace, spans[i]!.spanId);
    assert.deepEqual([request.format, request.path, request.baseUrl], ['anthropic.messages', '/messages', 'https://api.anthropic.com/v1']);
    const { tools: _t, ...sent } = bodies[i]!;
    assert.deepEqual(request.body, sent);
    assert.deepEqual(request.missing.map((m) => m.split(' (')[0]), ['the tools the model was offered']);
    assert.deepEqual(request.problems, []);
  }
  const bare = llmSpans(trace).find((s) => !s.genai?.inputMessages)!;
  const res = await fetch(`http://127.0.0.1:${server.httpPort}/api/traces/${trace.summary.traceId}/spans/${bare.spanId}/request`, { headers: { Authorization: `Bearer ${server.token}` } });
  assert.equal(res.status, 422);
  assert.match((await res.json() as { error: string }).error, /did not capture content/);
  // Sent again, edited, to the mock as an Anthropic endpoint.
  const { request } = await rebuilt(trace, spans[1]!.spanId);
  const edited = { ...request.body, system: 'You are a terse travel planner.' };
  const heard = mock.requests.length;
  const out = await api(server)<ReplayResponse>('/api/replay', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ traceId: trace.summary.traceId, spanId: spans[1]!.spanId, request: edited, baseUrl: mock.url }) });
  assert.deepEqual(mock.bodies[heard], edited);
  assert.equal(out.url, `${mock.url}/messages`);
  assert.deepEqual([out.usage.input, out.usage.output], [mock.usages[heard]!.prompt_tokens, mock.usages[heard]!.completion_tokens]);
  assert.match(out.output.text, /^Lisbon will be 18°C/);
  const cost = calcPrice({ input_tokens: mock.usages[heard]!.prompt_tokens, output_tokens: mock.usages[heard]!.completion_tokens }, 'claude-sonnet-4-5', { providerId: 'anthropic' })!.total_price;
  assert.ok(Math.abs(out.costUsd! - cost) < 1e-12, `${out.costUsd} vs ${cost}`);
});

test('what providers reject is found at its place: a tool call left without its result, a result without its call, arguments encoded twice', async () => {
  const { trace } = runs.get('openllmetry')!;
  const body = (await rebuilt(trace, llmSpans(trace)[1]!.spanId)).request.body as { messages: Record<string, unknown>[] };
  // Messages: system, user, assistant (two calls), tool, tool.
  const noResult = { ...body, messages: body.messages.filter((_, i) => i !== 4) };
  assert.deepEqual(checkRequest('openai.chat', noResult).map((p) => [p.at, p.severity]), [['messages[2].tool_calls[1]', 'error']]);
  const orphanResult = { ...body, messages: [body.messages[0], body.messages[1], body.messages[3]] };
  assert.deepEqual(checkRequest('openai.chat', orphanResult).map((p) => p.at), ['messages[2].tool_call_id']);
  const calls = (body.messages[2]!.tool_calls as { function: { arguments: string } }[]);
  const twice = { ...body, messages: body.messages.map((m, i) => (i !== 2 ? m : { ...m, tool_calls: calls.map((c, j) => (j === 0 ? { ...c, function: { ...c.function, arguments: JSON.stringify(c.function.arguments) } } : c)) })) };
  const p = checkRequest('openai.chat', twice);
  assert.deepEqual(p.map((x) => x.at), ['messages[2].tool_calls[0].function.arguments']);
  assert.match(p[0]!.message, /encoded twice/);
  // Sent that way, the API refuses before anything goes out, saying where.
  const heard = mock.requests.length;
  const res = await fetch(`http://127.0.0.1:${server.httpPort}/api/replay`, {
    method: 'POST', headers: { Authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ traceId: trace.summary.traceId, spanId: llmSpans(trace)[1]!.spanId, request: twice, baseUrl: mock.url }),
  });
  assert.equal(res.status, 422);
  const out = await res.json() as { error: string; problems: { at: string }[] };
  assert.match(out.error, /messages\[2\]\.tool_calls\[0\]\.function\.arguments: the arguments are JSON inside a JSON string/);
  assert.equal(mock.requests.length, heard);
});

test('replayed with an edited system prompt: the mock receives the edit; the answer is a new run linked to the call it replays, with the mock\'s usage and genai-prices\' cost; the key is nowhere in what is stored or answered', async () => {
  // (@ai-sdk/otel records where the call went and the tools it offered.)
  const { trace } = runs.get('vercel-otel')!;
  const call = llmSpans(trace)[0]!;
  const { request } = await rebuilt(trace, call.spanId);
  const body = request.body as { messages: { role: string; content: string }[] };
  const edited = { ...body, messages: body.messages.map((m) => (m.role === 'system' ? { ...m, content: 'You are a terse travel planner. Answer in five words.' } : m)) };
  const heard = mock.requests.length;
  // (No baseUrl: where the recording says the call went, which is the mock.)
  const res = await fetch(`http://127.0.0.1:${server.httpPort}/api/replay`, {
    method: 'POST', headers: { Authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ traceId: trace.summary.traceId, spanId: call.spanId, request: edited }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  const out = JSON.parse(text) as ReplayResponse;
  assert.equal(mock.requests.length, heard + 1);
  assert.deepEqual(mock.requests[heard], edited);
  const usage = mock.usages[heard]!;
  assert.deepEqual([out.usage.input, out.usage.output], [usage.prompt_tokens, usage.completion_tokens]);
  // The model answered with tool calls (the mock's script, as the first time).
  assert.deepEqual(out.output.toolCalls.map((c) => c.name), AGENT.tools.map((t) => t.name));
  const cost = calcPrice({ input_tokens: usage.prompt_tokens, output_tokens: usage.completion_tokens }, 'gpt-4o-mini', { providerId: 'openai' })!.total_price;
  assert.ok(Math.abs(out.costUsd! - cost) < 1e-12);
  // The new run: one model call, linked, its usage and cost as the run reports them.
  assert.deepEqual(out.replayOf, { traceId: trace.summary.traceId, spanId: call.spanId });
  const t = await waitFor('the replay run', () => api(server)<TraceResponse>(`/api/traces/${out.traceId}`).catch(() => undefined));
  const span = t.spans.find((s) => s.spanId === out.spanId)!;
  assert.equal((span.attributes.find((a) => a.key === 'agent_lens.replay_of')?.value as { stringValue?: string } | undefined)?.stringValue, `${trace.summary.traceId}/${call.spanId}`);
  assert.deepEqual([t.summary.usage.input, t.summary.usage.output], [usage.prompt_tokens, usage.completion_tokens]);
  assert.ok(Math.abs(t.summary.costUsd! - cost) < 1e-12);
  assert.equal(span.genai?.systemInstructions?.[0]?.type === 'text' && (span.genai.systemInstructions[0] as { content: string }).content, 'You are a terse travel planner. Answer in five words.');
  // The key went to the provider only.
  assert.equal(mock.headers[heard]!.authorization, `Bearer ${KEY}`);
  const everything = JSON.stringify([t, out, await api(server)(`/api/status`), await api(server)(`/api/traces?limit=100`)]);
  assert.ok(!everything.includes(KEY));
});

test('a key given with the request (the editor\'s secret storage) is the one the endpoint gets, over the environment\'s; it is in no run, answer or error; an endpoint that echoes it in an error does not get it into the answer', async () => {
  const { trace } = runs.get('vercel-otel')!;
  const call = llmSpans(trace)[0]!;
  const mine = 'sk-from-the-editor-0123456789';
  const heard = mock.requests.length;
  const post = (b: Record<string, unknown>) => fetch(`http://127.0.0.1:${server.httpPort}/api/replay`, {
    method: 'POST', headers: { Authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ traceId: trace.summary.traceId, spanId: call.spanId, ...b }) });
  const res = await post({ apiKey: mine });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.equal(mock.headers[heard]!.authorization, `Bearer ${mine}`);
  const out = JSON.parse(text) as ReplayResponse;
  const t = await waitFor('the replay run', () => api(server)<TraceResponse>(`/api/traces/${out.traceId}`).catch(() => undefined));
  // An endpoint that answers 401 with the key in its message (as some proxies do).
  const echo = http.createServer((req, r) => { r.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `Incorrect API key provided: ${String(req.headers.authorization).slice(7)}` } })); });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const bad = await post({ apiKey: mine, baseUrl: `http://127.0.0.1:${(echo.address() as AddressInfo).port}/v1` });
  const badText = await bad.text();
  echo.close();
  assert.equal(bad.status, 502);
  assert.match(badText, /answered 401.*Incorrect API key provided: \*\*\*/);
  const everything = JSON.stringify([t, text, badText, await api(server)(`/api/status`), await api(server)(`/api/traces?limit=100`)]);
  assert.ok(!everything.includes(mine));
});

test('bad requests say what is wrong: not a model call, an unknown span, a body that is not a request, an endpoint that is down', async () => {
  const { trace } = runs.get('otel')!;
  const post = (b: unknown) => fetch(`http://127.0.0.1:${server.httpPort}/api/replay`, { method: 'POST', headers: { Authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: JSON.stringify(b) });
  const agent = trace.spans.find((s) => s.genai?.kind === 'agent')!;
  const notLlm = await fetch(`http://127.0.0.1:${server.httpPort}/api/traces/${trace.summary.traceId}/spans/${agent.spanId}/request`, { headers: { Authorization: `Bearer ${server.token}` } });
  assert.equal(notLlm.status, 422);
  assert.match((await notLlm.json() as { error: string }).error, /is not a model call/);
  const r404 = await post({ traceId: trace.summary.traceId, spanId: '0123456789abcdef' });
  assert.equal(r404.status, 404);
  const r400 = await post({ traceId: 'x', spanId: 'y' });
  assert.equal(r400.status, 400);
  const call = llmSpans(trace)[0]!;
  const r422 = await post({ traceId: trace.summary.traceId, spanId: call.spanId, request: { model: 'gpt-4o-mini', messages: [] } });
  assert.equal(r422.status, 422);
  // A port nobody listens on.
  const down = await post({ traceId: trace.summary.traceId, spanId: call.spanId, baseUrl: 'http://127.0.0.1:9/v1' });
  assert.equal(down.status, 502);
  assert.match((await down.json() as { error: string }).error, /^could not reach http:\/\/127\.0\.0\.1:9\/v1\/chat\/completions/);
});
