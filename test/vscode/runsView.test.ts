// The Runs view's order and the late-run notice, on runs sent with the real OpenTelemetry JS SDK
// to a real receiver and read back as the extension reads them (its client, the live feed).
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { trace, context } from '@opentelemetry/api';
import { TracerProvider, SimpleSpanProcessor, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { startTestServer, waitFor } from '../helpers/server';
import { ServerClient } from '../../src/vscode/client';
import { placeRuns, type TreeNode } from '../../src/vscode/runOrder';
import { LateRuns, LATE_MS } from '../../src/vscode/lateRuns';
import { runPickItems } from '../../src/vscode/runPicker';
import type { RunningServer } from '../../src/server/server';
import type { ServerMessage, TraceSummary } from '../../src/protocol';

const cleanup: (() => unknown)[] = [];
after(async () => { for (const f of cleanup.reverse()) await f(); });

async function receiver(): Promise<{ srv: RunningServer; client: ServerClient }> {
  const srv = await startTestServer();
  cleanup.push(() => srv.close());
  const client = new ServerClient({ pid: process.pid, host: '127.0.0.1', httpPort: srv.httpPort, grpcPort: srv.grpcPort, token: srv.token, version: 'test', dataDir: '', uiUrl: '', startedAt: new Date().toISOString() });
  await client.connect();
  cleanup.push(() => client.close());
  return { srv, client };
}

const exporterTo = (srv: RunningServer) => new OTLPTraceExporter({ url: `http://127.0.0.1:${srv.httpPort}/v1/traces` });

/** Where a run is in the view: [top-level index, index in its group or -1], and whether placed by a guess. */
function placeOf(nodes: TreeNode[], traceId: string): { at: [number, number]; group?: string; guessed: boolean } | undefined {
  for (const [i, n] of nodes.entries()) {
    if (n.kind === 'run' && n.run.traceId === traceId) return { at: [i, -1], guessed: !!n.guessed };
    if (n.kind === 'conversation') {
      const j = n.runs.findIndex((r) => r.run.traceId === traceId);
      if (j >= 0) return { at: [i, j], group: n.id, guessed: !!n.runs[j]!.guessed };
    }
  }
  return undefined;
}

test('a run in progress keeps its place: in its conversation before its root arrives, the same place after', async () => {
  const { srv, client } = await receiver();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'support-bot' }), spanProcessors: [new SimpleSpanProcessor({ exporter: exporterTo(srv) })] });
  cleanup.push(() => provider.shutdown());
  const tracer = provider.getTracer('t');
  // The conversation id is on the root only, as the OTel GenAI agent spans put it.
  const turn = (q: string) => {
    const root = tracer.startSpan('invoke_agent support', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support', 'gen_ai.conversation.id': 'conv-7' } });
    const chat = tracer.startSpan('chat gpt-4o', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o',
      'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: q }] }]) } }, trace.setSpan(context.active(), root));
    chat.end();
    return root;
  };
  turn('Where is my order?').end();
  // Another service's run in between: it is not the conversation's.
  const other = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'batch-job' }), spanProcessors: [new SimpleSpanProcessor({ exporter: exporterTo(srv) })] });
  cleanup.push(() => other.shutdown());
  other.getTracer('t').startSpan('nightly').end();
  await provider.forceFlush();
  await other.forceFlush();
  const live = turn('And when will it arrive?'); // its model call is in, its root is not
  await provider.forceFlush();
  const liveId = live.spanContext().traceId;
  const before = await waitFor('the live run', async () => {
    const l = (await client.listTraces()).traces;
    return l.length === 3 && l.find((s) => s.traceId === liveId)?.spanCount === 1 ? l : undefined;
  });
  assert.equal(before.find((s) => s.traceId === liveId)!.rootPending, true);
  assert.equal(before.find((s) => s.traceId === liveId)!.conversationId, undefined, 'the server does not know its conversation yet');
  const during = placeOf(placeRuns(before), liveId)!;
  assert.deepEqual(during, { at: [0, 0], group: 'conv-7', guessed: true });
  // Named by its question from the start.
  assert.equal(before.find((s) => s.traceId === liveId)!.title, 'And when will it arrive?');

  live.end();
  await provider.forceFlush();
  const done = await waitFor('the root', async () => {
    const l = (await client.listTraces()).traces;
    return l.find((s) => s.traceId === liveId)?.rootPending === false ? l : undefined;
  });
  assert.deepEqual(placeOf(placeRuns(done), liveId), { at: [0, 0], group: 'conv-7', guessed: false });
  assert.equal(done.find((s) => s.traceId === liveId)!.title, 'And when will it arrive?');
  // The other service's run stays on its own, below.
  const nightly = done.find((s) => s.service === 'batch-job')!;
  assert.deepEqual(placeOf(placeRuns(done), nightly.traceId), { at: [1, -1], guessed: false });
});

test('an orphaned step: its run arrives first, unmarked; when the agent it ran in ends, the live feed marks it (and counts it in that run), and the view shows it under that run', async () => {
  const { srv, client } = await receiver();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'desk', 'telemetry.sdk.language': 'python' }), spanProcessors: [new SimpleSpanProcessor({ exporter: exporterTo(srv) })] });
  cleanup.push(() => provider.shutdown());
  const tracer = provider.getTracer('t');
  const seen = new Map<string, TraceSummary>();
  const marks: string[] = [];
  client.onFeed((m: ServerMessage) => {
    if (m.type !== 'summaries') return;
    for (const s of m.traces) { if (s.orphanOf && !seen.get(s.traceId)?.orphanOf) marks.push(s.traceId); seen.set(s.traceId, s); }
  });
  // The agent runs; its tool runs in a worker without the context: a run of its own, exported
  // (it ended) while the agent still runs.
  const agent = tracer.startSpan('invoke_agent desk', { attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'desk', 'gen_ai.conversation.id': 'conv-o' } });
  await new Promise((r) => setTimeout(r, 20));
  const tool = tracer.startSpan('execute_tool lookup_order', { root: true, attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup_order', 'gen_ai.conversation.id': 'conv-o' } });
  tool.end();
  await provider.forceFlush();
  const pieceId = tool.spanContext().traceId, parentId = agent.spanContext().traceId;
  assert.notEqual(pieceId, parentId);
  await waitFor('the piece, unmarked', () => (seen.get(pieceId) && !seen.get(pieceId)!.orphanOf) || undefined);
  agent.end();
  await provider.forceFlush();
  const piece = await waitFor('the mark, from the live feed', () => seen.get(pieceId)?.orphanOf ? seen.get(pieceId) : undefined);
  assert.deepEqual(piece.orphanOf, { traceId: parentId, spanId: agent.spanContext().spanId, name: 'invoke_agent desk' });
  assert.deepEqual(marks, [pieceId]);
  const parent = await waitFor('the count on its run', () => seen.get(parentId)?.orphans === 1 ? seen.get(parentId) : undefined);
  // The view: the piece under its run, not a turn of the conversation of its own.
  const nodes = placeRuns([parent, piece]);
  assert.equal(nodes.length, 1);
  const group = nodes[0]!;
  assert.ok(group.kind === 'conversation' && group.runs.length === 1, 'one conversation of one run');
  assert.deepEqual(group.runs[0]!.pieces?.map((p) => p.run.traceId), [pieceId]);
  // The conversation counts one turn.
  const conv = await client.request<{ summary: { turns: number } }>('GET', '/api/conversations/conv-o');
  assert.equal(conv.summary.turns, 1);
  // Deleted, the run it belonged in: the piece is on its own again, and says so.
  await client.request('DELETE', `/api/traces/${parentId}`);
  await waitFor('the mark gone', () => (seen.get(pieceId) && !seen.get(pieceId)!.orphanOf) || undefined);
});

test('a pending run with no earlier conversation of its service is not guessed into one', () => {
  const base = { rootName: 'x', durationMs: 1, spanCount: 1, errorCount: 0, usage: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0, reasoning: 0 }, costUsd: null,
    unpricedCalls: 0, llmCalls: 0, callsWithoutUsage: 0, models: [], agentNames: [], endTimeUnixNano: '0' as TraceSummary['endTimeUnixNano'] };
  const runs: TraceSummary[] = [
    { ...base, traceId: 'a'.repeat(32), service: 'svc', startTimeUnixNano: '1764800000000000000' as TraceSummary['startTimeUnixNano'], rootPending: false },
    { ...base, traceId: 'b'.repeat(32), service: 'other', startTimeUnixNano: '1764800001000000000' as TraceSummary['startTimeUnixNano'], rootPending: false, conversationId: 'c1' },
    { ...base, traceId: 'c'.repeat(32), service: 'svc', startTimeUnixNano: '1764800002000000000' as TraceSummary['startTimeUnixNano'], rootPending: true },
  ];
  assert.deepEqual(placeOf(placeRuns(runs), 'c'.repeat(32)), { at: [0, -1], guessed: false });
});

/** Runs from an app whose span processor is built by hand (the JS SDK 3.x: no env is read), seen through the live feed. */
async function lateRunsOf(processor: (e: SpanExporter) => BatchSpanProcessor): Promise<{ notices: ReturnType<LateRuns['onSummaries']>[]; ends: Map<string, number>; arrived: Map<string, number> }> {
  const { srv, client } = await receiver();
  const late = new LateRuns();
  const notices: ReturnType<LateRuns['onSummaries']>[] = [];
  const arrived = new Map<string, number>();
  client.onFeed((m: ServerMessage) => {
    if (m.type !== 'summaries') return;
    const now = Date.now();
    for (const s of m.traces) if (!arrived.has(s.traceId)) arrived.set(s.traceId, now);
    const n = late.onSummaries(m.traces, now);
    if (n) notices.push(n);
  });
  const ends = new Map<string, number>();
  const recorder: SpanExporter = { export: (spans: ReadableSpan[], done) => { for (const s of spans) if (!s.parentSpanContext) ends.set(s.spanContext().traceId, s.endTime[0] * 1000 + s.endTime[1] / 1e6); done({ code: 0 }); }, shutdown: async () => {} };
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'slow-exporter' }), spanProcessors: [processor(exporterTo(srv)), new SimpleSpanProcessor({ exporter: recorder })] });
  const tracer = provider.getTracer('t');
  for (let i = 0; i < 3; i++) {
    const root = tracer.startSpan('invoke_agent a', { attributes: { 'gen_ai.operation.name': 'invoke_agent' } });
    tracer.startSpan('chat m', { attributes: { 'gen_ai.operation.name': 'chat' } }, trace.setSpan(context.active(), root)).end();
    await new Promise((r) => setTimeout(r, 300));
    root.end();
  }
  await waitFor('the three runs', () => arrived.size === 3 || undefined, 15_000);
  await provider.shutdown();
  return { notices, ends, arrived };
}

test('runs that arrive whole seconds after they end (the default 5 s batch delay) are noticed once, naming the service', { timeout: 60_000 }, async (t) => {
  const { notices, ends, arrived } = await lateRunsOf((exporter) => new BatchSpanProcessor({ exporter }));
  // The truth: the SDK's own end times against when the live feed brought them.
  const lateness = [...ends].map(([id, end]) => arrived.get(id)! - end);
  t.diagnostic(`first seen after the run ended, default delay: ${lateness.map(Math.round).join(', ')} ms`);
  assert.ok(lateness.filter((l) => l >= LATE_MS).length >= 2, `lateness ${lateness.map(Math.round).join(', ')} ms`);
  assert.equal(notices.length, 1, 'said once for the service');
  assert.equal(notices[0]!.service, 'slow-exporter');
  assert.ok(Math.abs(notices[0]!.lateMs - (arrived.get(notices[0]!.traceId)! - ends.get(notices[0]!.traceId)!)) < 5);
});

test('runs sent with a short delay are not noticed', { timeout: 60_000 }, async (t) => {
  const { notices, ends, arrived } = await lateRunsOf((exporter) => new BatchSpanProcessor({ exporter, scheduledDelayMillis: 200 }));
  const lateness = [...ends].map(([id, end]) => arrived.get(id)! - end);
  t.diagnostic(`first seen after the run ended (negative: while it ran), 200 ms delay: ${lateness.map(Math.round).join(', ')} ms`);
  assert.ok(lateness.every((l) => l < LATE_MS), `lateness ${lateness.map(Math.round).join(', ')} ms`);
  assert.deepEqual(notices, []);
});

test('the run pickers offer runs newest first by their exact start, and the client asks for one run by its typed methods', async () => {
  const { srv, client } = await receiver();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'picker' }), spanProcessors: [new SimpleSpanProcessor({ exporter: exporterTo(srv) })] });
  const tracer = provider.getTracer('picker');
  // Starts a nanosecond apart: milliseconds since the epoch, as doubles, cannot tell them apart.
  const sec = Math.floor(Date.now() / 1000) - 60;
  const ids: Record<string, string> = {};
  for (const [name, ns] of [['older', 5], ['newer', 6], ['oldest', 4]] as const) {
    const s = tracer.startSpan(name, { startTime: [sec, ns] });
    s.end([sec + 2, 0]);
    ids[name] = s.spanContext().traceId;
  }
  await provider.forceFlush();
  await waitFor('three runs', async () => ((await client.listTraces(10)).traces.length === 3 ? true : undefined));
  const items = runPickItems((await client.listTraces(10)).traces);
  assert.deepEqual(items.map((i) => [i.label, i.run.traceId]), [['newer', ids.newer], ['older', ids.older], ['oldest', ids.oldest]]);
  assert.match(items[0]!.description!, /· picker · 1 steps$/);
  assert.equal(items[0]!.detail, ids.newer);

  const one = await client.ui('getSummary', { traceId: ids.newer! });
  assert.equal(one.summary.startTimeUnixNano, String(BigInt(sec) * 1_000_000_000n + 6n));
  assert.equal(one.summary.spanCount, 1);
  await assert.rejects(client.ui('getSummary', { traceId: 'f'.repeat(32) }), /no trace f{32}/);
  const spans = await client.ui('getSpans', { traceId: ids.older!, ids: [Object.values((await client.ui('getTrace', { traceId: ids.older! })).spans)[0]!.spanId] });
  assert.equal(spans.spans[0]!.name, 'older');
  await provider.shutdown();
});
