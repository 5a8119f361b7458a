// Real OTLP exporters (protobuf, JSON, gRPC; traces and logs) send to a real server; what the API
// returns must equal what the SDK sent, field by field.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { trace as otelTrace, context as otelContext } from '@opentelemetry/api';
import { OTLPTraceExporter as ProtoTraces } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonTraces } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as GrpcTraces } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPLogExporter as ProtoLogs } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonLogs } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as GrpcLogs } from '@opentelemetry/exporter-logs-otlp-grpc';
import { LoggerProvider, SimpleLogRecordProcessor, InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import { startTestServer, api, waitFor } from '../helpers/server';
import { tracerProvider, emitRichTrace, expectedSpan, expectedAttrs, expectedValue, nanos } from '../helpers/otel';
import type { RunningServer } from '../../src/server/server';
import type { TraceListResponse, TraceResponse } from '../../src/protocol';

let server: RunningServer;
let get: ReturnType<typeof api>;
before(async () => { server = await startTestServer(); get = api(server); });
after(async () => { await server.close(); });

const clients: [string, () => SpanExporter, () => LogRecordExporter][] = [
  ['protobuf', () => new ProtoTraces({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` }), () => new ProtoLogs({ url: `http://127.0.0.1:${server.httpPort}/v1/logs` })],
  ['json', () => new JsonTraces({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` }), () => new JsonLogs({ url: `http://127.0.0.1:${server.httpPort}/v1/logs` })],
  ['grpc', () => new GrpcTraces({ url: `http://127.0.0.1:${server.grpcPort}`, compression: 'gzip' as never }), () => new GrpcLogs({ url: `http://127.0.0.1:${server.grpcPort}` })],
  ['protobuf+gzip', () => new ProtoTraces({ url: `http://127.0.0.1:${server.httpPort}/v1/traces`, compression: 'gzip' as never }), () => new ProtoLogs({ url: `http://127.0.0.1:${server.httpPort}/v1/logs`, compression: 'gzip' as never })],
];

for (const [name, makeTraces, makeLogs] of clients) {
  test(`${name}: spans come back from the API exactly as the SDK sent them`, async () => {
    const { provider, memory, tracer } = tracerProvider(`svc-${name}`, [makeTraces()], { attributeCountLimit: 20 });
    emitRichTrace(tracer, name);
    // A span over the attribute limit has a dropped count to carry.
    const many = tracer.startSpan('many-attributes');
    for (let i = 0; i < 25; i++) many.setAttribute(`k${i}`, i);
    many.end();
    await provider.forceFlush();
    const sent = memory.getFinishedSpans();
    const traceIds = [...new Set(sent.map((s) => s.spanContext().traceId))];
    for (const traceId of traceIds) {
      const got = await waitFor(`trace ${traceId}`, async () => {
        const r = await get<TraceResponse>(`/api/traces/${traceId}`).catch(() => undefined);
        return r && r.spans.length === sent.filter((s) => s.spanContext().traceId === traceId).length ? r : undefined;
      });
      for (const s of sent.filter((x) => x.spanContext().traceId === traceId)) {
        const api = got.spans.find((x) => x.spanId === s.spanContext().spanId);
        assert.ok(api, `span ${s.name} missing`);
        const { resource, scope, genai: _g, flags: _f, ...data } = api;
        const exp = expectedSpan(s);
        assert.deepEqual({ ...data, links: data.links.map(({ flags: _lf, ...l }) => l) }, exp, `span ${s.name} over ${name}`);
        assert.deepEqual(got.resources[resource]!.attributes, expectedAttrs(s.resource.attributes));
        assert.equal(got.scopes[scope]!.name, 'agent-lens-test');
        assert.equal(got.scopes[scope]!.version, '1.2.3');
      }
      // Parents first.
      const seen = new Set<string>();
      for (const sp of got.spans) {
        if (sp.parentSpanId && got.spans.some((x) => x.spanId === sp.parentSpanId)) assert.ok(seen.has(sp.parentSpanId), 'parent before child');
        seen.add(sp.spanId);
      }
    }
    const many2 = sent.find((s) => s.name === 'many-attributes')!;
    assert.equal(many2.droppedAttributesCount, 5);
    const list = await get<TraceListResponse>(`/api/traces?service=${encodeURIComponent(`svc-${name}`)}`);
    const agentRun = list.traces.find((t) => t.rootName === `invoke_agent ${name}`)!;
    assert.equal(agentRun.spanCount, 2);
    assert.equal(agentRun.errorCount, 1);
    assert.deepEqual(agentRun.agentNames, [`agent-${name}`]);
    assert.equal(agentRun.usage.input, 120);
    assert.equal(agentRun.usage.output, 30);
    assert.ok(agentRun.costUsd! > 0, 'gpt-4o-mini has a known price');
    await provider.shutdown();
  });

  test(`${name}: log records are kept and joined to their span`, async () => {
    const memory = new InMemoryLogRecordExporter();
    const lp = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': `logs-${name}` }),
      processors: [new SimpleLogRecordProcessor({ exporter: makeLogs() }), new SimpleLogRecordProcessor({ exporter: memory })],
    });
    const { provider, tracer } = tracerProvider(`logs-${name}`, [makeTraces()]);
    const span = tracer.startSpan('chat gpt-4o');
    const { trace, context } = await import('@opentelemetry/api');
    const ctx = trace.setSpan(context.active(), span);
    const logger = lp.getLogger('gen_ai-events', '0.1');
    logger.emit({
      context: ctx, eventName: 'gen_ai.user.message', severityNumber: 9, severityText: 'INFO',
      body: { content: 'hello', parts: [{ type: 'text', content: 'hi' }], n: 3, raw: new Uint8Array([1, 2]) },
      attributes: { 'gen_ai.system': 'openai', 'event.name': 'gen_ai.user.message' },
    });
    span.end();
    await provider.forceFlush();
    await lp.forceFlush();
    const sent = memory.getFinishedLogRecords()[0]!;
    const traceId = span.spanContext().traceId;
    const got = await waitFor('logs', async () => {
      const r = await get<TraceResponse>(`/api/traces/${traceId}`).catch(() => undefined);
      return r && r.logs.length === 1 ? r : undefined;
    });
    const l = got.logs[0]!;
    assert.equal(l.spanId, span.spanContext().spanId);
    assert.equal(l.traceId, traceId);
    assert.equal(l.eventName, 'gen_ai.user.message');
    assert.equal(l.severityNumber, 9);
    assert.equal(l.severityText, 'INFO');
    assert.equal(l.timeUnixNano, nanos(sent.hrTime));
    assert.deepEqual(l.body, expectedValue(sent.body));
    assert.deepEqual(l.attributes, expectedAttrs(sent.attributes));
    // The log record's own resource, as the logger provider was given it.
    assert.deepEqual(got.resources[l.resource]!.attributes.find((kv) => kv.key === 'service.name')?.value, { stringValue: `logs-${name}` });
    await lp.shutdown();
    await provider.shutdown();
  });
}

test('exporter retries: the same spans sent twice are kept once', async () => {
  const { provider, memory, tracer } = tracerProvider('dupes', [new ProtoTraces({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` })]);
  emitRichTrace(tracer, 'dupes');
  await provider.forceFlush();
  const again = new ProtoTraces({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` });
  await new Promise<void>((r) => again.export(memory.getFinishedSpans(), () => r()));
  const traceId = memory.getFinishedSpans()[0]!.spanContext().traceId;
  const got = await get<TraceResponse>(`/api/traces/${traceId}`);
  assert.equal(got.spans.length, 2);
  assert.equal(got.summary.spanCount, 2);
  assert.equal(got.summary.usage.input, 120, 'usage not counted twice');
  await provider.shutdown();
});

// Durations against the SDK's own span times, for runs of seconds to minutes that start just
// before a 2^32 ns boundary of today's clock (the protobuf decoder once scaled the high word of
// a time 1000x: every run longer than ~4.3 s read ~71 minutes).
function hrOf(ns: bigint): [number, number] { return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)]; }
const hrNs = (t: [number, number]) => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

function emitTimedRun(tracer: ReturnType<typeof tracerProvider>['tracer'], lengthNs: bigint, tag: string): string {
  const boundary = ((BigInt(Date.now()) * 1_000_000n) >> 32n) << 32n;
  const start = boundary - 123_456_789n;
  const root = tracer.startSpan(`invoke_agent ${tag}`, { startTime: hrOf(start) });
  const ctx = otelTrace.setSpan(otelContext.active(), root);
  // A model call that starts a millisecond in and a tool that ends a millisecond before the root.
  tracer.startSpan('chat', { startTime: hrOf(start + 1_000_000n) }, ctx).end(hrOf(start + lengthNs / 2n));
  tracer.startSpan('execute_tool', { startTime: hrOf(start + lengthNs / 2n + 7n) }, ctx).end(hrOf(start + lengthNs - 1_000_000n));
  root.end(hrOf(start + lengthNs));
  return root.spanContext().traceId;
}

for (const [name, makeTraces] of clients) {
  test(`${name}: run durations equal the SDK's span times for runs of 0.9 s, 71.5 s and 3 min across 2^32 ns boundaries`, async () => {
    const { provider, memory, tracer } = tracerProvider(`timed-${name}`, [makeTraces()]);
    const ids = [900_000_000n, 71_532_123_456n, 180_000_000_001n].map((len, i) => emitTimedRun(tracer, len, `${name}-${i}`));
    await provider.forceFlush();
    for (const id of ids) {
      const spans = memory.getFinishedSpans().filter((s) => s.spanContext().traceId === id);
      const first = spans.reduce((m, s) => (hrNs(s.startTime) < m ? hrNs(s.startTime) : m), hrNs(spans[0]!.startTime));
      const last = spans.reduce((m, s) => (hrNs(s.endTime) > m ? hrNs(s.endTime) : m), hrNs(spans[0]!.endTime));
      const got = await waitFor(`trace ${id}`, async () => {
        const r = await get<TraceResponse>(`/api/traces/${id}`).catch(() => undefined);
        return r && r.spans.length === 3 ? r : undefined;
      });
      assert.equal(got.summary.durationMs, Number(last - first) / 1e6, `${name}: run ${id}`);
      assert.equal(got.summary.startTimeUnixNano, first.toString());
      assert.equal(got.summary.endTimeUnixNano, last.toString());
    }
  });
}

test('a run whose spans come over protobuf and JSON has one duration, equal to the SDK\'s', async () => {
  const proto = tracerProvider('mixed', [new ProtoTraces({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` })]);
  const json = tracerProvider('mixed', [new JsonTraces({ url: `http://127.0.0.1:${server.httpPort}/v1/traces` })]);
  const start = (((BigInt(Date.now()) * 1_000_000n) >> 32n) << 32n) - 5_000_000n;
  const root = proto.tracer.startSpan('invoke_agent mixed', { startTime: hrOf(start) });
  const ctx = otelTrace.setSpan(otelContext.active(), root);
  const child = json.tracer.startSpan('chat', { startTime: hrOf(start + 10_000_000n) }, ctx);
  child.end(hrOf(start + 12_345_678_901n));
  root.end(hrOf(start + 12_400_000_000n));
  await Promise.all([proto.provider.forceFlush(), json.provider.forceFlush()]);
  const id = root.spanContext().traceId;
  const got = await waitFor('the mixed run', async () => {
    const r = await get<TraceListResponse>('/api/traces?limit=1000');
    const s = r.traces.find((t) => t.traceId === id);
    return s && s.spanCount === 2 ? s : undefined;
  });
  assert.equal(got.durationMs, 12_400);
});
