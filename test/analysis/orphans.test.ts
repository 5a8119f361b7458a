// Orphaned steps over the captured orphan-threadpool run: its tools ran in a thread pool without
// the OpenTelemetry context, so each tool span is the root of a run of its own. capture.json
// says which agent span each tool really ran under (app_agent_span) and which orphan span the
// tool's code saw (active_span_in_tool): the analysis must pair them, and the stitched view must
// put the tool under that agent. A span whose parent never comes is found after the grace period.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, api } from '../helpers/server';
import { postCapture, truthOf } from '../helpers/captures';
import { findOrphans, fixFor, PARENT_GRACE_MS, type RunShape } from '../../src/analysis/orphans';
import { tracerProvider } from '../helpers/otel';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { treeSpans, type Orphan, type SpanDetailResponse, type TraceListResponse, type TraceTreeResponse } from '../../src/protocol';

test('the orphan-threadpool capture: every tool run is caught and stitched under the agent it ran in', async () => {
  const truth = truthOf('orphan-threadpool');
  const server = await startTestServer({ dataDir: null });
  try {
    await postCapture('orphan-threadpool', server.httpPort);
    const get = api(server);
    const { orphans } = await get<{ orphans: Orphan[] }>('/api/orphans');
    const expected = truth.turns.flatMap((t) => t.tool_calls.map((c) => ({ tool: c.name, orphan: c.active_span_in_tool!, parent: (t as unknown as { app_agent_span: { trace_id: string; span_id: string } }).app_agent_span })));
    assert.equal(expected.length, truth.totals.tool_executions);
    for (const x of expected) {
      const o = orphans.find((y) => y.traceId === x.orphan.trace_id);
      assert.ok(o, `${x.tool}: run ${x.orphan.trace_id} is flagged (${JSON.stringify(orphans.map((y) => y.traceId))})`);
      assert.equal(o.reason, 'piece-of-run');
      assert.equal(o.spanId, x.orphan.span_id);
      assert.deepEqual([o.likely?.traceId, o.likely?.spanId], [x.parent.trace_id, x.parent.span_id], `${x.tool}: its likely parent`);
      assert.equal(o.confidence, 'high', JSON.stringify(o.why));
      assert.ok(o.why.some((w) => /tool call id call_/.test(w)), JSON.stringify(o.why));
      assert.match(o.fix, /^Python: .*ThreadPoolExecutor.*copy_context/);
    }
    // Only those: the agent runs themselves are not orphans, nor the classifier calls inside a tool run.
    assert.equal(orphans.length, expected.length, JSON.stringify(orphans.map((o) => o.name)));
    // The stitched view of a turn's run: its tool spans under its agent span; their details load through it.
    const x = expected.find((e) => e.tool === 'issue_refund')!;
    const stitched = await get<TraceTreeResponse & { stitched: string[] }>(`/api/traces/${x.parent.trace_id}/stitched`);
    const spans = treeSpans(stitched);
    const tool = spans.find((s) => s.spanId === x.orphan.span_id)!;
    assert.equal(tool.parentSpanId, x.parent.span_id);
    assert.ok(stitched.stitched.includes(x.orphan.span_id));
    // The classifier call the tool made comes along, under the tool.
    assert.ok(spans.some((s) => s.parentSpanId === x.orphan.span_id && s.genai?.kind === 'llm'));
    const detail = await get<SpanDetailResponse>(`/api/traces/${x.parent.trace_id}/stitched/spans/${x.orphan.span_id}`);
    assert.equal(detail.span.genai?.toolName, 'issue_refund');
    // The stored runs are unchanged.
    const plain = treeSpans(await get<TraceTreeResponse>(`/api/traces/${x.parent.trace_id}/tree`));
    assert.ok(!plain.some((s) => s.spanId === x.orphan.span_id));
    // Per run: the agent's run lists what belongs to it; the piece says where it belongs.
    assert.ok((await get<{ orphans: Orphan[] }>(`/api/traces/${x.orphan.trace_id}/orphans`)).orphans.every((o) => o.likely?.traceId === x.parent.trace_id));
    // The runs list says it too: each piece names its likely parent, each parent counts its pieces.
    const list = (await get<TraceListResponse>('/api/traces?limit=100')).traces;
    for (const e of expected) {
      const piece = list.find((t) => t.traceId === e.orphan.trace_id)!;
      assert.deepEqual([piece.orphanOf?.traceId, piece.orphanOf?.spanId], [e.parent.trace_id, e.parent.span_id], `${e.tool}: marked in the list`);
    }
    const perParent = new Map<string, number>();
    for (const e of expected) perParent.set(e.parent.trace_id, (perParent.get(e.parent.trace_id) ?? 0) + 1);
    for (const t of list) assert.equal(t.orphans ?? 0, perParent.get(t.traceId) ?? 0, `${t.rootName}: pieces placed in it`);
    assert.equal(list.filter((t) => t.orphanOf).length, expected.length, 'no other run is marked');
  } finally {
    await server.close();
  }
});

test('a span whose parent never arrives is an orphan once the run has been idle for the grace period', () => {
  const shape = (idleMs: number): RunShape => ({ traceId: 'a'.repeat(32), service: 'svc', roots: [], agents: [], idleMs,
    missingParents: [{ spanId: 'b'.repeat(16), name: 'chat gpt-4o', parentSpanId: 'c'.repeat(16) }], requestedToolCalls: () => new Set() });
  assert.deepEqual(findOrphans([shape(PARENT_GRACE_MS - 1)]), []);
  const [o] = findOrphans([shape(PARENT_GRACE_MS)]);
  assert.equal(o!.reason, 'parent-missing');
  assert.match(o!.why[0]!, /its parent span c{16} never arrived \(nothing came for 30 s\)/);
  assert.match(fixFor('nodejs'), /context\.bind/);
});

test('a model call of its own, with no agent running in its service, is not an orphan', async () => {
  const server = await startTestServer({ dataDir: null });
  try {
    const { provider, tracer } = tracerProvider('lonely', [new OTLPTraceExporter({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` })]);
    tracer.startSpan('chat gpt-4o-mini', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini' } }).end();
    await provider.forceFlush();
    assert.deepEqual((await api(server)<{ orphans: Orphan[] }>('/api/orphans')).orphans, []);
    await provider.shutdown();
  } finally {
    await server.close();
  }
});
