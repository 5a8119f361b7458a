// The store: out-of-order arrival, duplicates, incremental summaries, parents-first order, eviction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TraceStore } from '../../src/store/store';
import { traceResponse } from '../../src/store/views';
import { treeOrderSteps } from '../../src/store/treeOrder';
import { runNow } from '../../src/slices';
import { span, traceId } from '../helpers/builders';
import { trace as otelTrace, context as otelContext } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { Ingest } from '../../src/server/ingest';
import { spanDetail } from '../../src/otlp/decodeProto';
import { tracerProvider } from '../helpers/otel';
import { mulberry32 } from '../helpers/random';
import { msOfNanos } from '../../src/time';

const llm = (input: number, output: number) => ({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': input, 'gen_ai.usage.output_tokens': output });

test('children before their parent: the summary waits for the root, then takes its name', () => {
  const store = new TraceStore({ maxBytes: 1e9 });
  const root = span({ name: 'invoke_agent planner', attrs: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'planner', 'gen_ai.usage.input_tokens': 999 } });
  const c1 = span({ parentSpanId: root.spanId, name: 'chat gpt-4o', attrs: llm(100, 10) });
  const c2 = span({ parentSpanId: root.spanId, name: 'chat gpt-4o', attrs: llm(200, 20), status: { code: 2, message: 'x' } });
  store.addSpans([c2, c1]);
  let s = store.get(traceId(1))!.summary;
  assert.equal(s.rootPending, true);
  assert.equal(s.rootName, 'chat gpt-4o');
  store.addSpans([root, c1]);
  s = store.get(traceId(1))!.summary;
  assert.equal(s.rootPending, false);
  assert.equal(s.rootName, 'invoke_agent planner');
  assert.equal(s.service, 'svc');
  assert.equal(s.spanCount, 3);
  assert.equal(s.errorCount, 1);
  assert.deepEqual(s.usage, { input: 300, output: 30, cacheRead: 0, cacheCreation: 0, reasoning: 0 }, 'the agent span repeats usage: counted once');
  assert.deepEqual(s.agentNames, ['planner']);
  assert.ok(Math.abs(s.costUsd! - (300 * 2.5 + 30 * 10) / 1e6) < 1e-12, `gpt-4o cost, got ${s.costUsd}`);
  assert.equal(s.startTimeUnixNano, root.startTimeUnixNano);
  assert.equal(s.endTimeUnixNano, c2.endTimeUnixNano);
  const order = traceResponse(store.get(traceId(1))!).spans.map((x) => x.spanId);
  assert.deepEqual(order, [root.spanId, c1.spanId, c2.spanId]);
});

test('an unknown model is an unpriced call, never a silent 0', () => {
  const store = new TraceStore({ maxBytes: 1e9 });
  store.addSpans([span({ traceId: traceId(7), attrs: { ...llm(10, 1), 'gen_ai.request.model': 'my-private-model-x' } })]);
  const s = store.get(traceId(7))!.summary;
  assert.equal(s.costUsd, null);
  assert.equal(s.unpricedCalls, 1);
});

test('orphans and cycles still come out, each span once', () => {
  const a = span({ spanId: 'aaaaaaaaaaaaaaaa', parentSpanId: 'bbbbbbbbbbbbbbbb' });
  const b = span({ spanId: 'bbbbbbbbbbbbbbbb', parentSpanId: 'aaaaaaaaaaaaaaaa' });
  const orphan = span({ parentSpanId: 'cccccccccccccccc' });
  const store = new TraceStore({ maxBytes: 1e9 });
  store.addSpans([a, b, orphan]);
  const e = store.get(orphan.traceId)!;
  const out = [...runNow(treeOrderSteps(e))].map((slot) => e.table.spanIdOf(slot));
  assert.equal(out.length, 3);
  assert.equal(out[0], orphan.spanId);
});

test('memory is bounded by evicting whole oldest traces', () => {
  const store = new TraceStore({ maxBytes: 200_000 });
  const big = 'x'.repeat(2000);
  for (let t = 1; t <= 50; t++) {
    store.addSpans(Array.from({ length: 10 }, () => span({ traceId: traceId(100 + t), attrs: { payload: big } })));
  }
  assert.ok(store.approxBytes <= 200_000, `bytes ${store.approxBytes}`);
  assert.ok(store.traceCount < 50 && store.traceCount > 3, `kept ${store.traceCount}`);
  assert.equal(store.get(traceId(101)), undefined, 'the oldest went first');
  assert.ok(store.get(traceId(150)), 'the newest is kept');
  for (const t of store.list({ limit: 1000 }).traces) assert.equal(t.spanCount, 10, 'traces are evicted whole');
});

test('eviction takes idle runs first: the oldest run, still growing, stays while newer idle runs go', () => {
  let clock = 1_000_000;
  const store = new TraceStore({ maxBytes: 120_000, now: () => clock });
  const big = 'x'.repeat(2000);
  const batch = (t: number, n = 5) => store.addSpans(Array.from({ length: n }, () => span({ traceId: traceId(t), attrs: { payload: big } })));
  const evictedAll: string[] = [];
  batch(1); // the long run: it keeps receiving spans below
  for (let t = 2; t <= 6; t++) { clock += 1000; batch(t); }
  clock += 60_000; // runs 2–6 go idle; run 1 goes on
  batch(1);
  for (let t = 7; t <= 9; t++) {
    clock += 1000;
    evictedAll.push(...batch(1, 1).evicted);
    evictedAll.push(...batch(t).evicted);
  }
  assert.ok(store.get(traceId(1)), 'the growing run stays');
  assert.ok(evictedAll.length > 0);
  assert.ok(evictedAll.every((id) => Number.parseInt(id, 16) >= 2 && Number.parseInt(id, 16) <= 6), `evicted ${evictedAll.map((id) => Number.parseInt(id, 16))}`);
  // The ids reported evicted are exactly the runs no longer in the store.
  for (const id of evictedAll) assert.equal(store.get(id), undefined);
  assert.equal(store.traceCount + evictedAll.length, 9);
  assert.ok(store.approxBytes <= 120_000);
});

test('a run bigger than the bound on its own is what goes when nothing else is left', () => {
  const store = new TraceStore({ maxBytes: 50_000, now: () => 0 });
  const big = 'x'.repeat(2000);
  const r1 = store.addSpans(Array.from({ length: 10 }, () => span({ traceId: traceId(1), attrs: { payload: big } })));
  assert.deepEqual(r1.evicted, [], 'alone, a run over the bound stays (there is nothing else to show)');
  const r2 = store.addSpans(Array.from({ length: 30 }, () => span({ traceId: traceId(2), attrs: { payload: big } })));
  assert.deepEqual(r2.evicted, [traceId(1)]);
  assert.equal(store.traceCount, 1);
});

test('full-text search follows a run as it grows, and forgets runs that are gone', async () => {
  const store = new TraceStore({ maxBytes: Infinity });
  store.addSpans([span({ traceId: traceId(7), attrs: { 'gen_ai.input.messages': 'Where is my order A-1042?' } })]);
  assert.equal(store.list({ q: 'refund' }).total, 0);
  assert.equal(store.list({ q: 'a-1042' }).total, 1, 'case-insensitive');
  // The same run grows: the next search sees the new span (the cached text is extended, not stale).
  store.addSpans([span({ traceId: traceId(7), attrs: { 'gen_ai.output.messages': 'Refund RF-88213 issued' } })]);
  assert.equal((await store.listAsync({ q: 'rf-88213' })).total, 1);
  store.remove(traceId(7));
  assert.equal(store.list({ q: 'rf-88213' }).total, 0);
  store.addSpans([span({ traceId: traceId(7), attrs: { 'gen_ai.output.messages': 'something else' } })]);
  assert.equal(store.list({ q: 'rf-88213' }).total, 0, 'a run of the same id starts afresh');
});

test('a failure inside a retried step is retried: whatever order the spans arrive in, the HTTP call under a failed tool is recovered when the tool is; one under a tool never retried is not', () => {
  const tool = (name: string) => ({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name });
  const fail = { code: 2, message: 'HTTP 503' };
  // The scenario, and its truth: book fails with its HTTP call failing, then book is retried and
  // gets through; pay fails with its HTTP call failing and is never retried; an HTTP call fails at
  // the run's root with no step above it.
  const build = (t: number) => {
    const root = span({ traceId: traceId(t), name: 'invoke_agent a', attrs: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'a' } });
    const wrapper = span({ traceId: traceId(t), parentSpanId: root.spanId, name: 'tool-runner' });
    const book1 = span({ traceId: traceId(t), parentSpanId: wrapper.spanId, name: 'execute_tool book', attrs: tool('book'), status: fail });
    const http1 = span({ traceId: traceId(t), parentSpanId: book1.spanId, name: 'POST', status: fail });
    const pay = span({ traceId: traceId(t), parentSpanId: root.spanId, name: 'execute_tool pay', attrs: tool('pay'), status: fail });
    const http2 = span({ traceId: traceId(t), parentSpanId: pay.spanId, name: 'POST', status: fail });
    const book2 = span({ traceId: traceId(t), parentSpanId: root.spanId, name: 'execute_tool book', attrs: tool('book') });
    const loose = span({ traceId: traceId(t), name: 'GET', status: fail });
    return [root, wrapper, book1, http1, pay, http2, book2, loose];
  };
  const orders: number[][] = [[0, 1, 2, 3, 4, 5, 6, 7], [7, 6, 5, 4, 3, 2, 1, 0], [3, 6, 5, 2, 7, 0, 4, 1], [1, 3, 0, 7, 2, 6, 4, 5]];
  orders.forEach((order, k) => {
    const store = new TraceStore({ maxBytes: 1e9 });
    const spans = build(100 + k);
    for (const i of order) store.addSpans([spans[i]!]);
    const s = store.get(traceId(100 + k))!.summary;
    assert.equal(s.errorCount, 5, `order ${order}`);
    assert.equal(s.recoveredErrors, 2, `order ${order}: book and its HTTP call`);
  });
});

test('a long run whose requests were mostly evicted keeps only its own bytes: the bodies are copied down to its spans, which read back exactly as sent (20 requests of 100 KB, a 400 KB bound)', () => {
  const { tracer, memory } = tracerProvider('repack', []);
  const ingest = new Ingest(new TraceStore({ maxBytes: 400_000 }), undefined);
  const longRoot = tracer.startSpan('invoke_agent long');
  const ctx = otelTrace.setSpan(otelContext.active(), longRoot);
  const sent = new Map<string, string>();
  for (let b = 0; b < 20; b++) {
    const step = tracer.startSpan('execute_tool lookup', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'lookup', note: `step ${b} ${'x'.repeat(200)}` } }, ctx);
    step.end();
    sent.set(step.spanContext().spanId, `step ${b} ${'x'.repeat(200)}`);
    for (let r = 0; r < 50; r++) tracer.startSpan(`short ${b}.${r}`, { attributes: { payload: 'y'.repeat(2000) } }).end();
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!);
    memory.reset();
    assert.ok(body.length > 64 * 1024);
    ingest.accept('traces', 'proto', body, false);
  }
  const store = ingest.store;
  assert.ok(store.approxBytes <= 400_000, `bytes ${store.approxBytes}`);
  const long = store.get(longRoot.spanContext().traceId);
  assert.ok(long, 'the long run is kept: what it holds of 2 MB of requests fits the bound once copied down');
  assert.equal(long.spans.size, 20);
  for (const s of long.spans.values()) {
    const note = spanDetail(s).attributes.find((a) => a.key === 'note')?.value;
    assert.deepEqual(note, { stringValue: sent.get(s.spanId) });
  }
  longRoot.end();
});

test('ids and times read back from the columns exactly: 2,000 seeded random spans, times from 0 to 2^64 - 1 ns (across 2^32 and 2^53), ids with every hex digit', () => {
  const rnd = mulberry32(22);
  const big = (bits: number) => { let v = 0n; for (let i = 0; i < bits; i += 16) v = (v << 16n) | BigInt(Math.floor(rnd() * 65536)); return v & ((1n << BigInt(bits)) - 1n); };
  const hexOf = (v: bigint, n: number) => v.toString(16).padStart(n, '0');
  const store = new TraceStore({ maxBytes: Infinity });
  const sent = [];
  for (let i = 0; i < 2000; i++) {
    const start = i < 4 ? [0n, 1n, 999_999_999n, 1_000_000_000n][i]! : big([20, 33, 53, 60, 64][i % 5]!);
    const end = start + (i % 7 === 0 ? 0n : big(40)) > 2n ** 64n - 1n ? 2n ** 64n - 1n : start + (i % 7 === 0 ? 0n : big(40));
    let sid = big(64); if (sid === 0n) sid = 1n;
    sent.push(span({ traceId: traceId(500 + (i % 10)), spanId: hexOf(sid, 16), parentSpanId: i % 3 ? hexOf(big(64) | 1n, 16) : '', startTimeUnixNano: start.toString() as never, endTimeUnixNano: end.toString() as never }));
  }
  const want = sent.map((s) => ({ traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId, start: s.startTimeUnixNano, end: s.endTimeUnixNano }));
  store.addSpans(sent);
  for (const w of want) {
    const got = store.get(w.traceId)!.spans.get(w.spanId)!;
    assert.deepEqual({ traceId: got.traceId, spanId: got.spanId, parentSpanId: got.parentSpanId, start: got.startTimeUnixNano, end: got.endTimeUnixNano }, w);
    assert.equal(got.startMs, msOfNanos(w.start));
    assert.equal(got.endMs, msOfNanos(w.end));
  }
});
