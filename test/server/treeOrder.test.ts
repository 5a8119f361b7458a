// The run's tree as NDJSON comes in tree order: parents before their children, depth first,
// siblings by start time (exactly, to the nanosecond; ties in the order the spans arrived), spans
// whose parent is missing as roots among the roots, spans in a parent cycle last. The run is made
// with the real SDK (seeded random starts, ties, children that claim to start before their parent,
// exported as spans end: children first) plus an OTLP/JSON request with a cycle; the expected order
// is worked out here from what was sent, with BigInt times and a recursive walk.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { trace, context } from '@opentelemetry/api';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { startTestServer } from '../helpers/server';
import { mulberry32 } from '../helpers/random';
import type { RunningServer } from '../../src/server/server';

let server: RunningServer;
after(async () => { await server?.close(); });

interface Sent { id: string; parent: string; start: bigint }

test('NDJSON tree rows come parents first, depth first, siblings by exact start then arrival; missing parents make roots, cycles come last (3,000 spans of the real SDK)', async () => {
  server = await startTestServer({ dataDir: null });
  const rnd = mulberry32(7);
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'order' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  const tracer = provider.getTracer('order');
  const t0 = 1_765_000_000; // seconds; nanoseconds below cross 2^32 ns boundaries
  const at = (ms: number): [number, number] => [t0 + Math.floor(ms / 1000), (ms % 1000) * 1_000_000 + Math.floor(rnd() * 3) * 7];
  const root = tracer.startSpan('invoke_agent order', { startTime: at(0) });
  const open: { span: ReturnType<typeof tracer.startSpan>; ms: number }[] = [{ span: root, ms: 0 }];
  let made = 1;
  while (made < 3000) {
    const p = open[Math.floor(rnd() * open.length)]!;
    // Mostly after the parent's start, sometimes the same millisecond (ties), sometimes before it (skew).
    const r = rnd();
    const ms = Math.max(0, r < 0.1 ? p.ms - 5 : r < 0.3 ? p.ms : p.ms + Math.floor(rnd() * 120_000));
    const s = tracer.startSpan(`step ${made}`, { startTime: at(ms) }, trace.setSpan(context.active(), p.span));
    made++;
    if (rnd() < 0.3 && open.length < 400) open.push({ span: s, ms });
    else s.end(at(ms + 50));
  }
  for (const o of open.slice(1).reverse()) o.span.end(at(o.ms + 100_000));
  root.end(at(10_000_000));
  const finished = memory.getFinishedSpans();
  const traceId = root.spanContext().traceId;
  // Sent in three requests, in the order the SDK finished them (children before their parents).
  const sent: Sent[] = [];
  for (let i = 0; i < finished.length; i += 1000) {
    const part = finished.slice(i, i + 1000);
    for (const s of part) {
      sent.push({ id: s.spanContext().spanId, parent: s.parentSpanContext?.spanId ?? '', start: BigInt(s.startTime[0]) * 1_000_000_000n + BigInt(s.startTime[1]) });
    }
    const res = await fetch(`http://127.0.0.1:${server.httpPort}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/x-protobuf' }, body: new Uint8Array(ProtobufTraceSerializer.serializeRequest(part)!) });
    assert.equal(res.status, 200);
  }
  // A span whose parent never comes, and two spans each other's parent, in OTLP/JSON.
  const extra = [
    { spanId: 'aaaaaaaaaaaaaaa1', parentSpanId: 'ffffffffffffff01', start: 1_765_000_050_000_000_000n },
    { spanId: 'ccccccccccccccc1', parentSpanId: 'ccccccccccccccc2', start: 1_765_000_001_000_000_000n },
    { spanId: 'ccccccccccccccc2', parentSpanId: 'ccccccccccccccc1', start: 1_765_000_002_000_000_000n },
  ];
  const json = { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'x' }, spans: extra.map((x) => ({
    traceId, spanId: x.spanId, parentSpanId: x.parentSpanId, name: `extra ${x.spanId}`, kind: 1,
    startTimeUnixNano: String(x.start), endTimeUnixNano: String(x.start + 1000n),
  })) }] }] };
  const res = await fetch(`http://127.0.0.1:${server.httpPort}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(json) });
  assert.equal(res.status, 200);
  for (const x of extra) sent.push({ id: x.spanId, parent: x.parentSpanId, start: x.start });

  // The expected order, from what was sent.
  const arrival = new Map(sent.map((s, i) => [s.id, i]));
  const kids = new Map<string, Sent[]>();
  const roots: Sent[] = [];
  for (const s of sent) {
    if (s.parent && arrival.has(s.parent)) { const l = kids.get(s.parent) ?? []; l.push(s); kids.set(s.parent, l); } else roots.push(s);
  }
  const cmp = (a: Sent, b: Sent) => (a.start < b.start ? -1 : a.start > b.start ? 1 : arrival.get(a.id)! - arrival.get(b.id)!);
  const want: string[] = [];
  const walk = (s: Sent) => { want.push(s.id); for (const c of (kids.get(s.id) ?? []).sort(cmp)) walk(c); };
  for (const r of roots.sort(cmp)) walk(r);
  const cycle = sent.filter((s) => !want.includes(s.id)).map((s) => s.id);
  assert.deepEqual(cycle, ['ccccccccccccccc1', 'ccccccccccccccc2']);

  const text = await (await fetch(`http://127.0.0.1:${server.httpPort}/api/traces/${traceId}/tree?stream=ndjson`, { headers: { Authorization: `Bearer ${server.token}` } })).text();
  const lines = text.trim().split('\n').map((l) => JSON.parse(l) as unknown);
  assert.ok('summary' in (lines[0] as object) && 'byModel' in (lines[lines.length - 1] as object));
  const got = lines.slice(1, -1).map((r) => (r as string[])[0]);
  assert.equal(got.length, sent.length);
  assert.deepEqual(got, [...want, ...cycle]);
  // Each row says where its parent is among the rows before it: -1 for a root, a parent the run
  // does not hold, and the spans of the cycle (reachable from no root).
  const rows = lines.slice(1, -1) as unknown[][];
  const sentParent = new Map(sent.map((s) => [s.id, s.parent]));
  rows.forEach((r, i) => {
    const parent = sentParent.get(r[0] as string) ?? '';
    const where = got.indexOf(parent);
    assert.equal(r[9], cycle.includes(r[0] as string) || where < 0 ? -1 : where, `row ${i} (${String(r[0])})`);
    if (where >= 0 && !cycle.includes(r[0] as string)) assert.ok(where < i);
  });
});
