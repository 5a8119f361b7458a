// The query API and the live feed: token and Origin checks, filters, and spans streamed as they arrive.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import * as http from 'node:http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startTestServer, api, waitFor } from '../helpers/server';
import { tracerProvider, emitRichTrace } from '../helpers/otel';
import { postCapture } from '../helpers/captures';
import { startMockModel } from '../../src/demo/mockModel';
import type { RunningServer } from '../../src/server/server';
import { treeSpans, uiRequestRoute, UI_METHODS, type ServerMessage, type SpanDetailResponse, type TraceListResponse, type TraceResponse, type TraceTreeResponse, type UiMethod, type UiMethods } from '../../src/protocol';

let server: RunningServer;
before(async () => { server = await startTestServer(); });
after(async () => { await server.close(); });

test('the API wants the token, an allowed Origin and a loopback Host', async () => {
  const url = `http://127.0.0.1:${server.httpPort}/api/traces`;
  assert.equal((await fetch(url)).status, 401);
  assert.equal((await fetch(url, { headers: { Authorization: 'Bearer nope' } })).status, 401);
  assert.equal((await fetch(`${url}?token=test-token`)).status, 200);
  assert.equal((await fetch(url, { headers: { Authorization: 'Bearer test-token', Origin: 'https://evil.example' } })).status, 403);
  assert.equal((await fetch(url, { headers: { Authorization: 'Bearer test-token', Origin: `http://127.0.0.1:${server.httpPort}` } })).status, 200);
  assert.equal((await fetch(url, { headers: { Authorization: 'Bearer test-token', Origin: 'vscode-webview://abc' } })).status, 200);
  // fetch cannot set Host; a DNS-rebinding page's requests carry the attacker's name in it.
  const rebinding = await new Promise<number>((r) => http.get({ host: '127.0.0.1', port: server.httpPort, path: '/api/traces',
    headers: { Authorization: 'Bearer test-token', Host: 'attacker.example' } }, (res) => { res.resume(); r(res.statusCode!); }));
  assert.equal(rebinding, 403);
  const ws = new WebSocket(`ws://127.0.0.1:${server.httpPort}/ws`);
  const status = await new Promise<number>((r) => ws.on('unexpected-response', (_q, res) => r(res.statusCode!)));
  assert.equal(status, 401);
});

test('the live feed sends summaries to all and spans to subscribers, as they arrive', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${server.httpPort}/ws?token=test-token`);
  const msgs: ServerMessage[] = [];
  ws.on('message', (d) => msgs.push(JSON.parse(String(d))));
  await new Promise((r) => ws.on('open', r));
  ws.send(JSON.stringify({ type: 'subscribe', traceIds: '*' }));
  await new Promise((r) => setTimeout(r, 50));
  const { provider, memory, tracer } = tracerProvider('live', [new OTLPTraceExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` })]);
  emitRichTrace(tracer, 'live');
  await provider.forceFlush();
  const traceId = memory.getFinishedSpans()[0]!.spanContext().traceId;
  const until = Date.now() + 5000;
  while (Date.now() < until && msgs.filter((m) => m.type === 'spans').flatMap((m) => (m.type === 'spans' ? m.spans : [])).length < 2) await new Promise((r) => setTimeout(r, 20));
  assert.equal(msgs[0]!.type, 'hello');
  const spans = msgs.flatMap((m) => (m.type === 'spans' && m.traceId === traceId ? m.spans : []));
  assert.equal(spans.length, 2, 'both spans streamed');
  const chat = spans.find((s) => s.name === 'chat gpt-4o-mini')!;
  assert.equal(chat.genai?.kind, 'llm');
  const last = msgs.filter((m) => m.type === 'summaries').flatMap((m) => (m.type === 'summaries' ? m.traces : [])).filter((t) => t.traceId === traceId).pop()!;
  assert.equal(last.spanCount, 2);
  ws.close();
  await provider.shutdown();

  const get = api(server);
  const q = await get<TraceListResponse>('/api/traces?q=agent-live');
  assert.deepEqual(q.traces.map((t) => t.traceId), [traceId]);
  assert.equal((await get<TraceListResponse>('/api/traces?service=nope')).total, 0);
});

test('the tree, one span in full, find in a run, and full-text search over runs', async () => {
  const get = api(server);
  const { provider, memory, tracer } = tracerProvider('views', [new OTLPTraceExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` })]);
  emitRichTrace(tracer, 'views');
  await provider.forceFlush();
  const [chatSpan, rootSpan] = memory.getFinishedSpans();
  const traceId = rootSpan!.spanContext().traceId;
  const full = await get<TraceResponse>(`/api/traces/${traceId}`);
  const treeRes = await get<TraceTreeResponse>(`/api/traces/${traceId}/tree`);
  const tree = { ...treeRes, spans: treeSpans(treeRes) };
  // The tree is the full response's spans without content (in arrival order): ids, times, status, kinds.
  const byId = (a: { spanId: string }, b: { spanId: string }) => (a.spanId < b.spanId ? -1 : 1);
  tree.spans.sort(byId);
  full.spans.sort(byId);
  // Defaults are left out: unset status, and the run's own service.
  assert.deepEqual(tree.spans.map((s) => [s.spanId, s.parentSpanId, s.name, s.startTimeUnixNano, s.endTimeUnixNano, s.status, s.service, s.genai?.kind]),
    full.spans.map((s) => [s.spanId, s.parentSpanId, s.name, s.startTimeUnixNano, s.endTimeUnixNano, s.status.code || s.status.message ? s.status : undefined, undefined, s.genai?.kind]));
  const treeChat = tree.spans.find((s) => s.genai?.kind === 'llm')!;
  assert.equal(treeChat.genai?.usage?.input, 120);
  assert.equal(treeChat.genai?.countsUsage, true);
  assert.deepEqual(tree.summary, full.summary);
  // Rows by position, 0 for what is absent.
  assert.deepEqual(treeRes.rows.find((r) => r[0] === tree.spans[0]!.spanId)!.slice(0, 3), [tree.spans[0]!.spanId, tree.spans[0]!.parentSpanId, tree.spans[0]!.name]);
  assert.deepEqual(tree.byModel, full.byModel);
  // One span: exactly as the full response has it, with its resource and scope.
  const chatId = chatSpan!.spanContext().spanId;
  const one = await get<SpanDetailResponse>(`/api/traces/${traceId}/spans/${chatId}`);
  const fullChat = full.spans.find((s) => s.spanId === chatId)!;
  assert.deepEqual(one.span, { ...fullChat, resource: 0, scope: 0 });
  assert.deepEqual(one.resources[0], full.resources[fullChat.resource]);
  assert.equal((await fetch(`http://127.0.0.1:${server.httpPort}/api/traces/${traceId}/spans/0000000000000000?token=test-token`)).status, 404);
  // Find in a run reads attribute values and event attributes, not only names.
  assert.deepEqual((await get<{ spanIds: string[] }>(`/api/traces/${traceId}/search?q=${encodeURIComponent('ÜNÏCÖDÉ ✓')}`)).spanIds, [rootSpan!.spanContext().spanId]);
  assert.deepEqual((await get<{ spanIds: string[] }>(`/api/traces/${traceId}/search?q=boom`)).spanIds, [chatId]);
  assert.deepEqual((await get<{ spanIds: string[] }>(`/api/traces/${traceId}/search?q=nowhere-to-be-found`)).spanIds, []);
  // The runs list searches the same content.
  const found = await get<TraceListResponse>(`/api/traces?q=${encodeURIComponent('step.note')}`);
  assert.ok(found.traces.some((t) => t.traceId === traceId));
  assert.equal((await get<TraceListResponse>('/api/traces?q=nowhere-to-be-found')).traces.length, 0);
});

test('reading a run changes nothing stored: an OpenInference tool\'s preview is made at the first query, the stored view stays as ingest made it', async () => {
  const srv = await startTestServer({ dataDir: null });
  try {
    await postCapture('langgraph', srv.httpPort);
    const traces = srv.store.list({ limit: 10 }).traces;
    const before = traces.map((t) => [...srv.store.get(t.traceId)!.spans.values()].map((s) => JSON.stringify(s.genai)));
    const get = api(srv);
    let previews = 0;
    for (const t of traces) {
      const tree = await get<TraceTreeResponse>(`/api/traces/${t.traceId}/tree`);
      const tools = tree.rows.filter((r) => r[8] && (r[8] as { kind: string }).kind === 'tool');
      for (const r of tools) { assert.match((r[8] as { argsPreview: string }).argsPreview, /A-1042/); previews++; }
    }
    assert.equal(previews, 3, 'the three tool runs of the capture');
    const after = traces.map((t) => [...srv.store.get(t.traceId)!.spans.values()].map((s) => JSON.stringify(s.genai)));
    assert.deepEqual(after, before);
  } finally {
    await srv.close();
  }
});

test('the live feed in rows form sends the rows the tree endpoint sends (OpenInference tool previews included)', async () => {
  const srv = await startTestServer({ dataDir: null });
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.httpPort}/ws?token=${srv.token}`);
    await new Promise((r) => ws.once('open', r));
    const live = new Map<string, unknown>();
    let messages = 0;
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as ServerMessage;
      if (m.type === 'rows') { messages++; for (const r of m.rows) live.set(r[0], r); }
      assert.notEqual(m.type, 'spans', 'a rows subscriber gets no full spans');
    });
    ws.send(JSON.stringify({ type: 'subscribe', traceIds: '*', form: 'rows' }));
    await new Promise((r) => setTimeout(r, 50));
    await postCapture('langgraph', srv.httpPort);
    const get = api(srv);
    const traces = (await get<TraceListResponse>('/api/traces')).traces;
    const total = traces.reduce((n, t) => n + t.spanCount, 0);
    await waitFor('every row live', () => (live.size === total ? true : undefined));
    for (const t of traces) {
      for (const row of (await get<TraceTreeResponse>(`/api/traces/${t.traceId}/tree`)).rows) assert.deepEqual(live.get(row[0]), row, `span ${row[2]}`);
    }
    assert.ok(messages >= 3);
    ws.close();
  } finally {
    await srv.close();
  }
});

// (Last in this file: it deletes every run.)
test('every method of the route table is answered by the receiver as the table says: the route the UI and the extension call exists, and the answer has the shape the type names', async () => {
  const { provider, memory, tracer } = tracerProvider('table', [new OTLPTraceExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` })]);
  emitRichTrace(tracer, 'table');
  const turn = tracer.startSpan('invoke_agent turn', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.conversation.id': 'conv-table' } });
  turn.end();
  // A model call with its content, made to a model server here (for the what-if routes).
  const mock = await startMockModel();
  const call = tracer.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'Plan a weekend in Lisbon.' }] }]), 'server.address': '127.0.0.1', 'server.port': Number(new URL(mock.url).port) } });
  call.end();
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  const rich = spans.find((s) => s.name === 'invoke_agent table')!.spanContext();
  const spanId = spans.find((s) => s.spanContext().traceId === rich.traceId && s.spanContext().spanId !== rich.spanId)!.spanContext().spanId;
  const traceId = rich.traceId;
  const other = turn.spanContext().traceId;
  // Params for each method, and a key its answer must have (the type's own first field).
  const calls: { [M in UiMethod]: [UiMethods[M]['params'], string] | null } = {
    listTraces: [{ limit: 5 }, 'traces'], getTree: [{ traceId }, 'rows'], getSummary: [{ traceId }, 'summary'], getTrace: [{ traceId }, 'spans'],
    getSpans: [{ traceId, ids: [spanId] }, 'spans'], getSites: [{ since: 0 }, 'sites'], getSpan: [{ traceId, spanId }, 'span'],
    getStitchedTree: [{ traceId }, 'stitched'], getOrphans: [{ traceId }, 'orphans'], listOrphans: [{}, 'orphans'], getStatus: [{}, 'protocolVersion'],
    getMetrics: [{}, 'points'], sendFeedback: [{ traceId, value: 'up' }, 'feedback'], getFeedback: [{ traceId }, 'total'],
    diffRuns: [{ a: traceId, b: other }, 'steps'], searchTrace: [{ traceId, q: 'boom' }, 'spanIds'], deleteTrace: [{ traceId: other }, 'deleted'],
    clearTraces: [{}, 'cleared'], listConversations: [{}, 'conversations'], getConversation: [{ id: 'conv-table' }, 'turns'],
    getModelRequest: [{ traceId: call.spanContext().traceId, spanId: call.spanContext().spanId }, 'request'],
    replayModelCall: [{ traceId: call.spanContext().traceId, spanId: call.spanContext().spanId }, 'replayOf'],
    getRerunPlan: [{ traceId: call.spanContext().traceId, all: true }, 'calls'],
    subscribe: null, findDefinition: null, // answered by the host (the page's own socket, the editor's workspace)
  };
  assert.deepEqual(Object.keys(calls).sort(), [...UI_METHODS].sort());
  // (Deleting last.)
  for (const method of [...UI_METHODS].sort((a, b) => Number(/^(delete|clear)/.test(a)) - Number(/^(delete|clear)/.test(b)))) {
    const call = calls[method];
    const route = uiRequestRoute(method, (call?.[0] ?? {}) as Record<string, unknown>);
    if (!call) { assert.equal(route, undefined, `${method} is the host's`); continue; }
    assert.ok(route, `${method} has a route`);
    const res = await fetch(`http://127.0.0.1:${server.httpPort}${route.path}`, { method: route.method, body: route.body,
      headers: { Authorization: `Bearer ${server.token}`, ...(route.body ? { 'Content-Type': 'application/json' } : {}) } });
    const body = await res.json() as Record<string, unknown>;
    assert.equal(res.status, 200, `${method} ${route.method} ${route.path}: ${JSON.stringify(body).slice(0, 200)}`);
    assert.ok(call[1] in body, `${method}'s answer has ${call[1]}: ${Object.keys(body).join(', ')}`);
  }
  await mock.close();
  await provider.shutdown();
});
